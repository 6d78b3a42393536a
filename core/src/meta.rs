//! Metadata every resource carries, and the rules for names and tags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::timestamp::Timestamp;

/// Tags: free-form `key -> value` labels used for filtering.
pub type Tags = BTreeMap<String, String>;

/// Most tags one resource may carry.
pub const MAX_TAGS: usize = 50;
/// Longest tag key, in bytes.
pub const MAX_TAG_KEY_LEN: usize = 128;
/// Longest tag value, in bytes.
pub const MAX_TAG_VALUE_LEN: usize = 256;
/// Longest resource name, in bytes.
pub const MAX_NAME_LEN: usize = 63;

/// Metadata common to every resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Unique id with a kind prefix, e.g. `fleet-01jz…`. Never changes.
    pub id: String,
    /// Unique name within the kind.
    pub name: String,
    /// When the resource was created.
    pub created_at: Timestamp,
    /// When the resource was last written.
    pub updated_at: Timestamp,
    /// Store revision of the last write; changes on every write. Used for
    /// optimistic concurrency (`expected_version`) and as the HTTP ETag.
    #[serde(skip)]
    pub resource_version: u64,
    /// Labels.
    pub tags: Tags,
}

/// Checks a resource name: 1–63 characters of `a-z A-Z 0-9 . _ -`, starting
/// and ending with a letter or digit.
pub fn validate_name(subject: &'static str, name: &str) -> Result<()> {
    let invalid = |reason: &str| Err(Error::invalid(subject, "name", reason));
    if name.is_empty() {
        return invalid("must not be empty");
    }
    if name.len() > MAX_NAME_LEN {
        return invalid(&format!("must be at most {MAX_NAME_LEN} characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return invalid("may contain only letters, digits, '-', '_' and '.'");
    }
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge_ok(name.bytes().next()) || !edge_ok(name.bytes().last()) {
        return invalid("must start and end with a letter or digit");
    }
    Ok(())
}

/// Checks tags: at most [`MAX_TAGS`]; keys 1–128 bytes of
/// `a-z A-Z 0-9 . _ - / :`, starting with a letter or digit; values up to
/// 256 bytes of printable characters.
pub fn validate_tags(subject: &'static str, tags: &Tags) -> Result<()> {
    if tags.len() > MAX_TAGS {
        return Err(Error::invalid(
            subject,
            "tags",
            format!("must have at most {MAX_TAGS} entries"),
        ));
    }
    for (key, value) in tags {
        validate_tag_key(subject, key)?;
        let field = || format!("tags.{key}");
        if value.len() > MAX_TAG_VALUE_LEN {
            return Err(Error::invalid(
                subject,
                field(),
                format!("must be at most {MAX_TAG_VALUE_LEN} bytes"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(Error::invalid(
                subject,
                field(),
                "must not contain control characters",
            ));
        }
    }
    Ok(())
}

/// Checks one tag key (also used for tag filters).
pub fn validate_tag_key(subject: &'static str, key: &str) -> Result<()> {
    let invalid = |reason: String| Err(Error::invalid(subject, "tags", reason));
    if key.is_empty() {
        return invalid("keys must not be empty".into());
    }
    if key.len() > MAX_TAG_KEY_LEN {
        return invalid(format!(
            "key {key:?} is longer than {MAX_TAG_KEY_LEN} bytes"
        ));
    }
    if !key.as_bytes()[0].is_ascii_alphanumeric()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':'))
    {
        return invalid(format!(
            "key {key:?} must start with a letter or digit and contain only letters, digits, '-', '_', '.', '/' and ':'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_name(name: &str, want: Option<&str>) {
        let got = validate_name("fleet configuration", name).err();
        match (got, want) {
            (None, None) => {}
            (Some(err), Some(reason)) => {
                assert_eq!(err.field_violation(), Some(("name", reason)), "{name:?}")
            }
            (got, want) => panic!("{name:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn name_rules() {
        check_name("web-fleet", None);
        check_name("a", None);
        check_name("Web_Fleet.2", None);
        check_name("", Some("must not be empty"));
        check_name(&"a".repeat(64), Some("must be at most 63 characters"));
        check_name(&"a".repeat(63), None);
        check_name(
            "web fleet",
            Some("may contain only letters, digits, '-', '_' and '.'"),
        );
        check_name(
            "web/fleet",
            Some("may contain only letters, digits, '-', '_' and '.'"),
        );
        check_name("-web", Some("must start and end with a letter or digit"));
        check_name("web.", Some("must start and end with a letter or digit"));
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn tag_rules() {
        let subject = "fleet configuration";
        assert!(
            validate_tags(
                subject,
                &tags(&[("environment", "production"), ("team/x:y", "")])
            )
            .is_ok()
        );
        let many: Tags = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
        let err = validate_tags(subject, &many).unwrap_err();
        assert_eq!(
            err.field_violation(),
            Some(("tags", "must have at most 50 entries"))
        );

        let err = validate_tags(subject, &tags(&[("", "v")])).unwrap_err();
        assert_eq!(
            err.field_violation(),
            Some(("tags", "keys must not be empty"))
        );
        let err = validate_tags(subject, &tags(&[("bad key", "v")])).unwrap_err();
        assert_eq!(err.field_violation().unwrap().0, "tags");
        assert!(
            err.field_violation()
                .unwrap()
                .1
                .contains("must start with a letter or digit")
        );
        let long_key = "k".repeat(129);
        let err = validate_tags(subject, &tags(&[(&long_key, "v")])).unwrap_err();
        assert!(
            err.field_violation()
                .unwrap()
                .1
                .contains("longer than 128 bytes")
        );

        let long_value = "v".repeat(257);
        let err = validate_tags(subject, &tags(&[("env", &long_value)])).unwrap_err();
        assert_eq!(
            err.field_violation(),
            Some(("tags.env", "must be at most 256 bytes"))
        );
        let err = validate_tags(subject, &tags(&[("env", "a\nb")])).unwrap_err();
        assert_eq!(
            err.field_violation(),
            Some(("tags.env", "must not contain control characters"))
        );
        assert_eq!(err.code(), crate::ErrorCode::InvalidRequest);
        assert_eq!(err.message(), "Invalid fleet configuration");
    }
}

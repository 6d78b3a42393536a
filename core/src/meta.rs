//! Metadata every resource carries, and the rules for names and tags.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::timestamp::Timestamp;

/// Tags: free-form `key -> value` labels used for filtering.
pub type Tags = BTreeMap<String, String>;

/// Most tags one resource may carry.
pub const MAX_TAGS: usize = 50;
/// Longest tag key, in bytes.
pub const MAX_TAG_KEY_LEN: usize = 128;
/// Longest tag value, in characters.
pub const MAX_TAG_VALUE_LEN: usize = 256;
/// Longest resource name, in bytes.
pub const MAX_NAME_LEN: usize = 63;
/// Longest namespace, in bytes (a DNS label).
pub const MAX_NAMESPACE_LEN: usize = 63;
/// The namespace of a namespaced resource created without one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Metadata common to every resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// Unique id with a kind prefix, e.g. `fleet-01jz…`. Never changes.
    pub id: String,
    /// Unique name within the kind (within the namespace, for namespaced
    /// kinds).
    pub name: String,
    /// The namespace of a namespaced kind (`default` unless set); empty for
    /// kinds that are not namespaced. Never changes.
    pub namespace: String,
    /// When the resource was created.
    pub created_at: Timestamp,
    /// When the resource was last written.
    pub updated_at: Timestamp,
    /// Store revision of the last write; changes on every write, including
    /// the server's own status writes. Watchers and lists see it; the HTTP
    /// ETag is this value.
    pub resource_version: u64,
    /// Store revision of the last change a client made (create, update,
    /// delete, lifecycle action), like Kubernetes' `generation`: status
    /// writes by the server (a reconciler's observed counts) leave it
    /// alone. An expected version passes when it lies between this and
    /// `resource_version`, so a status write never fails a client's
    /// precondition. On an object staged for a write, 0 means "changed by
    /// this write".
    pub spec_version: u64,
    /// Labels.
    pub tags: Tags,
    /// Who created the resource: a user id, an OAuth client id, or
    /// [`SYSTEM_ACTOR`]. Empty for records written before actors were
    /// recorded.
    pub created_by: String,
    /// Who made the last client change (status writes by the server leave
    /// it alone, as they leave `spec_version`).
    pub updated_by: String,
}

/// The actor of writes ClusterDB makes itself (reconcilers, bootstrap) and
/// of an embedding application that does not name one.
pub const SYSTEM_ACTOR: &str = "system";

impl Meta {
    /// Whether a client that read this resource at `expected` has seen its
    /// current spec: no client change happened after `expected`.
    pub fn accepts_version(&self, expected: u64) -> bool {
        self.spec_version <= expected && expected <= self.resource_version
    }

    /// Records the revision a write committed at.
    pub(crate) fn stamp(&mut self, revision: u64) {
        self.resource_version = revision;
        if self.spec_version == 0 {
            self.spec_version = revision;
        }
    }
}

/// Checks a namespace: a DNS label (RFC 1123) — 1–63 characters of
/// `a-z 0-9 -`, starting and ending with a letter or digit.
pub fn validate_namespace(subject: &'static str, namespace: &str) -> Result<()> {
    let invalid = |reason: &str| Err(Error::invalid(subject, "namespace", reason));
    if namespace.is_empty() {
        return invalid("must not be empty");
    }
    if namespace.len() > MAX_NAMESPACE_LEN {
        return invalid(&format!("must be at most {MAX_NAMESPACE_LEN} characters"));
    }
    if !namespace
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return invalid("may contain only lowercase letters, digits and '-'");
    }
    let edge_ok = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge_ok(namespace.bytes().next()) || !edge_ok(namespace.bytes().last()) {
        return invalid("must start and end with a letter or digit");
    }
    Ok(())
}

/// Checks a resource name: 1–63 characters of `a-z A-Z 0-9 . _ -`, starting
/// and ending with a letter or digit. Errors name `field` (the kind's
/// [`crate::Kind::NAME_FIELD`]).
pub fn validate_name(subject: &'static str, field: &str, name: &str) -> Result<()> {
    let invalid = |reason: &str| Err(Error::invalid(subject, field, reason));
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
/// 256 characters, none of them control characters.
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
        if value.len() > MAX_TAG_VALUE_LEN && value.chars().count() > MAX_TAG_VALUE_LEN {
            return Err(Error::invalid(
                subject,
                field(),
                format!("must be at most {MAX_TAG_VALUE_LEN} characters"),
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
        let got = validate_name("fleet configuration", "name", name).err();
        match (got, want) {
            (None, None) => {}
            (Some(err), Some(reason)) => {
                assert_eq!(err.field_violation(), Some(("name", reason)), "{name:?}")
            }
            (got, want) => panic!("{name:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn namespace_rules() {
        let reason = |ns: &str| {
            validate_namespace("virtual service", ns)
                .err()
                .map(|e| e.field_violation().unwrap().1.to_string())
        };
        assert_eq!(reason("default"), None);
        assert_eq!(reason("team-a1"), None);
        assert_eq!(reason(&"a".repeat(63)), None);
        assert_eq!(reason("").as_deref(), Some("must not be empty"));
        assert_eq!(
            reason(&"a".repeat(64)).as_deref(),
            Some("must be at most 63 characters")
        );
        for bad in ["Prod", "a_b", "a.b", "a/b"] {
            assert_eq!(
                reason(bad).as_deref(),
                Some("may contain only lowercase letters, digits and '-'"),
                "{bad}"
            );
        }
        assert_eq!(
            reason("-a").as_deref(),
            Some("must start and end with a letter or digit")
        );
    }

    #[test]
    fn expected_versions_between_spec_and_resource_version_pass() {
        let meta = Meta {
            id: "fleet-1".into(),
            name: "web".into(),
            namespace: String::new(),
            created_at: Timestamp::from_unix_millis(0),
            updated_at: Timestamp::from_unix_millis(0),
            resource_version: 12,
            spec_version: 10,
            tags: Tags::new(),
            created_by: String::new(),
            updated_by: String::new(),
        };
        assert!(!meta.accepts_version(9));
        assert!(meta.accepts_version(10));
        assert!(meta.accepts_version(11));
        assert!(meta.accepts_version(12));
        assert!(!meta.accepts_version(13));
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
            Some(("tags.env", "must be at most 256 characters"))
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

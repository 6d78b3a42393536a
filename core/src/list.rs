//! List requests: page size, opaque page tokens and index filters.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};
use crate::keys;
use crate::kind::Kind;
use crate::meta::{MAX_TAG_VALUE_LEN, validate_namespace, validate_tag_key};

/// Page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Largest page size.
pub const MAX_PAGE_SIZE: u32 = 1000;
/// Most filters (tags and fields) one list may carry.
pub const MAX_FILTERS: usize = 16;
/// Stored bytes one page holds at most: a page stops early (with a token
/// to continue) once its items reach this size, so a page of large
/// resources stays a bounded response.
pub const MAX_PAGE_BYTES: usize = 4 << 20;
const SUBJECT: &str = "list request";
/// Tokens name the revision their list reads at, and the last id.
const TOKEN_VERSION: &str = "v2";
/// Tokens of earlier releases: the last id only.
const TOKEN_VERSION_UNPINNED: &str = "v1";

/// What to list: page size, where to continue, and filters that must all
/// match (tag equality, or an indexed field of the kind).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// 1..=1000; default 100.
    pub page_size: Option<u32>,
    /// `next_page_token` of the previous page.
    pub page_token: Option<String>,
    /// Every filter must match.
    pub filters: Vec<Filter>,
    /// Only the resource with this name (in the namespace filter's
    /// namespace, or `default`, for a namespaced kind): a page of at most
    /// one item, read through the name index.
    pub name: Option<String>,
}

/// `field == value` on an index: `tag:{key}` for a tag, or a field the kind
/// indexes (such as an instance's `fleet_id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Index field.
    pub field: String,
    /// Required value.
    pub value: String,
}

impl ListOptions {
    /// Sets the page size.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Continues after a previous page.
    pub fn page_token(mut self, token: impl Into<String>) -> Self {
        self.page_token = Some(token.into());
        self
    }

    /// Requires tag `key` to equal `value`.
    pub fn tag(mut self, key: &str, value: impl Into<String>) -> Self {
        self.filters.push(Filter {
            field: keys::tag_field(key),
            value: value.into(),
        });
        self
    }

    /// Only the resource named `name`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Only resources in `namespace` (namespaced kinds).
    pub fn namespace(self, namespace: &str) -> Self {
        self.field(crate::txn::NAMESPACE_FIELD, namespace)
    }

    /// Requires the indexed field `field` to equal `value`.
    pub fn field(mut self, field: &str, value: impl Into<String>) -> Self {
        self.filters.push(Filter {
            field: field.to_string(),
            value: value.into(),
        });
        self
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage<T> {
    /// The items, in id order (ids sort by creation time).
    pub items: Vec<T>,
    /// Pass to [`ListOptions::page_token`] for the next page; `None` on the
    /// last page.
    pub next_page_token: Option<String>,
    /// The store revision every page of the list reflects (pinned by the
    /// first page, carried by the tokens).
    pub revision: u64,
}

/// A checked list request.
pub(crate) struct Query {
    pub limit: usize,
    pub after_id: Option<String>,
    /// The revision the list reads at: the token's, else set by the
    /// first page.
    pub revision: Option<u64>,
    pub filters: Vec<Filter>,
    pub name: Option<String>,
}

impl Query {
    pub fn parse<K: Kind>(options: &ListOptions) -> Result<Self> {
        let size = options.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid(
                SUBJECT,
                "page_size",
                format!("must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        let (revision, after_id) = match options.page_token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => {
                let (revision, id) = decode_token::<K>(token)?;
                (revision, Some(id))
            }
            None => (None, None),
        };
        if options.filters.len() > MAX_FILTERS {
            return Err(Error::invalid(
                SUBJECT,
                "filter",
                format!("at most {MAX_FILTERS} filters"),
            ));
        }
        for filter in &options.filters {
            check_filter::<K>(filter)?;
        }
        if let Some(name) = &options.name {
            crate::meta::validate_name(SUBJECT, "name", name)?;
        }
        Ok(Query {
            limit: size as usize,
            after_id,
            revision,
            filters: options.filters.clone(),
            name: options.name.clone(),
        })
    }
}

fn check_filter<K: Kind>(filter: &Filter) -> Result<()> {
    match filter.field.strip_prefix("tag:") {
        Some(key) => validate_tag_key(SUBJECT, key)?,
        None if K::INDEXED_FIELDS.contains(&filter.field.as_str()) => {}
        None if K::NAMESPACED && filter.field == crate::txn::NAMESPACE_FIELD => {
            validate_namespace(SUBJECT, &filter.value)?
        }
        None => {
            return Err(Error::invalid(
                SUBJECT,
                "filter",
                format!("{} cannot be filtered on {:?}", K::NAME, filter.field),
            ));
        }
    }
    if filter.value.chars().any(char::is_control)
        || filter.value.chars().count() > MAX_TAG_VALUE_LEN
    {
        return Err(Error::invalid(
            SUBJECT,
            "filter",
            format!(
                "values must be at most {MAX_TAG_VALUE_LEN} characters without control characters"
            ),
        ));
    }
    Ok(())
}

impl Query {
    /// A page of this list: `items`, then `next_page_token`.
    pub fn page<T>(&self, items: Vec<T>, next_page_token: Option<String>) -> ListPage<T> {
        ListPage {
            items,
            next_page_token,
            revision: self.revision.unwrap_or(0),
        }
    }

    /// The token that continues this list after `last_id`.
    pub fn token_after(&self, last_id: &str) -> String {
        encode_token(self.revision.unwrap_or(0), last_id)
    }
}

/// The token that continues a list read at `revision` after `last_id`.
pub(crate) fn encode_token(revision: u64, last_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}:{revision}:{last_id}"))
}

/// The revision (none in an earlier release's token) and last id of a token.
fn decode_token<K: Kind>(token: &str) -> Result<(Option<u64>, String)> {
    let invalid = || Error::invalid(SUBJECT, "page_token", "is not a valid page token");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (version, rest) = text.split_once(':').ok_or_else(invalid)?;
    let (revision, id) = match version {
        TOKEN_VERSION => {
            let (revision, id) = rest.split_once(':').ok_or_else(invalid)?;
            let revision = revision.parse::<u64>().map_err(|_| invalid())?;
            (Some(revision), id)
        }
        TOKEN_VERSION_UNPINNED => (None, rest),
        _ => return Err(invalid()),
    };
    let well_formed = id
        .strip_prefix(K::NAME)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(invalid());
    }
    Ok((revision, id.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{FleetKind, InstanceKind};
    use proptest::prelude::*;

    fn violation(options: ListOptions) -> (String, String) {
        let err = Query::parse::<InstanceKind>(&options)
            .err()
            .expect("invalid");
        let (field, reason) = err.field_violation().unwrap();
        (field.to_string(), reason.to_string())
    }

    #[test]
    fn page_size_bounds() {
        assert_eq!(
            Query::parse::<FleetKind>(&ListOptions::default())
                .unwrap()
                .limit,
            100
        );
        let want = (
            "page_size".to_string(),
            "must be between 1 and 1000".to_string(),
        );
        assert_eq!(violation(ListOptions::default().page_size(0)), want);
        assert_eq!(violation(ListOptions::default().page_size(1001)), want);
        assert_eq!(
            Query::parse::<FleetKind>(&ListOptions::default().page_size(1000))
                .unwrap()
                .limit,
            1000
        );
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let token = encode_token(7, "instance-01abc");
        let q = Query::parse::<InstanceKind>(&ListOptions::default().page_token(&token)).unwrap();
        assert_eq!(q.after_id.as_deref(), Some("instance-01abc"));
        assert_eq!(q.revision, Some(7));
        // An earlier release's token names no revision and still works.
        let old = URL_SAFE_NO_PAD.encode("v1:instance-01abc");
        let q = Query::parse::<InstanceKind>(&ListOptions::default().page_token(&old)).unwrap();
        assert_eq!(
            (q.revision, q.after_id.as_deref()),
            (None, Some("instance-01abc"))
        );
        let want = (
            "page_token".to_string(),
            "is not a valid page token".to_string(),
        );
        // A token of another kind, garbage, and a path-like id are refused.
        assert_eq!(
            violation(ListOptions::default().page_token(encode_token(7, "fleet-01abc"))),
            want
        );
        assert_eq!(violation(ListOptions::default().page_token("!!!")), want);
        assert_eq!(
            violation(ListOptions::default().page_token(encode_token(7, "instance-a/b"))),
            want
        );
    }

    #[test]
    fn filters_must_be_indexed() {
        assert!(
            Query::parse::<InstanceKind>(&ListOptions::default().field("fleet_id", "fleet-1"))
                .is_ok()
        );
        assert_eq!(
            violation(ListOptions::default().field("capacity", "3")),
            (
                "filter".to_string(),
                "instance cannot be filtered on \"capacity\"".to_string()
            )
        );
        assert_eq!(
            violation(ListOptions::default().tag("bad key", "x")).0,
            "tags"
        );
        assert_eq!(
            violation(ListOptions::default().tag("env", "a\0b")).0,
            "filter"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_tokens_never_panic(token in ".{0,80}") {
            let _ = Query::parse::<FleetKind>(&ListOptions::default().page_token(token));
        }
    }
}

//! Typed extractors. Every rejection is an [`ApiError`] in the spec's format.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header, request::Parts};
use clusterdb::{ListOptions, MAX_PAGE_SIZE};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body of type `T`: `Content-Type: application/json` (or
/// `application/*+json`), within the body limit, every field known.
pub struct JsonBody<T>(pub T);

/// Whether the request says its body is JSON.
fn is_json(parts_content_type: Option<&str>) -> bool {
    let Some(value) = parts_content_type else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Fails with 415 unless the request's `Content-Type` is JSON.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if is_json(content_type) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
        "the request body must be JSON (Content-Type: application/json)",
    )
    .detail("content_type", content_type.unwrap_or_default()))
}

/// Reads the body bytes of a JSON request.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    require_json(req.headers())?;
    body_bytes(req, state).await
}

/// Reads the body, within the body limit (413 beyond it).
pub async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "the request body is larger than the server accepts",
            )
        } else {
            ApiError::invalid("Invalid request body", "body", rejection.body_text())
        }
    })
}

/// Parses JSON, naming the offending field on failure.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::invalid(
                "Invalid request body",
                "body",
                format!("is not valid JSON: {inner}"),
            );
        }
        let message = inner.to_string();
        // Missing and unknown fields are reported at their parent; name
        // the field itself.
        let named = message
            .strip_prefix("missing field `")
            .or_else(|| message.strip_prefix("unknown field `"))
            .and_then(|rest| rest.split('`').next());
        let field = match (named, path.as_str()) {
            (Some(name), "." | "") => name.to_string(),
            // Unknown fields are already in the path; missing ones are not.
            (Some(name), path) if path == name || path.ends_with(&format!(".{name}")) => {
                path.to_string()
            }
            (Some(name), parent) => format!("{parent}.{name}"),
            (None, "." | "") => "body".to_string(),
            (None, path) => path.to_string(),
        };
        let reason = match message.split_once(" at line ") {
            Some((reason, _)) => reason.to_string(),
            None => message.clone(),
        };
        ApiError::invalid("Invalid request body", &field, reason)
    })?;
    deserializer_end(bytes)?;
    Ok(value)
}

/// Fails if anything but whitespace follows the JSON value.
fn deserializer_end(bytes: &[u8]) -> Result<(), ApiError> {
    let mut stream =
        serde_json::Deserializer::from_slice(bytes).into_iter::<serde::de::IgnoredAny>();
    stream.next();
    if stream.next().is_some() {
        return Err(ApiError::invalid(
            "Invalid request body",
            "body",
            "is not valid JSON: trailing characters",
        ));
    }
    Ok(())
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// The version an `If-Match` header requires (`None`: no header or `*`).
pub struct IfMatch(pub Option<u64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(value) => parse_if_match(value.as_bytes()).map(IfMatch),
        }
    }
}

/// Parses an `If-Match` value: `*` (any version) or one strong ETag.
pub fn parse_if_match(value: &[u8]) -> Result<Option<u64>, ApiError> {
    {
        let invalid = || {
            ApiError::invalid(
                "Invalid If-Match header",
                "If-Match",
                "must be \"*\" or an ETag such as \"42\" from a previous response",
            )
        };
        let text = std::str::from_utf8(value).map_err(|_| invalid())?.trim();
        // An empty list of ETags (RFC 9110's `#entity-tag`) is no condition.
        if text == "*" || text.is_empty() {
            return Ok(None);
        }
        let version = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(invalid)?;
        Ok(Some(version))
    }
}

/// The quoted ETag of a resource version.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// List query parameters: `page_size`, `page_token`, `tag=key:value`
/// (repeatable), `name` (at most one item), and the kind's indexed fields
/// (e.g. `fleet_id`).
pub struct ListQuery(pub ListOptions);

impl ListQuery {
    /// Parses a raw query string, accepting `fields` besides the common ones
    /// and, for a namespaced kind, `namespace`. An empty `page_token` is
    /// the same as none.
    pub fn parse(query: Option<&str>, fields: &[&str], namespaced: bool) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(query.unwrap_or(""))?;
        let mut options = ListOptions::default();
        for (key, value) in pairs {
            match key.as_str() {
                "page_size" => {
                    let size = value.parse::<u32>().map_err(|_| {
                        ApiError::invalid(
                            "Invalid list request",
                            "page_size",
                            format!("must be between 1 and {MAX_PAGE_SIZE}"),
                        )
                    })?;
                    options = options.page_size(size);
                }
                "namespace" if namespaced => options = options.namespace(&value),
                "name" => options = options.name(value),
                "page_token" if value.is_empty() => {}
                "page_token" => options = options.page_token(value),
                "tag" => {
                    let (tag, wanted) = value.split_once(':').ok_or_else(|| {
                        ApiError::invalid("Invalid list request", "tag", "must look like key:value")
                    })?;
                    options = options.tag(tag, wanted);
                }
                field if fields.contains(&field) => options = options.field(field, value),
                read if crate::read_options::PARAMETERS.contains(&read) => {}
                other => {
                    return Err(ApiError::invalid(
                        "Invalid list request",
                        other,
                        "is not a known query parameter",
                    ));
                }
            }
        }
        Ok(ListQuery(options))
    }
}

/// The one parameter a route takes besides the read options: `name`,
/// whose value must be one of `choices` (`text → value`); `default` when
/// it is absent. Any other parameter is refused, naming it; so is a value
/// not among the choices (`reason` says which are).
pub(crate) fn single_choice<T: Copy>(
    query: Option<&str>,
    message: &str,
    name: &str,
    choices: &[(&str, T)],
    default: T,
    reason: &str,
) -> Result<T, ApiError> {
    let mut chosen = default;
    for (key, value) in serde_urlencoded_pairs(query.unwrap_or(""))? {
        if key == name {
            chosen = choices
                .iter()
                .find(|(text, _)| *text == value)
                .map(|(_, value)| *value)
                .ok_or_else(|| ApiError::invalid(message, name, reason))?;
        } else if !crate::read_options::PARAMETERS.contains(&key.as_str()) {
            return Err(ApiError::invalid(
                message,
                &key,
                "is not a known query parameter",
            ));
        }
    }
    Ok(chosen)
}

/// The decoded `(key, value)` pairs of a raw query string (of any route:
/// the error names no route's kind of request).
pub(crate) fn serde_urlencoded_pairs(query: &str) -> Result<Vec<(String, String)>, ApiError> {
    let invalid = || {
        ApiError::invalid(
            "Invalid query string",
            "query",
            "is not a valid query string",
        )
    };
    let uri = format!("/?{query}").parse().map_err(|_| invalid())?;
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        capacity: u32,
        #[serde(default)]
        tags: std::collections::BTreeMap<String, String>,
    }

    /// Parses `json` and returns the error's (field, reason), if any.
    fn check(json: &str) -> Option<(String, String)> {
        parse_json::<Body>(json.as_bytes()).err().map(|err| {
            assert_eq!(err.status, StatusCode::BAD_REQUEST);
            assert_eq!(err.code, "INVALID_REQUEST");
            (
                err.details["field"].as_str().unwrap().to_string(),
                err.details["reason"].as_str().unwrap().to_string(),
            )
        })
    }

    #[test]
    fn body_errors_name_the_field() {
        assert_eq!(check(r#"{"name":"a","capacity":3}"#), None);
        let (field, reason) = check(r#"{"name":"a","capacity":"3"}"#).unwrap();
        assert_eq!(field, "capacity");
        assert!(
            reason.starts_with("invalid type: string \"3\", expected u32"),
            "{reason}"
        );
        let (field, reason) = check(r#"{"name":"a"}"#).unwrap();
        assert_eq!(
            (field.as_str(), reason.as_str()),
            ("capacity", "missing field `capacity`")
        );
        let (field, reason) = check(r#"{"name":"a","capacity":1,"colour":"red"}"#).unwrap();
        assert_eq!(field, "colour");
        assert!(reason.starts_with("unknown field `colour`"));
        let (field, _) = check(r#"{"name":"a","capacity":1,"tags":{"k":1}}"#).unwrap();
        assert_eq!(field, "tags.k");
        let (field, reason) = check(r#"{"name":"a","capacity":"#).unwrap();
        assert_eq!(field, "body");
        assert!(reason.starts_with("is not valid JSON"));
        let (field, _) = check(r#"{"name":"a","capacity":1} {}"#).unwrap();
        assert_eq!(field, "body");
        let (field, _) = check("[]").unwrap();
        assert_eq!(field, "body");
        let (field, _) = check(r#"{"name":"a","capacity":-1}"#).unwrap();
        assert_eq!(field, "capacity");
    }

    #[test]
    fn media_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(None));
    }

    #[test]
    fn list_queries() {
        let q = ListQuery::parse(
            Some("page_size=5&tag=env:prod&tag=tier:web&fleet_id=f1"),
            &["fleet_id"],
            false,
        )
        .ok()
        .unwrap();
        assert_eq!(q.0.page_size, Some(5));
        assert_eq!(q.0.filters.len(), 3);
        let q = ListQuery::parse(Some("page_token=&namespace=prod"), &[], true)
            .ok()
            .unwrap();
        assert_eq!(q.0, ListOptions::default().namespace("prod"));
        let err = ListQuery::parse(Some("namespace=prod"), &[], false)
            .err()
            .unwrap();
        assert_eq!(err.details["field"], "namespace");
        let err = ListQuery::parse(Some("page_size=lots"), &[], false)
            .err()
            .unwrap();
        assert_eq!(err.details["field"], "page_size");
        let err = ListQuery::parse(Some("tag=novalue"), &[], false)
            .err()
            .unwrap();
        assert_eq!(err.details["field"], "tag");
        let err = ListQuery::parse(Some("colour=red"), &[], false)
            .err()
            .unwrap();
        assert_eq!(err.details["field"], "colour");
    }
}

//! API versions: `/v1` (stable), `/v2beta1` (v1 plus beta additions), `/v0`
//! (deprecated alias of v1), and unversioned paths routed by the `Accept`
//! header's `version` parameter (default v1).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Every version this server speaks.
pub const VERSIONS: &[&str] = &["v1", "v2beta1", "v0"];
/// When v0 was deprecated (RFC 9745 `Deprecation`), 2026-01-01T00:00:00Z.
const V0_DEPRECATED_AT: u64 = 1_767_225_600;
/// When v0 goes away (RFC 8594 `Sunset`), 2027-07-01T00:00:00Z.
const V0_SUNSET_AT: u64 = 1_782_864_000;

fn is_versioned(path: &str) -> bool {
    VERSIONS.iter().any(|v| {
        path.strip_prefix('/')
            .and_then(|p| p.strip_prefix(v))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The `version` parameter of the `Accept` header: `Ok(None)` when absent,
/// `Err` with the value when it names no version this server speaks.
pub(crate) fn accept_version(headers: &HeaderMap) -> Result<Option<&'static str>, String> {
    for value in headers.get_all(header::ACCEPT) {
        let Ok(text) = value.to_str() else { continue };
        for range in text.split(',') {
            for param in range.split(';').skip(1) {
                let Some((name, value)) = param.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("version") {
                    let value = value.trim().trim_matches('"');
                    return VERSIONS
                        .iter()
                        .find(|v| **v == value)
                        .map(|v| Some(*v))
                        .ok_or_else(|| value.to_string());
                }
            }
        }
    }
    Ok(None)
}

/// Routes an unversioned path to the version its `Accept` header names.
pub async fn route_unversioned(mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if is_versioned(path) {
        return next.run(request).await;
    }
    let version = match accept_version(request.headers()) {
        Ok(version) => version.unwrap_or("v1"),
        Err(unknown) => {
            return ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                "NOT_ACCEPTABLE",
                format!("API version {unknown:?} is not served here"),
            )
            .detail("supported", VERSIONS.join(", "))
            .into_response();
        }
    };
    let rewritten = match request.uri().query() {
        Some(query) => format!("/{version}{path}?{query}"),
        None => format!("/{version}{path}"),
    };
    if let Ok(uri) = rewritten.parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    next.run(request).await
}

/// Marks every v0 response deprecated and points at its v1 successor.
pub async fn deprecate_v0(request: Request, next: Next) -> Response {
    // Inside the nested router the `/v0` prefix is already stripped.
    let successor = format!("</v1{}>; rel=\"successor-version\"", request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&format!("@{V0_DEPRECATED_AT}")) {
        headers.insert("deprecation", value);
    }
    let sunset = std::time::UNIX_EPOCH + std::time::Duration::from_secs(V0_SUNSET_AT);
    if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(sunset)) {
        headers.insert("sunset", value);
    }
    if let Ok(value) = HeaderValue::from_str(&successor) {
        headers.insert(header::LINK, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn versions_from_accept() {
        assert_eq!(
            accept_version(&accept("application/json;version=v1")),
            Ok(Some("v1"))
        );
        assert_eq!(
            accept_version(&accept("text/html, application/json; version=\"v2beta1\"")),
            Ok(Some("v2beta1"))
        );
        assert_eq!(accept_version(&accept("application/json")), Ok(None));
        assert_eq!(accept_version(&HeaderMap::new()), Ok(None));
        assert_eq!(
            accept_version(&accept("application/json;version=v9")),
            Err("v9".into())
        );
    }

    #[test]
    fn versioned_paths() {
        assert!(is_versioned("/v1/fleets"));
        assert!(is_versioned("/v2beta1"));
        assert!(!is_versioned("/v10/fleets"));
        assert!(!is_versioned("/fleets"));
    }
}

//! How fresh a request's reads must be, as the client says it: the query
//! parameters `min_revision=N` and `stale=true|false` (REST), or the
//! headers `X-ClusterDB-Min-Revision` and `X-ClusterDB-Stale` (gRPC
//! metadata, also read over REST). Without either a read is consistent.
//! `min_revision` wins over `stale`: "at least N" needs no proof that the
//! server is current.

use axum::extract::Request;
use clusterdb::Freshness;

use crate::headers;

/// The query parameters every route takes besides its own.
pub const PARAMETERS: [&str; 2] = ["min_revision", "stale"];

/// A read option that is not well formed: the parameter and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The parameter's name (`min_revision`, `stale`).
    pub field: &'static str,
    /// What it must be.
    pub reason: &'static str,
}

const MIN_REVISION_REASON: &str = "must be an integer from 0 to 9223372036854775807";
const STALE_REASON: &str = "must be true or false";

/// The freshness `request` asks for.
pub fn of(request: &Request) -> Result<Freshness, Invalid> {
    let mut min_revision = None;
    let mut stale = None;
    if let Some(query) = request.uri().query()
        && (query.contains("min_revision") || query.contains("stale"))
    {
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "min_revision" => min_revision = Some(parse_revision(&value)?),
                "stale" => stale = Some(parse_stale(&value)?),
                _ => {}
            }
        }
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{0}"))
    };
    if let Some(value) = header(headers::MIN_REVISION) {
        min_revision = Some(parse_revision(value)?);
    }
    if let Some(value) = header(headers::STALE) {
        stale = Some(parse_stale(value)?);
    }
    Ok(match (min_revision, stale) {
        (Some(revision), _) => Freshness::AtLeast(revision),
        (None, Some(true)) => Freshness::Stale,
        (None, _) => Freshness::Consistent,
    })
}

fn parse_revision(value: &str) -> Result<u64, Invalid> {
    let invalid = Invalid {
        field: "min_revision",
        reason: MIN_REVISION_REASON,
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid);
    }
    // At most i64::MAX: what JSON and gRPC clients (int64) can send.
    value
        .parse::<i64>()
        .ok()
        .and_then(|revision| u64::try_from(revision).ok())
        .ok_or(invalid)
}

fn parse_stale(value: &str) -> Result<bool, Invalid> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Invalid {
            field: "stale",
            reason: STALE_REASON,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str, headers: &[(&str, &str)]) -> Result<Freshness, Invalid> {
        let mut builder = axum::http::Request::builder().uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        of(&builder.body(axum::body::Body::empty()).unwrap())
    }

    #[test]
    fn parameters_and_headers() {
        assert_eq!(parse("/v1/fleets", &[]), Ok(Freshness::Consistent));
        assert_eq!(
            parse("/v1/fleets?page_size=2&min_revision=42", &[]),
            Ok(Freshness::AtLeast(42))
        );
        assert_eq!(parse("/v1/fleets?stale=true", &[]), Ok(Freshness::Stale));
        assert_eq!(
            parse("/v1/fleets?stale=false", &[]),
            Ok(Freshness::Consistent)
        );
        assert_eq!(
            parse("/v1/fleets?stale=true&min_revision=7", &[]),
            Ok(Freshness::AtLeast(7))
        );
        assert_eq!(
            parse("/x", &[("x-clusterdb-min-revision", "9")]),
            Ok(Freshness::AtLeast(9))
        );
        assert_eq!(
            parse("/x", &[("x-clusterdb-stale", "true")]),
            Ok(Freshness::Stale)
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        assert_eq!(
            parse("/v1/fleets?min_revision=9223372036854775807", &[]),
            Ok(Freshness::AtLeast(i64::MAX as u64))
        );
        for bad in [
            "-1",
            "1.5",
            "",
            "abc",
            "9223372036854775808",
            "99999999999999999999999",
            "+3",
        ] {
            let err = parse(&format!("/v1/fleets?min_revision={bad}"), &[]).unwrap_err();
            assert_eq!(err.field, "min_revision", "{bad}");
        }
        for bad in ["yes", "1", "TRUE", ""] {
            let err = parse(&format!("/v1/fleets?stale={bad}"), &[]).unwrap_err();
            assert_eq!(err.field, "stale", "{bad}");
        }
        let err = parse("/x", &[("x-clusterdb-min-revision", "x")]).unwrap_err();
        assert_eq!(err.field, "min_revision");
    }
}

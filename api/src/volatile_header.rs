//! Header values that differ from response to response.

use axum::http::HeaderValue;

/// `value` marked as one that differs from response to response (a
/// request id, a revision, a rate limit's remainder): HTTP/2 then sends it
/// as a literal "never indexed" ([`HeaderValue::set_sensitive`]) instead
/// of adding it to the connection's header compression table, where it
/// would never be reused, would evict entries that are, and would make
/// each later lookup of its name compare against every earlier value
/// (8.8 % of the samples of a gRPC get in a server profile). HTTP/1.1
/// ignores it.
pub(crate) fn volatile(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}

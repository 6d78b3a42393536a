//! Standard Webhooks signatures: what the server signs a delivery with
//! ([`signature`]) and what a receiver checks ([`verify`]).
//!
//! A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and
//! `webhook-signature`: `v1,<base64>` per signing secret (two during a
//! rotation), separated by spaces, where the base64 is HMAC-SHA256 over
//! `{id}.{timestamp}.{body}` keyed with the secret's decoded bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

/// How far a delivery's timestamp may be from now (replay protection).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Why a delivery is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A header the scheme needs is missing or not text.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a number of seconds.
    #[error("webhook-timestamp is not a number")]
    BadTimestamp,
    /// The timestamp is further from now than the tolerance: a replay,
    /// or a clock far off.
    #[error("webhook-timestamp is too far from now")]
    OutsideTolerance,
    /// The secret is not `whsec_` followed by base64.
    #[error("the secret is not whsec_ followed by base64")]
    BadSecret,
    /// No `v1` signature is the body's under this secret.
    #[error("no signature matches")]
    NoMatch,
}

/// `v1,<base64>`: the signature of `body` sent as message `id` at Unix
/// second `timestamp`, under `key` (a secret's decoded bytes).
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key),
        &signed_content(id, &timestamp.to_string(), body),
    );
    format!("v1,{}", STANDARD.encode(tag.as_ref()))
}

/// Checks a delivery received now, within [`DEFAULT_TOLERANCE`]: `secret`
/// is the endpoint's `whsec_…` secret, `body` the raw bytes as received.
/// Deduplicate on `webhook-id`: delivery is at least once.
pub fn verify(secret: &str, headers: &http::HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
    verify_at(secret, headers, body, SystemTime::now(), DEFAULT_TOLERANCE)
}

/// [`verify`] as of `now`, with a `tolerance` of your own.
pub fn verify_at(
    secret: &str,
    headers: &http::HeaderMap,
    body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), VerifyError> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .ok_or(VerifyError::MissingHeader(name))
    };
    let (id, timestamp, signatures) = (
        header("webhook-id")?,
        header("webhook-timestamp")?,
        header("webhook-signature")?,
    );
    let sent: i64 = timestamp.parse().map_err(|_| VerifyError::BadTimestamp)?;
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    };
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(sent) > tolerance.unsigned_abs() {
        return Err(VerifyError::OutsideTolerance);
    }
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or(VerifyError::BadSecret)?;
    let key = hmac::Key::new(hmac::HMAC_SHA256, &key);
    let content = signed_content(id, timestamp, body);
    let matches = signatures
        .split_whitespace()
        .filter_map(|signature| signature.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|tag| hmac::verify(&key, &content, &tag).is_ok());
    if matches {
        Ok(())
    } else {
        Err(VerifyError::NoMatch)
    }
}

/// `{id}.{timestamp}.{body}`.
fn signed_content(id: &str, timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut signed = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    signed
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SENT: u64 = 1614265330;

    fn headers(signature: &str, timestamp: u64) -> http::HeaderMap {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "webhook-id",
            "msg_p5jXN8AQM9LWM0D4loKWxJek".parse().unwrap(),
        );
        headers.insert("webhook-timestamp", timestamp.to_string().parse().unwrap());
        headers.insert("webhook-signature", signature.parse().unwrap());
        headers
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_and_verifies_the_specification_example() {
        let key = STANDARD.decode(&SECRET["whsec_".len()..]).unwrap();
        let signed = signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", SENT as i64, BODY);
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let other = "v1,bm9wZQ== v2,whatever";
        let rotated = headers(&format!("{other} {signed}"), SENT);
        assert_eq!(
            verify_at(SECRET, &rotated, BODY, at(SENT + 299), DEFAULT_TOLERANCE),
            Ok(())
        );
    }

    #[test]
    fn refuses_a_changed_body_an_old_timestamp_and_a_stranger() {
        let key = STANDARD.decode(&SECRET["whsec_".len()..]).unwrap();
        let signed = signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", SENT as i64, BODY);
        let good = headers(&signed, SENT);
        let check = |secret, headers: &http::HeaderMap, body, now| {
            verify_at(secret, headers, body, at(now), DEFAULT_TOLERANCE)
        };
        assert_eq!(
            check(SECRET, &good, b"{}".as_slice(), SENT),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            check(SECRET, &good, BODY, SENT + 301),
            Err(VerifyError::OutsideTolerance)
        );
        assert_eq!(
            check(SECRET, &good, BODY, SENT - 301),
            Err(VerifyError::OutsideTolerance)
        );
        let stranger = "whsec_c3RyYW5nZXJzdHJhbmdlcnN0cmFuZ2Vy";
        assert_eq!(
            check(stranger, &good, BODY, SENT),
            Err(VerifyError::NoMatch)
        );
        assert_eq!(
            check("nope", &good, BODY, SENT),
            Err(VerifyError::BadSecret)
        );
        let mut missing = good.clone();
        missing.remove("webhook-id");
        assert_eq!(
            check(SECRET, &missing, BODY, SENT),
            Err(VerifyError::MissingHeader("webhook-id"))
        );
        assert_eq!(
            check(SECRET, &headers(&signed, 0), BODY, SENT),
            Err(VerifyError::OutsideTolerance)
        );
        let mut bad_time = good;
        bad_time.insert("webhook-timestamp", "soon".parse().unwrap());
        assert_eq!(
            check(SECRET, &bad_time, BODY, SENT),
            Err(VerifyError::BadTimestamp)
        );
    }
}

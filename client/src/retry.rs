//! Sending a request until it gets an answer worth returning: the
//! credentials on every attempt, an `Idempotency-Key` on every POST so a
//! retry runs once, and retries of connection errors, 429, 503 and 409
//! `IDEMPOTENCY_KEY_IN_USE` after `Retry-After` (or a growing, jittered
//! wait).

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode};

use crate::auth::Credentials;
use crate::error::{ClientError, retry_after};
use crate::transport::Transport;

/// How a client retries a request that may succeed later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first (0: never retry).
    pub max_retries: u32,
    /// The longest single wait, whatever `Retry-After` says.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    /// 3 retries, waits of at most 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
        }
    }
}

/// What a request needs besides itself.
pub(crate) struct Exchange<'a> {
    pub transport: &'a Transport,
    pub credentials: &'a Credentials,
    pub policy: RetryPolicy,
    /// Per attempt, until the answer's body is read; `None` for streams.
    pub timeout: Option<Duration>,
}

impl Exchange<'_> {
    /// Sends `request` (whose body must be in memory) and returns the
    /// answer to return: a success, or an error no retry would mend.
    pub(crate) async fn send(
        &self,
        mut request: reqwest::Request,
    ) -> Result<reqwest::Response, ClientError> {
        if request.method() == Method::POST && !request.headers().contains_key("idempotency-key") {
            request.headers_mut().insert(
                "idempotency-key",
                new_idempotency_key().parse().expect("hex"),
            );
        }
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            let mut this = request.try_clone().ok_or_else(|| {
                ClientError::Unexpected("a streamed request body cannot be retried".into())
            })?;
            if let Some(value) = self.credentials.header(self.transport).await? {
                this.headers_mut()
                    .insert(reqwest::header::AUTHORIZATION, value);
            }
            *this.timeout_mut() = self.timeout;
            let retries_left = attempt < self.policy.max_retries;
            let response = match self.transport.execute(this).await {
                Ok(response) => response,
                Err(ClientError::Transport(error)) if retries_left && worth_retrying(&error) => {
                    tokio::time::sleep(self.wait(attempt, None)).await;
                    attempt += 1;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let status = response.status();
            // A cached access token the server no longer takes: fetch
            // another, once.
            if status == StatusCode::UNAUTHORIZED && !renewed && self.credentials.forget_token() {
                renewed = true;
                continue;
            }
            if !retries_left || !matches!(status.as_u16(), 409 | 429 | 503) {
                return Ok(response);
            }
            let retry_after = retry_after(response.headers());
            let response = if status == StatusCode::CONFLICT {
                let (response, in_use) = key_in_use(response).await?;
                if !in_use {
                    return Ok(response);
                }
                response
            } else {
                response
            };
            drop(response);
            tokio::time::sleep(self.wait(attempt, retry_after)).await;
            attempt += 1;
        }
    }

    /// The wait before retry number `attempt + 1`: `Retry-After` if the
    /// server gave one, else 250 ms doubling up to 8 s, half of it
    /// jittered; never above the policy's longest.
    fn wait(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let wait = retry_after.unwrap_or_else(|| {
            let full = Duration::from_millis(250)
                .saturating_mul(1 << attempt.min(5))
                .min(Duration::from_secs(8));
            full / 2 + full.mul_f64(f64::from(random_byte()) / 255.0 / 2.0)
        });
        wait.min(self.policy.max_wait)
    }
}

/// Connection errors and timeouts: the request may not have run, and if
/// it did, its idempotency key (or its method) makes running it again
/// safe.
fn worth_retrying(error: &reqwest::Error) -> bool {
    error.is_connect() || error.is_timeout() || error.is_request()
}

/// Whether a 409 is `IDEMPOTENCY_KEY_IN_USE` (the first attempt still
/// running), and the answer rebuilt around its body for the caller.
async fn key_in_use(response: reqwest::Response) -> Result<(reqwest::Response, bool), ClientError> {
    let mut head = http::Response::builder().status(response.status());
    if let Some(headers) = head.headers_mut() {
        headers.extend(response.headers().clone());
    }
    let body: Bytes = response.bytes().await?;
    let in_use = serde_json::from_slice::<serde_json::Value>(&body)
        .is_ok_and(|v| v["error"]["code"] == "IDEMPOTENCY_KEY_IN_USE");
    let rebuilt = head
        .body(body)
        .map_err(|e| ClientError::Unexpected(e.to_string()))?;
    Ok((reqwest::Response::from(rebuilt), in_use))
}

/// A random UUID (version 4), as the other SDKs send.
fn new_idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .expect("the system's random source");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn random_byte() -> u8 {
    let mut byte = [0u8; 1];
    // No randomness, no jitter: the wait is still bounded.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte);
    byte[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_version_4_uuids_and_differ() {
        let (a, b) = (new_idempotency_key(), new_idempotency_key());
        assert_ne!(a, b);
        for key in [a, b] {
            let groups: Vec<&str> = key.split('-').collect();
            let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
            assert_eq!(lengths, [8, 4, 4, 4, 12], "{key}");
            assert!(groups[2].starts_with('4'), "{key}");
            assert!("89ab".contains(&groups[3][..1]), "{key}");
        }
    }

    #[test]
    fn waits_follow_retry_after_within_the_policy() {
        let transport = Transport::network(reqwest::Client::new());
        let credentials = Credentials::None;
        let exchange = Exchange {
            transport: &transport,
            credentials: &credentials,
            policy: RetryPolicy {
                max_retries: 3,
                max_wait: Duration::from_secs(5),
            },
            timeout: None,
        };
        assert_eq!(
            exchange.wait(0, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            exchange.wait(0, Some(Duration::from_secs(60))),
            Duration::from_secs(5)
        );
        for attempt in 0..10 {
            let full = Duration::from_millis(250 << attempt.min(5)).min(Duration::from_secs(8));
            let wait = exchange.wait(attempt, None);
            assert!(
                wait >= full / 2 && wait <= full.min(Duration::from_secs(5)),
                "{wait:?}"
            );
        }
    }
}

//! Webhook delivery: events from the log `POST`ed to endpoints, signed the
//! Standard Webhooks way, retried on a schedule, recorded per attempt.
//! [`Sender`] makes one attempt; [`dispatch::run`] is the dispatcher that
//! follows the log; [`redeliver`] is a person's retry.

pub mod delivery;
pub mod dispatch;
pub mod outbound;
pub mod signing;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::http::header;
use clusterdb::Timestamp;
use clusterdb::webhooks::{Attempt, Webhook};
use ring::rand::{SecureRandom, SystemRandom};

pub use delivery::{TEST_EVENT, body, redeliver, routes_to};
pub use dispatch::run;

/// How long a receiver has to answer (default).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The delay before each scheduled attempt: immediately, then 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h and 10 h — about 28 hours of retries over eight
/// attempts (each delay stretched by up to 10 % of jitter).
pub const DEFAULT_SCHEDULE: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How deliveries are made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// How long a receiver has to answer an attempt.
    pub timeout: Duration,
    /// Whether receivers at loopback, private, link-local or other
    /// non-public addresses are allowed (off by default).
    pub allow_private: bool,
    /// The delay before each scheduled attempt; its length is the number
    /// of attempts before the endpoint is disabled.
    pub schedule: Vec<Duration>,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            timeout: DEFAULT_TIMEOUT,
            allow_private: false,
            schedule: DEFAULT_SCHEDULE.to_vec(),
        }
    }
}

/// What an attempt's answer means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx: delivered.
    Delivered,
    /// `410 Gone`: the receiver wants no more; the endpoint is disabled.
    Gone,
    /// Anything else (another status, a timeout, a refused or failed
    /// connection): try again later, no sooner than `retry_after` if the
    /// receiver said so.
    Failed {
        /// The receiver's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// Where delivery reads the time and waits for it: the wall clock, or a
/// test's own (so a retry schedule of hours runs in milliseconds).
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Timestamp;
    /// Waits `duration` by this clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// A boxed future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The wall clock and tokio's timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Makes attempts: one HTTP client (no redirects, no proxies, the address
/// policy) for every delivery, and the clock delivery goes by.
pub struct Sender {
    options: DeliveryOptions,
    client: OnceLock<Result<reqwest::Client, String>>,
    clock: Arc<dyn Clock>,
}

impl Sender {
    /// A sender with these options, on the wall clock.
    pub fn new(options: DeliveryOptions) -> Self {
        Self::with_clock(options, Arc::new(SystemClock))
    }

    /// A sender that reads the time from `clock` (tests).
    pub fn with_clock(options: DeliveryOptions, clock: Arc<dyn Clock>) -> Self {
        Sender {
            options,
            client: OnceLock::new(),
            clock,
        }
    }

    /// Its options.
    pub fn options(&self) -> &DeliveryOptions {
        &self.options
    }

    /// Its clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    fn client(&self) -> Result<&reqwest::Client, String> {
        self.client
            .get_or_init(|| {
                outbound::client(self.options.timeout, self.options.allow_private)
                    .map_err(|e| format!("cannot make the HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// One attempt to deliver `body` (message `event_id`) to `endpoint`,
    /// signed with its current secrets; never fails, it reports.
    pub async fn attempt(
        &self,
        hooks: &clusterdb::webhooks::Webhooks,
        endpoint: &Webhook,
        event_id: &str,
        body: &[u8],
        number: u32,
        manual: bool,
    ) -> (Attempt, Outcome) {
        let at = self.clock.now();
        let started = Instant::now();
        let result = self.post(hooks, endpoint, event_id, body, at).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        let (response_code, outcome, error) = match result {
            Ok(response) => {
                let status = response.status();
                let outcome = if status.is_success() {
                    Outcome::Delivered
                } else if status == reqwest::StatusCode::GONE {
                    Outcome::Gone
                } else {
                    Outcome::Failed {
                        retry_after: retry_after(response.headers()),
                    }
                };
                let error = if status.is_success() {
                    String::new()
                } else {
                    format!("the receiver answered {status}")
                };
                (Some(status.as_u16()), outcome, error)
            }
            Err(error) => (None, Outcome::Failed { retry_after: None }, error),
        };
        crate::metrics::counters().webhook_attempt(
            matches!(outcome, Outcome::Delivered),
            started.elapsed().as_secs_f64(),
        );
        let attempt = Attempt {
            number,
            at,
            response_code,
            duration_ms,
            error,
            manual,
        };
        (attempt, outcome)
    }

    async fn post(
        &self,
        hooks: &clusterdb::webhooks::Webhooks,
        endpoint: &Webhook,
        event_id: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<reqwest::Response, String> {
        let url = outbound::check_url(&endpoint.spec.url, self.options.allow_private)
            .map_err(|e| e.to_string())?;
        let timestamp = now.unix_millis().div_euclid(1000);
        let secrets = hooks
            .signing_secrets(endpoint, now)
            .map_err(|err| format!("the endpoint's secret cannot be read: {err}"))?;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let signature = signing::signature_header(&secrets, event_id, timestamp, body);
        self.client()?
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header("webhook-id", event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| outbound::describe(&e))
    }
}

/// A `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// The delay before the next attempt: the schedule's, stretched by up to
/// 10 % at random (so many endpoints failing together do not retry in
/// step), and no sooner than the receiver's `Retry-After`.
pub fn retry_delay(scheduled: Duration, retry_after: Option<Duration>) -> Duration {
    let mut random = [0u8; 2];
    let fraction = match SystemRandom::new().fill(&mut random) {
        Ok(()) => f64::from(u16::from_le_bytes(random)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    };
    let jittered = scheduled.mul_f64(1.0 + 0.1 * fraction);
    jittered.max(retry_after.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_jitters_up_to_a_tenth_and_honours_retry_after() {
        for _ in 0..100 {
            let d = retry_delay(Duration::from_secs(100), None);
            assert!(
                d >= Duration::from_secs(100) && d <= Duration::from_secs(110),
                "{d:?}"
            );
        }
        assert_eq!(retry_delay(Duration::ZERO, None), Duration::ZERO);
        let d = retry_delay(Duration::from_secs(5), Some(Duration::from_secs(60)));
        assert_eq!(d, Duration::from_secs(60));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(120)));
        let later = std::time::SystemTime::now() + Duration::from_secs(3600);
        headers.insert(
            header::RETRY_AFTER,
            httpdate::fmt_http_date(later).parse().unwrap(),
        );
        let got = retry_after(&headers).unwrap();
        assert!(
            got > Duration::from_secs(3500) && got <= Duration::from_secs(3600),
            "{got:?}"
        );
        headers.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn the_default_schedule_is_eight_attempts_over_about_a_day() {
        assert_eq!(DEFAULT_SCHEDULE.len(), 8);
        let total: Duration = DEFAULT_SCHEDULE.iter().sum();
        assert_eq!(
            total.as_secs(),
            5 + 300 + 1800 + 7200 + 18000 + 36000 + 36000
        );
    }
}

//! Rate limiting (the spec's section): a token bucket (GCRA, governor) per
//! principal for authenticated requests (an OAuth client's token requests
//! included), per client IP for unauthenticated ones, and for failed
//! authentications per client IP *and* per credential id they named — so
//! guessing is limited from one address and against one credential, while
//! a valid credential is never refused for what others did from its
//! address. Public documents (discovery, JWKS, OpenAPI) have buckets of
//! their own per client IP. The client IP is the peer's, or the one a
//! trusted proxy names ([`crate::client_ip`]). Every response carries `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds); a
//! refusal is `429 RATE_LIMIT_EXCEEDED` with `details.limit`,
//! `details.reset` and `Retry-After` (gRPC: `RESOURCE_EXHAUSTED` with the
//! same values as metadata). Idle keys are evicted every minute, so memory
//! stays bounded by the callers of the last minute.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use clusterdb::identity::{Principal, Role};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::rest::error::ApiError;

/// Requests per minute per principal unless configured.
pub const DEFAULT_PER_PRINCIPAL: u32 = 6000;
/// Requests per minute per client IP for unauthenticated requests and
/// failed authentications unless configured.
pub const DEFAULT_PER_ANONYMOUS_IP: u32 = 600;
/// Longest credential id a failure bucket is kept for.
const MAX_CREDENTIAL_ID: usize = 128;
/// How often idle keys are evicted.
const EVICT_EVERY: Duration = Duration::from_secs(60);

/// The limits, in requests per minute; `None` turns limiting off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// Every principal's limit, unless its role has its own.
    pub per_principal: u32,
    /// Limits by role; a principal gets the highest of its roles'.
    pub per_role: BTreeMap<Role, u32>,
    /// Per client IP, for unauthenticated requests and failed
    /// authentications.
    pub per_anonymous_ip: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_principal: DEFAULT_PER_PRINCIPAL,
            per_role: BTreeMap::new(),
            per_anonymous_ip: DEFAULT_PER_ANONYMOUS_IP,
        }
    }
}

impl RateLimits {
    /// Every principal (admins included) limited to `per_minute`.
    pub fn uniform(per_minute: u32) -> Self {
        RateLimits {
            per_principal: per_minute,
            ..RateLimits::default()
        }
    }

    /// The limit of `principal`.
    pub fn of(&self, principal: &Principal) -> u32 {
        principal
            .roles
            .iter()
            .filter_map(|role| self.per_role.get(role))
            .copied()
            .max()
            .unwrap_or(self.per_principal)
    }
}

/// Whose bucket a request draws from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// An authenticated principal (user or client id).
    Principal(String),
    /// An unauthenticated client, or one whose authentication failed.
    Ip(IpAddr),
    /// Failed authentications naming this credential (an API key id or an
    /// OAuth client id), from any address.
    Credential(String),
    /// Requests for public documents from a client IP.
    Documents(IpAddr),
}

type Limiter =
    RateLimiter<Bucket, DefaultKeyedStateStore<Bucket>, DefaultClock, StateInformationMiddleware>;

/// What a check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests per minute of the bucket.
    pub limit: u32,
    /// Requests left now.
    pub remaining: u32,
    /// Unix seconds: when the bucket is full again (allowed) or when the
    /// next request is allowed (refused).
    pub reset: u64,
    /// Seconds to wait before retrying (refused).
    pub retry_after: u64,
}

impl Decision {
    /// Adds the `X-RateLimit-*` headers (and `Retry-After` on a refusal).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        let volatile = |value: u64| crate::volatile_header::volatile(HeaderValue::from(value));
        headers.insert("x-ratelimit-remaining", volatile(self.remaining.into()));
        headers.insert("x-ratelimit-reset", volatile(self.reset));
        if !self.allowed {
            headers.insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(self.retry_after),
            );
        }
    }
}

/// The buckets of one server: one governor limiter per distinct limit.
pub struct RateLimiters {
    limits: RateLimits,
    limiters: BTreeMap<u32, Limiter>,
    clock: DefaultClock,
}

impl RateLimiters {
    /// Limiters for `limits`, with a task that evicts idle buckets every
    /// minute while they live.
    pub fn new(limits: RateLimits) -> Arc<RateLimiters> {
        let mut values: Vec<u32> = limits.per_role.values().copied().collect();
        values.push(limits.per_principal);
        values.push(limits.per_anonymous_ip);
        let limiters = values
            .into_iter()
            .filter_map(|limit| {
                let quota = Quota::per_minute(NonZeroU32::new(limit)?);
                Some((
                    limit,
                    RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
                ))
            })
            .collect();
        let limiters = Arc::new(RateLimiters {
            limits,
            limiters,
            clock: DefaultClock::default(),
        });
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(evict_idle(Arc::downgrade(&limiters)));
        }
        limiters
    }

    /// The configured limits.
    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Takes one request from `bucket`, whose limit is `limit`.
    pub fn check(&self, bucket: &Bucket, limit: u32) -> Decision {
        let now_unix = unix_now();
        let Some(limiter) = self.limiters.get(&limit) else {
            // A zero limit: refuse everything, for an hour.
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset: now_unix + 3600,
                retry_after: 3600,
            };
        };
        let per_request = 60.0 / f64::from(limit.max(1));
        match limiter.check_key(bucket) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let refill = per_request * f64::from(limit.saturating_sub(remaining));
                Decision {
                    allowed: true,
                    limit,
                    remaining,
                    reset: now_unix + refill.ceil() as u64,
                    retry_after: 0,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let wait_s = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Decision {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset: now_unix + wait_s.max(1),
                    retry_after: wait_s.max(1),
                }
            }
        }
    }

    /// Takes one request of `principal` from its bucket.
    pub fn check_principal(&self, principal: &Principal) -> Decision {
        self.check(
            &Bucket::Principal(principal.id.clone()),
            self.limits.of(principal),
        )
    }

    /// Takes one request of the OAuth client `client_id` (its token
    /// requests) from the client's bucket.
    pub fn check_client(&self, client_id: &str) -> Decision {
        self.check(
            &Bucket::Principal(client_id.to_string()),
            self.limits.per_principal,
        )
    }

    /// Takes one unauthenticated request from `ip`'s bucket.
    pub fn check_ip(&self, ip: IpAddr) -> Decision {
        self.check(&Bucket::Ip(ip), self.limits.per_anonymous_ip)
    }

    /// Takes one request for a public document from `ip`'s documents
    /// bucket.
    pub fn check_documents(&self, ip: IpAddr) -> Decision {
        self.check(&Bucket::Documents(ip), self.limits.per_anonymous_ip)
    }

    /// Charges a failed authentication from `ip` naming `credential` to
    /// both buckets: refused if either is empty. Also says which refused
    /// (`ip` or `credential`).
    pub fn check_failure(&self, ip: IpAddr, credential: Option<&str>) -> (Decision, &'static str) {
        let by_ip = self.check_ip(ip);
        if !by_ip.allowed {
            return (by_ip, "ip");
        }
        // Ids are short; a longer one names no credential, and is not kept
        // as a bucket key (a client could send a megabyte of it).
        if let Some(id) = credential.filter(|id| id.len() <= MAX_CREDENTIAL_ID) {
            let by_credential = self.check(
                &Bucket::Credential(id.to_string()),
                self.limits.per_anonymous_ip,
            );
            if !by_credential.allowed {
                return (by_credential, "credential");
            }
        }
        (by_ip, "ip")
    }

    /// Buckets held now (all limiters).
    pub fn buckets(&self) -> usize {
        self.limiters.values().map(|l| l.len()).sum()
    }

    /// Drops buckets that are full again (indistinguishable from new).
    pub fn evict_idle(&self) {
        for limiter in self.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

async fn evict_idle(limiters: Weak<RateLimiters>) {
    let mut tick = tokio::time::interval(EVICT_EVERY);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(limiters) = limiters.upgrade() else {
            return;
        };
        limiters.evict_idle();
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// What the guard leaves for a public route that rate-limits on its own
/// (the token endpoint): the client address and the limiter, if on.
#[derive(Clone)]
pub struct ClientLimits {
    /// The client's address (see [`crate::client_ip`]).
    pub ip: IpAddr,
    /// The server's limiter; `None` is off.
    pub limiters: Option<Arc<RateLimiters>>,
}

impl ClientLimits {
    /// Charges `charge` and turns `response` into the spec's 429 if the
    /// bucket is empty; adds the `X-RateLimit-*` headers either way.
    pub fn apply(&self, charge: Charge, mut response: Response) -> Response {
        let Some(limiters) = &self.limiters else {
            return response;
        };
        let (decision, by) = match &charge {
            Charge::Client(id) => (limiters.check_client(id), "principal"),
            Charge::Failure(credential) => limiters.check_failure(self.ip, credential.as_deref()),
        };
        if !decision.allowed {
            return rate_limited(&decision, false, by);
        }
        decision.write_headers(response.headers_mut());
        response
    }
}

/// What a request is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    /// An authenticated OAuth client (its token request).
    Client(String),
    /// A failed authentication naming this credential id, if any.
    Failure(Option<String>),
}

/// The refusal of a request over its rate (counted by what was limited:
/// `principal`, `ip` or `credential`).
pub(crate) fn rate_limited(decision: &Decision, grpc: bool, by: &str) -> Response {
    crate::metrics::counters().rate_limited(by);
    let message = "Rate limit exceeded";
    let mut response = if grpc {
        tonic::Status::resource_exhausted(message).into_http()
    } else {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            message,
        )
        .detail("limit", decision.limit)
        .detail("reset", decision.reset)
        .into_response()
    };
    decision.write_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_101st_request_is_refused_per_bucket() {
        let limiters = RateLimiters::new(RateLimits::uniform(100));
        let alice = Principal::user("user-alice", [Role::Admin]);
        let bob = Principal::user("user-bob", [Role::Viewer]);
        for i in 0..100 {
            let d = limiters.check_principal(&alice);
            assert!(d.allowed, "request {i}");
            assert_eq!((d.limit, d.remaining), (100, 99 - i));
        }
        let refused = limiters.check_principal(&alice);
        assert!(!refused.allowed);
        assert_eq!((refused.limit, refused.remaining), (100, 0));
        assert!(refused.retry_after >= 1 && refused.reset > unix_now());
        // Another principal has its own bucket.
        assert!(limiters.check_principal(&bob).allowed);
    }

    #[tokio::test]
    async fn roles_get_their_limits_and_full_buckets_are_evicted() {
        let limits = RateLimits {
            per_principal: 10,
            per_role: [(Role::Admin, 6000)].into(),
            per_anonymous_ip: 2,
        };
        let limiters = RateLimiters::new(limits);
        let admin = Principal::user("user-a", [Role::Viewer, Role::Admin]);
        assert_eq!(limiters.check_principal(&admin).limit, 6000);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(limiters.check_ip(ip).allowed);
        assert!(limiters.check_ip(ip).allowed);
        assert!(!limiters.check_ip(ip).allowed);
        assert_eq!(limiters.buckets(), 2);
        // At 6,000 a minute the admin's bucket refills in 10 ms.
        std::thread::sleep(Duration::from_millis(50));
        limiters.evict_idle();
        assert_eq!(
            limiters.buckets(),
            1,
            "the refilled bucket went, the drained one stays"
        );
    }

    #[tokio::test]
    async fn failures_drain_the_address_and_the_credential_not_the_valid() {
        let limiters = RateLimiters::new(RateLimits {
            per_anonymous_ip: 3,
            ..RateLimits::uniform(100)
        });
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let elsewhere: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiters.check_failure(attacker, Some("apikey-a")).0.allowed);
        }
        let (refused, by) = limiters.check_failure(attacker, None);
        assert!(!refused.allowed);
        assert_eq!(by, "ip");
        // The credential is drained from any address.
        let (refused, by) = limiters.check_failure(elsewhere, Some("apikey-a"));
        assert!(!refused.allowed);
        assert_eq!(by, "credential");
        // A valid client at the attacker's address has its own bucket, and
        // so do the public documents.
        assert!(limiters.check_client("oauthclient-x").allowed);
        assert!(limiters.check_documents(attacker).allowed);
        // An id longer than any credential's gets no bucket of its own.
        let held = limiters.buckets();
        let fresh: IpAddr = "192.0.2.3".parse().unwrap();
        limiters.check_failure(fresh, Some(&"x".repeat(100_000)));
        assert_eq!(limiters.buckets(), held + 1, "the address's bucket only");
    }

    #[tokio::test]
    async fn a_bucket_refills() {
        let limiters = RateLimiters::new(RateLimits::uniform(6000));
        let p = Principal::user("user-p", []);
        while limiters.check_principal(&p).allowed {}
        std::thread::sleep(Duration::from_millis(30));
        assert!(limiters.check_principal(&p).allowed);
    }
}

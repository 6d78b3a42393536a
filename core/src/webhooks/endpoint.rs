//! The webhook endpoint kind: where events are delivered (`url`), which
//! (`events`, `*` for all), signed with which secret, and whether delivery
//! is on. The secret is write-only: stored (delivery signs with it), never
//! shown but in the answer to a create or a rotation.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, max_len};

/// The prefix of every signing secret (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";
/// Fewest random bytes in a secret.
pub const MIN_SECRET_BYTES: usize = 24;
/// Most random bytes in a secret.
pub const MAX_SECRET_BYTES: usize = 64;
/// Bytes in a generated secret.
const GENERATED_SECRET_BYTES: usize = 32;
/// Longest endpoint URL.
pub const MAX_URL_LEN: usize = 2048;
/// Most event types one endpoint subscribes to.
pub const MAX_EVENT_TYPES: usize = 64;
/// Longest event type.
pub const MAX_EVENT_TYPE_LEN: usize = 128;
/// How long a replaced secret still signs (and verifies), in milliseconds.
pub const SECRET_OVERLAP_MILLIS: i64 = 24 * 60 * 60 * 1000;
/// The event type meaning "every event".
pub const ALL_EVENTS: &str = "*";

/// The webhook endpoint kind.
pub struct WebhookKind;

/// A webhook endpoint.
pub type Webhook = Object<WebhookKind>;

/// What the user sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSpec {
    /// `http://` or `https://` URL events are `POST`ed to.
    pub url: String,
    /// Event types to deliver (`fleet.created`), or `*` for every event.
    pub events: Vec<String>,
    /// Whether delivery is on (turned off by the server when the receiver
    /// answers `410 Gone` or fails past the retry schedule).
    pub enabled: bool,
    /// Free text.
    pub description: String,
    /// The signing secret (`whsec_` + base64), stored sealed under the
    /// master key (`sealed:…`, see [`crate::Kind::seal`]). Empty in a
    /// replacement means "keep the current one"; a different one rotates
    /// it.
    pub secret: String,
}

/// A replaced secret that still signs until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetiredSecret {
    /// The secret, sealed as the spec's.
    pub secret: String,
    /// When it stops signing.
    pub expires_at: Timestamp,
}

/// What the server keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookStatus {
    /// Secrets replaced within the last 24 hours, newest first.
    pub retired_secrets: Vec<RetiredSecret>,
    /// Why the server turned delivery off (empty: it did not).
    pub disabled_reason: String,
    /// Events after this revision are delivered (the head when the
    /// endpoint was created).
    pub start_after: u64,
}

impl Kind for WebhookKind {
    type Spec = WebhookSpec;
    type Status = WebhookStatus;
    const NAME: &'static str = "webhook";
    const SUBJECT: &'static str = "webhook";
    const INDEXED_FIELDS: &'static [&'static str] = &[super::URL_FIELD];
    // Each endpoint has a delivery worker of its own.
    const MAX_OBJECTS: Option<usize> = Some(super::MAX_ENDPOINTS);

    fn validate(spec: &WebhookSpec, _ctx: &Context) -> Result<()> {
        validate_url(&spec.url)?;
        validate_events(&spec.events)?;
        max_len(
            Self::SUBJECT,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        if !spec.secret.is_empty() && !crate::seal::is_sealed_text(&spec.secret) {
            secret_key(&spec.secret)
                .map_err(|reason| Error::invalid(Self::SUBJECT, "secret", reason))?;
        }
        Ok(())
    }

    fn initial_status(_spec: &WebhookSpec, _now: Timestamp) -> WebhookStatus {
        WebhookStatus::default()
    }

    fn indexed_values(object: &Webhook) -> Vec<(&'static str, String)> {
        vec![(super::URL_FIELD, object.spec.url.clone())]
    }

    /// The secret is stored sealed; the same secret again keeps the
    /// stored form, so re-applying a configuration writes nothing.
    fn seal(
        current: Option<&Webhook>,
        next: &mut Webhook,
        key: &crate::seal::MasterKey,
    ) -> Result<()> {
        let secret = &next.spec.secret;
        if secret.is_empty() || crate::seal::is_sealed_text(secret) {
            return Ok(());
        }
        if let Some(current) = current
            && key.secret_sealed_by_current(&current.spec.secret)
            && key.open_secret(&current.spec.secret)? == *secret
        {
            next.spec.secret.clone_from(&current.spec.secret);
            return Ok(());
        }
        next.spec.secret = key.seal_secret(secret)?;
        Ok(())
    }

    fn prepare_update(current: &Webhook, next: &mut Webhook, now: Timestamp) {
        if next.spec.secret.is_empty() {
            next.spec.secret.clone_from(&current.spec.secret);
        }
        if next.spec.secret != current.spec.secret && !current.spec.secret.is_empty() {
            // Rotation: the old secret signs for another day; those that
            // expired are dropped now (not on other writes, so a write
            // that changes nothing else stays a no-op).
            let mut retired = vec![RetiredSecret {
                secret: current.spec.secret.clone(),
                expires_at: Timestamp::from_unix_millis(now.unix_millis() + SECRET_OVERLAP_MILLIS),
            }];
            retired.extend(
                current
                    .status
                    .retired_secrets
                    .iter()
                    .filter(|r| r.expires_at > now)
                    .cloned(),
            );
            next.status.retired_secrets = retired;
        }
        // Turning delivery back on clears the reason it was turned off.
        if next.spec.enabled {
            next.status.disabled_reason.clear();
        }
    }
}

impl WebhookSpec {
    /// Whether events of `event_type` go to this endpoint.
    pub fn subscribes_to(&self, event_type: &str) -> bool {
        self.events
            .iter()
            .any(|e| e == ALL_EVENTS || e == event_type)
    }
}

impl Webhook {
    /// The secrets deliveries are signed with at `now`: the current one
    /// first, then those replaced less than 24 hours ago.
    pub fn signing_secrets(&self, now: Timestamp) -> Vec<&str> {
        std::iter::once(self.spec.secret.as_str())
            .chain(
                self.status
                    .retired_secrets
                    .iter()
                    .filter(|r| r.expires_at > now)
                    .map(|r| r.secret.as_str()),
            )
            .filter(|s| !s.is_empty())
            .collect()
    }
}

fn validate_url(url: &str) -> Result<()> {
    let invalid = |reason: String| Error::invalid(WebhookKind::SUBJECT, "url", reason);
    max_len(WebhookKind::SUBJECT, "url", url, MAX_URL_LEN)?;
    let parsed = url::Url::parse(url).map_err(|e| invalid(format!("is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid(format!(
            "must be http:// or https://, not {}://",
            parsed.scheme()
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("must name a host".into()));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid(
            "must not carry credentials; deliveries are signed instead".into(),
        ));
    }
    if parsed.fragment().is_some() {
        return Err(invalid("must not have a #fragment".into()));
    }
    Ok(())
}

fn validate_events(events: &[String]) -> Result<()> {
    let invalid = |reason: String| Error::invalid(WebhookKind::SUBJECT, "events", reason);
    if events.is_empty() {
        return Err(invalid(format!(
            "must name at least one event type, or {ALL_EVENTS:?} for all"
        )));
    }
    if events.len() > MAX_EVENT_TYPES {
        return Err(invalid(format!(
            "must have at most {MAX_EVENT_TYPES} entries"
        )));
    }
    for (i, event) in events.iter().enumerate() {
        let well_formed = event == ALL_EVENTS
            || (event.len() <= MAX_EVENT_TYPE_LEN
                && event.split_once('.').is_some_and(|(kind, action)| {
                    let word = |s: &str| {
                        !s.is_empty()
                            && s.bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    };
                    word(kind) && word(action)
                }));
        if !well_formed {
            return Err(Error::invalid(
                WebhookKind::SUBJECT,
                format!("events[{i}]"),
                format!(
                    "{event:?} is not an event type such as \"fleet.created\" (or {ALL_EVENTS:?})"
                ),
            ));
        }
        if events[..i].contains(event) {
            return Err(Error::invalid(
                WebhookKind::SUBJECT,
                format!("events[{i}]"),
                format!("{event:?} is listed twice"),
            ));
        }
    }
    Ok(())
}

/// The name an endpoint gets when none is given: `webhook-` and 12 hex
/// digits of the URL's SHA-256 (so the same URL gets the same name).
pub fn default_name(url: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, url.as_bytes());
    let hex: String = digest.as_ref()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("webhook-{hex}")
}

/// A fresh secret: `whsec_` + base64 of 32 random bytes.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; GENERATED_SECRET_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Internal("the system random source failed".into()))?;
    Ok(format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes)))
}

/// The HMAC key of a secret: the base64-decoded bytes after `whsec_`.
pub fn secret_key(secret: &str) -> std::result::Result<Vec<u8>, String> {
    let encoded = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or_else(|| {
            format!(
                "must start with {SECRET_PREFIX:?} and go on in base64 (make one with: echo {SECRET_PREFIX}$(openssl rand -base64 32))"
            )
        })?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| format!("must be {SECRET_PREFIX:?} followed by standard base64"))?;
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
        return Err(format!(
            "must encode {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {}",
            key.len()
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str, events: &[&str]) -> WebhookSpec {
        WebhookSpec {
            url: url.into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            enabled: true,
            description: String::new(),
            secret: String::new(),
        }
    }

    fn check(spec: &WebhookSpec) -> std::result::Result<(), String> {
        let ctx = Context {
            instance_types: crate::compute::InstanceTypeCatalog::default(),
            runtimes: Vec::new(),
        };
        WebhookKind::validate(spec, &ctx).map_err(|e| match e {
            Error::Invalid { field, reason, .. } => format!("{field}: {reason}"),
            other => other.to_string(),
        })
    }

    #[test]
    fn validation_names_the_field() {
        let table: &[(WebhookSpec, Option<&str>)] = &[
            (
                spec("https://example.com/webhook", &["fleet.created"]),
                None,
            ),
            (spec("http://10.0.0.1:8080/x?y=1", &["*"]), None),
            (
                spec("ftp://example.com/", &["*"]),
                Some("url: must be http"),
            ),
            (spec("not a url", &["*"]), Some("url: is not a URL")),
            (
                spec("https://u:p@example.com/", &["*"]),
                Some("url: must not carry"),
            ),
            (
                spec("https://example.com/#x", &["*"]),
                Some("url: must not have"),
            ),
            (spec("https://example.com/", &[]), Some("events: must name")),
            (
                spec("https://example.com/", &["Fleet.Created"]),
                Some("events[0]:"),
            ),
            (spec("https://example.com/", &["fleet"]), Some("events[0]:")),
            (
                spec("https://example.com/", &["fleet.created", "fleet.created"]),
                Some("events[1]: \"fleet.created\" is listed twice"),
            ),
        ];
        for (spec, expected) in table {
            let got = check(spec);
            match expected {
                None => assert_eq!(got, Ok(()), "{spec:?}"),
                Some(prefix) => {
                    let err = got.expect_err(&format!("{spec:?} passed"));
                    assert!(
                        err.starts_with(prefix),
                        "{err} does not start with {prefix}"
                    );
                }
            }
        }
    }

    #[test]
    fn secrets_are_whsec_base64_of_24_to_64_bytes() {
        let generated = new_secret().unwrap();
        assert_eq!(secret_key(&generated).unwrap().len(), 32);
        assert_ne!(generated, new_secret().unwrap());
        let of = |n: usize| format!("whsec_{}", STANDARD.encode(vec![7u8; n]));
        assert!(secret_key(&of(24)).is_ok());
        assert!(secret_key(&of(64)).is_ok());
        assert!(secret_key(&of(23)).unwrap_err().contains("24 to 64 bytes"));
        assert!(secret_key(&of(65)).is_err());
        assert!(secret_key("sk_abc").unwrap_err().contains("whsec_"));
        assert!(secret_key("whsec_***").unwrap_err().contains("base64"));
        let mut with_bad_secret = spec("https://example.com/", &["*"]);
        with_bad_secret.secret = "whsec_AAAA".into();
        assert!(check(&with_bad_secret).unwrap_err().starts_with("secret:"));
    }

    #[test]
    fn rotation_keeps_the_old_secret_signing_for_a_day() {
        let now = Timestamp::from_unix_millis(1_000_000);
        let mut current: Webhook = crate::resources::new_object(
            crate::Draft::new("hook", spec("https://example.com/", &["*"])),
            WebhookStatus::default(),
            now,
            "test",
        );
        current.spec.secret = "whsec_old".into();
        // A replacement without a secret keeps the current one.
        let mut same = current.clone();
        same.spec.secret.clear();
        WebhookKind::prepare_update(&current, &mut same, now);
        assert_eq!(same, current);
        // A new secret retires the old one for 24 hours.
        let mut rotated = current.clone();
        rotated.spec.secret = "whsec_new".into();
        WebhookKind::prepare_update(&current, &mut rotated, now);
        assert_eq!(rotated.signing_secrets(now), ["whsec_new", "whsec_old"]);
        let later = Timestamp::from_unix_millis(now.unix_millis() + SECRET_OVERLAP_MILLIS);
        assert_eq!(rotated.signing_secrets(later), ["whsec_new"]);
        // The next rotation drops what expired.
        let mut again = rotated.clone();
        again.spec.secret = "whsec_newer".into();
        WebhookKind::prepare_update(&rotated, &mut again, later);
        assert_eq!(again.signing_secrets(later), ["whsec_newer", "whsec_new"]);
        assert_eq!(again.status.retired_secrets.len(), 1);
    }

    #[test]
    fn subscription_is_by_type_or_star() {
        let s = spec(
            "https://example.com/",
            &["fleet.created", "instance.started"],
        );
        assert!(s.subscribes_to("fleet.created"));
        assert!(!s.subscribes_to("fleet.deleted"));
        assert!(spec("https://example.com/", &["*"]).subscribes_to("webhook.test"));
    }
}

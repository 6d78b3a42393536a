//! Silences: a kind (`silence`). While a silence is active (from
//! `starts_at` until `ends_at`), alerts whose labels match all of its
//! matchers change state without notifying: their transitions are written
//! as `alert.updated`, not `alert.firing` / `alert.resolved`, as
//! Alertmanager mutes notifications without hiding the alert.

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::resources::{Change, Resources};
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, max_len};

/// Most silences one store holds (the evaluator reads them all each
/// round; expired ones are removed after [`EXPIRED_SILENCE_RETENTION_MS`]).
pub const MAX_SILENCES: usize = 10_000;
/// How long an expired silence stays listed.
pub const EXPIRED_SILENCE_RETENTION_MS: i64 = 5 * 86_400_000;
/// Most matchers on one silence.
pub const MAX_MATCHERS: usize = 16;
/// Longest matcher value (and regular expression), in bytes.
pub const MAX_MATCHER_VALUE_LEN: usize = 1024;
/// Compiled size limit of a matcher's regular expression.
const REGEX_SIZE_LIMIT: usize = 64 * 1024;

/// The silence kind.
pub struct SilenceKind;

/// A silence.
pub type Silence = crate::kind::Object<SilenceKind>;

/// One condition on an alert's label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    /// The label.
    pub name: String,
    /// The value, or a regular expression matching the whole value.
    pub value: String,
    /// Whether `value` is a regular expression.
    pub is_regex: bool,
    /// `true`: the label must match; `false`: it must not.
    pub is_equal: bool,
}

impl Matcher {
    fn regex(&self) -> Option<Regex> {
        regex::RegexBuilder::new(&format!("^(?:{})$", self.value))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .ok()
    }

    /// Whether `labels` satisfy the matcher (a missing label is empty).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        let equal = if self.is_regex {
            self.regex().is_some_and(|re| re.is_match(value))
        } else {
            value == self.value
        };
        equal == self.is_equal
    }
}

/// What a user sets on a silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceSpec {
    /// Every one must match an alert's labels.
    pub matchers: Vec<Matcher>,
    /// When it starts muting.
    pub starts_at: Timestamp,
    /// When it stops.
    pub ends_at: Timestamp,
    /// Why.
    pub comment: String,
}

/// Silences have no server-managed state; their state follows from the
/// clock ([`SilenceSpec::state`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilenceStatus {}

/// Where a silence is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceState {
    /// Not started yet.
    Pending,
    /// Muting.
    Active,
    /// Over.
    Expired,
}

impl SilenceState {
    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Pending => "pending",
            SilenceState::Active => "active",
            SilenceState::Expired => "expired",
        }
    }
}

impl SilenceSpec {
    /// Its state at `now`.
    pub fn state(&self, now: Timestamp) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }

    /// Whether it mutes an alert with `labels` at `now`.
    pub fn mutes(&self, labels: &BTreeMap<String, String>, now: Timestamp) -> bool {
        self.state(now) == SilenceState::Active && self.matchers.iter().all(|m| m.matches(labels))
    }
}

impl Kind for SilenceKind {
    type Spec = SilenceSpec;
    type Status = SilenceStatus;
    const NAME: &'static str = "silence";
    const SUBJECT: &'static str = "silence";
    const MAX_OBJECTS: Option<usize> = Some(MAX_SILENCES);

    fn validate(spec: &SilenceSpec, _ctx: &Context) -> Result<()> {
        if spec.matchers.is_empty() || spec.matchers.len() > MAX_MATCHERS {
            return Err(Error::invalid(
                Self::SUBJECT,
                "matchers",
                format!("must have 1 to {MAX_MATCHERS} entries"),
            ));
        }
        for (i, matcher) in spec.matchers.iter().enumerate() {
            let single = BTreeMap::from([(matcher.name.clone(), String::new())]);
            super::sample::validate_labels(Self::SUBJECT, &format!("matchers[{i}].name"), &single)
                .map_err(|_| {
                    Error::invalid(
                        Self::SUBJECT,
                        format!("matchers[{i}].name"),
                        "is not a label name",
                    )
                })?;
            if matcher.value.len() > MAX_MATCHER_VALUE_LEN {
                return Err(Error::invalid(
                    Self::SUBJECT,
                    format!("matchers[{i}].value"),
                    format!("must be at most {MAX_MATCHER_VALUE_LEN} bytes"),
                ));
            }
            if matcher.is_regex && matcher.regex().is_none() {
                return Err(Error::invalid(
                    Self::SUBJECT,
                    format!("matchers[{i}].value"),
                    "is not a valid regular expression (or too large)",
                ));
            }
        }
        if spec.ends_at <= spec.starts_at {
            return Err(Error::invalid(
                Self::SUBJECT,
                "ends_at",
                "must be after starts_at",
            ));
        }
        max_len(Self::SUBJECT, "comment", &spec.comment, MAX_DESCRIPTION_LEN)
    }

    fn initial_status(_spec: &SilenceSpec, _now: Timestamp) -> SilenceStatus {
        SilenceStatus {}
    }
}

impl Resources<SilenceKind> {
    /// Ends a silence now (one not yet started ends before it starts);
    /// an expired one is left as it is.
    pub async fn expire(&self, id: &str) -> Result<Silence> {
        self.modify(id, None, |current, now| {
            if current.spec.state(now) == SilenceState::Expired {
                return Ok(Change::Keep);
            }
            let mut next = current.clone();
            next.spec.ends_at = now;
            next.spec.starts_at = next.spec.starts_at.min(now);
            next.meta.updated_at = now;
            Ok(Change::Replace(next, &["expired"]))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Matcher {
        Matcher {
            name: name.into(),
            value: value.into(),
            is_regex,
            is_equal,
        }
    }

    #[test]
    fn matchers_follow_alertmanager() {
        let labels = BTreeMap::from([
            ("alertname".to_string(), "high-error-rate".to_string()),
            ("severity".to_string(), "critical".to_string()),
        ]);
        assert!(matcher("alertname", "high-error-rate", false, true).matches(&labels));
        assert!(!matcher("alertname", "high", false, true).matches(&labels));
        assert!(matcher("alertname", "high.*", true, true).matches(&labels));
        assert!(
            !matcher("alertname", "error", true, true).matches(&labels),
            "regexes are anchored"
        );
        assert!(matcher("severity", "info", false, false).matches(&labels));
        assert!(
            matcher("team", "", false, true).matches(&labels),
            "a missing label is empty"
        );
    }

    #[test]
    fn states_follow_the_clock() {
        let t = Timestamp::from_unix_millis;
        let spec = SilenceSpec {
            matchers: vec![matcher("severity", "critical", false, true)],
            starts_at: t(1_000),
            ends_at: t(2_000),
            comment: String::new(),
        };
        assert_eq!(spec.state(t(999)), SilenceState::Pending);
        assert_eq!(spec.state(t(1_000)), SilenceState::Active);
        assert_eq!(spec.state(t(2_000)), SilenceState::Expired);
        let labels = BTreeMap::from([("severity".to_string(), "critical".to_string())]);
        assert!(spec.mutes(&labels, t(1_500)));
        assert!(!spec.mutes(&labels, t(2_500)));
        let ctx = Context {
            instance_types: Default::default(),
            runtimes: Vec::new(),
        };
        assert!(SilenceKind::validate(&spec, &ctx).is_ok());
        let mut bad = spec.clone();
        bad.matchers[0].is_regex = true;
        bad.matchers[0].value = "(".into();
        assert_eq!(
            SilenceKind::validate(&bad, &ctx)
                .unwrap_err()
                .field_violation()
                .unwrap()
                .0,
            "matchers[0].value"
        );
        let mut bad = spec;
        bad.ends_at = bad.starts_at;
        assert_eq!(
            SilenceKind::validate(&bad, &ctx)
                .unwrap_err()
                .field_violation()
                .unwrap()
                .0,
            "ends_at"
        );
    }
}

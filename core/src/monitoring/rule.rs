//! Alert rules: a kind (`alertrule`). A rule names a service's metric (and
//! optionally labels), aggregates its samples over a window, compares the
//! result with a threshold, and fires once that has held for `for`.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::sample::{validate_labels, validate_metric_name};
use crate::error::{Error, Result};
use crate::kind::Kind;
use crate::meta::validate_name;
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, max_len};

/// Longest window a rule aggregates over.
pub const MAX_RULE_WINDOW_MS: i64 = 7 * 86_400_000;
/// Longest `for`.
pub const MAX_RULE_FOR_MS: i64 = 7 * 86_400_000;
/// Most alert rules one store evaluates.
pub const MAX_ALERT_RULES: usize = 1000;

/// The alert rule kind.
pub struct AlertRuleKind;

/// An alert rule.
pub type AlertRule = crate::kind::Object<AlertRuleKind>;

/// How a rule turns the window's samples into one value (across every
/// matching series).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Aggregation {
    /// The mean of every sample.
    Avg,
    /// The smallest sample.
    Min,
    /// The largest sample.
    Max,
    /// The sum of every sample (`sum_over_time`, added across series).
    Sum,
    /// Each series' latest sample, added across series.
    Last,
    /// Each counter's increase per second, added across series.
    Rate,
    /// The 99th percentile of every sample.
    P99,
}

impl Aggregation {
    /// Every aggregation.
    pub const ALL: [Aggregation; 7] = [
        Aggregation::Avg,
        Aggregation::Min,
        Aggregation::Max,
        Aggregation::Sum,
        Aggregation::Last,
        Aggregation::Rate,
        Aggregation::P99,
    ];

    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::Avg => "avg",
            Aggregation::Min => "min",
            Aggregation::Max => "max",
            Aggregation::Sum => "sum",
            Aggregation::Last => "last",
            Aggregation::Rate => "rate",
            Aggregation::P99 => "p99",
        }
    }

    /// The aggregation called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// How a rule compares the value with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparison {
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
}

impl Comparison {
    /// Every comparison.
    pub const ALL: [Comparison; 6] = [
        Comparison::Greater,
        Comparison::GreaterOrEqual,
        Comparison::Less,
        Comparison::LessOrEqual,
        Comparison::Equal,
        Comparison::NotEqual,
    ];

    /// The API's symbol.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Equal => "==",
            Comparison::NotEqual => "!=",
        }
    }

    /// The comparison written `symbol`.
    pub fn parse(symbol: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == symbol)
    }

    /// Whether `value op threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Greater => value > threshold,
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::Less => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
            Comparison::Equal => value == threshold,
            Comparison::NotEqual => value != threshold,
        }
    }
}

/// How urgent a rule's alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// For information.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

impl Severity {
    /// Every severity.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Critical];

    /// The API's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// The severity called `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a user sets on an alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRuleSpec {
    /// The service whose samples it reads.
    pub service: String,
    /// The metric.
    pub metric: String,
    /// Only series with these labels (all of the service's metric when
    /// empty).
    pub labels: BTreeMap<String, String>,
    /// How the window's samples become one value.
    pub aggregation: Aggregation,
    /// The window, in milliseconds.
    pub window_ms: i64,
    /// The comparison.
    pub op: Comparison,
    /// What the value is compared with.
    pub threshold: f64,
    /// How long the condition must hold before the alert fires, in
    /// milliseconds (0: at once).
    pub for_ms: i64,
    /// The alert's severity.
    pub severity: Severity,
    /// One line saying what is wrong.
    pub summary: String,
}

/// Alert rules have no server-managed state (their alert is an object of
/// its own).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleStatus {}

impl Kind for AlertRuleKind {
    type Spec = AlertRuleSpec;
    type Status = AlertRuleStatus;
    const NAME: &'static str = "alertrule";
    const SUBJECT: &'static str = "alert rule";
    // The evaluator reads every rule each round.
    const MAX_OBJECTS: Option<usize> = Some(MAX_ALERT_RULES);

    fn validate(spec: &AlertRuleSpec, _ctx: &Context) -> Result<()> {
        validate_name(Self::SUBJECT, "service", &spec.service)?;
        validate_metric_name(Self::SUBJECT, "metric", &spec.metric)?;
        validate_labels(Self::SUBJECT, "labels", &spec.labels)?;
        if spec.window_ms < 1_000 || spec.window_ms > MAX_RULE_WINDOW_MS {
            return Err(Error::invalid(
                Self::SUBJECT,
                "window",
                "must be from 1s to 7d",
            ));
        }
        if spec.for_ms < 0 || spec.for_ms > MAX_RULE_FOR_MS {
            return Err(Error::invalid(
                Self::SUBJECT,
                "for",
                "must be from 0s to 7d",
            ));
        }
        if !spec.threshold.is_finite() {
            return Err(Error::invalid(
                Self::SUBJECT,
                "threshold",
                "must be a finite number",
            ));
        }
        max_len(Self::SUBJECT, "summary", &spec.summary, MAX_DESCRIPTION_LEN)
    }

    fn initial_status(_spec: &AlertRuleSpec, _now: Timestamp) -> AlertRuleStatus {
        AlertRuleStatus {}
    }
}

impl AlertRuleSpec {
    /// The labels its alert carries, which silences match: `alertname`
    /// (the rule's name), `service`, `metric`, `severity` and the rule's
    /// own labels.
    pub fn alert_labels(&self, rule_name: &str) -> BTreeMap<String, String> {
        let mut labels = self.labels.clone();
        labels.insert("alertname".into(), rule_name.into());
        labels.insert("service".into(), self.service.clone());
        labels.insert("metric".into(), self.metric.clone());
        labels.insert("severity".into(), self.severity.as_str().into());
        labels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn spec() -> AlertRuleSpec {
        AlertRuleSpec {
            service: "web-service".into(),
            metric: "http_requests_total".into(),
            labels: [("code".to_string(), "500".to_string())].into(),
            aggregation: Aggregation::Rate,
            window_ms: 300_000,
            op: Comparison::Greater,
            threshold: 10.0,
            for_ms: 120_000,
            severity: Severity::Critical,
            summary: "5xx rate above 10/s".into(),
        }
    }

    #[test]
    fn validation_names_the_field() {
        let ctx = Context {
            instance_types: Default::default(),
            runtimes: Vec::new(),
        };
        assert!(AlertRuleKind::validate(&spec(), &ctx).is_ok());
        let field = |edit: fn(&mut AlertRuleSpec)| {
            let mut s = spec();
            edit(&mut s);
            AlertRuleKind::validate(&s, &ctx)
                .unwrap_err()
                .field_violation()
                .unwrap()
                .0
                .to_string()
        };
        assert_eq!(field(|s| s.service = "".into()), "service");
        assert_eq!(field(|s| s.metric = "9x".into()), "metric");
        assert_eq!(field(|s| s.window_ms = 0), "window");
        assert_eq!(field(|s| s.for_ms = -1), "for");
        assert_eq!(field(|s| s.threshold = f64::NAN), "threshold");
        assert_eq!(field(|s| s.summary = "x".repeat(2000)), "summary");
    }

    #[test]
    fn comparisons_and_names_round_trip() {
        for c in Comparison::ALL {
            assert_eq!(Comparison::parse(c.as_str()), Some(c));
        }
        for a in Aggregation::ALL {
            assert_eq!(Aggregation::parse(a.as_str()), Some(a));
        }
        assert!(Comparison::GreaterOrEqual.holds(10.0, 10.0));
        assert!(!Comparison::Greater.holds(10.0, 10.0));
        assert!(Comparison::NotEqual.holds(1.0, 2.0));
    }
}

//! Monitoring's JSON: alert rules and silences, pushed samples and the
//! push report, a metrics query's answer, alerts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{MetaOutput, Time};

/// An aggregation, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AggregationName {
    /// The mean of every sample.
    Avg,
    /// The smallest sample.
    Min,
    /// The largest sample.
    Max,
    /// The sum of every sample.
    Sum,
    /// Each series' latest sample, added across series.
    Last,
    /// Each counter's increase per second, added across series.
    Rate,
    /// The 99th percentile of every sample.
    P99,
}

/// A comparison, as JSON writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub enum OpName {
    /// Greater than.
    #[serde(rename = ">")]
    Greater,
    /// At least.
    #[serde(rename = ">=")]
    GreaterOrEqual,
    /// Less than.
    #[serde(rename = "<")]
    Less,
    /// At most.
    #[serde(rename = "<=")]
    LessOrEqual,
    /// Equal.
    #[serde(rename = "==")]
    Equal,
    /// Not equal.
    #[serde(rename = "!=")]
    NotEqual,
}

/// A severity, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    /// For information.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

fn severity_default() -> SeverityName {
    SeverityName::Warning
}

fn for_default() -> String {
    "0s".into()
}

/// Create or replace an alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AlertRuleInput {
    /// Unique name (the alert's `alertname`).
    pub name: String,
    /// The service whose samples it reads.
    pub service: String,
    /// The metric.
    pub metric: String,
    /// Only series with these labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// How the window's samples become one value.
    pub aggregation: AggregationName,
    /// The window, in Prometheus notation (`5m`).
    pub window: String,
    /// The comparison.
    pub op: OpName,
    /// What the value is compared with.
    pub threshold: f64,
    /// How long the condition must hold before the alert fires (`2m`;
    /// default `0s`).
    #[serde(rename = "for", default = "for_default")]
    pub for_duration: String,
    /// Default `warning`.
    #[serde(default = "severity_default")]
    pub severity: SeverityName,
    /// One line saying what is wrong.
    #[serde(default)]
    pub summary: String,
    /// Labels of the rule resource itself.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An alert rule as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AlertRuleOutput {
    /// `alertrule-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The service.
    pub service: String,
    /// The metric.
    pub metric: String,
    /// Only series with these labels.
    pub labels: BTreeMap<String, String>,
    /// The aggregation.
    pub aggregation: AggregationName,
    /// The window.
    pub window: String,
    /// The comparison.
    pub op: OpName,
    /// The threshold.
    pub threshold: f64,
    /// How long the condition must hold.
    #[serde(rename = "for")]
    pub for_duration: String,
    /// The severity.
    pub severity: SeverityName,
    /// The summary.
    pub summary: String,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// One silence matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MatcherJson {
    /// The alert label.
    pub name: String,
    /// Its value, or a regular expression matching the whole value.
    pub value: String,
    /// Whether `value` is a regular expression (default false).
    #[serde(default)]
    pub is_regex: bool,
    /// `true` (default): the label must match; `false`: it must not.
    #[serde(default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

/// A name for a silence created without one: the time and a counter.
fn new_silence_name() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("silence-{}-{n}", Time::now().unix_millis())
}

/// Create or replace a silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SilenceInput {
    /// Unique name (default: generated).
    #[serde(default = "new_silence_name")]
    pub name: String,
    /// Every one must match an alert's labels.
    #[cfg_attr(feature = "schema", schema(min_items = 1, max_items = 16))]
    pub matchers: Vec<MatcherJson>,
    /// RFC 3339; default now.
    #[serde(default)]
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    pub starts_at: Option<Time>,
    /// RFC 3339.
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    pub ends_at: Time,
    /// Why.
    #[serde(default)]
    pub comment: String,
    /// Labels of the silence resource itself.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A silence as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SilenceOutput {
    /// `silence-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// The matchers.
    pub matchers: Vec<MatcherJson>,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// Why.
    pub comment: String,
    /// `pending`, `active` or `expired`, now.
    pub state: String,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
}

/// A pushed sample's timestamp: Unix seconds or RFC 3339.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum SampleTime {
    /// Unix seconds (fractions allowed).
    Seconds(f64),
    /// RFC 3339.
    Text(String),
}

/// One pushed sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SampleJson {
    /// The service (default: the `service` query parameter).
    #[serde(default)]
    pub service: Option<String>,
    /// The metric.
    pub metric: String,
    /// Its labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
    /// When (default: when received).
    #[serde(default)]
    pub timestamp: Option<SampleTime>,
}

/// A sample left out of a push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DroppedSample {
    /// Its position in the push.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PushOutput {
    /// Samples taken.
    pub accepted: usize,
    /// Samples left out (outside the kept time range, or not finite).
    pub dropped: usize,
    /// The first 100 left out, with the reason.
    pub errors: Vec<DroppedSample>,
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct PointOutput {
    /// RFC 3339: the start of the point's step.
    pub timestamp: String,
    /// The mean over the step for a gauge, the latest value for a counter.
    pub value: f64,
}

/// A series over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SummaryOutput {
    /// Samples in the window.
    pub count: u64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// The mean.
    pub avg: f64,
    /// The latest.
    pub last: f64,
    /// Counters: increase per second over the window.
    pub rate: Option<f64>,
}

/// One series of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct SeriesOutput {
    /// The metric.
    pub metric: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// `counter` or `gauge`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The window's summary.
    pub summary: SummaryOutput,
    /// One point per step with data.
    pub points: Vec<PointOutput>,
}

/// The answer to `GET /monitoring/metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct MetricsOutput {
    /// The service.
    pub service: String,
    /// The window, e.g. `1h`.
    pub window: String,
    /// The points' spacing, e.g. `10s`.
    pub step: String,
    /// What answered: `raw`, `1m` or `1h` rollups.
    pub resolution: String,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339.
    pub end: String,
    /// The series, by metric and labels.
    pub series: Vec<SeriesOutput>,
}

/// An alert as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AlertOutput {
    /// `alert-…`.
    pub id: String,
    /// The rule's name.
    pub name: String,
    /// The rule's id.
    pub rule_id: String,
    /// `pending`, `firing` or `resolved`.
    pub state: String,
    /// The rule's severity.
    pub severity: SeverityName,
    /// The rule's summary.
    pub summary: String,
    /// The rule's value at the last transition.
    pub value: Option<f64>,
    /// The labels silences match.
    pub labels: BTreeMap<String, String>,
    /// RFC 3339: since when the condition holds.
    pub active_at: String,
    /// RFC 3339, once fired.
    pub fired_at: Option<String>,
    /// RFC 3339, once resolved.
    pub resolved_at: Option<String>,
    /// Silences muting it.
    pub silenced_by: Vec<String>,
    /// Changes on every write.
    pub resource_version: u64,
}

/// The answer to `GET /monitoring/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AlertList {
    /// Firing first, then pending, then resolved; oldest first within each.
    pub alerts: Vec<AlertOutput>,
}

crate::resource::resources! {
    /// `/v1/monitoring/alert-rules`.
    AlertRules {
        collection: "monitoring/alert-rules",
        list_field: "alert_rules",
        singular: "alert rule",
        id_prefix: "alertrule",
        input: AlertRuleInput,
        output: AlertRuleOutput,
    }
    /// `/v1/monitoring/silences`.
    Silences {
        collection: "monitoring/silences",
        list_field: "silences",
        singular: "silence",
        id_prefix: "silence",
        input: SilenceInput,
        output: SilenceOutput,
    }
}

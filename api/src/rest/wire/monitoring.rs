//! Monitoring on the REST API: the alert-rule and silence kinds (CRUD under
//! `/monitoring/alert-rules` and `/monitoring/silences`, `…/{id}/expire`),
//! and the routes about the history as a whole — `POST
//! /monitoring/samples` (JSON or the Prometheus text format), `GET
//! /monitoring/metrics` and `GET /monitoring/alerts`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clusterdb::identity::Verb;
use clusterdb::monitoring::{
    Aggregation, AlertKind, AlertRuleKind, AlertRuleSpec, AlertState, Comparison, Matcher,
    MetricsAnswer, MetricsQuery, PushReport, Sample, SeriesKey, Severity, SilenceKind, SilenceSpec,
    duration,
};
use clusterdb::{Context, Draft, Object, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::MetaOutput;
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::{parse_json, serde_urlencoded_pairs};
use crate::rest::handlers::resource;
use crate::rest::kind::{
    Access, Action, ActionBody, FieldRule, QueryParam, QueryRule, RestKind, SchemaOf,
};

/// The policy's name for the history (samples and queries).
const METRIC: &str = "metric";

/// An aggregation, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<AggregationName> for Aggregation {
    fn from(name: AggregationName) -> Self {
        match name {
            AggregationName::Avg => Aggregation::Avg,
            AggregationName::Min => Aggregation::Min,
            AggregationName::Max => Aggregation::Max,
            AggregationName::Sum => Aggregation::Sum,
            AggregationName::Last => Aggregation::Last,
            AggregationName::Rate => Aggregation::Rate,
            AggregationName::P99 => Aggregation::P99,
        }
    }
}

impl From<Aggregation> for AggregationName {
    fn from(aggregation: Aggregation) -> Self {
        match aggregation {
            Aggregation::Avg => AggregationName::Avg,
            Aggregation::Min => AggregationName::Min,
            Aggregation::Max => AggregationName::Max,
            Aggregation::Sum => AggregationName::Sum,
            Aggregation::Last => AggregationName::Last,
            Aggregation::Rate => AggregationName::Rate,
            Aggregation::P99 => AggregationName::P99,
        }
    }
}

/// A comparison, as JSON writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

impl From<OpName> for Comparison {
    fn from(op: OpName) -> Self {
        match op {
            OpName::Greater => Comparison::Greater,
            OpName::GreaterOrEqual => Comparison::GreaterOrEqual,
            OpName::Less => Comparison::Less,
            OpName::LessOrEqual => Comparison::LessOrEqual,
            OpName::Equal => Comparison::Equal,
            OpName::NotEqual => Comparison::NotEqual,
        }
    }
}

impl From<Comparison> for OpName {
    fn from(op: Comparison) -> Self {
        match op {
            Comparison::Greater => OpName::Greater,
            Comparison::GreaterOrEqual => OpName::GreaterOrEqual,
            Comparison::Less => OpName::Less,
            Comparison::LessOrEqual => OpName::LessOrEqual,
            Comparison::Equal => OpName::Equal,
            Comparison::NotEqual => OpName::NotEqual,
        }
    }
}

/// A severity, as JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    /// For information.
    Info,
    /// Needs attention soon.
    Warning,
    /// Needs attention now.
    Critical,
}

impl From<SeverityName> for Severity {
    fn from(name: SeverityName) -> Self {
        match name {
            SeverityName::Info => Severity::Info,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Critical => Severity::Critical,
        }
    }
}

impl From<Severity> for SeverityName {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Info => SeverityName::Info,
            Severity::Warning => SeverityName::Warning,
            Severity::Critical => SeverityName::Critical,
        }
    }
}

fn severity_default() -> SeverityName {
    SeverityName::Warning
}

fn for_default() -> String {
    "0s".into()
}

/// Create or replace an alert rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// A duration field's milliseconds; what is not a duration becomes `-1`,
/// which core's validation refuses naming the field.
fn duration_ms(text: &str) -> i64 {
    duration::parse_ms(text).unwrap_or(-1)
}

impl RestKind for AlertRuleKind {
    const SINGULAR: &'static str = "alert rule";
    const TITLE: &'static str = "AlertRule";
    const COLLECTION: &'static str = "monitoring/alert-rules";
    const LIST_FIELD: &'static str = "alert_rules";
    type Input = AlertRuleInput;
    type Output = AlertRuleOutput;

    fn queries() -> Vec<Action> {
        let route = |path, method, operation_id, summary, body, response, query, route| Action {
            path,
            method,
            operation_id,
            summary,
            body,
            if_match: false,
            paged: false,
            query,
            response: Some(response),
            access: Access::Handler,
            route,
        };
        vec![
            route(
                "monitoring/samples",
                Method::POST,
                "pushSamples",
                "Push samples: a JSON array, or the Prometheus text format with ?service=",
                ActionBody::ArrayOrText(SchemaOf::of::<SampleJson>(), || {
                    vec![
                        ("metric", metric_rule()),
                        ("service", FieldRule::Nullable(Box::new(FieldRule::Name))),
                    ]
                }),
                SchemaOf::of::<PushOutput>(),
                &[QueryParam {
                    name: "service",
                    description: "The service of text-format samples (and of JSON samples without one)",
                    required: false,
                    rule: QueryRule::Name,
                }],
                post(push_samples),
            ),
            route(
                "monitoring/metrics",
                Method::GET,
                "queryMetrics",
                "A service's series over a window, with each one's summary",
                ActionBody::None,
                SchemaOf::of::<MetricsOutput>(),
                &[
                    QueryParam {
                        name: "service",
                        description: "The service",
                        required: true,
                        rule: QueryRule::Any,
                    },
                    QueryParam {
                        name: "window",
                        description: "How far back, e.g. 1h (default 1h)",
                        required: false,
                        rule: QueryRule::Any,
                    },
                    QueryParam {
                        name: "metric",
                        description: "Only this metric",
                        required: false,
                        rule: QueryRule::Any,
                    },
                    QueryParam {
                        name: "step",
                        description: "The points' spacing, e.g. 5m (default: the finest kept for the window)",
                        required: false,
                        rule: QueryRule::Any,
                    },
                    QueryParam {
                        name: "label",
                        description: "Only series with this label, name:value (repeatable)",
                        required: false,
                        rule: QueryRule::Repeated("^[^:]*:"),
                    },
                ],
                get(query_metrics),
            ),
            route(
                "monitoring/alerts",
                Method::GET,
                "listAlerts",
                "Pending, firing and recently resolved alerts",
                ActionBody::None,
                SchemaOf::of::<AlertList>(),
                &[QueryParam {
                    name: "state",
                    description: "Only alerts in this state: pending, firing or resolved",
                    required: false,
                    rule: QueryRule::OneOf(&["pending", "firing", "resolved"]),
                }],
                get(list_alerts),
            ),
        ]
    }

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        let duration = || FieldRule::Pattern {
            pattern: "^([0-9]+(ms|y|w|d|h|m|s))+$".into(),
            max: 32,
        };
        vec![
            ("window", duration()),
            ("for", duration()),
            ("service", FieldRule::Name),
            ("metric", metric_rule()),
            (
                "summary",
                FieldRule::Length {
                    min: 0,
                    max: clusterdb::MAX_DESCRIPTION_LEN,
                },
            ),
        ]
    }

    fn draft(input: AlertRuleInput) -> Draft<AlertRuleSpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(
                input.name,
                AlertRuleSpec {
                    service: input.service,
                    metric: input.metric,
                    labels: input.labels,
                    aggregation: input.aggregation.into(),
                    window_ms: duration_ms(&input.window),
                    op: input.op.into(),
                    threshold: input.threshold,
                    for_ms: duration_ms(&input.for_duration),
                    severity: input.severity.into(),
                    summary: input.summary,
                },
            )
        }
    }

    fn input(rule: &Object<Self>) -> AlertRuleInput {
        AlertRuleInput {
            name: rule.meta.name.clone(),
            service: rule.spec.service.clone(),
            metric: rule.spec.metric.clone(),
            labels: rule.spec.labels.clone(),
            aggregation: rule.spec.aggregation.into(),
            window: duration::format_ms(rule.spec.window_ms),
            op: rule.spec.op.into(),
            threshold: rule.spec.threshold,
            for_duration: duration::format_ms(rule.spec.for_ms),
            severity: rule.spec.severity.into(),
            summary: rule.spec.summary.clone(),
            tags: rule.meta.tags.clone(),
        }
    }

    fn output(rule: &Object<Self>) -> AlertRuleOutput {
        let input = Self::input(rule);
        AlertRuleOutput {
            id: rule.meta.id.clone(),
            name: input.name,
            service: input.service,
            metric: input.metric,
            labels: input.labels,
            aggregation: input.aggregation,
            window: input.window,
            op: input.op,
            threshold: input.threshold,
            for_duration: input.for_duration,
            severity: input.severity,
            summary: input.summary,
            meta: MetaOutput::of(&rule.meta),
        }
    }
}

/// One silence matcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    format!("silence-{}-{n}", Timestamp::now().unix_millis())
}

/// Create or replace a silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SilenceInput {
    /// Unique name (default: generated).
    #[serde(default = "new_silence_name")]
    pub name: String,
    /// Every one must match an alert's labels.
    #[schema(min_items = 1, max_items = 16)]
    pub matchers: Vec<MatcherJson>,
    /// RFC 3339; default now.
    #[serde(default, with = "optional_time")]
    #[schema(value_type = Option<String>)]
    pub starts_at: Option<Timestamp>,
    /// RFC 3339.
    #[serde(with = "required_time")]
    #[schema(value_type = String)]
    pub ends_at: Timestamp,
    /// Why.
    #[serde(default)]
    pub comment: String,
    /// Labels of the silence resource itself.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A silence as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

mod required_time {
    use clusterdb::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }
}

mod optional_time {
    use clusterdb::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&t.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                Timestamp::parse_rfc3339(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time"))
                })
            })
            .transpose()
    }
}

impl RestKind for SilenceKind {
    const SINGULAR: &'static str = "silence";
    const TITLE: &'static str = "Silence";
    const COLLECTION: &'static str = "monitoring/silences";
    const LIST_FIELD: &'static str = "silences";
    type Input = SilenceInput;
    type Output = SilenceOutput;

    fn actions() -> Vec<Action> {
        vec![Action::post(
            "expire",
            "expireSilence",
            "End a silence now",
            SchemaOf::of::<SilenceOutput>(),
            post(expire_silence),
        )]
    }

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            (
                "comment",
                FieldRule::Length {
                    min: 0,
                    max: clusterdb::MAX_DESCRIPTION_LEN,
                },
            ),
            ("starts_at", FieldRule::OptionalTimestamp),
            ("ends_at", FieldRule::Timestamp),
        ]
    }

    fn draft(input: SilenceInput) -> Draft<SilenceSpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(
                input.name,
                SilenceSpec {
                    matchers: input
                        .matchers
                        .into_iter()
                        .map(|m| Matcher {
                            name: m.name,
                            value: m.value,
                            is_regex: m.is_regex,
                            is_equal: m.is_equal,
                        })
                        .collect(),
                    starts_at: input.starts_at.unwrap_or_else(Timestamp::now),
                    ends_at: input.ends_at,
                    comment: input.comment,
                },
            )
        }
    }

    fn input(silence: &Object<Self>) -> SilenceInput {
        SilenceInput {
            name: silence.meta.name.clone(),
            matchers: matchers_json(&silence.spec.matchers),
            starts_at: Some(silence.spec.starts_at),
            ends_at: silence.spec.ends_at,
            comment: silence.spec.comment.clone(),
            tags: silence.meta.tags.clone(),
        }
    }

    fn output(silence: &Object<Self>) -> SilenceOutput {
        SilenceOutput {
            id: silence.meta.id.clone(),
            name: silence.meta.name.clone(),
            matchers: matchers_json(&silence.spec.matchers),
            starts_at: silence.spec.starts_at.to_string(),
            ends_at: silence.spec.ends_at.to_string(),
            comment: silence.spec.comment.clone(),
            state: silence.spec.state(Timestamp::now()).as_str().into(),
            meta: MetaOutput::of(&silence.meta),
        }
    }
}

fn matchers_json(matchers: &[Matcher]) -> Vec<MatcherJson> {
    matchers
        .iter()
        .map(|m| MatcherJson {
            name: m.name.clone(),
            value: m.value.clone(),
            is_regex: m.is_regex,
            is_equal: m.is_equal,
        })
        .collect()
}

/// `POST /monitoring/silences/{id}/expire`.
async fn expire_silence(caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let silence = caller.db.monitoring().silences().expire(&id).await?;
    Ok(resource(StatusCode::OK, &silence))
}

/// A pushed sample's timestamp: Unix seconds or RFC 3339.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SampleTime {
    /// Unix seconds (fractions allowed).
    Seconds(f64),
    /// RFC 3339.
    Text(String),
}

/// One pushed sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DroppedSample {
    /// Its position in the push.
    pub index: usize,
    /// Why.
    pub reason: String,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PushOutput {
    /// Samples taken.
    pub accepted: usize,
    /// Samples left out (outside the kept time range, or not finite).
    pub dropped: usize,
    /// The first 100 left out, with the reason.
    pub errors: Vec<DroppedSample>,
}

impl From<PushReport> for PushOutput {
    fn from(report: PushReport) -> Self {
        PushOutput {
            accepted: report.accepted,
            dropped: report.dropped.len(),
            errors: report
                .dropped
                .into_iter()
                .take(100)
                .map(|(index, reason)| DroppedSample { index, reason })
                .collect(),
        }
    }
}

/// The query parameters of a route, by name (a repeated one: the last).
fn query_pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    query.map_or(Ok(Vec::new()), serde_urlencoded_pairs)
}

fn is_text(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|essence| essence == "text/plain" || essence == "application/openmetrics-text")
}

/// JSON samples in core's form; a missing service is `default_service`.
fn samples_from_json(body: &[u8], default_service: Option<&str>) -> Result<Vec<Sample>, ApiError> {
    let samples: Vec<SampleJson> = parse_json(body)?;
    samples
        .into_iter()
        .enumerate()
        .map(|(i, sample)| {
            let service = sample
                .service
                .or_else(|| default_service.map(str::to_string))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "Invalid metric samples",
                        &format!("samples[{i}].service"),
                        "is required (or pass ?service=)",
                    )
                })?;
            let timestamp = match sample.timestamp {
                None => None,
                Some(SampleTime::Seconds(secs)) if secs.is_finite() && secs.abs() < 1e12 => {
                    Some((secs * 1000.0).round() as i64)
                }
                Some(SampleTime::Text(text)) if Timestamp::parse_rfc3339(&text).is_some() => {
                    Timestamp::parse_rfc3339(&text).map(Timestamp::unix_millis)
                }
                Some(_) => {
                    return Err(ApiError::invalid(
                        "Invalid metric samples",
                        &format!("samples[{i}].timestamp"),
                        "must be Unix seconds or an RFC 3339 time",
                    ));
                }
            };
            Ok(Sample {
                series: SeriesKey {
                    service,
                    metric: sample.metric,
                    labels: sample.labels,
                },
                value: sample.value,
                timestamp,
                counter: None,
            })
        })
        .collect()
}

/// `POST /monitoring/samples`.
async fn push_samples(
    caller: Caller,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.authorize(METRIC, Verb::Write)?;
    let pairs = query_pairs(query.as_deref())?;
    let service = pairs
        .iter()
        .rev()
        .find(|(k, _)| k == "service")
        .map(|(_, v)| v.as_str());
    if let Some(service) = service {
        SeriesKey::validate_service(service)?;
    }
    let samples = if is_text(&headers) {
        let service = service.ok_or_else(|| {
            ApiError::invalid(
                "Invalid metric samples",
                "service",
                "is required for the text format (?service=)",
            )
        })?;
        let text = std::str::from_utf8(&body).map_err(|_| {
            ApiError::invalid("Invalid metric samples", "body", "is not UTF-8 text")
        })?;
        clusterdb::monitoring::parse_exposition(text, service)?
    } else {
        crate::rest::extract::require_json(&headers)?;
        samples_from_json(&body, service)?
    };
    let report = caller.db.monitoring().push(samples).await?;
    Ok(axum::Json(PushOutput::from(report)).into_response())
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PointOutput {
    /// RFC 3339: the start of the point's step.
    pub timestamp: String,
    /// The mean over the step for a gauge, the latest value for a counter.
    pub value: f64,
}

/// A series over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// `x`, or the largest finite number of its sign (a sum of huge samples
/// may overflow; JSON has no infinity).
fn finite(x: f64) -> f64 {
    if x.is_finite() {
        x
    } else if x > 0.0 {
        f64::MAX
    } else {
        f64::MIN
    }
}

fn time_of(ms: i64) -> String {
    Timestamp::from_unix_millis(ms).to_string()
}

impl From<MetricsAnswer> for MetricsOutput {
    fn from(answer: MetricsAnswer) -> Self {
        MetricsOutput {
            service: answer.service,
            window: duration::format_ms(answer.end - answer.start),
            step: duration::format_ms(answer.step_ms),
            resolution: answer.tier.as_str().into(),
            start: time_of(answer.start),
            end: time_of(answer.end),
            series: answer
                .series
                .into_iter()
                .map(|s| SeriesOutput {
                    metric: s.key.metric,
                    labels: s.key.labels,
                    kind: if s.counter { "counter" } else { "gauge" }.into(),
                    summary: SummaryOutput {
                        count: s.summary.count,
                        min: finite(s.summary.min),
                        max: finite(s.summary.max),
                        avg: finite(s.summary.avg),
                        last: finite(s.summary.last),
                        rate: s.summary.rate.map(finite),
                    },
                    points: s
                        .points
                        .into_iter()
                        .map(|p| PointOutput {
                            timestamp: time_of(p.t),
                            value: finite(p.v),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

fn bad_query(field: &str, reason: impl Into<String>) -> ApiError {
    ApiError::invalid("Invalid metrics query", field, reason)
}

/// What a metric's name must be (core's `validate_metric_name`).
fn metric_rule() -> FieldRule {
    FieldRule::Pattern {
        pattern: "^[a-zA-Z_:][a-zA-Z0-9_:]*$".into(),
        max: clusterdb::monitoring::MAX_METRIC_LEN,
    }
}

/// The query a request's parameters ask for.
fn metrics_query(pairs: &[(String, String)]) -> Result<MetricsQuery, ApiError> {
    let (mut service, mut window, mut step) = (None, "", "");
    let (mut metric, mut labels) = (None, BTreeMap::new());
    for (key, value) in pairs {
        match key.as_str() {
            "service" => service = Some(value.as_str()),
            "metric" => metric = Some(value.clone()),
            "window" => window = value,
            "step" => step = value,
            "label" => {
                let (name, value) = value
                    .split_once(':')
                    .ok_or_else(|| bad_query("label", "must be name:value"))?;
                labels.insert(name.to_string(), value.to_string());
            }
            read if crate::read_options::PARAMETERS.contains(&read) => {}
            other => return Err(bad_query(other, "is not a parameter of this query")),
        }
    }
    let service = service.ok_or_else(|| bad_query("service", "is required"))?;
    Ok(MetricsQuery {
        metric,
        labels,
        ..MetricsQuery::over(service, window, step)?
    })
}

/// `GET /monitoring/metrics`.
async fn query_metrics(caller: Caller, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    caller.authorize(METRIC, Verb::Read)?;
    let query = metrics_query(&query_pairs(query.as_deref())?)?;
    let answer = caller.db.monitoring().query(&query).await?;
    Ok(axum::Json(MetricsOutput::from(answer)).into_response())
}

/// An alert as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

impl AlertOutput {
    /// The API's view of an alert.
    pub fn of(alert: &Object<AlertKind>) -> Self {
        AlertOutput {
            id: alert.meta.id.clone(),
            name: alert.meta.name.clone(),
            rule_id: alert.spec.rule_id.clone(),
            state: alert.status.state.as_str().into(),
            severity: alert.spec.severity.into(),
            summary: alert.spec.summary.clone(),
            value: alert.status.value.map(finite),
            labels: alert.spec.labels.clone(),
            active_at: alert.status.active_at.to_string(),
            fired_at: alert.status.fired_at.map(|t| t.to_string()),
            resolved_at: alert.status.resolved_at.map(|t| t.to_string()),
            silenced_by: alert.status.silenced_by.clone(),
            resource_version: alert.meta.resource_version,
        }
    }
}

/// The answer to `GET /monitoring/alerts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AlertList {
    /// Firing first, then pending, then resolved; oldest first within each.
    pub alerts: Vec<AlertOutput>,
}

/// `GET /monitoring/alerts`.
async fn list_alerts(caller: Caller, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    caller.authorize("alert", Verb::Read)?;
    let mut state = None;
    for (key, value) in query_pairs(query.as_deref())? {
        match key.as_str() {
            "state" => {
                state = Some(AlertState::parse(&value).ok_or_else(|| {
                    ApiError::invalid(
                        "Invalid alert query",
                        "state",
                        "must be pending, firing or resolved",
                    )
                })?);
            }
            read if crate::read_options::PARAMETERS.contains(&read) => {}
            other => {
                return Err(ApiError::invalid(
                    "Invalid alert query",
                    other,
                    "is not a parameter of this query",
                ));
            }
        }
    }
    let alerts = caller.db.monitoring().alerts(state).await?;
    Ok(axum::Json(AlertList {
        alerts: alerts.iter().map(AlertOutput::of).collect(),
    })
    .into_response())
}

//! Monitoring on the REST API: the alert-rule and silence kinds (CRUD under
//! `/monitoring/alert-rules` and `/monitoring/silences`, `…/{id}/expire`),
//! and the routes about the history as a whole — `POST /monitoring/samples`
//! (JSON or the Prometheus text format), `GET /monitoring/metrics` and `GET
//! /monitoring/alerts`.

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
use clusterdb_client::wire::{
    AggregationName, AlertList, AlertOutput, AlertRuleInput, AlertRuleOutput, DroppedSample,
    MatcherJson, MetricsOutput, OpName, PointOutput, PushOutput, SampleJson, SampleTime,
    SeriesOutput, SeverityName, SilenceInput, SilenceOutput, SummaryOutput,
};

use super::{Convert, meta_output};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::{parse_json, serde_urlencoded_pairs};
use crate::rest::handlers::resource;
use crate::rest::kind::{
    Access, Action, ActionBody, FieldRule, QueryParam, QueryRule, RestKind, SchemaOf,
};

/// The policy's name for the history (samples and queries).
const METRIC: &str = "metric";

impl Convert<Aggregation> for AggregationName {
    fn convert(self) -> Aggregation {
        let name = self;
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

impl Convert<AggregationName> for Aggregation {
    fn convert(self) -> AggregationName {
        let aggregation = self;
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

impl Convert<Comparison> for OpName {
    fn convert(self) -> Comparison {
        let op = self;
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

impl Convert<OpName> for Comparison {
    fn convert(self) -> OpName {
        let op = self;
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

impl Convert<Severity> for SeverityName {
    fn convert(self) -> Severity {
        let name = self;
        match name {
            SeverityName::Info => Severity::Info,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Critical => Severity::Critical,
        }
    }
}

impl Convert<SeverityName> for Severity {
    fn convert(self) -> SeverityName {
        let severity = self;
        match severity {
            Severity::Info => SeverityName::Info,
            Severity::Warning => SeverityName::Warning,
            Severity::Critical => SeverityName::Critical,
        }
    }
}

/// A duration field's milliseconds; what is not a duration becomes `-1`,
/// which core's validation refuses naming the field.
fn duration_ms(text: &str) -> i64 {
    duration::parse_ms(text).unwrap_or(-1)
}

impl RestKind for AlertRuleKind {
    type Wire = clusterdb_client::AlertRules;
    const TITLE: &'static str = "AlertRule";
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
                    aggregation: input.aggregation.convert(),
                    window_ms: duration_ms(&input.window),
                    op: input.op.convert(),
                    threshold: input.threshold,
                    for_ms: duration_ms(&input.for_duration),
                    severity: input.severity.convert(),
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
            aggregation: rule.spec.aggregation.convert(),
            window: duration::format_ms(rule.spec.window_ms),
            op: rule.spec.op.convert(),
            threshold: rule.spec.threshold,
            for_duration: duration::format_ms(rule.spec.for_ms),
            severity: rule.spec.severity.convert(),
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
            meta: meta_output(&rule.meta),
        }
    }
}

impl RestKind for SilenceKind {
    type Wire = clusterdb_client::Silences;
    const TITLE: &'static str = "Silence";
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
                    starts_at: input
                        .starts_at
                        .map_or_else(Timestamp::now, Convert::convert),
                    ends_at: input.ends_at.convert(),
                    comment: input.comment,
                },
            )
        }
    }

    fn input(silence: &Object<Self>) -> SilenceInput {
        SilenceInput {
            name: silence.meta.name.clone(),
            matchers: matchers_json(&silence.spec.matchers),
            starts_at: Some(silence.spec.starts_at.convert()),
            ends_at: silence.spec.ends_at.convert(),
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
            meta: meta_output(&silence.meta),
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

impl Convert<PushOutput> for PushReport {
    fn convert(self) -> PushOutput {
        let report = self;
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
    Ok(axum::Json(report.convert()).into_response())
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

impl Convert<MetricsOutput> for MetricsAnswer {
    fn convert(self) -> MetricsOutput {
        let answer = self;
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
    Ok(axum::Json(answer.convert()).into_response())
}

/// The API's view of an alert.
pub fn alert_output(alert: &Object<AlertKind>) -> AlertOutput {
    AlertOutput {
        id: alert.meta.id.clone(),
        name: alert.meta.name.clone(),
        rule_id: alert.spec.rule_id.clone(),
        state: alert.status.state.as_str().into(),
        severity: alert.spec.severity.convert(),
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
        alerts: alerts.iter().map(alert_output).collect(),
    })
    .into_response())
}

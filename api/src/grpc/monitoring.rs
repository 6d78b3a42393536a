//! `clusterdb.monitoring.v1.MonitoringService`: alert-rule and silence
//! CRUD delegate to the generic implementation in [`super::kind`]; pushes,
//! queries, the alert list and a silence's expiry call the core as REST
//! does, with the same fields named in errors.

use clusterdb::identity::Verb;
use clusterdb::monitoring::{
    Aggregation, Alert, AlertRule, AlertRuleKind, AlertRuleSpec, AlertState, Comparison, Matcher,
    MetricsQuery, Sample, SeriesKey, Severity, Silence, SilenceKind, SilenceSpec, duration,
};
use clusterdb::{Draft, Kind, Timestamp};
use clusterdb_proto::monitoring::v1 as pb;
use pb::MonitoringService;
use tonic::{Request, Response, Status};

use super::auth::caller;
use super::convert::{from_timestamp, list_options, map, tags, timestamp};
use super::kind::{self, GrpcKind, Reply, Update};
use super::status::{invalid, status};

/// The fields a create or an update of a rule carries.
struct RuleFields {
    name: String,
    service: String,
    metric: String,
    labels: std::collections::HashMap<String, String>,
    aggregation: String,
    window: String,
    op: String,
    threshold: f64,
    for_duration: String,
    severity: String,
    summary: String,
    tags: std::collections::HashMap<String, String>,
}

impl RuleFields {
    /// The draft; names that are none of the allowed ones are refused
    /// naming their field.
    fn draft(self) -> Result<Draft<AlertRuleSpec>, Status> {
        let aggregation = Aggregation::parse(&self.aggregation).ok_or_else(|| {
            invalid(
                "aggregation",
                "must be avg, min, max, sum, last, rate or p99",
            )
        })?;
        let op = Comparison::parse(&self.op)
            .ok_or_else(|| invalid("op", "must be >, >=, <, <=, == or !="))?;
        let severity = if self.severity.is_empty() {
            Severity::Warning
        } else {
            Severity::parse(&self.severity)
                .ok_or_else(|| invalid("severity", "must be info, warning or critical"))?
        };
        let for_duration = if self.for_duration.is_empty() {
            "0s"
        } else {
            &self.for_duration
        };
        Ok(Draft {
            tags: tags(self.tags),
            ..Draft::new(
                self.name,
                AlertRuleSpec {
                    service: self.service,
                    metric: self.metric,
                    labels: tags(self.labels),
                    aggregation,
                    window_ms: duration::parse_ms(&self.window).unwrap_or(-1),
                    op,
                    threshold: self.threshold,
                    for_ms: duration::parse_ms(for_duration).unwrap_or(-1),
                    severity,
                    summary: self.summary,
                },
            )
        })
    }

    fn of_create(r: pb::CreateAlertRuleRequest) -> Self {
        RuleFields {
            name: r.name,
            service: r.service,
            metric: r.metric,
            labels: r.labels,
            aggregation: r.aggregation,
            window: r.window,
            op: r.op,
            threshold: r.threshold,
            for_duration: r.r#for,
            severity: r.severity,
            summary: r.summary,
            tags: r.tags,
        }
    }

    fn of_update(r: pb::UpdateAlertRuleRequest) -> (String, Option<u64>, Self) {
        (
            r.id,
            r.expected_version,
            RuleFields {
                name: r.name,
                service: r.service,
                metric: r.metric,
                labels: r.labels,
                aggregation: r.aggregation,
                window: r.window,
                op: r.op,
                threshold: r.threshold,
                for_duration: r.r#for,
                severity: r.severity,
                summary: r.summary,
                tags: r.tags,
            },
        )
    }
}

impl GrpcKind for AlertRuleKind {
    type Message = pb::AlertRule;
    type Create = pb::CreateAlertRuleRequest;
    type Get = pb::GetAlertRuleRequest;
    type Update = pb::UpdateAlertRuleRequest;
    type Delete = pb::DeleteAlertRuleRequest;
    type List = pb::ListAlertRulesRequest;
    type Page = pb::ListAlertRulesResponse;

    fn message(rule: &AlertRule) -> pb::AlertRule {
        pb::AlertRule {
            id: rule.meta.id.clone(),
            name: rule.meta.name.clone(),
            service: rule.spec.service.clone(),
            metric: rule.spec.metric.clone(),
            labels: map(&rule.spec.labels),
            aggregation: rule.spec.aggregation.as_str().into(),
            window: duration::format_ms(rule.spec.window_ms),
            op: rule.spec.op.as_str().into(),
            threshold: rule.spec.threshold,
            r#for: duration::format_ms(rule.spec.for_ms),
            severity: rule.spec.severity.as_str().into(),
            summary: rule.spec.summary.clone(),
            tags: map(&rule.meta.tags),
            created_at: Some(timestamp(rule.meta.created_at)),
            updated_at: Some(timestamp(rule.meta.updated_at)),
            resource_version: rule.meta.resource_version,
            created_by: rule.meta.created_by.clone(),
            updated_by: rule.meta.updated_by.clone(),
        }
    }

    fn create(r: pb::CreateAlertRuleRequest) -> Result<Draft<AlertRuleSpec>, Status> {
        RuleFields::of_create(r).draft()
    }

    fn get(r: pb::GetAlertRuleRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateAlertRuleRequest) -> Result<Update<AlertRuleSpec>, Status> {
        let (id, expected_version, fields) = RuleFields::of_update(r);
        Ok(Update {
            id,
            expected_version,
            draft: fields.draft()?,
        })
    }

    fn delete(r: pb::DeleteAlertRuleRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListAlertRulesRequest) -> clusterdb::ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(
        alert_rules: Vec<pb::AlertRule>,
        next_page_token: String,
    ) -> pb::ListAlertRulesResponse {
        pb::ListAlertRulesResponse {
            alert_rules,
            next_page_token,
        }
    }
}

fn matchers(matchers: Vec<pb::Matcher>) -> Vec<Matcher> {
    matchers
        .into_iter()
        .map(|m| Matcher {
            name: m.name,
            value: m.value,
            is_regex: m.is_regex,
            is_equal: m.is_equal.unwrap_or(true),
        })
        .collect()
}

/// A silence's draft; a missing end is the start (which core refuses
/// naming `ends_at`).
fn silence_draft(
    name: String,
    matcher_list: Vec<pb::Matcher>,
    starts_at: Option<prost_types::Timestamp>,
    ends_at: Option<prost_types::Timestamp>,
    comment: String,
    tag_map: std::collections::HashMap<String, String>,
) -> Draft<SilenceSpec> {
    let starts_at = starts_at.map_or_else(Timestamp::now, from_timestamp);
    Draft {
        tags: tags(tag_map),
        ..Draft::new(
            name,
            SilenceSpec {
                matchers: matchers(matcher_list),
                starts_at,
                ends_at: ends_at.map_or(starts_at, from_timestamp),
                comment,
            },
        )
    }
}

impl GrpcKind for SilenceKind {
    type Message = pb::Silence;
    type Create = pb::CreateSilenceRequest;
    type Get = pb::GetSilenceRequest;
    type Update = pb::UpdateSilenceRequest;
    type Delete = pb::DeleteSilenceRequest;
    type List = pb::ListSilencesRequest;
    type Page = pb::ListSilencesResponse;

    fn message(silence: &Silence) -> pb::Silence {
        pb::Silence {
            id: silence.meta.id.clone(),
            name: silence.meta.name.clone(),
            matchers: silence
                .spec
                .matchers
                .iter()
                .map(|m| pb::Matcher {
                    name: m.name.clone(),
                    value: m.value.clone(),
                    is_regex: m.is_regex,
                    is_equal: Some(m.is_equal),
                })
                .collect(),
            starts_at: Some(timestamp(silence.spec.starts_at)),
            ends_at: Some(timestamp(silence.spec.ends_at)),
            comment: silence.spec.comment.clone(),
            state: silence.spec.state(Timestamp::now()).as_str().into(),
            tags: map(&silence.meta.tags),
            created_at: Some(timestamp(silence.meta.created_at)),
            updated_at: Some(timestamp(silence.meta.updated_at)),
            resource_version: silence.meta.resource_version,
            created_by: silence.meta.created_by.clone(),
            updated_by: silence.meta.updated_by.clone(),
        }
    }

    fn create(r: pb::CreateSilenceRequest) -> Result<Draft<SilenceSpec>, Status> {
        let name = if r.name.is_empty() {
            format!("silence-{}", Timestamp::now().unix_millis())
        } else {
            r.name
        };
        Ok(silence_draft(
            name,
            r.matchers,
            r.starts_at,
            r.ends_at,
            r.comment,
            r.tags,
        ))
    }

    fn get(r: pb::GetSilenceRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateSilenceRequest) -> Result<Update<SilenceSpec>, Status> {
        Ok(Update {
            id: r.id,
            expected_version: r.expected_version,
            draft: silence_draft(
                r.name,
                r.matchers,
                r.starts_at,
                r.ends_at,
                r.comment,
                r.tags,
            ),
        })
    }

    fn delete(r: pb::DeleteSilenceRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListSilencesRequest) -> clusterdb::ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(silences: Vec<pb::Silence>, next_page_token: String) -> pb::ListSilencesResponse {
        pb::ListSilencesResponse {
            silences,
            next_page_token,
        }
    }
}

fn alert_message(alert: &Alert) -> pb::Alert {
    pb::Alert {
        id: alert.meta.id.clone(),
        name: alert.meta.name.clone(),
        rule_id: alert.spec.rule_id.clone(),
        state: alert.status.state.as_str().into(),
        severity: alert.spec.severity.as_str().into(),
        summary: alert.spec.summary.clone(),
        value: alert.status.value,
        labels: map(&alert.spec.labels),
        active_at: Some(timestamp(alert.status.active_at)),
        fired_at: alert.status.fired_at.map(timestamp),
        resolved_at: alert.status.resolved_at.map(timestamp),
        silenced_by: alert.status.silenced_by.clone(),
        resource_version: alert.meta.resource_version,
    }
}

/// The monitoring service.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonitoringApi;

#[tonic::async_trait]
impl MonitoringService for MonitoringApi {
    async fn push_samples(
        &self,
        r: Request<pb::PushSamplesRequest>,
    ) -> Reply<pb::PushSamplesResponse> {
        let db = caller(&r, "metric", Verb::Write)?;
        let r = r.into_inner();
        let mut samples = Vec::with_capacity(r.samples.len());
        if !r.text.is_empty() {
            if r.service.is_empty() {
                return Err(invalid("service", "is required for the text format"));
            }
            samples =
                clusterdb::monitoring::parse_exposition(&r.text, &r.service).map_err(status)?;
        }
        for (i, sample) in r.samples.into_iter().enumerate() {
            let service = if sample.service.is_empty() {
                if r.service.is_empty() {
                    return Err(invalid(
                        &format!("samples[{i}].service"),
                        "is required (or set the request's service)",
                    ));
                }
                r.service.clone()
            } else {
                sample.service
            };
            samples.push(Sample {
                series: SeriesKey {
                    service,
                    metric: sample.metric,
                    labels: tags(sample.labels),
                },
                value: sample.value,
                timestamp: sample.timestamp.map(|t| from_timestamp(t).unix_millis()),
                counter: None,
            });
        }
        let report = db.monitoring().push(samples).await.map_err(status)?;
        Ok(Response::new(pb::PushSamplesResponse {
            accepted: report.accepted as u64,
            dropped: report.dropped.len() as u64,
            errors: report
                .dropped
                .into_iter()
                .take(100)
                .map(|(index, reason)| pb::DroppedSample {
                    index: u32::try_from(index).unwrap_or(u32::MAX),
                    reason,
                })
                .collect(),
        }))
    }

    async fn query_metrics(
        &self,
        r: Request<pb::QueryMetricsRequest>,
    ) -> Reply<pb::QueryMetricsResponse> {
        let db = caller(&r, "metric", Verb::Read)?;
        let r = r.into_inner();
        let query = MetricsQuery {
            metric: (!r.metric.is_empty()).then_some(r.metric),
            labels: tags(r.labels),
            ..MetricsQuery::over(r.service, &r.window, &r.step).map_err(status)?
        };
        let answer = db.monitoring().query(&query).await.map_err(status)?;
        let time = |ms: i64| Some(timestamp(Timestamp::from_unix_millis(ms)));
        Ok(Response::new(pb::QueryMetricsResponse {
            service: answer.service,
            window: duration::format_ms(answer.end - answer.start),
            step: duration::format_ms(answer.step_ms),
            resolution: answer.tier.as_str().into(),
            start: time(answer.start),
            end: time(answer.end),
            series: answer
                .series
                .into_iter()
                .map(|s| pb::Series {
                    metric: s.key.metric,
                    labels: map(&s.key.labels),
                    r#type: if s.counter { "counter" } else { "gauge" }.into(),
                    summary: Some(pb::Summary {
                        count: s.summary.count,
                        min: s.summary.min,
                        max: s.summary.max,
                        avg: s.summary.avg,
                        last: s.summary.last,
                        rate: s.summary.rate,
                    }),
                    points: s
                        .points
                        .into_iter()
                        .map(|p| pb::Point {
                            timestamp: time(p.t),
                            value: p.v,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    async fn list_alerts(
        &self,
        r: Request<pb::ListAlertsRequest>,
    ) -> Reply<pb::ListAlertsResponse> {
        let db = caller(&r, "alert", Verb::Read)?;
        let r = r.into_inner();
        let state = match r.state.as_str() {
            "" => None,
            name => Some(
                AlertState::parse(name)
                    .ok_or_else(|| invalid("state", "must be pending, firing or resolved"))?,
            ),
        };
        let alerts = db.monitoring().alerts(state).await.map_err(status)?;
        Ok(Response::new(pb::ListAlertsResponse {
            alerts: alerts.iter().map(alert_message).collect(),
        }))
    }

    async fn create_alert_rule(
        &self,
        r: Request<pb::CreateAlertRuleRequest>,
    ) -> Reply<pb::AlertRule> {
        kind::create::<AlertRuleKind>(r).await
    }

    async fn get_alert_rule(&self, r: Request<pb::GetAlertRuleRequest>) -> Reply<pb::AlertRule> {
        kind::get::<AlertRuleKind>(r).await
    }

    async fn update_alert_rule(
        &self,
        r: Request<pb::UpdateAlertRuleRequest>,
    ) -> Reply<pb::AlertRule> {
        kind::update::<AlertRuleKind>(r).await
    }

    async fn delete_alert_rule(&self, r: Request<pb::DeleteAlertRuleRequest>) -> Reply<()> {
        kind::delete::<AlertRuleKind>(r).await
    }

    async fn list_alert_rules(
        &self,
        r: Request<pb::ListAlertRulesRequest>,
    ) -> Reply<pb::ListAlertRulesResponse> {
        kind::list::<AlertRuleKind>(r).await
    }

    async fn create_silence(&self, r: Request<pb::CreateSilenceRequest>) -> Reply<pb::Silence> {
        kind::create::<SilenceKind>(r).await
    }

    async fn get_silence(&self, r: Request<pb::GetSilenceRequest>) -> Reply<pb::Silence> {
        kind::get::<SilenceKind>(r).await
    }

    async fn update_silence(&self, r: Request<pb::UpdateSilenceRequest>) -> Reply<pb::Silence> {
        kind::update::<SilenceKind>(r).await
    }

    async fn delete_silence(&self, r: Request<pb::DeleteSilenceRequest>) -> Reply<()> {
        kind::delete::<SilenceKind>(r).await
    }

    async fn list_silences(
        &self,
        r: Request<pb::ListSilencesRequest>,
    ) -> Reply<pb::ListSilencesResponse> {
        kind::list::<SilenceKind>(r).await
    }

    async fn expire_silence(&self, r: Request<pb::ExpireSilenceRequest>) -> Reply<pb::Silence> {
        let db = caller(&r, SilenceKind::NAME, Verb::Write)?;
        let silence = db
            .monitoring()
            .silences()
            .expire(&r.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(SilenceKind::message(&silence)))
    }
}

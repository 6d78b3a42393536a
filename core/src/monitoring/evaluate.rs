//! The alert evaluator: every interval, on the elected process, each
//! rule's value is computed from the history and its alert moved through
//! the state machine of [`super::alert::step`].

use std::collections::HashMap;

use super::Monitoring;
use super::alert::{AlertKind, AlertSpec, Observation, Step};
use super::block::SeriesData;
use super::history::Selector;
use super::query::{MetricsQuery, Window, plan};
use super::rule::{Aggregation, AlertRule};
use super::silence::{EXPIRED_SILENCE_RETENTION_MS, Silence};
use crate::error::Result;
use crate::kind::{Draft, Kind, Object};
use crate::list::ListOptions;
use crate::resources::{Change, Resources};
use crate::timestamp::Timestamp;

/// What one evaluation round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationReport {
    /// Rules evaluated.
    pub rules: usize,
    /// Alert writes (transitions).
    pub transitions: usize,
    /// Rules whose evaluation failed (logged).
    pub failures: usize,
    /// Silences removed, expired for longer than they stay listed.
    pub silences_removed: usize,
}

/// Expired silences one round removes at most.
const SILENCES_REMOVED_PER_ROUND: usize = 100;

/// The value of `aggregation` over the windows of every matching series
/// (`counter`, window); `None` without samples (or, for `rate`, without a
/// counter with two samples).
pub(crate) fn aggregate(aggregation: Aggregation, windows: &[(bool, Window<'_>)]) -> Option<f64> {
    if windows.is_empty() {
        return None;
    }
    let summaries: Vec<_> = windows
        .iter()
        .map(|(counter, w)| w.summary(*counter))
        .collect();
    let count: u64 = summaries.iter().map(|s| s.count).sum();
    if count == 0 {
        return None;
    }
    Some(match aggregation {
        Aggregation::Avg => summaries.iter().map(|s| s.sum).sum::<f64>() / count as f64,
        Aggregation::Min => summaries
            .iter()
            .map(|s| s.min)
            .fold(f64::INFINITY, f64::min),
        Aggregation::Max => summaries
            .iter()
            .map(|s| s.max)
            .fold(f64::NEG_INFINITY, f64::max),
        Aggregation::Sum => summaries.iter().map(|s| s.sum).sum(),
        Aggregation::Last => summaries.iter().map(|s| s.last).sum(),
        Aggregation::Rate => {
            let rates: Vec<f64> = summaries.iter().filter_map(|s| s.rate).collect();
            if rates.is_empty() {
                return None;
            }
            rates.iter().sum()
        }
        Aggregation::P99 => {
            let mut values: Vec<f64> = windows.iter().flat_map(|(_, w)| w.values()).collect();
            values.sort_by(f64::total_cmp);
            // Nearest rank.
            let rank = ((values.len() as f64) * 0.99).ceil() as usize;
            values[rank.clamp(1, values.len()) - 1]
        }
    })
}

impl Monitoring {
    /// A rule's value at `now`.
    pub async fn rule_value(&self, rule: &AlertRule, now: Timestamp) -> Result<Option<f64>> {
        let query = MetricsQuery {
            service: rule.spec.service.clone(),
            metric: Some(rule.spec.metric.clone()),
            labels: rule.spec.labels.clone(),
            window_ms: rule.spec.window_ms,
            step_ms: None,
        };
        let history = &self.store.history;
        let (tier, _) = plan(&query, history.config())?;
        let end = now.unix_millis();
        let start = end - rule.spec.window_ms;
        let selector = Selector {
            service: &rule.spec.service,
            metric: Some(&rule.spec.metric),
            labels: &rule.spec.labels,
        };
        let (series, data): (_, SeriesData) = history
            .read(&*self.store.engine, &selector, tier, start, end)
            .await?;
        let windows: Vec<(bool, Window<'_>)> = series
            .iter()
            .filter_map(|record| {
                Window::of(&data, record.key.id(), tier, start, end).map(|w| (record.counter, w))
            })
            .collect();
        Ok(aggregate(rule.spec.aggregation, &windows))
    }

    /// Evaluates every rule at `now` and moves its alert (the evaluator
    /// does this every interval on the elected process; a test may call it
    /// with any clock).
    pub async fn evaluate(&self, now: Timestamp) -> Result<EvaluationReport> {
        let rules = list_all(&self.rules()).await?;
        let silences: Vec<Silence> = list_all(&self.silences()).await?;
        let alerts = self.alerts_service();
        let mut by_rule: HashMap<String, Object<AlertKind>> = list_all(&alerts)
            .await?
            .into_iter()
            .map(|alert| (alert.spec.rule_id.clone(), alert))
            .collect();
        let retention = self.store.history.config().resolved_retention.as_millis() as i64;
        let mut report = EvaluationReport::default();
        let forgotten_before = now.unix_millis() - EXPIRED_SILENCE_RETENTION_MS;
        for silence in silences
            .iter()
            .filter(|s| s.spec.ends_at.unix_millis() < forgotten_before)
            .take(SILENCES_REMOVED_PER_ROUND)
        {
            match self
                .silences()
                .delete(&silence.meta.id, Some(silence.meta.resource_version))
                .await
            {
                Ok(_) => report.silences_removed += 1,
                Err(err) => {
                    tracing::warn!(silence = %silence.meta.id, error = %err, "removing an expired silence failed")
                }
            }
        }
        for rule in &rules {
            report.rules += 1;
            let value = match self.rule_value(rule, now).await {
                Ok(value) => value,
                Err(err) => {
                    report.failures += 1;
                    tracing::warn!(rule = %rule.meta.name, error = %err, "evaluating an alert rule failed");
                    continue;
                }
            };
            let labels = rule.spec.alert_labels(&rule.meta.name);
            let observation = Observation {
                value,
                holds: value.is_some_and(|v| rule.spec.op.holds(v, rule.spec.threshold)),
                silenced_by: silences
                    .iter()
                    .filter(|s| s.spec.mutes(&labels, now))
                    .map(|s| s.meta.id.clone())
                    .collect(),
            };
            let current = by_rule.remove(&rule.meta.id);
            let step = super::alert::step(
                current.as_ref().map(|a| &a.status),
                &observation,
                now,
                rule.spec.for_ms,
                retention,
            );
            let spec = AlertSpec {
                rule_id: rule.meta.id.clone(),
                labels,
                severity: rule.spec.severity,
                summary: rule.spec.summary.clone(),
            };
            let written = self.apply(rule, current, spec, step).await;
            match written {
                Ok(true) => report.transitions += 1,
                Ok(false) => {}
                Err(err) => {
                    report.failures += 1;
                    tracing::warn!(rule = %rule.meta.name, error = %err, "writing an alert failed");
                }
            }
        }
        Ok(report)
    }

    async fn apply(
        &self,
        rule: &AlertRule,
        current: Option<Object<AlertKind>>,
        spec: AlertSpec,
        step: Step,
    ) -> Result<bool> {
        let alerts = self.alerts_service();
        match (step, current) {
            (Step::Keep, _) => Ok(false),
            (Step::Create(status, action), _) => {
                let draft = Draft::new(rule.meta.name.clone(), spec);
                alerts.create_as(draft, status, action).await?;
                Ok(true)
            }
            (Step::Set(status, action), Some(alert)) => {
                alerts
                    .modify(
                        &alert.meta.id,
                        Some(alert.meta.resource_version),
                        |current, now| {
                            let mut next = current.clone();
                            next.spec = spec.clone();
                            next.status = status.clone();
                            next.meta.updated_at = now;
                            Ok(Change::Replace(next, action_list(action)))
                        },
                    )
                    .await?;
                Ok(true)
            }
            (Step::Remove(action), Some(alert)) => {
                alerts
                    .modify(&alert.meta.id, Some(alert.meta.resource_version), |_, _| {
                        Ok(Change::Remove(action_list(action)))
                    })
                    .await?;
                Ok(true)
            }
            // Set / Remove always come with a current alert.
            (Step::Set(..) | Step::Remove(_), None) => Ok(false),
        }
    }
}

/// The event actions for one alert transition.
fn action_list(action: &'static str) -> &'static [&'static str] {
    match action {
        "pending" => &["pending"],
        "firing" => &["firing"],
        "resolved" => &["resolved"],
        "inactive" => &["inactive"],
        "deleted" => &["deleted"],
        _ => &["updated"],
    }
}

/// Every object of a kind (alert rules, silences and alerts are bounded).
pub(crate) async fn list_all<K: Kind>(resources: &Resources<K>) -> Result<Vec<Object<K>>> {
    let mut out = Vec::new();
    let mut options = ListOptions::default().page_size(1000);
    loop {
        let page = resources.list(&options).await?;
        out.extend(page.items);
        match page.next_page_token {
            Some(token) => options.page_token = Some(token),
            None => return Ok(out),
        }
    }
}

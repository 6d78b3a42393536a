//! Monitoring: the embedded metrics history (samples pushed by services
//! and sampled from the server itself, kept raw and as 1-minute and
//! 1-hour rollups, bounded in time and series), queries over it, and
//! alerting — alert rules, silences and the alerts an elected evaluator
//! moves through their state machine. [`Monitoring`] is
//! `ClusterDb::monitoring()`.

mod alert;
mod block;
pub mod duration;
mod evaluate;
pub(crate) mod history;
mod query;
mod rule;
mod sample;
mod silence;
mod text;

use std::sync::Arc;
use std::time::Duration;

pub use alert::{Alert, AlertKind, AlertSpec, AlertState, AlertStatus, Observation, Step, step};
#[doc(hidden)]
pub use block::decode as decode_block;
pub use block::{Rollup, Tier};
pub use evaluate::EvaluationReport;
pub(crate) use history::History;
pub use history::{MaintenanceReport, MonitoringConfig, PushReport, SeriesRecord};
pub use query::{MAX_POINTS, MetricsAnswer, MetricsQuery, SeriesAnswer, Summary};
pub use rule::{
    Aggregation, AlertRule, AlertRuleKind, AlertRuleSpec, Comparison, MAX_ALERT_RULES,
    MAX_RULE_FOR_MS, MAX_RULE_WINDOW_MS, Severity,
};
pub use sample::{
    MAX_LABEL_NAME_LEN, MAX_LABEL_VALUE_LEN, MAX_LABELS, MAX_METRIC_LEN, Point, Sample, SeriesKey,
};
pub use silence::{
    EXPIRED_SILENCE_RETENTION_MS, MAX_MATCHERS, MAX_SILENCES, Matcher, Silence, SilenceKind,
    SilenceSpec, SilenceState,
};
pub use text::{MAX_PUSH_SAMPLES, parse_exposition};

use crate::compute::{FleetKind, FunctionKind};
use crate::error::Result;
use crate::kind::Kind;
use crate::list::ListOptions;
use crate::resources::Resources;
use crate::store::Store;
use crate::timestamp::Timestamp;

/// The service name the server's own metrics are kept under.
pub const SELF_SERVICE: &str = "clusterdb";
/// Fleets sampled per round at most (their gauges are series of their own).
pub const MAX_SAMPLED_FLEETS: usize = 1000;

/// The metrics history and alerting of one database:
/// `ClusterDb::monitoring()`.
#[derive(Clone)]
pub struct Monitoring {
    store: Arc<Store>,
    actor: crate::actor::Actor,
}

impl Monitoring {
    pub(crate) fn new(store: Arc<Store>, actor: crate::actor::Actor) -> Self {
        Monitoring { store, actor }
    }

    /// What is kept and how series are bounded.
    pub fn config(&self) -> &MonitoringConfig {
        self.store.history.config()
    }

    /// Takes pushed samples (see [`PushReport`]). A query sees them at
    /// once; the flush writes them within its interval. Over a series cap:
    /// `QUOTA_EXCEEDED` and nothing is taken.
    pub async fn push(&self, samples: Vec<Sample>) -> Result<PushReport> {
        let now = Timestamp::now().unix_millis();
        self.store
            .history
            .push(&*self.store.engine, samples, now)
            .await
    }

    /// Writes the samples waiting in this process's buffer now (the flush
    /// task does this every interval); returns how many.
    pub async fn flush(&self) -> Result<usize> {
        let now = Timestamp::now().unix_millis();
        self.store.history.flush(&*self.store.engine, now).await
    }

    /// Samples waiting for the flush, and series this process knows.
    pub fn buffer_stats(&self) -> (usize, usize) {
        (
            self.store.history.buffered(),
            self.store.history.series_count(),
        )
    }

    /// One bounded step of compaction and retention at `now` (the elected
    /// process runs it every minute).
    pub async fn maintain(&self, now: Timestamp) -> Result<MaintenanceReport> {
        self.store
            .history
            .maintain(&*self.store.engine, now.unix_millis(), None)
            .await
    }

    /// A service's series over a window ending now.
    pub async fn query(&self, query: &MetricsQuery) -> Result<MetricsAnswer> {
        self.query_at(query, Timestamp::now()).await
    }

    /// A service's series over a window ending at `end`.
    pub async fn query_at(&self, query: &MetricsQuery, end: Timestamp) -> Result<MetricsAnswer> {
        crate::meta::validate_name(query::SUBJECT, "service", &query.service)?;
        if let Some(metric) = &query.metric {
            sample::validate_metric_name(query::SUBJECT, "metric", metric)?;
        }
        sample::validate_labels(query::SUBJECT, "labels", &query.labels)?;
        let history = &self.store.history;
        let (tier, step) = query::plan(query, history.config())?;
        let end = end.unix_millis();
        let start = end - query.window_ms;
        let selector = history::Selector {
            service: &query.service,
            metric: query.metric.as_deref(),
            labels: &query.labels,
        };
        let (series, data) = history
            .read(&*self.store.engine, &selector, tier, start, end)
            .await?;
        Ok(query::answer(query, tier, step, start, end, series, &data))
    }

    /// Alert rules (create, get, list, update, delete; at most
    /// [`MAX_ALERT_RULES`]).
    pub fn rules(&self) -> Resources<AlertRuleKind> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Silences (create, get, list, update, delete, expire).
    pub fn silences(&self) -> Resources<SilenceKind> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }

    /// Alerts as stored (written by the evaluator).
    pub(crate) fn alerts_service(&self) -> Resources<AlertKind> {
        Resources::new(Arc::clone(&self.store), crate::actor::Actor::system())
    }

    /// Firing, then pending, then recently resolved alerts (only those in
    /// `state`, if given), oldest first within each.
    pub async fn alerts(&self, state: Option<AlertState>) -> Result<Vec<Alert>> {
        let mut alerts = evaluate::list_all(&self.alerts_service()).await?;
        alerts.retain(|a| state.is_none_or(|s| a.status.state == s));
        let rank = |s: AlertState| AlertState::ALL.iter().position(|x| *x == s);
        alerts.sort_by_key(|a| (rank(a.status.state), a.status.active_at));
        Ok(alerts)
    }

    /// The gauges ClusterDB keeps of its resources, as samples at `now`:
    /// each fleet's `desired_instances`, `instances` and
    /// `running_instances` (service: the fleet's name; at most
    /// [`MAX_SAMPLED_FLEETS`] fleets, and only `with_fleets` — the elected
    /// process samples them), and each function's
    /// `invocations_total`, `errors_total`, `timeouts_total`,
    /// `throttled_total`, `duration_p50_ms` and `duration_p99_ms` as this
    /// process counted them (service: the function's name; label
    /// `instance`).
    pub async fn resource_samples(&self, instance: &str, with_fleets: bool) -> Result<Vec<Sample>> {
        let now = Timestamp::now().unix_millis();
        let mut out = Vec::new();
        let gauge = |service: &str, metric: &str, value: f64| {
            Sample::new(SeriesKey::new(service, metric), value).at(now)
        };
        if with_fleets {
            let fleets = self.store_resources::<FleetKind>();
            let page = fleets
                .list(&ListOptions::default().page_size(MAX_SAMPLED_FLEETS as u32))
                .await?;
            for fleet in page.items {
                let name = &fleet.meta.name;
                out.push(gauge(
                    name,
                    "desired_instances",
                    f64::from(fleet.spec.capacity),
                ));
                out.push(gauge(name, "instances", f64::from(fleet.status.instances)));
                out.push(gauge(
                    name,
                    "running_instances",
                    f64::from(fleet.status.running_instances),
                ));
            }
        }
        for (name, stats) in self.store_resources::<FunctionKind>().all_stats() {
            let series = |metric: &str| SeriesKey::new(&name, metric).label("instance", instance);
            let counter =
                |metric: &str, value: u64| Sample::new(series(metric), value as f64).at(now);
            out.push(counter("invocations_total", stats.invocations));
            out.push(counter("errors_total", stats.errors));
            out.push(counter("timeouts_total", stats.timeouts));
            out.push(counter("throttled_total", stats.throttled));
            if stats.invocations > 0 {
                for (metric, q) in [("duration_p50_ms", 0.5), ("duration_p99_ms", 0.99)] {
                    if let Some(ms) = stats.duration_quantile_ms(q) {
                        out.push(Sample::new(series(metric), ms as f64).at(now));
                    }
                }
            }
        }
        Ok(out)
    }

    fn store_resources<K: Kind>(&self) -> Resources<K> {
        Resources::new(Arc::clone(&self.store), self.actor.clone())
    }
}

/// The history's background work in every process: the flush, and the
/// sampling of this process's function statistics (and, on the leader,
/// its fleets).
pub(crate) async fn run_flush(store: Arc<Store>) {
    let instance = store.history.config().instance.clone();
    let monitoring = Monitoring::new(Arc::clone(&store), crate::actor::Actor::system());
    let config = store.history.config().clone();
    // The first ticks one period from now, not at once.
    let every =
        |period: Duration| tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    let mut flush = every(config.flush_interval);
    let mut sample = every(config.sample_interval);
    flush.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = async {
                tokio::select! {
                    _ = flush.tick() => {}
                    () = store.history.flush_soon.notified() => flush.reset(),
                }
            } => {
                if let Err(err) = monitoring.flush().await {
                    tracing::error!(error = %err, "writing the metrics history failed");
                }
            }
            _ = sample.tick() => {
                let leads = store.leadership.borrow().is_some();
                let pushed = match monitoring.resource_samples(&instance, leads).await {
                    Ok(samples) if samples.is_empty() => Ok(()),
                    Ok(samples) => monitoring.push(samples).await.map(drop),
                    Err(err) => Err(err),
                };
                if let Err(err) = pushed {
                    tracing::warn!(error = %err, "sampling fleets and functions failed");
                }
            }
        }
    }
}

/// The elected process's monitoring work: compaction and retention every
/// minute, alert evaluation every interval.
pub(crate) async fn run_elected(store: Arc<Store>, fence: Option<clusterdb_storage::Precondition>) {
    let monitoring = Monitoring::new(Arc::clone(&store), crate::actor::Actor::system());
    let config = store.history.config().clone();
    let mut maintain = tokio::time::interval(Duration::from_secs(60));
    let mut evaluate = tokio::time::interval(config.evaluation_interval);
    maintain.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    evaluate.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = maintain.tick() => {
                let now = Timestamp::now().unix_millis();
                match store.history.maintain(&*store.engine, now, fence.clone()).await {
                    Ok(report) if report != MaintenanceReport::default() => {
                        tracing::info!(?report, "metrics history maintenance");
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "metrics history maintenance failed"),
                }
            }
            _ = evaluate.tick() => {
                match monitoring.evaluate(Timestamp::now()).await {
                    Ok(report) if report.transitions > 0 || report.silences_removed > 0 => {
                        tracing::info!(?report, "alert rules evaluated");
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "evaluating alert rules failed"),
                }
            }
        }
    }
}

//! The metrics history (push, query before and after the flush,
//! compaction, retention, series caps) and alerting (rules, silences, the
//! evaluator's transitions as events).

use std::collections::BTreeMap;
use std::time::Duration;

use clusterdb::monitoring::{
    Aggregation, AlertRuleSpec, AlertState, Comparison, Matcher, MetricsQuery, MonitoringConfig,
    Sample, SeriesKey, Severity, SilenceSpec, Tier,
};
use clusterdb::{ClusterDb, Draft, ErrorCode, ListOptions, Timestamp};

use crate::support::{TestDb, db_with};

fn now_ms() -> i64 {
    Timestamp::now().unix_millis()
}

async fn monitored(config: MonitoringConfig) -> TestDb {
    db_with(ClusterDb::builder().reconcile(false).monitoring(config)).await
}

/// Requests counted by `code`, 10 s apart, ending at `end`: each step adds `per_step`.
fn requests(code: &str, end: i64, steps: i64, per_step: f64) -> Vec<Sample> {
    (0..steps)
        .map(|i| {
            Sample::new(
                SeriesKey::new("web-service", "http_requests_total").label("code", code),
                i as f64 * per_step,
            )
            .at(end - (steps - 1 - i) * 10_000)
        })
        .collect()
}

fn window(window_ms: i64) -> MetricsQuery {
    MetricsQuery {
        service: "web-service".into(),
        window_ms,
        ..Default::default()
    }
}

async fn block_keys(db: &TestDb, prefix: &[u8]) -> Vec<Vec<u8>> {
    let page = db.engine().range(prefix, None, 10_000).await.unwrap();
    page.entries.into_iter().map(|(k, _)| k).collect()
}

#[tokio::test]
async fn a_query_sees_samples_before_and_after_the_flush() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let end = now_ms();
    let mut samples = requests("200", end, 30, 50.0);
    samples.extend(requests("500", end, 30, 1.0));
    samples.push(Sample::new(SeriesKey::new("web-service", "temperature"), 21.5).at(end));
    let report = m.push(samples).await.unwrap();
    assert_eq!((report.accepted, report.dropped.len()), (61, 0));

    let before = m.query(&window(3_600_000)).await.unwrap();
    assert_eq!(before.tier, Tier::Raw);
    assert_eq!(before.series.len(), 3);
    let ok = before
        .series
        .iter()
        .find(|s| s.key.labels.get("code").map(String::as_str) == Some("200"))
        .unwrap();
    assert!(ok.counter);
    assert_eq!(ok.points.len(), 30);
    assert_eq!(ok.summary.last, 29.0 * 50.0);
    assert_eq!(ok.summary.rate, Some(5.0), "50 per 10 s");
    let temperature = before
        .series
        .iter()
        .find(|s| s.key.metric == "temperature")
        .unwrap();
    assert!(!temperature.counter);
    assert_eq!(temperature.summary.rate, None);

    assert_eq!(m.flush().await.unwrap(), 61);
    assert_eq!(m.flush().await.unwrap(), 0, "nothing twice");
    let after = m.query(&window(3_600_000)).await.unwrap();
    assert_eq!(after.series, before.series);

    // One metric, one label; a longer window answers from rollups.
    let only = m
        .query(&MetricsQuery {
            metric: Some("http_requests_total".into()),
            labels: BTreeMap::from([("code".into(), "500".into())]),
            ..window(86_400_000)
        })
        .await
        .unwrap();
    assert_eq!(only.tier, Tier::Minute);
    assert_eq!(only.series.len(), 1);
    assert_eq!(only.series[0].summary.last, 29.0);
    assert_eq!(only.series[0].summary.count, 30);
    db.close().await.unwrap();
}

#[tokio::test]
async fn pushes_are_validated_and_out_of_range_samples_reported() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let bad = vec![
        Sample::new(SeriesKey::new("web", "ok"), 1.0),
        Sample::new(SeriesKey::new("web", "bad metric"), 1.0),
    ];
    let err = m.push(bad).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidRequest);
    assert_eq!(err.field_violation().unwrap().0, "samples[1].metric");
    let too_many = vec![Sample::new(SeriesKey::new("web", "ok"), 1.0); 100_001];
    let err = m.push(too_many).await.unwrap_err();
    assert_eq!(err.field_violation().unwrap().0, "samples");
    let report = m
        .push(vec![
            Sample::new(SeriesKey::new("web", "a"), 1.0),
            Sample::new(SeriesKey::new("web", "a"), 1.0).at(now_ms() - 100 * 86_400_000),
            Sample::new(SeriesKey::new("web", "a"), 1.0).at(now_ms() + 3_600_000),
            Sample::new(SeriesKey::new("web", "a"), f64::NAN),
        ])
        .await
        .unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(
        report.dropped.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    db.close().await.unwrap();
}

#[tokio::test]
async fn series_caps_refuse_the_whole_push() {
    let db = monitored(MonitoringConfig {
        max_series_per_service: 3,
        max_series: 5,
        ..MonitoringConfig::default()
    })
    .await;
    let m = db.monitoring();
    let series = |service: &str, n: usize| -> Vec<Sample> {
        (0..n)
            .map(|i| Sample::new(SeriesKey::new(service, "m").label("i", i.to_string()), 1.0))
            .collect()
    };
    m.push(series("a", 3)).await.unwrap();
    // Known series may be pushed again.
    m.push(series("a", 3)).await.unwrap();
    let err = m.push(series("a", 4)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::QuotaExceeded);
    assert!(matches!(
        err,
        clusterdb::Error::QuotaExceeded {
            quota: "metric_series_per_service",
            limit: 3,
            ..
        }
    ));
    let err = m.push(series("b", 3)).await.unwrap_err();
    assert!(matches!(
        err,
        clusterdb::Error::QuotaExceeded {
            quota: "metric_series",
            limit: 5,
            ..
        }
    ));
    // Nothing of a refused push was taken.
    let b = m
        .query(&MetricsQuery {
            service: "b".into(),
            window_ms: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(b.series.is_empty());
    db.close().await.unwrap();
}

#[tokio::test]
async fn compaction_merges_blocks_without_changing_answers() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let end = now_ms();
    // Five flushes of two hours ago's segment, one point per series each,
    // all in the middle of that hour (never across its end).
    let hour = 3_600_000;
    let base = (end - 2 * hour).div_euclid(hour) * hour + hour / 2;
    for i in 0..5 {
        let t = base + i * 10_000;
        let mut samples = requests("200", t, 1, 0.0);
        samples[0].value = i as f64;
        samples.push(Sample::new(SeriesKey::new("web-service", "load"), i as f64 * 2.0).at(t));
        m.push(samples).await.unwrap();
        m.flush().await.unwrap();
    }
    let before = m.query(&window(3 * 3_600_000)).await.unwrap();
    let before_day = m.query(&window(86_400_000)).await.unwrap();
    let raw_prefix = b"m/d/raw/web-service".to_vec();
    assert!(block_keys(&db, &raw_prefix).await.len() >= 5);
    let report = m.maintain(Timestamp::now()).await.unwrap();
    assert!(report.blocks_compacted >= 5, "{report:?}");
    assert_eq!(block_keys(&db, &raw_prefix).await.len(), 1);
    assert_eq!(
        m.query(&window(3 * 3_600_000)).await.unwrap().series,
        before.series
    );
    assert_eq!(
        m.query(&window(86_400_000)).await.unwrap().series,
        before_day.series
    );
    // Nothing left to merge: the next step drops the closed segment's
    // compaction marker.
    assert_eq!(
        m.maintain(Timestamp::now()).await.unwrap().blocks_compacted,
        0
    );
    assert!(block_keys(&db, b"m/dirty/raw/").await.is_empty());
    db.close().await.unwrap();
}

#[tokio::test]
async fn retention_removes_exactly_the_expired_segments() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let end = now_ms();
    let old = end - 8 * 3_600_000; // raw points past 6 h
    m.push(vec![
        Sample::new(SeriesKey::new("web-service", "load"), 1.0).at(old),
        Sample::new(SeriesKey::new("web-service", "load"), 2.0).at(end),
    ])
    .await
    .unwrap();
    m.flush().await.unwrap();
    let old_segment = Tier::Raw.segment_of(old);
    let segment_prefix = |segment: i64| {
        let mut key = b"m/d/raw/web-service\0".to_vec();
        key.extend_from_slice(format!("{segment:013}").as_bytes());
        key
    };
    assert_eq!(block_keys(&db, &segment_prefix(old_segment)).await.len(), 1);
    let report = m.maintain(Timestamp::now()).await.unwrap();
    assert_eq!(report.blocks_expired, 1, "{report:?}");
    assert!(
        block_keys(&db, &segment_prefix(old_segment))
            .await
            .is_empty()
    );
    assert_eq!(
        block_keys(&db, &segment_prefix(Tier::Raw.segment_of(end)))
            .await
            .len(),
        1
    );
    // The rollups of the old point are kept longer.
    let day = m.query(&window(86_400_000)).await.unwrap();
    assert_eq!(day.series[0].summary.count, 2);
    assert_eq!(day.series[0].summary.min, 1.0);
    db.close().await.unwrap();
}

#[tokio::test]
async fn samples_survive_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    db.monitoring()
        .push(requests("200", now_ms(), 3, 1.0))
        .await
        .unwrap();
    // Not flushed: close writes the buffer.
    db.close().await.unwrap();
    let db = ClusterDb::builder()
        .reconcile(false)
        .open(&path)
        .await
        .unwrap();
    let answer = db.monitoring().query(&window(3_600_000)).await.unwrap();
    assert_eq!(answer.series.len(), 1);
    assert_eq!(answer.series[0].summary.count, 3);
    db.close().await.unwrap();
}

fn rule(for_ms: i64) -> Draft<AlertRuleSpec> {
    Draft::new(
        "high-error-rate",
        AlertRuleSpec {
            service: "web-service".into(),
            metric: "http_requests_total".into(),
            labels: BTreeMap::from([("code".into(), "500".into())]),
            aggregation: Aggregation::Rate,
            window_ms: 300_000,
            op: Comparison::Greater,
            threshold: 10.0,
            for_ms,
            severity: Severity::Critical,
            summary: "5xx rate above 10/s".into(),
        },
    )
}

async fn alert_events(db: &TestDb) -> Vec<String> {
    let page = db.events().list(0, 1000).await.unwrap();
    page.into_iter()
        .filter(|e| e.kind == "alert")
        .map(|e| e.event_type.clone())
        .collect()
}

#[tokio::test]
async fn alerts_go_pending_firing_resolved_as_events() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let rule = m.rules().create(rule(60_000)).await.unwrap();
    let t0 = now_ms();
    // 200 per 10 s = 20/s of 500s over the last two minutes.
    m.push(requests("500", t0, 13, 200.0)).await.unwrap();
    let at = |offset_ms: i64| Timestamp::from_unix_millis(t0 + offset_ms);
    assert_eq!(m.rule_value(&rule, at(0)).await.unwrap(), Some(20.0));

    m.evaluate(at(0)).await.unwrap();
    let alerts = m.alerts(None).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].status.state, AlertState::Pending);
    assert_eq!(alerts[0].meta.name, "high-error-rate");
    assert_eq!(alerts[0].spec.labels["alertname"], "high-error-rate");
    m.evaluate(at(30_000)).await.unwrap();
    assert_eq!(
        m.alerts(None).await.unwrap()[0].status.state,
        AlertState::Pending
    );
    m.evaluate(at(60_000)).await.unwrap();
    let firing = m.alerts(None).await.unwrap();
    assert_eq!(firing[0].status.state, AlertState::Firing);
    assert_eq!(firing[0].status.value, Some(20.0));
    // Five minutes later the window holds no samples: resolved.
    m.evaluate(at(6 * 60_000)).await.unwrap();
    assert_eq!(
        m.alerts(None).await.unwrap()[0].status.state,
        AlertState::Resolved
    );
    // Listed for 15 minutes, then gone.
    m.evaluate(at(6 * 60_000 + 899_000)).await.unwrap();
    assert_eq!(m.alerts(None).await.unwrap().len(), 1);
    m.evaluate(at(6 * 60_000 + 900_000)).await.unwrap();
    assert!(m.alerts(None).await.unwrap().is_empty());
    assert_eq!(
        alert_events(&db).await,
        vec![
            "alert.pending",
            "alert.firing",
            "alert.resolved",
            "alert.deleted"
        ]
    );
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_silence_mutes_the_notification_and_deleting_the_rule_deletes_its_alert() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let rule = m.rules().create(rule(0)).await.unwrap();
    let t0 = now_ms();
    m.push(requests("500", t0, 13, 200.0)).await.unwrap();
    let silence = m
        .silences()
        .create(Draft::new(
            "maintenance",
            SilenceSpec {
                matchers: vec![Matcher {
                    name: "alertname".into(),
                    value: "high-.*".into(),
                    is_regex: true,
                    is_equal: true,
                }],
                starts_at: Timestamp::from_unix_millis(t0 - 1_000),
                ends_at: Timestamp::from_unix_millis(t0 + 3_600_000),
                comment: "deploying".into(),
            },
        ))
        .await
        .unwrap();
    m.evaluate(Timestamp::from_unix_millis(t0)).await.unwrap();
    let alerts = m.alerts(None).await.unwrap();
    assert_eq!(alerts[0].status.state, AlertState::Firing);
    assert_eq!(alerts[0].status.silenced_by, vec![silence.meta.id.clone()]);
    assert_eq!(alert_events(&db).await, vec!["alert.updated"], "muted");
    // The silence ends: the firing is notified at the next evaluation.
    m.silences().expire(&silence.meta.id).await.unwrap();
    let later = Timestamp::from_unix_millis(now_ms().max(t0) + 1);
    m.evaluate(later).await.unwrap();
    assert_eq!(
        alert_events(&db).await,
        vec!["alert.updated", "alert.firing"]
    );
    m.rules().delete(&rule.meta.id, None).await.unwrap();
    assert!(m.alerts(None).await.unwrap().is_empty());
    let listed = m.rules().list(&ListOptions::default()).await.unwrap();
    assert!(listed.items.is_empty());
    db.close().await.unwrap();
}

#[tokio::test]
async fn the_flush_task_writes_on_its_interval() {
    let db = monitored(MonitoringConfig {
        flush_interval: Duration::from_millis(50),
        ..MonitoringConfig::default()
    })
    .await;
    db.monitoring()
        .push(requests("200", now_ms(), 2, 1.0))
        .await
        .unwrap();
    crate::support::eventually("the flush", || async {
        (db.monitoring().buffer_stats().0 == 0).then_some(())
    })
    .await;
    assert!(!block_keys(&db, b"m/d/raw/web-service").await.is_empty());
    db.close().await.unwrap();
}

#[tokio::test]
async fn compaction_of_a_segment_larger_than_a_block_ends() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let now = now_ms();
    // Two hours ago's raw segment: 200 series, 360 points each, 36 flushes.
    let segment = Tier::Raw.segment_of(now - 2 * 3_600_000);
    for flush in 0..36 {
        let mut samples = Vec::new();
        for step in 0..10 {
            let t = segment + (flush * 10 + step) * 10_000;
            for series in 0..200 {
                samples.push(
                    Sample::new(
                        SeriesKey::new("web-service", "load").label("s", series.to_string()),
                        (flush * 10 + step) as f64,
                    )
                    .at(t),
                );
            }
        }
        m.push(samples).await.unwrap();
        m.flush().await.unwrap();
    }
    let before = m.query(&window(3 * 3_600_000)).await.unwrap();
    assert_eq!(before.series.len(), 200);
    let mut steps = 0;
    while m.maintain(Timestamp::now()).await.unwrap().blocks_compacted > 0 {
        steps += 1;
        assert!(steps < 20, "compaction does not end");
    }
    let mut prefix = b"m/d/raw/web-service\0".to_vec();
    prefix.extend_from_slice(format!("{segment:013}").as_bytes());
    let blocks = block_keys(&db, &prefix).await.len();
    assert!((2..=4).contains(&blocks), "{blocks} blocks");
    assert_eq!(
        m.query(&window(3 * 3_600_000)).await.unwrap().series,
        before.series
    );
    db.close().await.unwrap();
}

#[tokio::test]
async fn a_filling_buffer_is_flushed_before_its_interval() {
    let db = monitored(MonitoringConfig {
        flush_interval: Duration::from_secs(3600),
        max_buffered_samples: 100,
        ..MonitoringConfig::default()
    })
    .await;
    let m = db.monitoring();
    // Below a quarter of the bound: it waits for the interval.
    m.push(requests("200", now_ms(), 10, 1.0)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(m.buffer_stats().0, 10);
    // A quarter: flushed now.
    m.push(requests("500", now_ms(), 20, 1.0)).await.unwrap();
    crate::support::eventually("the early flush", || async {
        (m.buffer_stats().0 == 0).then_some(())
    })
    .await;
    // Past the bound a push is refused as overload, with a retry time.
    let err = m
        .push(requests("404", now_ms(), 101, 1.0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, clusterdb::Error::Overloaded { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), ErrorCode::Unavailable);
    db.close().await.unwrap();
}

#[tokio::test]
async fn silences_expired_past_their_retention_are_removed() {
    let db = monitored(MonitoringConfig::default()).await;
    let m = db.monitoring();
    let day = 86_400_000;
    let silence = |name: &str, ended_days_ago: i64| {
        Draft::new(
            name,
            SilenceSpec {
                matchers: vec![Matcher {
                    name: "alertname".into(),
                    value: "x".into(),
                    is_regex: false,
                    is_equal: true,
                }],
                starts_at: Timestamp::from_unix_millis(now_ms() - (ended_days_ago + 1) * day),
                ends_at: Timestamp::from_unix_millis(now_ms() - ended_days_ago * day),
                comment: String::new(),
            },
        )
    };
    m.silences().create(silence("old", 6)).await.unwrap();
    m.silences().create(silence("recent", 1)).await.unwrap();
    let report = m.evaluate(Timestamp::now()).await.unwrap();
    assert_eq!(report.silences_removed, 1);
    let left = m
        .silences()
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        left.iter()
            .map(|s| s.meta.name.as_str())
            .collect::<Vec<_>>(),
        ["recent"]
    );
    db.close().await.unwrap();
}

//! Monitoring over REST: pushes in JSON and the Prometheus text format,
//! queries with summaries, the series cap's 429, alert rules and silences
//! as resources (their field errors), and the alerts list.

use axum::Router;
use axum::http::{Method, StatusCode};
use clusterdb::monitoring::MonitoringConfig;
use clusterdb::{ClusterDb, Timestamp};
use clusterdb_api::{RestConfig, rest_app as app};
use serde_json::{Value, json};

use crate::support::{as_admin, call};

async fn monitoring_app(config: MonitoringConfig) -> (ClusterDb, Router) {
    let db = ClusterDb::builder()
        .reconcile(false)
        .monitoring(config)
        .open_in_memory()
        .await
        .unwrap();
    let router = as_admin(&db, app(db.clone(), &RestConfig::default())).await;
    (db, router)
}

fn now_secs() -> i64 {
    Timestamp::now().unix_millis() / 1000
}

async fn push_json(app: &Router, samples: Value) -> crate::support::Reply {
    call(
        app,
        Method::POST,
        "/v1/monitoring/samples",
        &[],
        Some(&samples.to_string()),
    )
    .await
}

#[tokio::test]
async fn json_and_text_pushes_are_queried_back_with_summaries() {
    let (_db, app) = monitoring_app(MonitoringConfig::default()).await;
    let now = now_secs();
    let samples: Vec<Value> = (0..6)
        .map(|i| {
            json!({"service": "web-service", "metric": "http_requests_total",
                   "labels": {"code": "200"}, "value": (i * 100) as f64,
                   "timestamp": now - 50 + i * 10})
        })
        .chain([
            json!({"service": "web-service", "metric": "queue_depth", "value": 7.0,
                        "timestamp": Timestamp::from_unix_millis(now * 1000).to_string()}),
        ])
        .chain([json!({"service": "web-service", "metric": "queue_depth", "value": 3.0})])
        .collect();
    let reply = push_json(&app, Value::Array(samples)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"accepted": 8, "dropped": 0, "errors": []})
    );

    let text = "# TYPE jobs_done counter\njobs_done{queue=\"a\"} 5\njobs_done{queue=\"b\"} 9\n";
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/samples?service=worker",
        &[("content-type", "text/plain; version=0.0.4")],
        Some(text),
    )
    .await;
    assert_eq!(reply.body["accepted"], 2, "{}", reply.body);

    let reply = call(
        &app,
        Method::GET,
        "/v1/monitoring/metrics?service=web-service&window=1h",
        &[],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["window"], "1h");
    assert_eq!(reply.body["step"], "10s");
    assert_eq!(reply.body["resolution"], "raw");
    let series = reply.body["series"].as_array().unwrap();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0]["metric"], "http_requests_total");
    assert_eq!(series[0]["type"], "counter");
    assert_eq!(series[0]["summary"]["rate"], 10.0);
    assert_eq!(series[0]["summary"]["last"], 500.0);
    assert_eq!(series[0]["points"].as_array().unwrap().len(), 6);
    assert_eq!(series[1]["metric"], "queue_depth");
    assert_eq!(series[1]["type"], "gauge");
    assert_eq!(series[1]["summary"]["min"], 3.0);
    assert_eq!(series[1]["summary"]["max"], 7.0);
    assert_eq!(series[1]["summary"]["avg"], 5.0);
    assert_eq!(series[1]["summary"]["rate"], Value::Null);

    let reply = call(
        &app,
        Method::GET,
        "/v1/monitoring/metrics?service=worker&metric=jobs_done&label=queue:b&window=30m&step=5m",
        &[],
        None,
    )
    .await;
    let series = reply.body["series"].as_array().unwrap();
    assert_eq!(series.len(), 1, "{}", reply.body);
    assert_eq!(series[0]["labels"], json!({"queue": "b"}));
    assert_eq!(series[0]["summary"]["last"], 9.0);
    assert_eq!(reply.body["step"], "5m");
}

#[tokio::test]
async fn bad_pushes_and_queries_name_the_field() {
    let (_db, app) = monitoring_app(MonitoringConfig::default()).await;
    for (body, field) in [
        (json!([{"metric": "m", "value": 1}]), "samples[0].service"),
        (
            json!([{"service": "s", "metric": "1m", "value": 1}]),
            "samples[0].metric",
        ),
        (
            json!([{"service": "s", "metric": "m", "value": 1, "timestamp": "yesterday"}]),
            "samples[0].timestamp",
        ),
        (json!([{"service": "s", "metric": "m"}]), "[0].value"),
        (json!({"service": "s"}), "body"),
    ] {
        let reply = push_json(&app, body.clone()).await;
        let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert!(
            details["field"].as_str().unwrap().ends_with(field),
            "{body}: {details}"
        );
    }
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/samples",
        &[("content-type", "text/plain")],
        Some("up 1"),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "service"
    );
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/samples?service=s",
        &[("content-type", "text/plain")],
        Some("up 1\nup{x=} 2"),
    )
    .await;
    let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert!(
        details["reason"].as_str().unwrap().contains("line 2"),
        "{details}"
    );
    // The push's default service is checked even when no sample uses it.
    let long = "s".repeat(64);
    for (content_type, body) in [("application/json", "[]"), ("text/plain", "")] {
        let reply = call(
            &app,
            Method::POST,
            &format!("/v1/monitoring/samples?service={long}"),
            &[("content-type", content_type)],
            Some(body),
        )
        .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
            "service",
            "{content_type}"
        );
    }
    for (query, field) in [
        ("window=1h", "service"),
        ("service=s&window=soon", "window"),
        ("service=s&window=100d", "window"),
        ("service=s&step=0s", "step"),
        ("service=s&label=nocolon", "label"),
        ("service=s&color=red", "color"),
        ("service=bad%20name", "service"),
    ] {
        let reply = call(
            &app,
            Method::GET,
            &format!("/v1/monitoring/metrics?{query}"),
            &[],
            None,
        )
        .await;
        let details = reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert_eq!(details["field"], field, "{query}");
    }
}

#[tokio::test]
async fn a_push_past_the_series_cap_is_429_quota_exceeded() {
    let (_db, app) = monitoring_app(MonitoringConfig {
        max_series_per_service: 2,
        ..MonitoringConfig::default()
    })
    .await;
    let series = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!({"service": "s", "metric": "m", "labels": {"i": i.to_string()}, "value": 1}))
                .collect(),
        )
    };
    assert_eq!(push_json(&app, series(2)).await.status, StatusCode::OK);
    let reply = push_json(&app, series(3)).await;
    let details = reply.error(StatusCode::TOO_MANY_REQUESTS, "QUOTA_EXCEEDED");
    assert_eq!(details["quota"], "metric_series_per_service");
    assert_eq!(details["limit"], 2);
}

#[tokio::test]
async fn alert_rules_silences_and_alerts() {
    let (db, app) = monitoring_app(MonitoringConfig::default()).await;
    let rule = json!({"name": "high-error-rate", "service": "web-service",
        "metric": "http_requests_total", "labels": {"code": "500"}, "aggregation": "rate",
        "window": "5m", "op": ">", "threshold": 10, "for": "2m", "severity": "critical",
        "summary": "5xx rate above 10/s"});
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/alert-rules",
        &[],
        Some(&rule.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let id = reply.body["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("alertrule-"));
    for field in ["window", "for", "op", "aggregation", "severity"] {
        assert_eq!(reply.body[field], rule[field], "{field}");
    }
    assert_eq!(reply.body["threshold"].as_f64(), Some(10.0));
    assert!(reply.header("location").ends_with(&id));
    let list = call(&app, Method::GET, "/v1/monitoring/alert-rules", &[], None).await;
    assert_eq!(list.body["alert_rules"].as_array().unwrap().len(), 1);

    for (edit, field) in [
        (json!({"window": "5 minutes"}), "window"),
        (json!({"for": "-1m"}), "for"),
        (json!({"op": "=>"}), "op"),
        (json!({"aggregation": "median"}), "aggregation"),
        (json!({"severity": "page"}), "severity"),
        (json!({"metric": "bad-metric"}), "metric"),
    ] {
        let mut bad = rule.clone();
        bad["name"] = json!("other");
        bad.as_object_mut()
            .unwrap()
            .extend(edit.as_object().unwrap().clone());
        let reply = call(
            &app,
            Method::POST,
            "/v1/monitoring/alert-rules",
            &[],
            Some(&bad.to_string()),
        )
        .await;
        assert_eq!(
            reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
            field,
            "{edit}"
        );
    }

    // Samples that hold the condition; evaluated (as the worker would) past `for`.
    let now = now_secs();
    let samples: Vec<Value> = (0..13)
        .map(|i| json!({"service": "web-service", "metric": "http_requests_total",
                        "labels": {"code": "500"}, "value": i * 200, "timestamp": now - 120 + i * 10}))
        .collect();
    push_json(&app, Value::Array(samples)).await;
    let t0 = Timestamp::now();
    db.monitoring().evaluate(t0).await.unwrap();
    let reply = call(&app, Method::GET, "/v1/monitoring/alerts", &[], None).await;
    assert_eq!(
        reply.body["alerts"][0]["state"], "pending",
        "{}",
        reply.body
    );
    db.monitoring()
        .evaluate(Timestamp::from_unix_millis(t0.unix_millis() + 120_000))
        .await
        .unwrap();
    let reply = call(
        &app,
        Method::GET,
        "/v1/monitoring/alerts?state=firing",
        &[],
        None,
    )
    .await;
    let alert = &reply.body["alerts"][0];
    assert_eq!(alert["name"], "high-error-rate");
    assert_eq!(alert["severity"], "critical");
    assert_eq!(alert["value"], 20.0);
    assert_eq!(alert["summary"], "5xx rate above 10/s");
    assert_eq!(alert["rule_id"], id.as_str());
    let reply = call(
        &app,
        Method::GET,
        "/v1/monitoring/alerts?state=pending",
        &[],
        None,
    )
    .await;
    assert_eq!(reply.body["alerts"], json!([]));
    let reply = call(
        &app,
        Method::GET,
        "/v1/monitoring/alerts?state=sleepy",
        &[],
        None,
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "state"
    );

    // A silence: created with defaults, shown active, expired by its action.
    let ends = Timestamp::from_unix_millis(Timestamp::now().unix_millis() + 3_600_000).to_string();
    let silence = json!({"matchers": [{"name": "alertname", "value": "high-error-rate"}],
                         "ends_at": ends, "comment": "deploy"});
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/silences",
        &[],
        Some(&silence.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["state"], "active");
    assert_eq!(reply.body["matchers"][0]["is_equal"], true);
    assert!(reply.body["name"].as_str().unwrap().starts_with("silence-"));
    let silence_id = reply.body["id"].as_str().unwrap().to_string();
    let reply = call(
        &app,
        Method::POST,
        &format!("/v1/monitoring/silences/{silence_id}/expire"),
        &[],
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body["state"], "expired");
    let bad = json!({"matchers": [{"name": "alertname", "value": "(", "is_regex": true}], "ends_at": ends});
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/silences",
        &[],
        Some(&bad.to_string()),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "matchers[0].value"
    );
    let bad = json!({"matchers": [{"name": "a", "value": "b"}], "ends_at": "tomorrow"});
    let reply = call(
        &app,
        Method::POST,
        "/v1/monitoring/silences",
        &[],
        Some(&bad.to_string()),
    )
    .await;
    assert_eq!(
        reply.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "ends_at"
    );

    // Deleting the rule deletes its alert.
    let reply = call(
        &app,
        Method::DELETE,
        &format!("/v1/monitoring/alert-rules/{id}"),
        &[],
        None,
    )
    .await;
    assert!(reply.status.is_success(), "{}", reply.body);
    let reply = call(&app, Method::GET, "/v1/monitoring/alerts", &[], None).await;
    assert_eq!(reply.body["alerts"], json!([]));
}

#[tokio::test]
async fn the_servers_own_metrics_become_samples_of_the_clusterdb_service() {
    let (db, _app) = monitoring_app(MonitoringConfig::default()).await;
    let samples = clusterdb_api::metrics::own_samples(&db, "node-1");
    assert!(!samples.is_empty());
    assert!(samples.iter().all(|s| s.series.service == "clusterdb"
        && s.series.labels["instance"] == "node-1"
        && !s.series.metric.ends_with("_bucket")));
    assert!(
        samples
            .iter()
            .any(|s| s.series.metric == "clusterdb_event_log_head_revision")
    );
    let report = db.monitoring().push(samples.clone()).await.unwrap();
    assert_eq!(report.accepted, samples.len());
    let answer = db
        .monitoring()
        .query(&clusterdb::monitoring::MetricsQuery {
            service: "clusterdb".into(),
            window_ms: 60_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(answer.series.len(), samples.len());
}

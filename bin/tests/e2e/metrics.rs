//! `GET /metrics` on the real binary: `--metrics-public`, REST and gRPC
//! calls counted by route and method, parsed as Prometheus text.

use clusterdb_proto::compute::v1::{ComputeServiceClient, GetFleetRequest, ListFleetsRequest};
use clusterdb_testkit::eventually;

use crate::server::{Server, data_file};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_rest_and_grpc_and_can_be_public() {
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--metrics-public"]);
    let (channel, auth) = server.grpc().await;
    let mut compute = ComputeServiceClient::with_interceptor(channel, auth);
    compute
        .list_fleets(ListFleetsRequest::default())
        .await
        .unwrap();
    let missing = compute
        .get_fleet(GetFleetRequest {
            id: "fleet-nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let listed = server
        .http()
        .get(format!("{}/v1/fleets", server.base))
        .send()
        .await
        .unwrap();
    assert!(listed.status().is_success());

    // No credentials: the scrape is public.
    let scraped = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(scraped.status(), 200);
    assert_eq!(
        scraped.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = scraped.text().await.unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    let count = |metric: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == metric)
            .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(n) | prometheus_parse::Value::Untyped(n) => n,
                _ => 0.0,
            })
            .sum::<f64>()
    };
    let list = "/clusterdb.compute.v1.ComputeService/ListFleets";
    let get = "/clusterdb.compute.v1.ComputeService/GetFleet";
    assert_eq!(
        count(
            "clusterdb_grpc_requests_total",
            &[("method", list), ("code", "0")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        count(
            "clusterdb_grpc_requests_total",
            &[("method", get), ("code", "5")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(
        count(
            "clusterdb_http_requests_total",
            &[
                ("route", "/v1/fleets"),
                ("method", "GET"),
                ("status", "200")
            ]
        ),
        1.0,
        "{text}"
    );
    assert!(text.contains("clusterdb_process_open_fds"));
    assert!(text.contains("clusterdb_store_commit_duration_seconds_bucket"));
    // A delivery worker: its backlog is shown while it runs.
    let webhook: serde_json::Value = server
        .http()
        .post(format!("{}/v1/webhooks", server.base))
        .json(&serde_json::json!({"url": "https://example.invalid/hook", "events": ["*"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let backlog = format!(
        "clusterdb_webhook_backlog_events{{webhook=\"{}\"}} ",
        webhook["id"].as_str().unwrap()
    );
    // The server leads (one process on its file), so its reconciler,
    // retention and delivery run here: the reconciler's lag, the log's
    // oldest revision and the worker's backlog appear once they started.
    let wanted = [
        "clusterdb_reconciler_lag_revisions ",
        "clusterdb_event_log_oldest_revision ",
        backlog.as_str(),
    ];
    let url = format!("{}/metrics", server.base);
    eventually("the workers' metrics to appear", || async {
        let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
        let shown = |prefix: &&str| {
            text.lines().any(|l| {
                l.strip_prefix(*prefix)
                    .is_some_and(|v| v.parse::<u64>().is_ok())
            })
        };
        wanted.iter().all(shown).then_some(())
    })
    .await;
    assert_eq!(server.terminate().code(), Some(0));
}

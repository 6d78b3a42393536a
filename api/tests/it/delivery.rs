//! The dispatcher on an injected clock: the default retry schedule (about
//! 28 hours) and a receiver's `Retry-After` run in milliseconds against a
//! receiver on loopback that keeps failing.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clusterdb::webhooks::{Delivery, DeliveryState, WebhookSpec};
use clusterdb::{ClusterDb, Draft, FleetSpec, Timestamp};
use clusterdb_api::webhooks::{BoxFuture, Clock, DEFAULT_SCHEDULE, DeliveryOptions, Sender, run};

/// A clock that only moves when delivery waits on it.
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.0.load(Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.0
            .fetch_add(duration.as_millis() as i64, Ordering::SeqCst);
        Box::pin(tokio::task::yield_now())
    }
}

/// A receiver that answers the scripted statuses (with `Retry-After`),
/// then 500 for ever; it counts requests.
async fn failing_receiver(script: Vec<(u16, Option<&'static str>)>) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let script = Arc::new(Mutex::new(script.into_iter()));
    let seen = Arc::clone(&count);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let (seen, script) = (Arc::clone(&seen), Arc::clone(&script));
            async move {
                seen.fetch_add(1, Ordering::SeqCst);
                let (status, retry_after) = script.lock().unwrap().next().unwrap_or((500, None));
                let mut response = axum::response::IntoResponse::into_response(
                    axum::http::StatusCode::from_u16(status).unwrap(),
                );
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert("retry-after", seconds.parse().unwrap());
                }
                response
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, count)
}

/// Runs the dispatcher on `clock` until the endpoint is disabled; returns
/// the one delivery's record.
async fn deliver_until_disabled(script: Vec<(u16, Option<&'static str>)>) -> Delivery {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let (url, _count) = failing_receiver(script).await;
    let (endpoint, _) = db
        .webhooks()
        .create(Draft::new(
            "hook",
            WebhookSpec {
                url,
                events: vec!["fleet.created".into()],
                enabled: true,
                description: String::new(),
                secret: String::new(),
            },
        ))
        .await
        .unwrap();
    let clock = Arc::new(TestClock(AtomicI64::new(1_700_000_000_000)));
    let options = DeliveryOptions {
        allow_private: true,
        ..DeliveryOptions::default()
    };
    let sender = Arc::new(Sender::with_clock(options, clock));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let dispatcher = tokio::spawn(run(db.clone(), sender, None, stopped));
    db.fleets()
        .create(Draft::new(
            "web",
            FleetSpec {
                description: String::new(),
                capacity: 1,
                instance_type: "t3.medium".into(),
            },
        ))
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while db
        .webhooks()
        .endpoints()
        .get(endpoint.id())
        .await
        .unwrap()
        .spec
        .enabled
    {
        assert!(std::time::Instant::now() < deadline, "never disabled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(true).unwrap();
    dispatcher.await.unwrap().unwrap();
    let page = db
        .webhooks()
        .deliveries(endpoint.id(), None, 10)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    page.items.into_iter().next().unwrap()
}

fn gaps(delivery: &Delivery) -> Vec<Duration> {
    delivery
        .attempts
        .windows(2)
        .map(|w| Duration::from_millis((w[1].at.unix_millis() - w[0].at.unix_millis()) as u64))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_schedule_is_honoured_then_the_endpoint_is_disabled() {
    let delivery = deliver_until_disabled(Vec::new()).await;
    assert_eq!(delivery.state, DeliveryState::Failed);
    assert_eq!(delivery.attempts.len(), DEFAULT_SCHEDULE.len());
    // Each wait is the schedule's delay, stretched by at most 10 %.
    for (gap, scheduled) in gaps(&delivery).iter().zip(&DEFAULT_SCHEDULE[1..]) {
        assert!(
            gap >= scheduled && *gap <= scheduled.mul_f64(1.1) + Duration::from_millis(1),
            "waited {gap:?} for a scheduled {scheduled:?}"
        );
    }
    let total: Duration = gaps(&delivery).iter().sum();
    assert!(total >= Duration::from_secs(27 * 3600), "{total:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_postpones_the_next_attempt() {
    let delivery = deliver_until_disabled(vec![(503, Some("3600")), (429, Some("7"))]).await;
    let gaps = gaps(&delivery);
    // 5 s scheduled, the receiver asked for an hour.
    assert!(gaps[0] >= Duration::from_secs(3600), "{gaps:?}");
    // 5 min scheduled; 7 s asked: the schedule's delay wins.
    assert!(gaps[1] >= Duration::from_secs(300), "{gaps:?}");
}

/// An endpoint's changes reach its running worker through the log: a new
/// list of event types applies to the events after the change, and
/// turning delivery off stops the worker there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_worker_follows_its_endpoints_changes() {
    let db = ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap();
    let bodies = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let seen = Arc::clone(&bodies);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_slice(&body).unwrap());
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let spec = |events: &[&str], enabled: bool| WebhookSpec {
        url: url.clone(),
        events: events.iter().map(|e| e.to_string()).collect(),
        enabled,
        description: String::new(),
        secret: String::new(),
    };
    let (endpoint, _) = db
        .webhooks()
        .create(Draft::new("hook", spec(&["fleet.created"], true)))
        .await
        .unwrap();
    let options = DeliveryOptions {
        allow_private: true,
        ..DeliveryOptions::default()
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let dispatcher = tokio::spawn(run(
        db.clone(),
        Arc::new(Sender::new(options)),
        None,
        stopped,
    ));
    let fleet = |name: &str| {
        Draft::new(
            name,
            FleetSpec {
                description: String::new(),
                capacity: 1,
                instance_type: "t3.medium".into(),
            },
        )
    };
    let wait_for = |n: usize| {
        let bodies = Arc::clone(&bodies);
        async move {
            let deadline = std::time::Instant::now() + Duration::from_secs(20);
            while bodies.lock().unwrap().len() < n {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{:?}",
                    bodies.lock().unwrap()
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    };
    let a = db.fleets().create(fleet("a")).await.unwrap();
    wait_for(1).await;
    db.webhooks()
        .endpoints()
        .update(
            endpoint.id(),
            Draft::new("hook", spec(&["fleet.updated"], true)),
            None,
        )
        .await
        .unwrap();
    db.fleets().create(fleet("b")).await.unwrap();
    let mut bigger = fleet("a");
    bigger.spec.capacity = 2;
    db.fleets().update(a.id(), bigger, None).await.unwrap();
    wait_for(2).await;
    db.webhooks()
        .endpoints()
        .update(endpoint.id(), Draft::new("hook", spec(&["*"], false)), None)
        .await
        .unwrap();
    db.fleets().create(fleet("c")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let types: Vec<String> = bodies
        .lock()
        .unwrap()
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                b["type"].as_str().unwrap(),
                b["data"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(types, ["fleet.created a", "fleet.updated a"]);
    stop.send(true).unwrap();
    dispatcher.await.unwrap().unwrap();
}

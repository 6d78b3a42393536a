//! Helpers shared by the tests.

use std::future::Future;
use std::time::Duration;

use clusterdb::{ClusterDb, Draft, FleetSpec};

/// An in-memory database without reconcilers, so event sequences are exact.
pub async fn quiet_db() -> ClusterDb {
    ClusterDb::builder()
        .reconcile(false)
        .open_in_memory()
        .await
        .unwrap()
}

/// A fleet draft of `capacity` t3.medium instances.
pub fn fleet(name: &str, capacity: u32) -> Draft<FleetSpec> {
    Draft::new(
        name,
        FleetSpec {
            description: "Web application fleet".into(),
            capacity,
            instance_type: "t3.medium".into(),
        },
    )
}

/// Polls `check` until it returns `Some`, failing after a generous deadline
/// (a liveness bound, not a performance target).
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

//! Opens a data file, creates a fleet (once), waits for the reconciler to
//! start its instances, and lists what is stored.
//!
//! Run: `cargo run -p clusterdb --example quickstart -- [DATA_FILE]`
//! (default `./clusterdb.redb`; run it twice to see the state persist).

use std::time::Duration;

use clusterdb::{ClusterDb, Draft, ErrorCode, FleetSpec, ListOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "clusterdb.redb".into());
    let db = ClusterDb::open(&path).await?;
    println!(
        "opened {path} at revision {}",
        db.events().current_revision().await?
    );

    let fleet = match db.fleets().get_by_name("web-fleet").await {
        Ok(fleet) => fleet,
        Err(err) if err.code() == ErrorCode::NotFound => {
            let spec = FleetSpec {
                description: "Web application fleet".into(),
                capacity: 3,
                instance_type: "t3.medium".into(),
            };
            let draft = Draft::new("web-fleet", spec).tag("environment", "production");
            db.fleets().create(draft).await?
        }
        Err(err) => return Err(err.into()),
    };

    // The reconciler brings the fleet to its capacity in the background.
    let mut fleet = fleet;
    for _ in 0..100 {
        if fleet.status.running_instances == fleet.spec.capacity {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        fleet = db.fleets().get(fleet.id()).await?;
    }

    for fleet in db.fleets().list(&ListOptions::default()).await?.items {
        println!(
            "{} {:<12} capacity={} running={} status={} created_at={}",
            fleet.id(),
            fleet.name(),
            fleet.spec.capacity,
            fleet.status.running_instances,
            fleet.status.state.as_str(),
            fleet.meta.created_at,
        );
        let members = ListOptions::default().field("fleet_id", fleet.id());
        for instance in db.instances().list(&members).await?.items {
            println!(
                "  {} {:<20} {}",
                instance.id(),
                instance.name(),
                instance.status.state.as_str()
            );
        }
    }
    db.close().await?;
    Ok(())
}

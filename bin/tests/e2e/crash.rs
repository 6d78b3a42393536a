//! Crash test: the real server is SIGKILLed at random points under
//! concurrent creates, updates, deletes and instance transitions, and
//! restarted on the same file, again and again. Every restart must open
//! the file; every acknowledged write must be there with (at least) its
//! acknowledged version; a write cut off mid-flight may or may not have
//! landed, but nothing else; at the end every resource's last event
//! matches its state and every fleet converges.
//!
//! CI runs 10 cycles. The long run:
//! `CRASH_CYCLES=100 cargo test -p clusterdb-bin --test e2e crash -- --nocapture`
//! (`CRASH_SEED=N` repeats a run); it reports
//! `cycles, acknowledged, lost, failed reopens`.

use clusterdb_testkit::eventually;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clusterdb_api::rest::wire::{FleetInput, InstanceInput};
use clusterdb_client::{Client, ClientError};

use crate::server::{Server, data_file};

/// A small xorshift generator: reproducible from the printed seed.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a client was told (or tried) about one resource.
#[derive(Debug, Clone, PartialEq)]
enum State {
    Fleet { capacity: u32 },
    Instance { state: String },
    Deleted,
}

#[derive(Debug, Clone)]
struct Resource {
    /// The last acknowledged state and the version it was acknowledged at
    /// (0 for a delete).
    acked: (State, u64),
    /// A write whose answer never came (the server died): it may or may
    /// not have landed.
    unknown: Option<State>,
}

#[derive(Default)]
struct Ledger {
    resources: HashMap<String, Resource>,
    acknowledged: u64,
}

type Shared = Arc<Mutex<Ledger>>;

fn fleet_input(name: &str, capacity: u32) -> FleetInput {
    FleetInput {
        name: name.into(),
        description: String::new(),
        capacity,
        instance_type: "t3.micro".into(),
        tags: Default::default(),
    }
}

/// Whether an error leaves the outcome unknown (transport or 5xx) rather
/// than known-refused (4xx).
fn outcome_unknown(err: &ClientError) -> bool {
    match err {
        ClientError::Api { status, .. } => status.is_server_error(),
        _ => true,
    }
}

/// One client: creates its own resources and changes them at random until
/// the server dies under it.
async fn worker(client: Client, ledger: Shared, mut rng: Rng, worker: usize, cycle: usize) {
    let mut mine: Vec<(String, bool)> = Vec::new(); // (id, is_fleet)
    for step in 0.. {
        let choice = rng.below(10);
        if mine.is_empty() || choice < 3 {
            let name = format!("c{cycle}-w{worker}-{step}");
            if rng.below(2) == 0 {
                let capacity = 1 + rng.below(3) as u32;
                match client.fleets().create(&fleet_input(&name, capacity)).await {
                    Ok(f) => {
                        record(
                            &ledger,
                            &f.id,
                            State::Fleet { capacity },
                            f.resource_version,
                        );
                        mine.push((f.id, true));
                    }
                    Err(err) if outcome_unknown(&err) => return,
                    Err(err) => panic!("create refused: {err}"),
                }
            } else {
                let input = InstanceInput {
                    name,
                    instance_type: "t3.micro".into(),
                    tags: Default::default(),
                };
                match client.instances().create(&input).await {
                    Ok(i) => {
                        record(
                            &ledger,
                            &i.id,
                            State::Instance { state: i.state },
                            i.resource_version,
                        );
                        mine.push((i.id, false));
                    }
                    Err(err) if outcome_unknown(&err) => return,
                    Err(err) => panic!("create refused: {err}"),
                }
            }
            continue;
        }
        let pick = rng.below(mine.len() as u64) as usize;
        let (id, is_fleet) = mine[pick].clone();
        let delete = choice == 9;
        let attempt = if delete {
            State::Deleted
        } else if is_fleet {
            State::Fleet {
                capacity: 1 + rng.below(3) as u32,
            }
        } else {
            let current = match &ledger.lock().unwrap().resources[&id].acked.0 {
                State::Instance { state } => state.clone(),
                _ => unreachable!(),
            };
            let next = if current == "running" {
                "stopped"
            } else {
                "running"
            };
            State::Instance { state: next.into() }
        };
        ledger
            .lock()
            .unwrap()
            .resources
            .get_mut(&id)
            .unwrap()
            .unknown = Some(attempt.clone());
        let result: Result<u64, ClientError> = match &attempt {
            State::Deleted if is_fleet => client.fleets().delete(&id, None).await.map(|_| 0),
            State::Deleted => client.instances().delete(&id, None).await.map(|_| 0),
            State::Fleet { capacity } => {
                let name = client.fleets().get(&id).await.map(|f| f.name);
                match name {
                    Ok(name) => client
                        .fleets()
                        .replace(&id, &fleet_input(&name, *capacity), None)
                        .await
                        .map(|f| f.resource_version),
                    Err(err) => Err(err),
                }
            }
            State::Instance { state } if state == "running" => client
                .instances()
                .start(&id)
                .await
                .map(|i| i.resource_version),
            State::Instance { .. } => client
                .instances()
                .stop(&id)
                .await
                .map(|i| i.resource_version),
        };
        match result {
            Ok(version) => {
                record(&ledger, &id, attempt.clone(), version);
                if delete {
                    mine.swap_remove(pick);
                }
            }
            Err(err) if outcome_unknown(&err) => return,
            // Refused (e.g. a fleet already being deleted): nothing landed.
            Err(_) => {
                ledger
                    .lock()
                    .unwrap()
                    .resources
                    .get_mut(&id)
                    .unwrap()
                    .unknown = None;
                if delete {
                    mine.swap_remove(pick);
                }
            }
        }
    }
}

fn record(ledger: &Shared, id: &str, state: State, version: u64) {
    let mut ledger = ledger.lock().unwrap();
    ledger.acknowledged += 1;
    ledger.resources.insert(
        id.to_string(),
        Resource {
            acked: (state, version),
            unknown: None,
        },
    );
}

/// What the server holds for a resource now.
async fn observe(client: &Client, id: &str, is_fleet: bool) -> (State, u64) {
    let missing = |err: &ClientError| err.code() == Some("NOT_FOUND");
    if is_fleet {
        match client.fleets().get(id).await {
            Ok(f) if f.status == "deleting" => (State::Deleted, f.resource_version),
            Ok(f) => (
                State::Fleet {
                    capacity: f.capacity,
                },
                f.resource_version,
            ),
            Err(err) if missing(&err) => (State::Deleted, 0),
            Err(err) => panic!("{err}"),
        }
    } else {
        match client.instances().get(id).await {
            Ok(i) => (State::Instance { state: i.state }, i.resource_version),
            Err(err) if missing(&err) => (State::Deleted, 0),
            Err(err) => panic!("{err}"),
        }
    }
}

/// Checks every resource against the ledger; returns how many acknowledged
/// writes were lost, and settles writes of unknown outcome.
async fn verify(client: &Client, ledger: &Shared) -> u64 {
    let resources: Vec<(String, Resource)> = ledger
        .lock()
        .unwrap()
        .resources
        .iter()
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect();
    let mut lost = 0;
    for (id, resource) in resources {
        let is_fleet = id.starts_with("fleet-");
        let (state, version) = observe(client, &id, is_fleet).await;
        let (acked, acked_version) = &resource.acked;
        // A deleted resource has no version (a deleting fleet's goes away
        // when the reconciler removes it).
        let as_acked = state == *acked && (state == State::Deleted || version >= *acked_version);
        let as_attempted = resource.unknown.as_ref() == Some(&state);
        if !(as_acked || as_attempted) {
            eprintln!(
                "LOST {id}: acknowledged {acked:?} at {acked_version}, found {state:?} at {version} (in flight: {:?})",
                resource.unknown
            );
            lost += 1;
        }
        // Settled: what is there now is what later cycles build on.
        if as_attempted && !as_acked {
            let mut ledger = ledger.lock().unwrap();
            let entry = ledger.resources.get_mut(&id).unwrap();
            *entry = Resource {
                acked: (state, version),
                unknown: None,
            };
        } else {
            ledger
                .lock()
                .unwrap()
                .resources
                .get_mut(&id)
                .unwrap()
                .unknown = None;
        }
    }
    lost
}

/// The final checks with the server stopped: every resource's last event
/// matches it, and a removed one's last event is its deletion.
async fn events_match_state(data: &Path) {
    let db = clusterdb::ClusterDb::builder()
        .reconcile(false)
        .open(data)
        .await
        .unwrap();
    let mut last: HashMap<String, clusterdb::Event> = HashMap::new();
    let mut since = 0;
    loop {
        let events = db.events().list(since, 1000).await.unwrap();
        let Some(end) = events.last().map(|e| e.revision) else {
            break;
        };
        for event in events {
            last.insert(event.meta.id.clone(), event);
        }
        since = end;
    }
    // The workload's kinds (the bootstrap admin and its key are not part
    // of it).
    let workload = last
        .iter()
        .filter(|(_, e)| e.kind == "fleet" || e.kind == "instance");
    for (id, event) in workload {
        let fleet = db.fleets().get(id).await;
        let instance = db.instances().get(id).await;
        match (id.starts_with("fleet-"), fleet, instance) {
            (true, Ok(f), _) => {
                assert_eq!(event.object::<clusterdb::FleetKind>().unwrap(), Some(f))
            }
            (false, _, Ok(i)) => {
                assert_eq!(event.object::<clusterdb::InstanceKind>().unwrap(), Some(i))
            }
            _ => assert!(
                event.event_type.ends_with(".deleted"),
                "{id}: {}",
                event.event_type
            ),
        }
    }
    db.close().await.unwrap();
}

/// Waits until every fleet that is not being deleted runs its capacity.
async fn converges(client: &Client) {
    eventually("the fleets to converge after the restart", || async {
        let page = client
            .fleets()
            .list(&[("page_size", "1000")])
            .await
            .unwrap();
        page.items
            .iter()
            .all(|f| f.status == "deleting" || f.running_instances == f.capacity)
            .then_some(())
    })
    .await
}

fn start(data: &Path, failed_reopens: &mut u64) -> Server {
    // Rate limits off: the workload is one principal writing flat out.
    match std::panic::catch_unwind(|| Server::start_with(data, &["--rate-limit", "off"])) {
        Ok(server) => server,
        Err(_) => {
            *failed_reopens += 1;
            panic!("the server did not start on the crashed file");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_concurrent_writes_loses_no_acknowledged_write() {
    let cycles: usize = std::env::var("CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test: {cycles} cycles, CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let (_dir, data) = data_file();
    let ledger: Shared = Arc::default();
    let (mut lost, mut failed_reopens) = (0, 0);
    for cycle in 0..cycles {
        let server = start(&data, &mut failed_reopens);
        let client = server.client();
        lost += verify(&client, &ledger).await;
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let rng = Rng(rng.next() | 1);
                tokio::spawn(worker(client.clone(), Arc::clone(&ledger), rng, w, cycle))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50 + rng.below(400))).await;
        server.kill();
        for w in workers {
            w.await.unwrap();
        }
    }
    let server = start(&data, &mut failed_reopens);
    let client = server.client();
    lost += verify(&client, &ledger).await;
    converges(&client).await;
    assert_eq!(server.terminate().code(), Some(0));
    events_match_state(&data).await;
    let acknowledged = ledger.lock().unwrap().acknowledged;
    eprintln!(
        "cycles: {cycles}, acknowledged: {acknowledged}, lost: {lost}, failed reopens: {failed_reopens}"
    );
    assert!(acknowledged > cycles as u64, "the workload hardly ran");
    assert_eq!((lost, failed_reopens), (0, 0));
}

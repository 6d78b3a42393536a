//! A kind defined outside core — namespaced, registered with one line —
//! gets CRUD, events, namespacing and apply from the generic machinery;
//! events of kinds this binary does not know never stall a consumer; the
//! server's status writes never fail a client's precondition.

use clusterdb::storage::{Commit, Engine, envelope};
use clusterdb::{
    ApplyOutcome, ClusterDb, Context, Draft, ErrorCode, FleetKind, Kind, ListOptions, Timestamp,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use crate::support::{db, db_with, eventually, fleet};

/// A test-only namespaced kind.
struct WidgetKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WidgetSpec {
    size: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WidgetStatus {
    polished: bool,
}

impl Kind for WidgetKind {
    type Spec = WidgetSpec;
    type Status = WidgetStatus;
    const NAME: &'static str = "widget";
    const SUBJECT: &'static str = "widget configuration";
    const NAMESPACED: bool = true;

    fn validate(spec: &WidgetSpec, _ctx: &Context) -> clusterdb::Result<()> {
        if spec.size == 0 {
            return Err(clusterdb::Error::Invalid {
                subject: Self::SUBJECT,
                field: "size".into(),
                reason: "must be greater than 0".into(),
            });
        }
        Ok(())
    }

    fn initial_status(_spec: &WidgetSpec, _now: Timestamp) -> WidgetStatus {
        WidgetStatus { polished: false }
    }
}

fn widget(name: &str, size: u32) -> Draft<WidgetSpec> {
    Draft::new(name, WidgetSpec { size })
}

async fn widget_db() -> crate::support::TestDb {
    db_with(ClusterDb::builder().reconcile(false).kind::<WidgetKind>()).await
}

async fn event_count(db: &ClusterDb) -> usize {
    db.events().list(0, 1000).await.unwrap().len()
}

#[tokio::test]
async fn a_namespaced_kind_gets_crud_namespaces_and_events() {
    let db = widget_db().await;
    let widgets = db.resources::<WidgetKind>();

    let plain = widgets.create(widget("gear", 1)).await.unwrap();
    assert_eq!(plain.namespace(), "default");
    assert!(plain.id().starts_with("widget-"));
    let team = widgets
        .create(widget("gear", 2).in_namespace("team-a"))
        .await
        .unwrap();
    assert_eq!(team.namespace(), "team-a");
    // Names are unique per namespace, not per kind.
    let taken = widgets
        .create(widget("gear", 3).in_namespace("team-a"))
        .await
        .unwrap_err();
    assert_eq!(taken.code(), ErrorCode::AlreadyExists);

    assert_eq!(widgets.get_in("team-a", "gear").await.unwrap(), team);
    assert_eq!(widgets.get_by_name("gear").await.unwrap(), plain);
    assert_eq!(
        widgets.get_in("team-b", "gear").await.unwrap_err().code(),
        ErrorCode::NotFound
    );

    let in_team = widgets
        .list(&ListOptions::default().namespace("team-a"))
        .await
        .unwrap();
    assert_eq!(in_team.items, vec![team.clone()]);
    assert_eq!(
        widgets.list(&ListOptions::default()).await.unwrap().items,
        vec![plain.clone(), team.clone()]
    );

    // The namespace is checked as a DNS label and cannot change.
    let bad = widgets
        .create(widget("gear", 1).in_namespace("Team_A"))
        .await
        .unwrap_err();
    assert_eq!(bad.field_violation().unwrap().0, "namespace");
    let moved = widgets
        .update(team.id(), widget("gear", 2).in_namespace("team-b"), None)
        .await
        .unwrap_err();
    assert_eq!(moved.field_violation().unwrap().0, "namespace");
    // An empty namespace on update keeps the current one.
    let grown = widgets
        .update(team.id(), widget("gear", 5), None)
        .await
        .unwrap();
    assert_eq!((grown.namespace(), grown.spec.size), ("team-a", 5));

    // A kind that is not namespaced refuses a namespace.
    let err = db
        .fleets()
        .create(fleet("web", 1).in_namespace("team-a"))
        .await
        .unwrap_err();
    assert_eq!(err.field_violation().unwrap().0, "namespace");

    widgets.delete(plain.id(), None).await.unwrap();
    let events = db.events().list(0, 100).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "widget.created",
            "widget.created",
            "widget.updated",
            "widget.deleted"
        ]
    );
    let snapshot = events[2].object::<WidgetKind>().unwrap().unwrap();
    assert_eq!(snapshot.spec.size, 5);
    assert_eq!(events[2].meta.namespace, "team-a");
    assert!(events[2].object::<FleetKind>().unwrap().is_none());
}

#[tokio::test]
async fn apply_creates_configures_and_leaves_unchanged_alone() {
    let db = widget_db().await;
    let widgets = db.resources::<WidgetKind>();
    let draft = || widget("web-vs", 1).in_namespace("prod");

    let created = widgets.apply(draft(), None).await.unwrap();
    assert_eq!(created.outcome, ApplyOutcome::Created);
    let events = event_count(&db).await;

    let unchanged = widgets.apply(draft(), None).await.unwrap();
    assert_eq!(unchanged.outcome, ApplyOutcome::Unchanged);
    assert_eq!(unchanged.object, created.object);
    assert_eq!(
        event_count(&db).await,
        events,
        "an unchanged apply emits nothing"
    );

    let bigger = widget("web-vs", 2).in_namespace("prod");
    let configured = widgets.apply(bigger.clone(), None).await.unwrap();
    assert_eq!(configured.outcome, ApplyOutcome::Configured);
    assert_eq!(configured.object.id(), created.object.id());
    assert_eq!(configured.object.spec.size, 2);
    assert_eq!(event_count(&db).await, events + 1);

    // With an expected version: the resource must be at it.
    let stale = widgets
        .apply(
            widget("web-vs", 3).in_namespace("prod"),
            Some(created.object.resource_version()),
        )
        .await
        .unwrap_err();
    assert_eq!(stale.code(), ErrorCode::Conflict);
    let current = configured.object.resource_version();
    let ok = widgets
        .apply(widget("web-vs", 3).in_namespace("prod"), Some(current))
        .await
        .unwrap();
    assert_eq!(ok.outcome, ApplyOutcome::Configured);
    let missing = widgets
        .apply(widget("other", 1).in_namespace("prod"), Some(current))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
    // Invalid input is refused before anything is read.
    let invalid = widgets.apply(widget("web-vs", 0), None).await.unwrap_err();
    assert_eq!(invalid.field_violation().unwrap().0, "size");
}

#[tokio::test]
async fn a_kind_that_is_not_registered_cannot_be_written() {
    let db = crate::support::quiet_db().await;
    let err = db
        .resources::<WidgetKind>()
        .create(widget("gear", 1))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(err.to_string().contains("Builder::kind"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(crate::support::cases(24)))]

    /// Applying any sequence of drafts leaves the resource equal to the last
    /// one, and applying a draft twice never writes the second time.
    #[test]
    fn apply_is_idempotent(
        steps in proptest::collection::vec((1u32..4, prop_oneof![Just("a"), Just("b")], any::<bool>()), 1..12)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let db = widget_db().await;
            let widgets = db.resources::<WidgetKind>();
            for (size, namespace, twice) in steps {
                let draft = widget("w", size).in_namespace(namespace);
                let first = widgets.apply(draft.clone(), None).await.unwrap();
                prop_assert_eq!(first.object.spec.size, size);
                if twice {
                    let before = event_count(&db).await;
                    let again = widgets.apply(draft, None).await.unwrap();
                    prop_assert_eq!(again.outcome, ApplyOutcome::Unchanged);
                    prop_assert_eq!(&again.object, &first.object);
                    prop_assert_eq!(event_count(&db).await, before);
                }
                let stored = widgets.get_in(namespace, "w").await.unwrap();
                prop_assert_eq!(stored, first.object);
            }
            Ok(())
        })?;
    }
}

/// An event as the store holds it (the core's stored-event layout).
#[derive(Serialize)]
struct RawEvent {
    event_type: String,
    kind: String,
    timestamp: Timestamp,
    object: Vec<u8>,
}

fn raw_event(kind: &str, object_version: u16) -> Vec<u8> {
    let object = envelope::encode(object_version, &("from the future", 42u64));
    let event = RawEvent {
        event_type: format!("{kind}.created"),
        kind: kind.to_string(),
        timestamp: Timestamp::now(),
        object,
    };
    envelope::encode(1, &event)
}

async fn write_raw_events(engine: &dyn Engine, events: Vec<Vec<u8>>) {
    engine
        .commit(Commit {
            events,
            ..Commit::default()
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn events_this_binary_cannot_read_are_skipped_by_every_consumer() {
    let db = db().await;
    let mut subscription = db.events().subscribe(0);
    // A kind nobody registered, a fleet record of a newer schema, a newer
    // event envelope, and bytes that are no event at all.
    write_raw_events(
        &**db.engine(),
        vec![
            raw_event("gizmo", 1 << 8 | 1),
            raw_event("fleet", 1 << 8 | 9),
            envelope::encode(9, &"a newer event format"),
            b"garbage".to_vec(),
        ],
    )
    .await;
    let web = db.fleets().create(fleet("web", 2)).await.unwrap();

    // The subscription skips them and delivers the fleet's event.
    let first = subscription.next().await.unwrap();
    assert_eq!(
        (first.event_type.as_str(), first.meta.id.as_str()),
        ("fleet.created", web.id())
    );
    // So does a listing.
    let listed = db.events().list(0, 10).await.unwrap();
    assert_eq!(listed[0], first);
    // The reconciler got past them too: the fleet converges.
    eventually("the fleet to converge", || async {
        let f = db.fleets().get(web.id()).await.unwrap();
        (f.status.running_instances == 2).then_some(())
    })
    .await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn status_writes_do_not_fail_client_preconditions() {
    let db = db().await;
    let fleets = db.fleets();
    let web = fleets.create(fleet("web", 1)).await.unwrap();
    // The reconciler writes status after the create: wait for it, then
    // update with the version read before it.
    let observed = eventually("the reconciler's status write", || async {
        let f = fleets.get(web.id()).await.unwrap();
        (f.status.running_instances == 1).then_some(f)
    })
    .await;
    assert!(observed.resource_version() > web.resource_version());
    assert_eq!(observed.meta.spec_version, web.resource_version());
    let updated = fleets
        .update(web.id(), fleet("web", 4), Some(web.resource_version()))
        .await
        .unwrap();
    assert_eq!(updated.meta.spec_version, updated.resource_version());
    // A client change after the version read still fails it.
    let stale = fleets
        .update(web.id(), fleet("web", 2), Some(web.resource_version()))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), ErrorCode::Conflict);

    // Under a reconciler busy with status writes, every read-then-update
    // passes its precondition.
    for capacity in [7, 2, 9, 3, 8, 1, 6, 2, 5, 3] {
        let current = fleets.get(web.id()).await.unwrap();
        // Room for the reconciler's status writes to land in between.
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        fleets
            .update(
                web.id(),
                fleet("web", capacity),
                Some(current.resource_version()),
            )
            .await
            .unwrap();
    }
    db.close().await.unwrap();
}

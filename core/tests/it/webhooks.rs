//! Webhook endpoints and delivery records through the in-process API:
//! secrets, apply by URL, test events, records, fences.

use clusterdb::webhooks::{Attempt, Delivery, DeliveryState, WebhookSpec, default_name};
use clusterdb::{ApplyOutcome, Draft, Error, Timestamp};

use crate::support::quiet_db;

fn spec(url: &str) -> WebhookSpec {
    WebhookSpec {
        url: url.into(),
        events: vec!["fleet.created".into()],
        enabled: true,
        description: String::new(),
        secret: String::new(),
    }
}

#[tokio::test]
async fn a_create_generates_a_secret_and_a_replacement_keeps_or_rotates_it() {
    let db = quiet_db().await;
    let hooks = db.webhooks();
    let head = db.events().current_revision().await.unwrap();
    let (created, first) = hooks
        .create(Draft::new("hook", spec("https://example.com/h")))
        .await
        .unwrap();
    assert!(first.starts_with("whsec_"));
    // Stored sealed: the endpoint (and its event) never holds it in the clear.
    assert!(
        created.spec.secret.starts_with("sealed:"),
        "{}",
        created.spec.secret
    );
    assert!(!created.spec.secret.contains(&first[6..]));
    assert_eq!(
        created.status.start_after, head,
        "delivery starts after the head"
    );
    // A replacement without a secret keeps it, and changes nothing else.
    let same = hooks
        .endpoints()
        .update(
            created.id(),
            Draft::new("hook", spec("https://example.com/h")),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        same.resource_version(),
        created.resource_version(),
        "no write"
    );
    assert_eq!(same.spec.secret, created.spec.secret);
    // A rotation keeps the old secret signing.
    let (rotated, secret) = hooks.rotate_secret(created.id(), None).await.unwrap();
    assert_ne!(secret, first);
    assert_eq!(
        hooks.signing_secrets(&rotated, Timestamp::now()).unwrap(),
        [secret.clone(), first.clone()]
    );
    // The same secret again is no change; giving the current one in the
    // clear to an update keeps the stored form.
    let (again, _) = hooks
        .rotate_secret(created.id(), Some(secret.clone()))
        .await
        .unwrap();
    assert_eq!(again.resource_version(), rotated.resource_version());
    let mut with_secret = spec("https://example.com/h");
    with_secret.secret = secret.clone();
    let same = hooks
        .endpoints()
        .update(created.id(), Draft::new("hook", with_secret), None)
        .await
        .unwrap();
    assert_eq!(
        same.resource_version(),
        rotated.resource_version(),
        "no write"
    );
    let err = hooks
        .rotate_secret(created.id(), Some("whsec_short".into()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid { ref field, .. } if field == "secret"),
        "{err}"
    );
}

#[tokio::test]
async fn apply_by_url_creates_once_then_updates_keeping_name_and_tags() {
    let db = quiet_db().await;
    let hooks = db.webhooks();
    let url = "https://example.com/config";
    let first = hooks
        .apply_by_url(Draft::new(default_name(url), spec(url)))
        .await
        .unwrap();
    assert_eq!(first.outcome, ApplyOutcome::Created);
    // Someone renames and tags it; the file applies again.
    let renamed = hooks
        .endpoints()
        .update(
            first.object.id(),
            Draft::new("renamed", spec(url)).tag("team", "ops"),
            None,
        )
        .await
        .unwrap();
    let again = hooks
        .apply_by_url(Draft::new(default_name(url), spec(url)))
        .await
        .unwrap();
    assert_eq!(again.outcome, ApplyOutcome::Unchanged);
    assert_eq!(again.object.resource_version(), renamed.resource_version());
    let mut changed = spec(url);
    changed.events = vec!["*".into()];
    let configured = hooks
        .apply_by_url(Draft::new(default_name(url), changed))
        .await
        .unwrap();
    assert_eq!(configured.outcome, ApplyOutcome::Configured);
    assert_eq!(configured.object.name(), "renamed");
    assert_eq!(configured.object.meta.tags["team"], "ops");
    assert_eq!(configured.object.spec.secret, first.object.spec.secret);
    let listed = hooks.endpoints().list(&Default::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn test_events_disabling_and_delivery_records() {
    let db = quiet_db().await;
    let hooks = db.webhooks();
    let (endpoint, _) = hooks
        .create(Draft::new("hook", spec("https://example.com/h")))
        .await
        .unwrap();
    let test = hooks.send_test(endpoint.id()).await.unwrap();
    let (revision, index) = Delivery::parse_id(&test.delivery_id).unwrap();
    assert_eq!(test.event_id, format!("evt_{revision}_{index}"));
    let events = db.events().list(revision - 1, 10).await.unwrap();
    assert_eq!(events[0].event_type, "webhook.test");
    assert_eq!((events[0].revision, events[0].index), (revision, index));

    // Records: written, read back by id, listed in log order, pruned.
    for n in 0..5u64 {
        let mut delivery = Delivery::new(
            endpoint.id(),
            100 + n,
            0,
            &format!("evt_{}_0", 100 + n),
            "fleet.created",
        );
        delivery.record(Attempt {
            number: 1,
            at: Timestamp::now(),
            response_code: Some(500),
            duration_ms: 1,
            error: "the receiver answered 500".into(),
            manual: false,
        });
        let (revision, index) = (delivery.revision, delivery.index);
        hooks
            .update_delivery(endpoint.id(), revision, index, Some(delivery), |_| {})
            .await
            .unwrap();
    }
    let one = hooks
        .delivery_by_id(endpoint.id(), "dlv_102_0")
        .await
        .unwrap();
    assert_eq!(one.state, DeliveryState::Pending);
    assert!(matches!(
        hooks.delivery_by_id(endpoint.id(), "dlv_999_0").await,
        Err(Error::NotFound { .. })
    ));
    let page = hooks.deliveries(endpoint.id(), None, 2).await.unwrap();
    assert!(page.more);
    assert_eq!(page.next_page_token().as_deref(), Some("dlv_101_0"));
    assert_eq!(
        page.items.iter().map(Delivery::id).collect::<Vec<_>>(),
        ["dlv_100_0", "dlv_101_0"]
    );
    let rest = hooks
        .deliveries(endpoint.id(), Some("dlv_101_0"), 10)
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 3);
    assert_eq!(hooks.prune_deliveries(endpoint.id(), 2).await.unwrap(), 3);
    let kept = hooks.deliveries(endpoint.id(), None, 10).await.unwrap();
    assert_eq!(
        kept.items.iter().map(Delivery::id).collect::<Vec<_>>(),
        ["dlv_103_0", "dlv_104_0"]
    );

    // The cursor is a durable consumer's: retention sees it.
    hooks.save_cursor(endpoint.id(), 42).await.unwrap();
    assert_eq!(hooks.cursor(endpoint.id()).await.unwrap(), Some(42));
    let cursors = db.consumer_cursors().await.unwrap();
    assert!(
        cursors.contains(&(format!("webhook/{}", endpoint.id()), 42)),
        "{cursors:?}"
    );

    // Disabling: a server write with webhook.updated and webhook.disabled.
    let head = db.events().current_revision().await.unwrap();
    let disabled = hooks
        .disable(endpoint.id(), "the receiver answered 410 Gone")
        .await
        .unwrap();
    assert!(!disabled.spec.enabled);
    let events = db.events().list(head, 10).await.unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["webhook.updated", "webhook.disabled"]);
    assert!(matches!(
        hooks.send_test(endpoint.id()).await,
        Err(Error::FailedPrecondition { .. })
    ));
    // Enabling again clears the reason.
    let mut enabled = spec("https://example.com/h");
    enabled.enabled = true;
    let back = hooks
        .endpoints()
        .update(endpoint.id(), Draft::new("hook", enabled), None)
        .await
        .unwrap();
    assert!(back.status.disabled_reason.is_empty());

    // Forgetting a deleted endpoint removes its records and cursor.
    hooks.endpoints().delete(endpoint.id(), None).await.unwrap();
    hooks.forget(endpoint.id()).await.unwrap();
    assert_eq!(hooks.cursor(endpoint.id()).await.unwrap(), None);
    assert!(
        hooks
            .deliveries(endpoint.id(), None, 10)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn record_writes_under_a_stale_fence_are_refused() {
    let db = quiet_db().await;
    let leadership = clusterdb::Leader {
        // A fence on a key that is not at that revision: a deposed leader's.
        fence: clusterdb::storage::Precondition::AtRevision(b"s/leader/workers".to_vec(), 1),
        term: 1,
    };
    let hooks = db.webhooks().fenced(Some(leadership.fence));
    let (endpoint, _) = db
        .webhooks()
        .create(Draft::new("hook", spec("https://example.com/h")))
        .await
        .unwrap();
    let err = hooks.save_cursor(endpoint.id(), 7).await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)), "{err}");
    assert!(matches!(
        hooks.disable(endpoint.id(), "x").await,
        Err(Error::Unavailable(_))
    ));
    assert_eq!(db.webhooks().cursor(endpoint.id()).await.unwrap(), None);
    assert!(
        db.webhooks()
            .endpoints()
            .get(endpoint.id())
            .await
            .unwrap()
            .spec
            .enabled
    );
}

/// A redelivery and the dispatcher both add attempts to one record: each
/// read-modify-write is conditional, so racing writers lose no attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_record_updates_lose_no_attempt() {
    let db = quiet_db().await;
    let hooks = db.webhooks();
    let missing = hooks
        .update_delivery("webhook-x", 5, 0, None, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
    let new = Delivery::new("webhook-x", 5, 0, "evt_5_0", "fleet.created");
    let attempt = |number: u32| Attempt {
        number,
        at: Timestamp::now(),
        response_code: None,
        duration_ms: 0,
        error: "refused".into(),
        manual: number.is_multiple_of(2),
    };
    let writers: Vec<_> = (1..=16u32)
        .map(|n| {
            let hooks = hooks.clone();
            let new = new.clone();
            tokio::spawn(async move {
                hooks
                    .update_delivery("webhook-x", 5, 0, Some(new), |d| d.record(attempt(n)))
                    .await
                    .unwrap()
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let record = hooks.delivery("webhook-x", 5, 0).await.unwrap().unwrap();
    assert_eq!(record.attempts.len(), 16);
    assert_eq!(
        record.scheduled_attempts, 8,
        "manual attempts are not scheduled ones"
    );
}

/// Every endpoint has a delivery worker, so a store holds a bounded
/// number of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_are_bounded() {
    // Engine-independent, and a thousand creates are slow on etcd.
    if crate::ENGINE == crate::support::EngineKind::Etcd {
        return;
    }
    let db = quiet_db().await;
    let hooks = db.webhooks();
    for i in 0..clusterdb::webhooks::MAX_ENDPOINTS {
        hooks
            .create(Draft::new(
                format!("h{i}"),
                spec(&format!("https://example.com/{i}")),
            ))
            .await
            .unwrap();
    }
    let err = hooks
        .create(Draft::new("one-more", spec("https://example.com/more")))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        clusterdb::ErrorCode::FailedPrecondition,
        "{err}"
    );
    assert!(err.to_string().contains("1000"), "{err}");
}

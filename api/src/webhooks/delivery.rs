//! What is delivered: an event's body, which endpoints an event goes to,
//! and a person's redelivery of a recorded delivery.

use clusterdb::webhooks::{Delivery, DeliveryState, Webhook};
use clusterdb::{ClusterDb, Error, Event};

use super::{Outcome, Sender};

/// The body of an event's delivery: the spec's payload (`id`, `type`,
/// `data`, `timestamp`).
pub fn body(event: &Event) -> Vec<u8> {
    let mut payload = crate::events::payload(event);
    if let Some(map) = payload.as_object_mut() {
        map.remove("revision");
    }
    serde_json::to_vec(&payload).unwrap_or_default()
}

/// The event type of a test delivery.
pub const TEST_EVENT: &str = "webhook.test";

/// Whether `event` goes to `endpoint`: the types it subscribes to, except
/// that a test event goes to its own endpoint only.
pub fn routes_to(endpoint: &Webhook, event: &Event) -> bool {
    if event.event_type == TEST_EVENT {
        return event.meta.id == endpoint.meta.id;
    }
    endpoint.spec.subscribes_to(&event.event_type)
}

/// Sends a recorded delivery's event again, now, once (a person's retry,
/// whatever its state): the attempt is added to the record, and a success
/// settles it. The event must still be in the log.
pub async fn redeliver(
    db: &ClusterDb,
    sender: &Sender,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<Delivery, Error> {
    let hooks = db.webhooks();
    let endpoint = hooks.endpoints().get(endpoint_id).await?;
    let delivery = hooks.delivery_by_id(endpoint_id, delivery_id).await?;
    let event = find_event(db, delivery.revision, delivery.index)
        .await?
        .ok_or_else(|| Error::not_found("event", delivery.event_id.as_str()))?;
    let (attempt, outcome) = sender
        .attempt(
            &hooks,
            &endpoint,
            &event.id,
            &body(&event),
            delivery.next_number(),
            true,
        )
        .await;
    // Recorded on the freshest copy (the dispatcher may have written since).
    let delivery = hooks
        .update_delivery(
            endpoint_id,
            delivery.revision,
            delivery.index,
            None,
            |delivery| {
                delivery.record(attempt.clone());
                if outcome == Outcome::Delivered {
                    delivery.state = DeliveryState::Succeeded;
                    delivery.next_attempt_at = None;
                }
            },
        )
        .await?;
    Ok(delivery)
}

/// The event at (`revision`, `index`), if the log still has it
/// (`EventsCompacted` if retention removed it).
async fn find_event(db: &ClusterDb, revision: u64, index: u32) -> Result<Option<Event>, Error> {
    let events = db
        .events()
        .list(revision.saturating_sub(1), clusterdb::MAX_EVENT_PAGE)
        .await?;
    Ok(events
        .into_iter()
        .find(|e| e.revision == revision && e.index == index))
}

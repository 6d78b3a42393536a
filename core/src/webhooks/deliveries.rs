//! A delivery: one event on its way to one endpoint, with every attempt
//! made to send it. Its id names the event's position in the log
//! (`dlv_{revision}_{index}`, beside the event's `evt_{revision}_{index}`),
//! so a server resuming after a crash finds the delivery it was making.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::timestamp::Timestamp;

/// Delivery records kept per endpoint; older ones are removed.
pub const MAX_DELIVERIES_KEPT: usize = 1000;
/// Attempts recorded per delivery (the schedule's eight, plus manual
/// redeliveries); the oldest beyond it are dropped.
const MAX_ATTEMPTS_KEPT: usize = 32;
/// Schema version of the stored record.
const SCHEMA: u16 = 1;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryState {
    /// Not yet delivered; another attempt is due at `next_attempt_at`.
    Pending,
    /// A 2xx answered an attempt.
    Succeeded,
    /// Given up: the schedule ran out, the receiver answered `410 Gone`, or
    /// the endpoint was turned off.
    Failed,
}

impl DeliveryState {
    /// `pending`, `succeeded`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Succeeded => "succeeded",
            DeliveryState::Failed => "failed",
        }
    }
}

/// One attempt to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// 1 for the first.
    pub number: u32,
    /// When it started.
    pub at: Timestamp,
    /// The receiver's status code, if it answered.
    pub response_code: Option<u16>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
    /// What went wrong (empty on a 2xx).
    pub error: String,
    /// Whether a person asked for it (redeliver) rather than the schedule.
    pub manual: bool,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The endpoint's id.
    pub endpoint_id: String,
    /// The event's revision.
    pub revision: u64,
    /// The event's index within its commit.
    pub index: u32,
    /// The event's id (`evt_…`): the `webhook-id` of every attempt.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts so far, oldest first (at most the latest 32).
    pub attempts: Vec<Attempt>,
    /// Scheduled attempts made so far (manual ones not counted).
    pub scheduled_attempts: u32,
    /// When the next scheduled attempt is due (pending only).
    pub next_attempt_at: Option<Timestamp>,
}

/// One page of an endpoint's deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPage {
    /// In log order.
    pub items: Vec<Delivery>,
    /// Whether more follow the last one.
    pub more: bool,
}

impl DeliveryPage {
    /// The `page_token` of the next page (the last delivery's id), if
    /// more follow.
    pub fn next_page_token(&self) -> Option<String> {
        self.more
            .then(|| self.items.last().map(Delivery::id))
            .flatten()
    }
}

/// What `Webhooks::send_test` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestEvent {
    /// The `webhook.test` event (`evt_…`).
    pub event_id: String,
    /// Its delivery to the endpoint (`dlv_…`).
    pub delivery_id: String,
}

impl Delivery {
    /// A delivery of the event at (`revision`, `index`) not yet attempted.
    pub fn new(
        endpoint_id: &str,
        revision: u64,
        index: u32,
        event_id: &str,
        event_type: &str,
    ) -> Self {
        Delivery {
            endpoint_id: endpoint_id.to_string(),
            revision,
            index,
            event_id: event_id.to_string(),
            event_type: event_type.to_string(),
            state: DeliveryState::Pending,
            attempts: Vec::new(),
            scheduled_attempts: 0,
            next_attempt_at: None,
        }
    }

    /// `dlv_{revision}_{index}`.
    pub fn id(&self) -> String {
        Delivery::id_of(self.revision, self.index)
    }

    /// The id of the delivery of the event at (`revision`, `index`).
    pub fn id_of(revision: u64, index: u32) -> String {
        format!("dlv_{revision}_{index}")
    }

    /// The event position a delivery id names.
    pub fn parse_id(id: &str) -> Option<(u64, u32)> {
        let (revision, index) = id.strip_prefix("dlv_")?.split_once('_')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(revision) || !digits(index) {
            return None;
        }
        Some((revision.parse().ok()?, index.parse().ok()?))
    }

    /// Records an attempt (keeping the latest 32).
    pub fn record(&mut self, attempt: Attempt) {
        if !attempt.manual {
            self.scheduled_attempts += 1;
        }
        self.attempts.push(attempt);
        if self.attempts.len() > MAX_ATTEMPTS_KEPT {
            let excess = self.attempts.len() - MAX_ATTEMPTS_KEPT;
            self.attempts.drain(..excess);
        }
    }

    /// The number the next attempt gets.
    pub fn next_number(&self) -> u32 {
        self.attempts.last().map_or(1, |a| a.number + 1)
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        clusterdb_storage::envelope::encode(SCHEMA, self)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Delivery> {
        clusterdb_storage::envelope::decode(bytes, SCHEMA)
            .map(|(_, delivery)| delivery)
            .map_err(|e| Error::Internal(format!("corrupt webhook delivery record: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_garbage() {
        assert_eq!(Delivery::id_of(42, 3), "dlv_42_3");
        assert_eq!(Delivery::parse_id("dlv_42_3"), Some((42, 3)));
        for bad in [
            "",
            "dlv_",
            "dlv_42",
            "dlv_x_1",
            "evt_42_3",
            "dlv_-1_0",
            "dlv_1_+2",
            "dlv_1_99999999999",
        ] {
            assert_eq!(Delivery::parse_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn records_round_trip_and_keep_the_latest_attempts() {
        let mut delivery = Delivery::new("webhook-1", 7, 0, "evt_7_0", "fleet.created");
        for n in 1..=40 {
            delivery.record(Attempt {
                number: delivery.next_number(),
                at: Timestamp::from_unix_millis(n),
                response_code: Some(500),
                duration_ms: 3,
                error: "HTTP 500".into(),
                manual: n % 10 == 0,
            });
        }
        assert_eq!(delivery.attempts.len(), MAX_ATTEMPTS_KEPT);
        assert_eq!(delivery.attempts.last().unwrap().number, 40);
        assert_eq!(delivery.scheduled_attempts, 36);
        assert_eq!(Delivery::decode(&delivery.encode()).unwrap(), delivery);
        assert!(Delivery::decode(b"junk").is_err());
    }
}

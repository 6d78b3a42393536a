//! A webhook endpoint's JSON, its deliveries and their attempts, a secret
//! rotation's body and a test event's answer.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::MetaOutput;

/// Create or replace a webhook endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Unique name (default: `webhook-` and a digest of the URL).
    #[serde(default)]
    pub name: String,
    /// `http://` or `https://` URL events are `POST`ed to.
    pub url: String,
    /// Event types to deliver, e.g. `fleet.created`; `*` for all.
    pub events: Vec<String>,
    /// Whether delivery is on (default true).
    #[serde(default = "enabled_default")]
    pub enabled: bool,
    /// Free text.
    #[serde(default = "super::description_default")]
    pub description: String,
    /// The signing secret, `whsec_` + base64 of 24 to 64 bytes; generated
    /// when a create leaves it out. Write-only: on a replace, a different
    /// one rotates it (the old one still signs for 24 hours) and none
    /// keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn enabled_default() -> bool {
    true
}

/// A webhook endpoint as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct WebhookOutput {
    /// `webhook-…`.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Where events are `POST`ed.
    pub url: String,
    /// Event types delivered (`*`: all).
    pub events: Vec<String>,
    /// Whether delivery is on.
    pub enabled: bool,
    /// Free text.
    pub description: String,
    /// Why the server turned delivery off, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
    /// Only in the answer to a create or a rotation: the signing secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The body of `POST /webhooks/{id}/secret` (optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SecretInput {
    /// The new secret; generated if left out.
    #[serde(default)]
    pub secret: Option<String>,
}

/// The answer to `POST /webhooks/{id}/test`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct TestOutput {
    /// The `webhook.test` event written to the log.
    pub event_id: String,
    /// Its delivery to this endpoint (see its deliveries).
    pub delivery_id: String,
}

/// One attempt to deliver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct AttemptOutput {
    /// 1 for the first.
    pub attempt: u32,
    /// When it started (RFC 3339).
    pub at: String,
    /// The receiver's status code, if it answered.
    pub response_code: Option<u16>,
    /// How long it took.
    pub duration_ms: u64,
    /// What went wrong (absent on success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A redelivery someone asked for, rather than the schedule.
    pub manual: bool,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DeliveryOutput {
    /// `dlv_{revision}_{index}`.
    pub id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The event (`evt_…`), the `webhook-id` header of every attempt.
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// The event's revision.
    pub revision: u64,
    /// `pending` (retrying), `succeeded` or `failed` (gave up).
    pub status: String,
    /// Attempts, oldest first (the latest 32).
    pub attempts: Vec<AttemptOutput>,
    /// When the next scheduled attempt is due (pending only).
    pub next_attempt_at: Option<String>,
}

/// A page of an endpoint's deliveries, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct DeliveryPage {
    /// The deliveries.
    pub deliveries: Vec<DeliveryOutput>,
    /// Pass as `page_token` for the next page.
    pub next_page_token: Option<String>,
}

crate::resource::resources! {
    /// `/v1/webhooks` (admins only).
    Webhooks {
        collection: "webhooks",
        singular: "webhook endpoint",
        id_prefix: "webhook",
        input: WebhookInput,
        output: WebhookOutput,
    }
}

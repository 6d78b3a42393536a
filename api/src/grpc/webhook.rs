//! `clusterdb.webhooks.v1.WebhookService`: get, update, delete and list
//! delegate to the generic implementation in [`super::kind`]; a create
//! (and a rotation) answers with the secret; deliveries, redelivery and
//! test events call the core and the sender as REST does.

use std::sync::Arc;

use clusterdb::identity::Verb;
use clusterdb::webhooks::{Delivery, Webhook, WebhookKind, WebhookSpec, default_name};
use clusterdb::{Draft, Kind, ListOptions, MAX_PAGE_SIZE};
use clusterdb_proto::webhooks::v1 as pb;
use pb::WebhookService;
use tonic::{Request, Response, Status};

use super::auth::caller;
use super::convert::{list_options, map, tags, timestamp};
use super::kind::{self, GrpcKind, Reply, Update};
use super::status::{invalid, status};
use crate::webhooks::Sender;

impl GrpcKind for WebhookKind {
    type Message = pb::Webhook;
    type Create = pb::CreateWebhookRequest;
    type Get = pb::GetWebhookRequest;
    type Update = pb::UpdateWebhookRequest;
    type Delete = pb::DeleteWebhookRequest;
    type List = pb::ListWebhooksRequest;
    type Page = pb::ListWebhooksResponse;

    fn message(endpoint: &Webhook) -> pb::Webhook {
        pb::Webhook {
            id: endpoint.meta.id.clone(),
            name: endpoint.meta.name.clone(),
            url: endpoint.spec.url.clone(),
            events: endpoint.spec.events.clone(),
            enabled: endpoint.spec.enabled,
            description: endpoint.spec.description.clone(),
            disabled_reason: endpoint.status.disabled_reason.clone(),
            tags: map(&endpoint.meta.tags),
            created_at: Some(timestamp(endpoint.meta.created_at)),
            updated_at: Some(timestamp(endpoint.meta.updated_at)),
            resource_version: endpoint.meta.resource_version,
            created_by: endpoint.meta.created_by.clone(),
            updated_by: endpoint.meta.updated_by.clone(),
            secret: String::new(),
        }
    }

    fn create(r: pb::CreateWebhookRequest) -> Result<Draft<WebhookSpec>, Status> {
        let name = if r.name.is_empty() {
            default_name(&r.url)
        } else {
            r.name
        };
        Ok(Draft {
            name,
            namespace: String::new(),
            tags: tags(r.tags),
            spec: WebhookSpec {
                url: r.url,
                events: r.events,
                enabled: r.enabled.unwrap_or(true),
                description: r.description,
                secret: r.secret,
            },
        })
    }

    fn get(r: pb::GetWebhookRequest) -> String {
        r.id
    }

    fn update(r: pb::UpdateWebhookRequest) -> Result<Update<WebhookSpec>, Status> {
        Ok(Update {
            id: r.id,
            expected_version: r.expected_version,
            draft: Draft {
                name: r.name,
                namespace: String::new(),
                tags: tags(r.tags),
                spec: WebhookSpec {
                    url: r.url,
                    events: r.events,
                    enabled: r.enabled,
                    description: r.description,
                    secret: r.secret,
                },
            },
        })
    }

    fn delete(r: pb::DeleteWebhookRequest) -> (String, Option<u64>) {
        (r.id, r.expected_version)
    }

    fn list(r: pb::ListWebhooksRequest) -> ListOptions {
        list_options(r.page_size, r.page_token, r.tags)
    }

    fn page(webhooks: Vec<pb::Webhook>, next_page_token: String) -> pb::ListWebhooksResponse {
        pb::ListWebhooksResponse {
            webhooks,
            next_page_token,
        }
    }
}

fn with_secret(endpoint: &Webhook, secret: String) -> pb::Webhook {
    pb::Webhook {
        secret,
        ..WebhookKind::message(endpoint)
    }
}

fn delivery_message(delivery: &Delivery) -> pb::WebhookDelivery {
    pb::WebhookDelivery {
        id: delivery.id(),
        webhook_id: delivery.endpoint_id.clone(),
        event_id: delivery.event_id.clone(),
        event_type: delivery.event_type.clone(),
        revision: delivery.revision,
        status: delivery.state.as_str().to_string(),
        attempts: delivery
            .attempts
            .iter()
            .map(|a| pb::WebhookAttempt {
                attempt: a.number,
                at: Some(timestamp(a.at)),
                response_code: a.response_code.map(u32::from),
                duration_ms: a.duration_ms,
                error: a.error.clone(),
                manual: a.manual,
            })
            .collect(),
        next_attempt_at: delivery.next_attempt_at.map(timestamp),
    }
}

/// The webhook service; redeliveries go out through `sender`.
#[derive(Clone)]
pub struct WebhookApi {
    /// Makes redeliveries.
    pub sender: Arc<Sender>,
}

#[tonic::async_trait]
impl WebhookService for WebhookApi {
    async fn create_webhook(&self, r: Request<pb::CreateWebhookRequest>) -> Reply<pb::Webhook> {
        let db = caller(&r, WebhookKind::NAME, Verb::Write)?;
        let draft = WebhookKind::create(r.into_inner())?;
        let (endpoint, secret) = db.webhooks().create(draft).await.map_err(status)?;
        Ok(Response::new(with_secret(&endpoint, secret)))
    }

    async fn get_webhook(&self, r: Request<pb::GetWebhookRequest>) -> Reply<pb::Webhook> {
        kind::get::<WebhookKind>(r).await
    }

    async fn update_webhook(&self, r: Request<pb::UpdateWebhookRequest>) -> Reply<pb::Webhook> {
        kind::update::<WebhookKind>(r).await
    }

    async fn delete_webhook(&self, r: Request<pb::DeleteWebhookRequest>) -> Reply<()> {
        kind::delete::<WebhookKind>(r).await
    }

    async fn list_webhooks(
        &self,
        r: Request<pb::ListWebhooksRequest>,
    ) -> Reply<pb::ListWebhooksResponse> {
        kind::list::<WebhookKind>(r).await
    }

    async fn rotate_webhook_secret(
        &self,
        r: Request<pb::RotateWebhookSecretRequest>,
    ) -> Reply<pb::Webhook> {
        let db = caller(&r, WebhookKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let secret = (!r.secret.is_empty()).then_some(r.secret);
        let (endpoint, secret) = db
            .webhooks()
            .rotate_secret(&r.id, secret)
            .await
            .map_err(status)?;
        Ok(Response::new(with_secret(&endpoint, secret)))
    }

    async fn test_webhook(
        &self,
        r: Request<pb::TestWebhookRequest>,
    ) -> Reply<pb::TestWebhookResponse> {
        let db = caller(&r, WebhookKind::NAME, Verb::Write)?;
        let test = db
            .webhooks()
            .send_test(&r.into_inner().id)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::TestWebhookResponse {
            event_id: test.event_id,
            delivery_id: test.delivery_id,
        }))
    }

    async fn list_webhook_deliveries(
        &self,
        r: Request<pb::ListWebhookDeliveriesRequest>,
    ) -> Reply<pb::ListWebhookDeliveriesResponse> {
        let db = caller(&r, WebhookKind::NAME, Verb::Read)?;
        let r = r.into_inner();
        let page_size = match r.page_size {
            0 => 100,
            n if (1..=MAX_PAGE_SIZE as i32).contains(&n) => n as usize,
            _ => {
                return Err(invalid(
                    "page_size",
                    &format!("must be between 1 and {MAX_PAGE_SIZE}"),
                ));
            }
        };
        let hooks = db.webhooks();
        hooks.endpoints().get(&r.id).await.map_err(status)?;
        let after = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let page = hooks
            .deliveries(&r.id, after, page_size)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListWebhookDeliveriesResponse {
            deliveries: page.items.iter().map(delivery_message).collect(),
            next_page_token: page.next_page_token().unwrap_or_default(),
        }))
    }

    async fn get_webhook_delivery(
        &self,
        r: Request<pb::GetWebhookDeliveryRequest>,
    ) -> Reply<pb::WebhookDelivery> {
        let db = caller(&r, WebhookKind::NAME, Verb::Read)?;
        let r = r.into_inner();
        let hooks = db.webhooks();
        hooks.endpoints().get(&r.id).await.map_err(status)?;
        let delivery = hooks
            .delivery_by_id(&r.id, &r.delivery_id)
            .await
            .map_err(status)?;
        Ok(Response::new(delivery_message(&delivery)))
    }

    async fn redeliver_webhook(
        &self,
        r: Request<pb::RedeliverWebhookRequest>,
    ) -> Reply<pb::WebhookDelivery> {
        let db = caller(&r, WebhookKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let delivery = crate::webhooks::redeliver(&db, &self.sender, &r.id, &r.delivery_id)
            .await
            .map_err(status)?;
        Ok(Response::new(delivery_message(&delivery)))
    }
}

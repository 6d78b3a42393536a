//! The webhook endpoint kind on the REST API (`/webhooks`, admins only):
//! the conversions of its JSON types (`clusterdb-client`'s); a create (and
//! `POST /webhooks/{id}/secret`, a rotation) answers with the signing
//! secret, which cannot be read again; the deliveries (`GET
//! /webhooks/{id}/deliveries[/{delivery_id}]`), a redelivery and a test
//! event.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use clusterdb::identity::Verb;
use clusterdb::webhooks::{
    Delivery, MAX_EVENT_TYPES, MAX_URL_LEN, WebhookKind, WebhookSpec, default_name,
};
use clusterdb::{Context, Draft, MAX_PAGE_SIZE, Object};
use clusterdb_client::wire::{
    AttemptOutput, DeliveryOutput, DeliveryPage, SecretInput, TestOutput, WebhookInput,
    WebhookOutput,
};

use super::{Convert, description_rule, meta_output};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::{JsonBody, parse_json, serde_urlencoded_pairs};
use crate::rest::handlers::{located, uncached};
use crate::rest::kind::{Access, Action, ActionBody, FieldRule, RestKind, SchemaOf};
use crate::rest::state::AppState;

/// `whsec_` and canonical standard base64 of 24 to 64 bytes (a final
/// partial group's unused bits are zero).
const SECRET_PATTERN: &str = concat!(
    "^whsec_(",
    "([A-Za-z0-9+/]{4}){8,20}([A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?",
    "|([A-Za-z0-9+/]{4}){21}([A-Za-z0-9+/][AQgw]==)?",
    ")$",
);

impl Convert<DeliveryOutput> for &Delivery {
    fn convert(self) -> DeliveryOutput {
        let delivery = self;
        DeliveryOutput {
            id: delivery.id(),
            webhook_id: delivery.endpoint_id.clone(),
            event_id: delivery.event_id.clone(),
            event_type: delivery.event_type.clone(),
            revision: delivery.revision,
            status: delivery.state.as_str().to_string(),
            attempts: delivery
                .attempts
                .iter()
                .map(|a| AttemptOutput {
                    attempt: a.number,
                    at: a.at.to_string(),
                    response_code: a.response_code,
                    duration_ms: a.duration_ms,
                    error: (!a.error.is_empty()).then(|| a.error.clone()),
                    manual: a.manual,
                })
                .collect(),
            next_attempt_at: delivery.next_attempt_at.map(|t| t.to_string()),
        }
    }
}

impl RestKind for WebhookKind {
    type Wire = clusterdb_client::Webhooks;
    const TITLE: &'static str = "Webhook";
    const FILTERS: &'static [&'static str] = &["url"];
    type Input = WebhookInput;
    type Output = WebhookOutput;

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            description_rule(),
            (
                "url",
                FieldRule::Pattern {
                    pattern: "^[Hh][Tt][Tt][Pp][Ss]?://".into(),
                    max: MAX_URL_LEN,
                },
            ),
            (
                "events",
                FieldRule::Strings {
                    pattern: r"^(\*|[a-z0-9_]+\.[a-z0-9_]+)$".into(),
                    max_items: MAX_EVENT_TYPES,
                },
            ),
            ("secret", secret_rule()),
        ]
    }

    fn create_route() -> Option<MethodRouter<AppState>> {
        Some(post(create))
    }

    fn actions() -> Vec<Action> {
        let read = |path, operation_id, summary, response, paged, route| Action {
            path,
            method: Method::GET,
            operation_id,
            summary,
            body: ActionBody::None,
            if_match: false,
            paged,
            query: &[],
            response: Some(response),
            access: Access::Kind(Verb::Read),
            route,
        };
        vec![
            Action {
                body: ActionBody::OptionalJson(SchemaOf::of::<SecretInput>(), || {
                    vec![("secret", secret_rule())]
                }),
                ..Action::post(
                    "secret",
                    "rotateWebhookSecret",
                    "Give a webhook endpoint a new signing secret (the old one still signs for 24 hours)",
                    SchemaOf::of::<WebhookOutput>(),
                    post(rotate_secret),
                )
            },
            Action::post(
                "test",
                "testWebhook",
                "Send a webhook.test event to the endpoint",
                SchemaOf::of::<TestOutput>(),
                post(send_test),
            ),
            read(
                "deliveries",
                "listWebhookDeliveries",
                "List an endpoint's deliveries and their attempts",
                SchemaOf::of::<DeliveryPage>(),
                true,
                get(list_deliveries),
            ),
            read(
                "deliveries/{delivery_id}",
                "getWebhookDelivery",
                "Get one delivery and its attempts",
                SchemaOf::of::<DeliveryOutput>(),
                false,
                get(get_delivery),
            ),
            Action::post(
                "deliveries/{delivery_id}/redeliver",
                "redeliverWebhook",
                "Send a delivery's event again now (one attempt)",
                SchemaOf::of::<DeliveryOutput>(),
                post(redeliver),
            ),
        ]
    }

    fn draft(input: WebhookInput) -> Draft<WebhookSpec> {
        let name = if input.name.is_empty() {
            default_name(&input.url)
        } else {
            input.name
        };
        Draft {
            name,
            namespace: String::new(),
            tags: input.tags,
            spec: WebhookSpec {
                url: input.url,
                events: input.events,
                enabled: input.enabled,
                description: input.description,
                secret: input.secret.unwrap_or_default(),
            },
        }
    }

    fn input(endpoint: &Object<Self>) -> WebhookInput {
        WebhookInput {
            name: endpoint.meta.name.clone(),
            url: endpoint.spec.url.clone(),
            events: endpoint.spec.events.clone(),
            enabled: endpoint.spec.enabled,
            description: endpoint.spec.description.clone(),
            secret: None,
            tags: endpoint.meta.tags.clone(),
        }
    }

    fn output(endpoint: &Object<Self>) -> WebhookOutput {
        let reason = &endpoint.status.disabled_reason;
        WebhookOutput {
            id: endpoint.meta.id.clone(),
            name: endpoint.meta.name.clone(),
            url: endpoint.spec.url.clone(),
            events: endpoint.spec.events.clone(),
            enabled: endpoint.spec.enabled,
            description: endpoint.spec.description.clone(),
            disabled_reason: (!reason.is_empty()).then(|| reason.clone()),
            meta: meta_output(&endpoint.meta),
            secret: None,
        }
    }
}

/// An endpoint with its secret, not to be cached.
fn with_secret(endpoint: &Object<WebhookKind>, secret: String) -> Response {
    let mut output = WebhookKind::output(endpoint);
    output.secret = Some(secret);
    uncached(&output, endpoint.resource_version())
}

/// `POST /webhooks`: answers with the secret (generated if not given).
async fn create(
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    JsonBody(input): JsonBody<WebhookInput>,
) -> Result<Response, ApiError> {
    let (endpoint, secret) = caller
        .db
        .webhooks()
        .create(WebhookKind::draft(input))
        .await?;
    let id = endpoint.id().to_string();
    Ok(located(with_secret(&endpoint, secret), &uri, &id))
}

/// What a signing secret must be: `whsec_` and the base64 of 24 to 64 bytes.
fn secret_rule() -> FieldRule {
    FieldRule::Pattern {
        pattern: SECRET_PATTERN.into(),
        max: 6 + 88,
    }
}

/// `POST /webhooks/{id}/secret`.
async fn rotate_secret(
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    // No body, `null` or an object.
    let input: SecretInput = if body.iter().all(u8::is_ascii_whitespace) {
        SecretInput::default()
    } else {
        parse_json::<Option<SecretInput>>(&body)?.unwrap_or_default()
    };
    let (endpoint, secret) = caller
        .db
        .webhooks()
        .rotate_secret(&id, input.secret)
        .await?;
    Ok(with_secret(&endpoint, secret))
}

/// `POST /webhooks/{id}/test`.
async fn send_test(caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let test = caller.db.webhooks().send_test(&id).await?;
    Ok((
        StatusCode::OK,
        axum::Json(TestOutput {
            event_id: test.event_id,
            delivery_id: test.delivery_id,
        }),
    )
        .into_response())
}

/// `GET /webhooks/{id}/deliveries`.
async fn list_deliveries(
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut page_size = 100usize;
    let mut page_token: Option<String> = None;
    for (key, value) in serde_urlencoded_pairs(query.as_deref().unwrap_or(""))? {
        match key.as_str() {
            "page_size" => {
                page_size = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE as usize).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "Invalid list request",
                            "page_size",
                            format!("must be between 1 and {MAX_PAGE_SIZE}"),
                        )
                    })?;
            }
            "page_token" if value.is_empty() => {}
            "page_token" => page_token = Some(value),
            read if crate::read_options::PARAMETERS.contains(&read) => {}
            other => {
                return Err(ApiError::invalid(
                    "Invalid list request",
                    other,
                    "is not a known query parameter",
                ));
            }
        }
    }
    let hooks = caller.db.webhooks();
    hooks.endpoints().get(&id).await?;
    let page = hooks
        .deliveries(&id, page_token.as_deref(), page_size)
        .await?;
    Ok(axum::Json(DeliveryPage {
        deliveries: page.items.iter().map(Convert::convert).collect(),
        next_page_token: page.next_page_token(),
    })
    .into_response())
}

/// `GET /webhooks/{id}/deliveries/{delivery_id}`.
async fn get_delivery(
    caller: Caller,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let hooks = caller.db.webhooks();
    hooks.endpoints().get(&id).await?;
    let delivery = hooks.delivery_by_id(&id, &delivery_id).await?;
    Ok(axum::Json((&delivery).convert()).into_response())
}

/// `POST /webhooks/{id}/deliveries/{delivery_id}/redeliver`.
async fn redeliver(
    caller: Caller,
    State(state): State<AppState>,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let delivery =
        crate::webhooks::redeliver(&caller.db, &state.webhooks, &id, &delivery_id).await?;
    Ok(axum::Json((&delivery).convert()).into_response())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use clusterdb::webhooks::secret_key;

    use super::SECRET_PATTERN;

    /// The document's secret pattern states exactly what core accepts:
    /// canonical base64 of 24 to 64 bytes.
    #[test]
    fn the_secret_pattern_is_the_rule_core_enforces() {
        let pattern = regex::Regex::new(SECRET_PATTERN).unwrap();
        for n in 20..=70usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + n) as u8).collect();
            let secret = format!("whsec_{}", STANDARD.encode(&bytes));
            assert_eq!(
                pattern.is_match(&secret),
                secret_key(&secret).is_ok(),
                "{n} bytes: {secret}"
            );
            assert_eq!(pattern.is_match(&secret), (24..=64).contains(&n));
            // A last symbol with unused bits set is not canonical: both refuse it.
            if secret.ends_with('=') {
                let padding = secret.len() - secret.trim_end_matches('=').len();
                let at = secret.len() - padding - 1;
                let mut bent = secret.clone().into_bytes();
                bent[at] = if bent[at] == b'/' { b'+' } else { b'/' };
                let bent = String::from_utf8(bent).unwrap();
                assert!(
                    !pattern.is_match(&bent) && secret_key(&bent).is_err(),
                    "{bent}"
                );
            }
        }
        assert!(!pattern.is_match("whsec_"));
        assert!(!pattern.is_match(&format!("sk_{}", STANDARD.encode([1u8; 32]))));
    }
}

//! The OAuth client kind on the REST API (`/oauth-clients`, admins only):
//! the conversions of its JSON types (`clusterdb-client`'s); a create
//! answers with the client secret, shown once, and `POST
//! /oauth-clients/{id}/secret` replaces it.

use axum::extract::{OriginalUri, Path};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use clusterdb::identity::{NewOAuthClient, OAuthClientKind, OAuthClientSpec, known_scopes};
use clusterdb::{Context, Draft, Object};
use clusterdb_client::wire::{OAuthClientInput, OAuthClientOutput};

use super::{description_rule, meta_output};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::JsonBody;
use crate::rest::handlers::{located, uncached};
use crate::rest::kind::{Action, FieldRule, RestKind, SchemaOf};
use crate::rest::state::AppState;

impl RestKind for OAuthClientKind {
    type Wire = clusterdb_client::OAuthClients;
    const TITLE: &'static str = "OAuthClient";
    const FILTERS: &'static [&'static str] = &["owner"];
    type Input = OAuthClientInput;
    type Output = OAuthClientOutput;

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            description_rule(),
            ("owner", FieldRule::Id { prefix: "user-" }),
            ("scopes", FieldRule::OneOfList(known_scopes())),
        ]
    }

    fn create_route() -> Option<MethodRouter<AppState>> {
        Some(post(create))
    }

    fn actions() -> Vec<Action> {
        vec![Action::post(
            "secret",
            "resetOAuthClientSecret",
            "Give an OAuth client a new secret (the old one stops working)",
            SchemaOf::of::<OAuthClientOutput>(),
            post(reset_secret),
        )]
    }

    fn draft(input: OAuthClientInput) -> Draft<OAuthClientSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: OAuthClientSpec {
                description: input.description,
                owner: input.owner,
                scopes: input.scopes.into_iter().collect(),
            },
        }
    }

    fn input(client: &Object<Self>) -> OAuthClientInput {
        OAuthClientInput {
            name: client.meta.name.clone(),
            description: client.spec.description.clone(),
            owner: client.spec.owner.clone(),
            scopes: client.spec.scopes.iter().cloned().collect(),
            tags: client.meta.tags.clone(),
        }
    }

    fn output(client: &Object<Self>) -> OAuthClientOutput {
        OAuthClientOutput {
            id: client.meta.id.clone(),
            name: client.meta.name.clone(),
            description: client.spec.description.clone(),
            owner: client.spec.owner.clone(),
            scopes: client.spec.scopes.iter().cloned().collect(),
            meta: meta_output(&client.meta),
            client_secret: None,
        }
    }
}

/// A client with its new secret, not to be cached.
fn with_secret(made: NewOAuthClient) -> Response {
    let mut output = OAuthClientKind::output(&made.client);
    output.client_secret = Some(made.secret);
    uncached(&output, made.client.resource_version())
}

/// `POST /oauth-clients`: the generic create, answering with the secret.
async fn create(
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    JsonBody(input): JsonBody<OAuthClientInput>,
) -> Result<Response, ApiError> {
    let made = caller
        .db
        .identity()
        .create_oauth_client(OAuthClientKind::draft(input))
        .await?;
    let id = made.client.id().to_string();
    Ok(located(with_secret(made), &uri, &id))
}

/// `POST /oauth-clients/{id}/secret`.
async fn reset_secret(caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let made = caller.db.identity().reset_oauth_client_secret(&id).await?;
    Ok(with_secret(made))
}

//! The OAuth client kind on the REST API (`/oauth-clients`, admins only):
//! its JSON types; a create answers with the client secret, shown once,
//! and `POST /oauth-clients/{id}/secret` replaces it.

use std::collections::BTreeMap;

use axum::extract::{OriginalUri, Path};
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use clusterdb::identity::{NewOAuthClient, OAuthClientKind, OAuthClientSpec, known_scopes};
use clusterdb::{Context, Draft, Object};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::description_rule;
use super::{MetaOutput, description_default};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::JsonBody;
use crate::rest::handlers::{located, uncached};
use crate::rest::kind::{Action, FieldRule, RestKind, SchemaOf};
use crate::rest::state::AppState;

/// Create or replace an OAuth client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OAuthClientInput {
    /// Unique name.
    pub name: String,
    /// Free text.
    #[serde(default = "description_default")]
    pub description: String,
    /// The responsible user's id; deleting the user deletes the client.
    pub owner: String,
    /// Scopes it may be granted, e.g. `compute:read`, `mesh:write`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Labels.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An OAuth client as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OAuthClientOutput {
    /// `oauthclient-…`: the `client_id` of the token endpoint.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The responsible user's id.
    pub owner: String,
    /// Scopes it may be granted.
    pub scopes: Vec<String>,
    /// Timestamps, actors, version and tags.
    #[serde(flatten)]
    pub meta: MetaOutput,
    /// Only in the answer to a create or a secret reset: the client
    /// secret. It cannot be read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

impl RestKind for OAuthClientKind {
    const SINGULAR: &'static str = "OAuth client";
    const TITLE: &'static str = "OAuthClient";
    const COLLECTION: &'static str = "oauth-clients";
    const LIST_FIELD: &'static str = "oauth_clients";
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
            meta: MetaOutput::of(&client.meta),
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

//! The user kind on the REST API: the conversions of its JSON types
//! (`clusterdb-client`'s), and the user's API keys (`/users/{id}/api-keys`)
//! as its actions.

use axum::Json;
use axum::extract::{FromRequest, Path, RawQuery, Request};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use clusterdb::identity::{
    ApiKey, EMAIL_PATTERN, MAX_DISPLAY_NAME_LEN, MAX_EMAIL_LEN, UserKind, UserSpec, UserState,
    Verb, authorize_own_keys,
};
use clusterdb::{Context, Draft, Object, Timestamp};
use clusterdb_client::wire::{
    ApiKeyInput, ApiKeyOutput, ApiKeyPage, NewApiKeyOutput, UserInput, UserOutput, UserStatusName,
};

use super::{Convert, meta_output, time};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::{JsonBody, ListQuery};
use crate::rest::kind::{Access, Action, ActionBody, FieldRule, RestKind, SchemaOf};

impl RestKind for UserKind {
    type Wire = clusterdb_client::Users;
    const TITLE: &'static str = "User";
    type Input = UserInput;
    type Output = UserOutput;

    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![
            (
                "email",
                FieldRule::Pattern {
                    pattern: format!("^$|{EMAIL_PATTERN}"),
                    max: MAX_EMAIL_LEN,
                },
            ),
            (
                "display_name",
                FieldRule::Length {
                    min: 0,
                    max: MAX_DISPLAY_NAME_LEN,
                },
            ),
        ]
    }

    fn actions() -> Vec<Action> {
        vec![
            Action {
                path: "api-keys",
                method: Method::GET,
                operation_id: "listApiKeys",
                summary: "List a user's API keys (admins, or the user)",
                body: ActionBody::None,
                if_match: false,
                paged: false,
                query: &[],
                response: Some(SchemaOf::of::<ApiKeyPage>()),
                access: Access::Handler,
                route: get(list_keys),
            },
            Action {
                path: "api-keys",
                method: Method::POST,
                operation_id: "createApiKey",
                summary: "Create an API key for a user; the key is shown only in this answer",
                body: ActionBody::Json(SchemaOf::of::<ApiKeyInput>(), || {
                    vec![
                        ("name", FieldRule::Name),
                        ("expires_at", FieldRule::OptionalTimestamp),
                    ]
                }),
                if_match: false,
                paged: false,
                query: &[],
                response: Some(SchemaOf::of::<NewApiKeyOutput>()),
                access: Access::Handler,
                route: post(create_key),
            },
            Action {
                path: "api-keys/{key_id}",
                method: Method::DELETE,
                operation_id: "revokeApiKey",
                summary: "Revoke an API key (admins, or its user)",
                body: ActionBody::None,
                if_match: false,
                paged: false,
                query: &[],
                response: None,
                access: Access::Handler,
                route: delete(revoke_key),
            },
        ]
    }

    fn draft(input: UserInput) -> Draft<UserSpec> {
        Draft {
            name: input.username,
            namespace: String::new(),
            tags: input.tags,
            spec: UserSpec {
                email: input.email,
                display_name: input.display_name,
                state: match input.status {
                    UserStatusName::Active => UserState::Active,
                    UserStatusName::Disabled => UserState::Disabled,
                },
                roles: input.roles.into_iter().map(Convert::convert).collect(),
            },
        }
    }

    fn input(user: &Object<Self>) -> UserInput {
        UserInput {
            username: user.meta.name.clone(),
            email: user.spec.email.clone(),
            display_name: user.spec.display_name.clone(),
            status: status_name(user.spec.state),
            roles: user
                .spec
                .roles
                .iter()
                .copied()
                .map(Convert::convert)
                .collect(),
            tags: user.meta.tags.clone(),
        }
    }

    fn output(user: &Object<Self>) -> UserOutput {
        UserOutput {
            id: user.meta.id.clone(),
            username: user.meta.name.clone(),
            email: user.spec.email.clone(),
            display_name: user.spec.display_name.clone(),
            status: status_name(user.spec.state),
            roles: user
                .spec
                .roles
                .iter()
                .copied()
                .map(Convert::convert)
                .collect(),
            meta: meta_output(&user.meta),
        }
    }
}

fn status_name(state: UserState) -> UserStatusName {
    match state {
        UserState::Active => UserStatusName::Active,
        UserState::Disabled => UserStatusName::Disabled,
    }
}

fn key_output(key: &ApiKey) -> ApiKeyOutput {
    ApiKeyOutput {
        id: key.meta.id.clone(),
        name: key.meta.name.clone(),
        owner: key.meta.namespace.clone(),
        created_at: time(key.meta.created_at),
        created_by: key.meta.created_by.clone(),
        last_used_at: key.status.last_used_at.map(time),
        expires_at: key.spec.expires_at.map(time),
    }
}

/// `GET /users/{id}/api-keys`.
async fn list_keys(
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    authorize_own_keys(&caller.principal, &id, Verb::Read)?;
    let ListQuery(options) = ListQuery::parse(query.as_deref(), &[], false)?;
    let page = caller.db.identity().api_keys_of(&id, &options).await?;
    Ok(Json(ApiKeyPage {
        api_keys: page.items.iter().map(key_output).collect(),
        next_page_token: page.next_page_token,
    })
    .into_response())
}

/// `POST /users/{id}/api-keys`.
async fn create_key(
    caller: Caller,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    // Authorized before the body is read.
    authorize_own_keys(&caller.principal, &id, Verb::Write)?;
    let JsonBody(input) = JsonBody::<ApiKeyInput>::from_request(request, &()).await?;
    let expires_at = match input.expires_at.as_deref() {
        None => None,
        Some(text) => Some(Timestamp::parse_rfc3339(text).ok_or_else(|| {
            ApiError::invalid(
                "Invalid API key",
                "expires_at",
                "must be an RFC 3339 timestamp",
            )
        })?),
    };
    let created = caller
        .db
        .identity()
        .create_api_key(&id, &input.name, expires_at)
        .await?;
    Ok(Json(NewApiKeyOutput {
        api_key: key_output(&created.key),
        key: created.secret,
    })
    .into_response())
}

/// `DELETE /users/{id}/api-keys/{key_id}`.
async fn revoke_key(
    caller: Caller,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    authorize_own_keys(&caller.principal, &id, Verb::Write)?;
    caller.db.identity().revoke_api_key(&id, &key_id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! Handlers: one generic set for every [`RestKind`], plus the actions.

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusterdb::{Error, InstanceKind, Object};
use serde_json::Value;

use super::AppState;
use super::error::ApiError;
use super::extract::{IfMatch, JsonBody, ListQuery, body_bytes, etag, parse_json, require_json};
use super::wire::{InvocationOutput, RestKind};

/// Attempts a PATCH without `If-Match` makes under contention.
const MAX_PATCH_ATTEMPTS: usize = 16;

/// The resource as JSON, with its ETag.
fn resource<K: RestKind>(status: StatusCode, object: &Object<K>) -> Response {
    let mut response = (status, Json(K::output(object))).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(object.resource_version())) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A version mismatch the caller asked about with `If-Match` is 412.
fn if_match_error(err: Error, if_match: Option<u64>) -> ApiError {
    match (err, if_match) {
        (
            Error::Conflict {
                expected, actual, ..
            },
            Some(_),
        ) => ApiError::precondition_failed(expected, actual),
        (err, _) => err.into(),
    }
}

/// `POST /{collection}`.
pub async fn create<K: RestKind>(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    JsonBody(input): JsonBody<K::Input>,
) -> Result<Response, ApiError> {
    let object = K::service(&state.db).create(K::draft(input)).await?;
    let mut response = resource(StatusCode::OK, &object);
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), object.id());
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `GET /{collection}/{id}`.
pub async fn get_one<K: RestKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let object = K::service(&state.db).get(&id).await?;
    Ok(resource(StatusCode::OK, &object))
}

/// A list page as JSON: `{"<collection>": [...], "next_page_token": ...}`,
/// items serialized directly so they keep their field order.
struct ListBody<T> {
    collection: &'static str,
    items: Vec<T>,
    next_page_token: Option<String>,
}

impl<T: serde::Serialize> serde::Serialize for ListBody<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry(self.collection, &self.items)?;
        map.serialize_entry("next_page_token", &self.next_page_token)?;
        map.end()
    }
}

/// `GET /{collection}?page_size=&page_token=&tag=key:value`.
pub async fn list<K: RestKind>(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ListQuery(options) = ListQuery::parse(query.as_deref(), K::FILTERS)?;
    let page = K::service(&state.db).list(&options).await?;
    Ok(Json(ListBody {
        collection: K::COLLECTION,
        items: page.items.iter().map(K::output).collect(),
        next_page_token: page.next_page_token,
    })
    .into_response())
}

/// `PUT /{collection}/{id}`: replaces the resource.
pub async fn replace<K: RestKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(input): JsonBody<K::Input>,
) -> Result<Response, ApiError> {
    let object = K::service(&state.db)
        .update(&id, K::draft(input), if_match)
        .await
        .map_err(|e| if_match_error(e, if_match))?;
    Ok(resource(StatusCode::OK, &object))
}

/// `PATCH /{collection}/{id}` (v2beta1): a JSON merge patch (RFC 7396).
pub async fn patch<K: RestKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(patch): JsonBody<Value>,
) -> Result<Response, ApiError> {
    if !patch.is_object() {
        return Err(ApiError::invalid(
            "Invalid merge patch",
            "body",
            "must be a JSON object",
        ));
    }
    let service = K::service(&state.db);
    // Patch the version read, conditioned on it, so a concurrent change is
    // never overwritten: with If-Match a race is 412, without it the patch
    // is applied again to the fresh version.
    for _ in 0..MAX_PATCH_ATTEMPTS {
        let current = service.get(&id).await?;
        if let Some(expected) = if_match
            && expected != current.resource_version()
        {
            return Err(ApiError::precondition_failed(
                expected,
                current.resource_version(),
            ));
        }
        let mut merged = serde_json::to_value(K::input(&current))
            .map_err(|e| ApiError::from(Error::Internal(e.to_string())))?;
        json_patch::merge(&mut merged, &patch);
        let input: K::Input = parse_json(merged.to_string().as_bytes())?;
        match service
            .update(&id, K::draft(input), Some(current.resource_version()))
            .await
        {
            Ok(object) => return Ok(resource(StatusCode::OK, &object)),
            Err(Error::Conflict { .. }) if if_match.is_none() => continue,
            Err(err) => return Err(if_match_error(err, Some(current.resource_version()))),
        }
    }
    Err(Error::Unavailable(format!("{id} is changing too fast to patch; retry")).into())
}

/// `DELETE /{collection}/{id}`: 204, or 202 with the resource when the
/// delete finishes later (fleets terminate their instances first).
pub async fn delete<K: RestKind>(
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    let object = K::service(&state.db)
        .delete(&id, if_match)
        .await
        .map_err(|e| if_match_error(e, if_match))?;
    if K::ASYNC_DELETE {
        Ok(resource(StatusCode::ACCEPTED, &object))
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// An instance lifecycle action.
#[derive(Clone, Copy)]
pub enum Transition {
    /// `POST /instances/{id}/start`.
    Start,
    /// `POST /instances/{id}/stop`.
    Stop,
}

/// `POST /instances/{id}/start` and `…/stop`.
pub async fn transition_instance(
    transition: Transition,
    State(state): State<AppState>,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    let instances = state.db.instances();
    let instance = match transition {
        Transition::Start => instances.start(&id, if_match).await,
        Transition::Stop => instances.stop(&id, if_match).await,
    }
    .map_err(|e| if_match_error(e, if_match))?;
    Ok(resource::<InstanceKind>(StatusCode::OK, &instance))
}

/// `POST /functions/{id}/invoke`: the JSON body is the payload; an empty
/// body is the payload `null`.
pub async fn invoke_function(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ApiError> {
    let headers = request.headers().clone();
    let body = body_bytes(request, &()).await?;
    let payload = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        require_json(&headers)?;
        parse_json::<Value>(&body)?
    };
    let bytes =
        serde_json::to_vec(&payload).map_err(|e| ApiError::from(Error::Internal(e.to_string())))?;
    let invocation = state.db.functions().invoke(&id, bytes).await?;
    Ok(Json(InvocationOutput::from(invocation)).into_response())
}

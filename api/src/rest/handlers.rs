//! Handlers: one generic set for every [`RestKind`] — CRUD by id, and for
//! namespaced kinds read, apply and delete by namespace and name. A kind's
//! own actions live in its wire module.

use axum::Json;
use axum::extract::{OriginalUri, Path, RawQuery};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusterdb::{ApplyOutcome, Draft, Error, Object};
use serde_json::Value;

use super::error::ApiError;
use super::extract::{IfMatch, JsonBody, ListQuery, etag, parse_json};
use super::kind::RestKind;
use crate::caller::Caller;
use crate::headers::APPLY_OUTCOME;

/// The resource as JSON, with its ETag.
pub(crate) fn resource<K: RestKind>(status: StatusCode, object: &Object<K>) -> Response {
    with_etag(status, &K::output(object), object.resource_version())
}

/// An answer carrying a secret shown only once: JSON with the ETag of
/// `version`, never to be cached.
pub(crate) fn uncached(body: &impl serde::Serialize, version: u64) -> Response {
    let mut response = with_etag(StatusCode::OK, body, version);
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `body` as JSON with the ETag of `version`.
pub(crate) fn with_etag(
    status: StatusCode,
    body: &impl serde::Serialize,
    version: u64,
) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// Adds `Location: {collection path}/{id}` to a create's answer.
pub(crate) fn located(mut response: Response, collection: &axum::http::Uri, id: &str) -> Response {
    let location = format!("{}/{id}", collection.path().trim_end_matches('/'));
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// A version mismatch the caller asked about with `If-Match` is 412.
pub(crate) fn if_match_error(err: Error, if_match: Option<u64>) -> ApiError {
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
    caller: Caller,
    OriginalUri(uri): OriginalUri,
    JsonBody(input): JsonBody<K::Input>,
) -> Result<Response, ApiError> {
    let draft = K::prepare(&caller.db, input).await?;
    let object = K::service(&caller.db).create(draft).await?;
    Ok(located(
        resource(StatusCode::OK, &object),
        &uri,
        object.id(),
    ))
}

/// `GET /{collection}/{id}`.
pub async fn get_one<K: RestKind>(
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let object = K::service(&caller.db).get(&id).await?;
    let output = K::output_live(&caller.db, &object);
    Ok(with_etag(
        StatusCode::OK,
        &output,
        object.resource_version(),
    ))
}

/// A list page as JSON: `{"<collection>": [...], "next_page_token": ...,
/// "revision": N}`, items serialized directly so they keep their field
/// order.
struct ListBody<T> {
    collection: &'static str,
    items: Vec<T>,
    next_page_token: Option<String>,
    revision: u64,
}

impl<T: serde::Serialize> serde::Serialize for ListBody<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry(self.collection, &self.items)?;
        map.serialize_entry("next_page_token", &self.next_page_token)?;
        map.serialize_entry("revision", &self.revision)?;
        map.end()
    }
}

/// `GET /{collection}?page_size=&page_token=&tag=key:value`.
pub async fn list<K: RestKind>(
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let ListQuery(options) = ListQuery::parse(query.as_deref(), K::FILTERS, K::NAMESPACED)?;
    let page = K::service(&caller.db).list(&options).await?;
    Ok(Json(ListBody {
        collection: K::LIST_FIELD,
        items: page.items.iter().map(K::output).collect(),
        next_page_token: page.next_page_token,
        revision: page.revision,
    })
    .into_response())
}

/// `PUT /{collection}/{id}`: replaces the resource.
pub async fn replace<K: RestKind>(
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(input): JsonBody<K::Input>,
) -> Result<Response, ApiError> {
    let draft = K::prepare(&caller.db, input).await?;
    let object = K::service(&caller.db)
        .update(&id, draft, if_match)
        .await
        .map_err(|e| if_match_error(e, if_match))?;
    Ok(resource(StatusCode::OK, &object))
}

/// `PATCH /{collection}/{id}` (v2beta1): a JSON merge patch (RFC 7396).
pub async fn patch<K: RestKind>(
    caller: Caller,
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
    let service = K::service(&caller.db);
    // The patch applies to the version read, conditioned on it, so a
    // concurrent change is never overwritten: with If-Match a race is 412,
    // without it the patch is applied again to the fresh version.
    let patched = service
        .update_with(&id, if_match, |current| {
            let (db, service, patch) = (caller.db.clone(), service.clone(), patch.clone());
            async move { patch_draft::<K>(&db, &service, &current, &patch).await }
        })
        .await?;
    Ok(resource(StatusCode::OK, &patched))
}

/// The draft `patch` makes of `current`.
async fn patch_draft<K: RestKind>(
    db: &clusterdb::ClusterDb,
    service: &clusterdb::Resources<K>,
    current: &clusterdb::Object<K>,
    patch: &Value,
) -> Result<clusterdb::Draft<K::Spec>, PatchError> {
    let base =
        serde_json::to_value(K::input(current)).map_err(|e| Error::Internal(e.to_string()))?;
    // A map entry the patch removes must still be a valid entry (a
    // removal of `tags[""]` is as invalid as setting it): check the
    // patch with its removals as empty values first, so a
    // malformed patch is always a 400.
    let mut probe = base.clone();
    json_patch::merge(&mut probe, &removals_as_empty(patch));
    let probe: K::Input = parse_json(probe.to_string().as_bytes())?;
    service.validate(&K::draft(probe))?;
    let mut merged = base;
    json_patch::merge(&mut merged, patch);
    let input: K::Input = parse_json(merged.to_string().as_bytes())?;
    Ok(K::prepare(db, input).await?)
}

/// A merge patch's refusal: the API's, or core's — where a lost race
/// under `If-Match` (the only way a patch meets `CONFLICT`) is 412.
struct PatchError(ApiError);

impl From<Error> for PatchError {
    fn from(err: Error) -> Self {
        PatchError(match err {
            Error::Conflict {
                expected, actual, ..
            } => ApiError::precondition_failed(expected, actual),
            err => err.into(),
        })
    }
}

impl From<ApiError> for PatchError {
    fn from(err: ApiError) -> Self {
        PatchError(err)
    }
}

impl From<PatchError> for ApiError {
    fn from(err: PatchError) -> Self {
        err.0
    }
}

/// `patch` with every `null` inside a nested object (a map entry to
/// remove) replaced by an empty string.
fn removals_as_empty(patch: &Value) -> Value {
    let mut probe = patch.clone();
    if let Some(fields) = probe.as_object_mut() {
        for value in fields.values_mut() {
            for entry in value
                .as_object_mut()
                .into_iter()
                .flat_map(|m| m.values_mut())
            {
                if entry.is_null() {
                    *entry = Value::String(String::new());
                }
            }
        }
    }
    probe
}

/// `DELETE /{collection}/{id}`: 204, or 202 with the resource when the
/// delete finishes later (fleets terminate their instances first).
pub async fn delete<K: RestKind>(
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    deleted(K::service(&caller.db).delete(&id, if_match).await, if_match)
}

/// The (namespace, name) of a by-name path.
type NamePath = Path<(String, String)>;

/// `GET /{collection}/{namespace}/{name}`.
pub async fn get_named<K: RestKind>(
    caller: Caller,
    Path((namespace, name)): NamePath,
) -> Result<Response, ApiError> {
    let object = K::service(&caller.db).get_in(&namespace, &name).await?;
    Ok(resource(StatusCode::OK, &object))
}

/// The draft of a by-name write: the body's name must match the path (or
/// be left out of a namespace), the path's namespace wins.
fn named_draft<K: RestKind>(
    namespace: String,
    name: &str,
    mut draft: Draft<K::Spec>,
) -> Result<Draft<K::Spec>, ApiError> {
    let mismatch = |field: &str| {
        ApiError::invalid(
            "Invalid request path",
            field,
            format!("must match the {field} in the path"),
        )
    };
    if draft.name != name {
        return Err(mismatch("name"));
    }
    if !draft.namespace.is_empty() && draft.namespace != namespace {
        return Err(mismatch("namespace"));
    }
    draft.namespace = namespace;
    Ok(draft)
}

/// `PUT /{collection}/{namespace}/{name}`: apply — create the resource or
/// update it to match; 201 when created, else 200, with the outcome in
/// the `Apply-Outcome` header. `If-Match` requires an existing resource at
/// that version.
pub async fn apply<K: RestKind>(
    caller: Caller,
    Path((namespace, name)): NamePath,
    IfMatch(if_match): IfMatch,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
    JsonBody(input): JsonBody<K::Input>,
) -> Result<Response, ApiError> {
    let dry_run = dry_run(query.as_deref())?;
    let draft = named_draft::<K>(namespace, &name, K::prepare(&caller.db, input).await?)?;
    let service = K::service(&caller.db);
    let applied = if dry_run {
        service.plan_apply(draft, if_match).await
    } else {
        service.apply(draft, if_match).await
    }
    .map_err(|e| if_match_error(e, if_match))?;
    let status = match applied.outcome {
        ApplyOutcome::Created => StatusCode::CREATED,
        ApplyOutcome::Configured | ApplyOutcome::Unchanged => StatusCode::OK,
    };
    let mut response = resource(status, &applied.object);
    response.headers_mut().insert(
        APPLY_OUTCOME,
        HeaderValue::from_static(applied.outcome.as_str()),
    );
    Ok(response)
}

/// An apply's `dry_run=true|false` query parameter (besides the read options).
fn dry_run(query: Option<&str>) -> Result<bool, ApiError> {
    crate::rest::extract::single_choice(
        query,
        "Invalid apply request",
        "dry_run",
        &[("true", true), ("false", false)],
        false,
        "must be true or false",
    )
}

/// `DELETE /{collection}/{namespace}/{name}`.
pub async fn delete_named<K: RestKind>(
    caller: Caller,
    Path((namespace, name)): NamePath,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    let service = K::service(&caller.db);
    let current = service.get_in(&namespace, &name).await?;
    deleted(service.delete(current.id(), if_match).await, if_match)
}

/// The answer to a delete.
fn deleted<K: RestKind>(
    result: Result<Object<K>, Error>,
    if_match: Option<u64>,
) -> Result<Response, ApiError> {
    let object = result.map_err(|e| if_match_error(e, if_match))?;
    if K::ASYNC_DELETE {
        Ok(resource(StatusCode::ACCEPTED, &object))
    } else {
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

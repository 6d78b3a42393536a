//! [`GrpcKind`]: how a resource kind appears in a gRPC service — its
//! message and the requests of its CRUD RPCs — and the one generic
//! implementation of those RPCs. A service's CRUD methods delegate here.

use clusterdb::identity::Verb;
use std::future::Future;

use clusterdb::{ClusterDb, Draft, Kind, ListOptions, Object};
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status};

use super::auth::caller;
use super::status::status;

/// The reply of a unary RPC.
pub type Reply<T> = Result<Response<T>, Status>;

/// What an update request carries.
pub struct Update<S> {
    /// The resource's id.
    pub id: String,
    /// Its new name, tags and spec.
    pub draft: Draft<S>,
    /// Apply only at this version (else `ABORTED`).
    pub expected_version: Option<u64>,
}

/// A resource kind as a gRPC service exposes it. Each conversion is the
/// one place its message is read or written.
pub trait GrpcKind: Kind {
    /// The resource message, e.g. `Fleet`.
    type Message: Send + 'static;
    /// `Create…Request`.
    type Create: Send + 'static;
    /// `Get…Request`.
    type Get: Send + 'static;
    /// `Update…Request`.
    type Update: Send + 'static;
    /// `Delete…Request`.
    type Delete: Send + 'static;
    /// `List…Request`.
    type List: Send + 'static;
    /// `List…Response`.
    type Page: Send + 'static;

    /// The message of an object.
    fn message(object: &Object<Self>) -> Self::Message;
    /// The draft a create request asks for, or the field it gets wrong.
    fn create(request: Self::Create) -> Result<Draft<Self::Spec>, Status>;
    /// The id a get request names.
    fn get(request: Self::Get) -> String;
    /// What an update request asks for, or the field it gets wrong.
    fn update(request: Self::Update) -> Result<Update<Self::Spec>, Status>;
    /// The id and expected version of a delete request.
    fn delete(request: Self::Delete) -> (String, Option<u64>);
    /// The options of a list request.
    fn list(request: Self::List) -> ListOptions;
    /// A list response; `next_page_token` is empty on the last page.
    fn page(items: Vec<Self::Message>, next_page_token: String) -> Self::Page;

    /// The draft of a create request after storing what it uploads (a
    /// function's code); by default [`GrpcKind::create`].
    fn upload_create(
        _db: &ClusterDb,
        request: Self::Create,
    ) -> impl Future<Output = Result<Draft<Self::Spec>, Status>> + Send {
        async move { Self::create(request) }
    }

    /// [`GrpcKind::upload_create`] for an update request.
    fn upload_update(
        _db: &ClusterDb,
        request: Self::Update,
    ) -> impl Future<Output = Result<Update<Self::Spec>, Status>> + Send {
        async move { Self::update(request) }
    }

    /// The answer to `Get…`: [`GrpcKind::message`] plus what only this
    /// process knows (a function's invocation statistics).
    fn message_live(_db: &ClusterDb, object: &Object<Self>) -> Self::Message {
        Self::message(object)
    }
}

/// A namespaced kind's `Apply…` RPC: create or update by (namespace,
/// name).
pub trait GrpcApply: GrpcKind {
    /// `Apply…Request`.
    type Apply: Send + 'static;

    /// The draft (with its namespace and name) and the expected version.
    fn apply(request: Self::Apply) -> (Draft<Self::Spec>, Option<u64>);
}

pub use crate::headers::APPLY_OUTCOME;

/// `Apply…`: the resource as stored, with [`APPLY_OUTCOME`] metadata.
pub async fn apply<K: GrpcApply>(request: Request<K::Apply>) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let (draft, expected) = K::apply(request.into_inner());
    let applied = db
        .resources::<K>()
        .apply(draft, expected)
        .await
        .map_err(status)?;
    Ok(applied_response(
        K::message(&applied.object),
        applied.outcome,
    ))
}

/// An apply's answer: the message, with [`APPLY_OUTCOME`] metadata.
pub fn applied_response<M>(message: M, outcome: clusterdb::ApplyOutcome) -> Response<M> {
    let mut response = Response::new(message);
    response
        .metadata_mut()
        .insert(APPLY_OUTCOME, MetadataValue::from_static(outcome.as_str()));
    response
}

/// `Create…`.
pub async fn create<K: GrpcKind>(request: Request<K::Create>) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let draft = K::upload_create(&db, request.into_inner()).await?;
    let object = db.resources::<K>().create(draft).await.map_err(status)?;
    Ok(Response::new(K::message(&object)))
}

/// `Get…`.
pub async fn get<K: GrpcKind>(request: Request<K::Get>) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Read)?;
    let id = K::get(request.into_inner());
    let object = db.resources::<K>().get(&id).await.map_err(status)?;
    Ok(Response::new(K::message_live(&db, &object)))
}

/// `Update…`.
pub async fn update<K: GrpcKind>(request: Request<K::Update>) -> Reply<K::Message> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let update = K::upload_update(&db, request.into_inner()).await?;
    let object = db
        .resources::<K>()
        .update(&update.id, update.draft, update.expected_version)
        .await
        .map_err(status)?;
    Ok(Response::new(K::message(&object)))
}

/// `Delete…`.
pub async fn delete<K: GrpcKind>(request: Request<K::Delete>) -> Reply<()> {
    let db = caller(&request, K::NAME, Verb::Write)?;
    let (id, expected) = K::delete(request.into_inner());
    db.resources::<K>()
        .delete(&id, expected)
        .await
        .map_err(status)?;
    Ok(Response::new(()))
}

/// `List…`.
pub async fn list<K: GrpcKind>(request: Request<K::List>) -> Reply<K::Page> {
    let db = caller(&request, K::NAME, Verb::Read)?;
    let options = K::list(request.into_inner());
    let page = db.resources::<K>().list(&options).await.map_err(status)?;
    let items = page.items.iter().map(K::message).collect();
    Ok(Response::new(K::page(
        items,
        page.next_page_token.unwrap_or_default(),
    )))
}

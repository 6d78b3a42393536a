//! A namespaced kind through the generic REST machinery: by-name apply,
//! read and delete, the namespace filter, and a document that matches the
//! router — all from one registration line.

use std::collections::BTreeMap;

use axum::Router;
use axum::http::{Method, StatusCode};
use clusterdb::{ClusterDb, Context, Draft, FleetKind, Kind, ListOptions, Object, Timestamp};
use clusterdb_api::grpc::kind::{self as grpc, GrpcApply, GrpcKind, Update};
use clusterdb_api::rest::kind::{KindSet, KindVisitor, RestKind};
use clusterdb_api::rest::{openapi::document_of, served_routes_of};
use clusterdb_api::{RestConfig, rest_app_of};
use clusterdb_client::Resource;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::support::call;

struct GadgetKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GadgetSpec {
    size: u32,
}

impl Kind for GadgetKind {
    type Spec = GadgetSpec;
    type Status = ();
    const NAME: &'static str = "gadget";
    const SUBJECT: &'static str = "gadget configuration";
    const NAMESPACED: bool = true;

    fn validate(_spec: &GadgetSpec, _ctx: &Context) -> clusterdb::Result<()> {
        Ok(())
    }

    fn initial_status(_spec: &GadgetSpec, _now: Timestamp) {}
}

/// Create or apply a gadget.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct GadgetInput {
    name: String,
    #[serde(default)]
    namespace: String,
    size: u32,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// A gadget.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
struct GadgetOutput {
    id: String,
    name: String,
    namespace: String,
    size: u32,
    resource_version: u64,
}

/// The gadget as a client sees it.
struct Gadgets;

impl Resource for Gadgets {
    const COLLECTION: &'static str = "gadgets";
    const SINGULAR: &'static str = "gadget";
    const ID_PREFIX: &'static str = "gadget";
    type Input = GadgetInput;
    type Output = GadgetOutput;
}

impl RestKind for GadgetKind {
    type Wire = Gadgets;
    const TITLE: &'static str = "Gadget";
    type Input = GadgetInput;
    type Output = GadgetOutput;

    fn draft(input: GadgetInput) -> Draft<GadgetSpec> {
        Draft {
            tags: input.tags,
            ..Draft::new(input.name, GadgetSpec { size: input.size }).in_namespace(input.namespace)
        }
    }

    fn input(object: &Object<Self>) -> GadgetInput {
        GadgetInput {
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            size: object.spec.size,
            tags: object.meta.tags.clone(),
        }
    }

    fn output(object: &Object<Self>) -> GadgetOutput {
        GadgetOutput {
            id: object.meta.id.clone(),
            name: object.meta.name.clone(),
            namespace: object.meta.namespace.clone(),
            size: object.spec.size,
            resource_version: object.meta.resource_version,
        }
    }
}

/// The gadget on gRPC, with plain Rust types for messages.
impl GrpcKind for GadgetKind {
    type Message = GadgetOutput;
    type Create = GadgetInput;
    type Get = String;
    type Update = (String, GadgetInput, Option<u64>);
    type Delete = (String, Option<u64>);
    type List = String;
    type Page = (Vec<GadgetOutput>, String);

    fn message(object: &Object<Self>) -> GadgetOutput {
        <Self as RestKind>::output(object)
    }
    fn create(input: GadgetInput) -> Result<Draft<GadgetSpec>, tonic::Status> {
        Ok(<Self as RestKind>::draft(input))
    }
    fn get(id: String) -> String {
        id
    }
    fn update(
        (id, input, expected_version): Self::Update,
    ) -> Result<Update<GadgetSpec>, tonic::Status> {
        Ok(Update {
            id,
            draft: <Self as RestKind>::draft(input),
            expected_version,
        })
    }
    fn delete(request: (String, Option<u64>)) -> (String, Option<u64>) {
        request
    }
    fn list(namespace: String) -> ListOptions {
        ListOptions::default().namespace(&namespace)
    }
    fn page(items: Vec<GadgetOutput>, token: String) -> Self::Page {
        (items, token)
    }
}

impl GrpcApply for GadgetKind {
    type Apply = (GadgetInput, Option<u64>);

    fn apply((input, expected): Self::Apply) -> (Draft<GadgetSpec>, Option<u64>) {
        (<Self as RestKind>::draft(input), expected)
    }
}

struct TestKinds;

impl KindSet for TestKinds {
    fn visit<V: KindVisitor>(visitor: &mut V) {
        visitor.kind::<FleetKind>();
        visitor.kind::<GadgetKind>();
    }
}

async fn app() -> Router {
    let db = ClusterDb::builder()
        .reconcile(false)
        .kind::<GadgetKind>()
        .open_in_memory()
        .await
        .unwrap();
    let router = rest_app_of::<TestKinds>(db.clone(), &RestConfig::default());
    crate::support::as_admin(&db, router).await
}

/// A gRPC request from an admin (what the guard leaves for the methods).
fn admin_request<T>(db: &ClusterDb, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .extensions_mut()
        .insert(clusterdb_api::auth::Caller {
            principal: clusterdb::identity::Principal::user(
                "user-test",
                [clusterdb::identity::Role::Admin],
            )
            .into(),
            db: db.clone(),
        });
    request
}

#[tokio::test]
async fn apply_get_list_and_delete_by_namespace_and_name() {
    let app = app().await;
    let put = |size: u32| format!(r#"{{"name":"g1","size":{size}}}"#);

    let created = call(&app, Method::PUT, "/v1/gadgets/prod/g1", &[], Some(&put(1))).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.raw);
    assert_eq!(created.header("apply-outcome"), "created");
    assert_eq!(created.body["namespace"], "prod");
    let again = call(&app, Method::PUT, "/v1/gadgets/prod/g1", &[], Some(&put(1))).await;
    assert_eq!(
        (again.status, again.header("apply-outcome")),
        (StatusCode::OK, "unchanged")
    );
    assert_eq!(again.body, created.body);
    let etag = again.header("etag").to_string();
    let changed = call(
        &app,
        Method::PUT,
        "/v2beta1/gadgets/prod/g1",
        &[("if-match", &etag)],
        Some(&put(2)),
    )
    .await;
    assert_eq!(
        (changed.status, changed.header("apply-outcome")),
        (StatusCode::OK, "configured")
    );
    let stale = call(
        &app,
        Method::PUT,
        "/v1/gadgets/prod/g1",
        &[("if-match", &etag)],
        Some(&put(3)),
    )
    .await;
    stale.error(StatusCode::PRECONDITION_FAILED, "PRECONDITION_FAILED");

    // The body's name must match the path; its namespace may be left out.
    let other = call(
        &app,
        Method::PUT,
        "/v1/gadgets/prod/g1",
        &[],
        Some(r#"{"name":"g2","size":1}"#),
    )
    .await;
    assert_eq!(
        other.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "name"
    );
    let elsewhere = call(
        &app,
        Method::PUT,
        "/v1/gadgets/prod/g1",
        &[],
        Some(r#"{"name":"g1","namespace":"dev","size":1}"#),
    )
    .await;
    assert_eq!(
        elsewhere.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST")["field"],
        "namespace"
    );
    call(&app, Method::PUT, "/v0/gadgets/dev/g1", &[], Some(&put(5))).await;

    let got = call(&app, Method::GET, "/v1/gadgets/prod/g1", &[], None).await;
    assert_eq!((got.status, &got.body["size"]), (StatusCode::OK, &2.into()));
    let by_id = call(
        &app,
        Method::GET,
        &format!("/v1/gadgets/{}", got.body["id"].as_str().unwrap()),
        &[],
        None,
    )
    .await;
    assert_eq!(by_id.body, got.body);
    let missing = call(&app, Method::GET, "/v1/gadgets/test/g1", &[], None).await;
    missing.error(StatusCode::NOT_FOUND, "NOT_FOUND");

    let prod = call(&app, Method::GET, "/v1/gadgets?namespace=prod", &[], None).await;
    assert_eq!(prod.body["gadgets"].as_array().unwrap().len(), 1);
    let all = call(&app, Method::GET, "/v1/gadgets", &[], None).await;
    assert_eq!(all.body["gadgets"].as_array().unwrap().len(), 2);
    let bad = call(&app, Method::GET, "/v1/gadgets?namespace=Bad_NS", &[], None).await;
    bad.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    // A kind that is not namespaced has no namespace filter.
    let fleets = call(&app, Method::GET, "/v1/fleets?namespace=prod", &[], None).await;
    fleets.error(StatusCode::BAD_REQUEST, "INVALID_REQUEST");

    let deleted = call(&app, Method::DELETE, "/v1/gadgets/prod/g1", &[], None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let gone = call(&app, Method::GET, "/v1/gadgets/prod/g1", &[], None).await;
    gone.error(StatusCode::NOT_FOUND, "NOT_FOUND");
}

#[test]
fn the_document_and_the_router_agree_for_any_kind_set() {
    let context = Context {
        instance_types: Default::default(),
        runtimes: Vec::new(),
    };
    let doc = document_of::<TestKinds>(&context);
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((path.clone(), method.to_uppercase()));
        }
    }
    let mut served: Vec<(String, String)> = served_routes_of::<TestKinds>()
        .into_iter()
        .chain(clusterdb_api::rest::oauth_routes())
        .map(|(p, m)| (p, m.to_string()))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
    for version in ["v1", "v2beta1", "v0"] {
        let named = format!("/{version}/gadgets/{{namespace}}/{{name}}");
        for method in ["GET", "PUT", "DELETE"] {
            assert!(served.contains(&(named.clone(), method.to_string())));
        }
    }
    // The namespace rule is stated where a namespace is accepted.
    let input = &doc["components"]["schemas"]["GadgetInput"]["properties"]["namespace"];
    assert_eq!(input["pattern"], "^$|^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
}

#[tokio::test]
async fn grpc_apply_and_crud_come_from_the_generic_implementation() {
    let db = ClusterDb::builder()
        .reconcile(false)
        .kind::<GadgetKind>()
        .open_in_memory()
        .await
        .unwrap();
    let input = |size| GadgetInput {
        name: "g1".into(),
        namespace: "prod".into(),
        size,
        tags: BTreeMap::new(),
    };
    let outcome = |r: &tonic::Response<GadgetOutput>| {
        r.metadata()
            .get(grpc::APPLY_OUTCOME)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string()
    };
    let created = grpc::apply::<GadgetKind>(admin_request(&db, (input(1), None)))
        .await
        .unwrap();
    assert_eq!(outcome(&created), "created");
    let same = grpc::apply::<GadgetKind>(admin_request(&db, (input(1), None)))
        .await
        .unwrap();
    assert_eq!(outcome(&same), "unchanged");
    let version = same.get_ref().resource_version;
    let bigger = grpc::apply::<GadgetKind>(admin_request(&db, (input(2), Some(version))))
        .await
        .unwrap();
    assert_eq!(outcome(&bigger), "configured");
    let stale = grpc::apply::<GadgetKind>(admin_request(&db, (input(3), Some(version))))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), tonic::Code::Aborted);

    let id = bigger.get_ref().id.clone();
    let got = grpc::get::<GadgetKind>(admin_request(&db, id.clone()))
        .await
        .unwrap();
    assert_eq!(got.get_ref().size, 2);
    let page = grpc::list::<GadgetKind>(admin_request(&db, "prod".to_string()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((page.0.len(), page.1.as_str()), (1, ""));
    grpc::delete::<GadgetKind>(admin_request(&db, (id.clone(), None)))
        .await
        .unwrap();
    let gone = grpc::get::<GadgetKind>(admin_request(&db, id))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), tonic::Code::NotFound);
}

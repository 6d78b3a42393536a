//! The OpenAPI 3 document of the REST API, generated from the kinds'
//! `RestKind` metadata and their wire types' schemas, served at
//! `/v1/openapi.json`. A test checks it against the routes the router
//! really serves.

use std::sync::OnceLock;

use axum::Json;
use axum::response::IntoResponse;
use clusterdb::{FleetKind, FunctionKind, InstanceKind};
use serde::Serialize;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, Paths, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, Deprecated, InfoBuilder, OpenApi, OpenApiBuilder, Ref,
    RefOr, Required, ResponseBuilder,
};
use utoipa::{PartialSchema, ToSchema};

use super::wire::{
    FleetInput, FleetOutput, FunctionInput, FunctionOutput, InstanceInput, InstanceOutput,
    InvocationOutput, RestKind,
};

/// The error format every failure uses.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct Error {
    /// The error.
    error: ErrorObject,
}

/// `error` of the error format.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct ErrorObject {
    /// E.g. `INVALID_REQUEST`, `NOT_FOUND`.
    code: String,
    /// What went wrong.
    message: String,
    /// E.g. `field` and `reason` for invalid input.
    details: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// One version's prefix and what sets it apart.
struct Version {
    prefix: &'static str,
    beta: bool,
    deprecated: bool,
}

const VERSIONS: [Version; 3] = [
    Version {
        prefix: "/v1",
        beta: false,
        deprecated: false,
    },
    Version {
        prefix: "/v2beta1",
        beta: true,
        deprecated: false,
    },
    Version {
        prefix: "/v0",
        beta: false,
        deprecated: true,
    },
];

fn json(schema: impl Into<RefOr<Schema>>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

fn schema_ref<T: ToSchema>() -> Ref {
    Ref::from_schema_name(T::name())
}

/// An operation builder with the parts every operation shares.
fn operation(version: &Version, id: &str, summary: &str) -> OperationBuilder {
    let prefix = version.prefix.trim_start_matches('/');
    let mut op = OperationBuilder::new()
        .operation_id(Some(format!("{prefix}_{id}")))
        .summary(Some(summary))
        .tag(prefix)
        .response(
            "default",
            ResponseBuilder::new()
                .description("An error in the API's error format")
                .content("application/json", json(schema_ref::<Error>())),
        );
    if version.deprecated {
        op = op.deprecated(Some(Deprecated::True));
    }
    op
}

fn id_parameter() -> ParameterBuilder {
    ParameterBuilder::new()
        .name("id")
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(String::schema()))
}

fn query(name: &str, description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(String::schema()))
}

fn body<T: ToSchema>(media: &str) -> utoipa::openapi::request_body::RequestBody {
    RequestBodyBuilder::new()
        .content(media, json(schema_ref::<T>()))
        .required(Some(Required::True))
        .build()
}

fn ok<T: ToSchema>(description: &str) -> ResponseBuilder {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", json(schema_ref::<T>()))
}

fn add(paths: &mut Paths, path: &str, method: HttpMethod, op: OperationBuilder) {
    paths.add_path_operation(path, vec![method], op.build());
}

fn kind<K: RestKind>(paths: &mut Paths, version: &Version, singular: &str, title: &str) {
    let collection = format!("{}/{}", version.prefix, K::COLLECTION);
    let item = format!("{collection}/{{id}}");
    let page = ObjectBuilder::new()
        .property(
            K::COLLECTION,
            ArrayBuilder::new().items(schema_ref::<K::Output>()),
        )
        .required(K::COLLECTION)
        .property(
            "next_page_token",
            ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([
                Type::String,
                Type::Null,
            ])),
        );
    let mut list = operation(
        version,
        &format!("list{title}s"),
        &format!("List {singular}s"),
    )
    .parameter(query("page_size", "1 to 1000, default 100"))
    .parameter(query("page_token", "next_page_token of the previous page"))
    .parameter(query("tag", "key:value; repeat to require several tags"))
    .response(
        "200",
        ResponseBuilder::new()
            .description("One page")
            .content("application/json", json(page)),
    );
    for filter in K::FILTERS {
        list = list.parameter(query(filter, "only resources with this value"));
    }
    add(paths, &collection, HttpMethod::Get, list);
    add(
        paths,
        &collection,
        HttpMethod::Post,
        operation(
            version,
            &format!("create{title}"),
            &format!("Create a {singular}"),
        )
        .parameter(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .schema(Some(String::schema())),
        )
        .request_body(Some(body::<K::Input>("application/json")))
        .response("200", ok::<K::Output>("The created resource")),
    );
    add(
        paths,
        &item,
        HttpMethod::Get,
        operation(
            version,
            &format!("get{title}"),
            &format!("Get a {singular}"),
        )
        .parameter(id_parameter())
        .response("200", ok::<K::Output>("The resource")),
    );
    add(
        paths,
        &item,
        HttpMethod::Put,
        operation(
            version,
            &format!("replace{title}"),
            &format!("Replace a {singular}"),
        )
        .parameter(id_parameter())
        .request_body(Some(body::<K::Input>("application/json")))
        .response("200", ok::<K::Output>("The replaced resource")),
    );
    let delete = operation(
        version,
        &format!("delete{title}"),
        &format!("Delete a {singular}"),
    )
    .parameter(id_parameter());
    let delete = if K::ASYNC_DELETE {
        delete.response("202", ok::<K::Output>("Being deleted"))
    } else {
        delete.response("204", ResponseBuilder::new().description("Deleted"))
    };
    add(paths, &item, HttpMethod::Delete, delete);
    if version.beta {
        add(
            paths,
            &item,
            HttpMethod::Patch,
            operation(
                version,
                &format!("patch{title}"),
                &format!("Merge-patch a {singular} (RFC 7396)"),
            )
            .parameter(id_parameter())
            .request_body(Some(body::<K::Input>("application/merge-patch+json")))
            .response("200", ok::<K::Output>("The patched resource")),
        );
    }
}

fn build() -> OpenApi {
    let mut paths = PathsBuilder::new().build();
    for version in &VERSIONS {
        kind::<FleetKind>(&mut paths, version, "fleet", "Fleet");
        kind::<InstanceKind>(&mut paths, version, "instance", "Instance");
        kind::<FunctionKind>(&mut paths, version, "function", "Function");
        for (action, title) in [("start", "Start"), ("stop", "Stop")] {
            add(
                &mut paths,
                &format!("{}/instances/{{id}}/{action}", version.prefix),
                HttpMethod::Post,
                operation(
                    version,
                    &format!("{action}Instance"),
                    &format!("{title} an instance"),
                )
                .parameter(id_parameter())
                .response("200", ok::<InstanceOutput>("The instance")),
            );
        }
        add(
            &mut paths,
            &format!("{}/functions/{{id}}/invoke", version.prefix),
            HttpMethod::Post,
            operation(
                version,
                "invokeFunction",
                "Invoke a function with a JSON payload",
            )
            .parameter(id_parameter())
            .request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json(serde_json::Value::schema()))
                    .build(),
            ))
            .response("200", ok::<InvocationOutput>("The invocation's result")),
        );
    }
    add(
        &mut paths,
        "/v1/openapi.json",
        HttpMethod::Get,
        operation(&VERSIONS[0], "openapi", "This document").response(
            "200",
            ResponseBuilder::new().description("The OpenAPI document"),
        ),
    );
    let components = ComponentsBuilder::new()
        .schema_from::<FleetInput>()
        .schema_from::<FleetOutput>()
        .schema_from::<InstanceInput>()
        .schema_from::<InstanceOutput>()
        .schema_from::<FunctionInput>()
        .schema_from::<FunctionOutput>()
        .schema_from::<InvocationOutput>()
        .schema_from::<Error>()
        .schema_from::<ErrorObject>()
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("ClusterDB API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Fleets, instances and functions. Versions: /v1 (stable), /v2beta1 (adds \
                     merge-patch PATCH), /v0 (deprecated alias of v1).",
                )),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

/// The document (built once).
pub fn document() -> &'static OpenApi {
    static DOCUMENT: OnceLock<OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> impl IntoResponse {
    Json(document())
}

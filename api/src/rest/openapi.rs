//! The OpenAPI 3.1 document of the REST API, served at `/v1/openapi.json`.
//!
//! It is generated from the same list of kinds as the router
//! ([`KindSet`]), each kind's actions, its wire types' schemas, and the
//! rules core validates with — the limits are core's constants and the
//! enumerations (instance types, runtimes) come from the database's own
//! context — so the document states every rule the server enforces. A
//! test checks it against the routes the router really serves.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use clusterdb::{
    Context, MAX_FILTERS, MAX_NAME_LEN, MAX_NAMESPACE_LEN, MAX_PAGE_SIZE, MAX_TAG_KEY_LEN,
    MAX_TAG_VALUE_LEN, MAX_TAGS,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, schema::Schema};

use super::kind::{
    Action, ActionBody, FieldRule, KindSet, KindVisitor, QueryRule, RestKind, SchemaOf,
};
use super::state::AppState;

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

/// A string without control characters (Rust's `char::is_control`: C0, DEL
/// and C1), as tag values and filter values must be.
const NO_CONTROLS: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// The pattern of a resource name, from core's rule.
fn name_pattern() -> String {
    format!(
        "^[A-Za-z0-9]([A-Za-z0-9._-]{{0,{}}}[A-Za-z0-9])?$",
        MAX_NAME_LEN - 2
    )
}

/// The pattern of a namespace (a DNS label), from core's rule.
fn namespace_pattern() -> String {
    format!(
        "^[a-z0-9]([a-z0-9-]{{0,{}}}[a-z0-9])?$",
        MAX_NAMESPACE_LEN - 2
    )
}

/// The pattern of a tag key, from core's rule.
fn tag_key_pattern() -> String {
    format!("^[A-Za-z0-9][A-Za-z0-9._/:-]{{0,{}}}$", MAX_TAG_KEY_LEN - 1)
}

fn name_schema() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_NAME_LEN, "pattern": name_pattern()})
}

fn namespace_schema() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_NAMESPACE_LEN, "pattern": namespace_pattern()})
}

fn tags_schema() -> Value {
    json!({
        "type": "object",
        "maxProperties": MAX_TAGS,
        "propertyNames": {"pattern": tag_key_pattern()},
        "additionalProperties": {"type": "string", "maxLength": MAX_TAG_VALUE_LEN, "pattern": NO_CONTROLS},
    })
}

fn rule_schema(rule: &FieldRule) -> Value {
    match rule {
        FieldRule::Range { min, max } => json!({"type": "integer", "minimum": min, "maximum": max}),
        FieldRule::Length { min, max } => {
            json!({"type": "string", "minLength": min, "maxLength": max})
        }
        FieldRule::OneOf(values) => json!({"type": "string", "enum": values}),
        FieldRule::Name => name_schema(),
        FieldRule::OneOfList(values) => {
            json!({"type": "array", "items": {"type": "string", "enum": values}})
        }
        FieldRule::Pattern { pattern, max } => {
            json!({"type": "string", "maxLength": max, "pattern": pattern})
        }
        FieldRule::Strings { pattern, max_items } => json!({
            "type": "array",
            "minItems": 1,
            "maxItems": max_items,
            "uniqueItems": true,
            "items": {"type": "string", "pattern": pattern},
        }),
        FieldRule::Ids { prefix, max_items } => json!({
            "type": "array",
            "maxItems": max_items,
            "items": {"type": "string", "pattern": format!("^{prefix}[A-Za-z0-9-]{{1,64}}$")},
        }),
        FieldRule::Id { prefix } => {
            json!({"type": "string", "pattern": format!("^{prefix}[A-Za-z0-9-]{{1,64}}$")})
        }
        FieldRule::OptionalTimestamp => json!({"type": ["string", "null"], "format": "date-time"}),
        FieldRule::Timestamp => json!({"type": "string", "format": "date-time"}),
        FieldRule::Nullable(rule) => json!({"anyOf": [rule_schema(rule), {"type": "null"}]}),
        FieldRule::OptionalIp => json!({"anyOf": [
            {"type": "string", "format": "ipv4"},
            {"type": "string", "format": "ipv6"},
            {"type": "null"},
        ]}),
        FieldRule::Map {
            max_entries,
            key_pattern,
            max_value,
        } => json!({
            "type": "object",
            "maxProperties": max_entries,
            "propertyNames": {"pattern": key_pattern},
            "additionalProperties": {"type": "string", "maxLength": max_value},
        }),
    }
}

/// Replaces the schemas of an object schema's properties named in `rules`
/// (keeping their descriptions and defaults); a field whose rule is a
/// non-empty list is required, without a default (left out, it would be
/// empty).
fn apply_rules(schema: &mut Value, rules: Vec<(&str, Value)>) {
    let mut required = Vec::new();
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, rule) in rules {
        let non_empty = rule["minItems"].as_u64().is_some_and(|min| min > 0);
        if non_empty {
            required.push(field.to_string());
        }
        if let Some(property) = properties.get_mut(field).and_then(Value::as_object_mut) {
            let description = property.remove("description");
            let default = property.remove("default").filter(|_| !non_empty);
            *property = rule.as_object().cloned().unwrap_or_default();
            if let Some(d) = description {
                property.insert("description".into(), d);
            }
            if let Some(d) = default {
                property.insert("default".into(), d);
            }
        }
    }
    if required.is_empty() {
        return;
    }
    let list = &mut schema["required"];
    if !list.is_array() {
        *list = Value::Array(Vec::new());
    }
    if let Some(list) = list.as_array_mut() {
        for field in required {
            if !list.iter().any(|f| f == field.as_str()) {
                list.push(Value::String(field));
            }
        }
    }
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

fn path_parameter(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": schema})
}

fn query_parameter(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn if_match() -> Value {
    json!({
        "name": "If-Match", "in": "header", "required": false,
        "description": "\"*\" or the ETag of the version the change is based on (empty: no condition)",
        "schema": {"type": "string", "pattern": "^(|\\*|\"[0-9]{1,19}\")$"},
    })
}

fn idempotency_key() -> Value {
    json!({
        "name": "Idempotency-Key", "in": "header", "required": false,
        "description": "Makes a retry of this POST return the first answer instead of running again (24 hours)",
        "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
    })
}

/// Builds the document's paths and component schemas.
struct Builder<'a> {
    context: &'a Context,
    paths: BTreeMap<String, Map<String, Value>>,
    schemas: BTreeMap<String, Value>,
}

impl Builder<'_> {
    fn schema(&mut self, of: SchemaOf) -> Value {
        let name = (of.name)().into_owned();
        let schema = serde_json::to_value((of.schema)()).unwrap_or(Value::Null);
        self.schemas.insert(name.clone(), schema);
        self.dependencies(of.dependencies);
        schema_ref(&name)
    }

    /// Adds the named schemas a schema refers to.
    fn dependencies(&mut self, of: fn(&mut Vec<(String, RefOr<Schema>)>)) {
        let mut found = Vec::new();
        of(&mut found);
        for (name, schema) in found {
            let schema = serde_json::to_value(schema).unwrap_or(Value::Null);
            self.schemas.entry(name).or_insert(schema);
        }
    }

    fn operation(
        &mut self,
        version: &Version,
        path: String,
        method: &str,
        id: &str,
        summary: &str,
    ) -> &mut Map<String, Value> {
        let prefix = version.prefix.trim_start_matches('/');
        let mut op = Map::new();
        op.insert("operationId".into(), json!(format!("{prefix}_{id}")));
        op.insert("summary".into(), json!(summary));
        op.insert("tags".into(), json!([prefix]));
        op.insert("parameters".into(), json!([]));
        op.insert(
            "responses".into(),
            json!({"default": {
                "description": "An error in the API's error format",
                "content": json_content(schema_ref("Error")),
            }}),
        );
        if version.deprecated {
            op.insert("deprecated".into(), json!(true));
        }
        let item = self.paths.entry(path).or_default();
        item.insert(method.to_string(), Value::Object(op));
        item.get_mut(method)
            .and_then(Value::as_object_mut)
            .expect("just inserted")
    }

    /// The input schema of `K` with every rule the server enforces.
    fn input_schema<K: RestKind>(&mut self) -> String {
        let name = K::Input::name().into_owned();
        let mut schema = serde_json::to_value(<K::Input as utoipa::PartialSchema>::schema())
            .unwrap_or(Value::Null);
        if schema["properties"].is_object() {
            let mut rules: Vec<(&str, Value)> =
                vec![(K::NAME_FIELD, name_schema()), ("tags", tags_schema())];
            if K::NAMESPACED {
                // Empty means `default` (on create) or "unchanged".
                let mut namespace = namespace_schema();
                namespace["minLength"] = json!(0);
                namespace["pattern"] = json!(format!("^$|{}", namespace_pattern()));
                rules.push(("namespace", namespace));
            }
            rules.extend(
                K::field_rules(self.context)
                    .iter()
                    .map(|(field, rule)| (*field, rule_schema(rule))),
            );
            apply_rules(&mut schema, rules);
        }
        schema["additionalProperties"] = json!(false);
        let patch = patch_schema(&schema);
        self.schemas.insert(format!("{}Patch", K::TITLE), patch);
        self.schemas.insert(name.clone(), schema);
        self.dependencies(<K::Input as utoipa::ToSchema>::schemas);
        name
    }

    fn kind<K: RestKind>(&mut self, version: &Version) {
        let (singular, title) = (K::SINGULAR, K::TITLE);
        let collection = format!("{}/{}", version.prefix, K::COLLECTION);
        let item = format!("{collection}/{{id}}");
        let input = schema_ref(&self.input_schema::<K>());
        let output = self.schema(SchemaOf::of::<K::Output>());
        let id = || path_parameter("id", json!({"type": "string"}));

        let mut list_parameters = page_parameters();
        list_parameters.extend([
            json!({
                "name": "tag", "in": "query", "required": false, "style": "form", "explode": true,
                "description": "key:value; repeat to require several tags (at most 16 filters in all: tags, fields and namespace together)",
                "schema": {"type": "array", "maxItems": MAX_FILTERS,
                    "items": {"type": "string", "pattern": format!(
                    "^[A-Za-z0-9][A-Za-z0-9._/:-]{{0,{}}}:[^\\u0000-\\u001F\\u007F-\\u009F]{{0,{MAX_TAG_VALUE_LEN}}}$",
                    MAX_TAG_KEY_LEN - 1
                )}},
            }),
        ]);
        list_parameters.push(query_parameter(
            "name",
            "Only the resource with this name (a page of at most one)",
            name_schema(),
        ));
        for filter in K::FILTERS {
            list_parameters.push(query_parameter(
                filter,
                "Only resources with this value",
                json!({"type": "string", "maxLength": MAX_TAG_VALUE_LEN, "pattern": NO_CONTROLS}),
            ));
        }
        if K::NAMESPACED {
            list_parameters.push(query_parameter(
                "namespace",
                "Only resources in this namespace",
                namespace_schema(),
            ));
        }
        let page = json!({
            "type": "object",
            "required": [K::LIST_FIELD, "next_page_token", "revision"],
            "properties": {
                K::LIST_FIELD: {"type": "array", "items": output},
                "next_page_token": {"type": ["string", "null"]},
                "revision": {
                    "type": "integer", "format": "int64", "minimum": 0,
                    "description": "The store revision every page of this list reflects",
                },
            },
        });
        let op = self.operation(
            version,
            collection.clone(),
            "get",
            &format!("list{}", plural(title)),
            &format!("List {}", plural(singular)),
        );
        op.insert("parameters".into(), Value::Array(list_parameters));
        op["responses"]["200"] = json!({"description": "One page", "content": json_content(page)});

        let op = self.operation(
            version,
            collection.clone(),
            "post",
            &format!("create{title}"),
            &format!("Create a {singular}"),
        );
        op.insert("parameters".into(), json!([idempotency_key()]));
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": json_content(input.clone())}),
        );
        op["responses"]["200"] =
            json!({"description": "The created resource", "content": json_content(output.clone())});

        let op = self.operation(
            version,
            item.clone(),
            "get",
            &format!("get{title}"),
            &format!("Get a {singular}"),
        );
        op.insert("parameters".into(), json!([id()]));
        op["responses"]["200"] =
            json!({"description": "The resource", "content": json_content(output.clone())});

        let op = self.operation(
            version,
            item.clone(),
            "put",
            &format!("replace{title}"),
            &format!("Replace a {singular}"),
        );
        op.insert("parameters".into(), json!([id(), if_match()]));
        op.insert(
            "requestBody".into(),
            json!({"required": true, "content": json_content(input.clone())}),
        );
        op["responses"]["200"] = json!({"description": "The replaced resource", "content": json_content(output.clone())});

        let deleted = if K::ASYNC_DELETE {
            json!({"202": {"description": "Being deleted", "content": json_content(output.clone())}})
        } else {
            json!({"204": {"description": "Deleted"}})
        };
        let op = self.operation(
            version,
            item.clone(),
            "delete",
            &format!("delete{title}"),
            &format!("Delete a {singular}"),
        );
        op.insert("parameters".into(), json!([id(), if_match()]));
        extend(&mut op["responses"], &deleted);

        if version.beta {
            let op = self.operation(
                version,
                item.clone(),
                "patch",
                &format!("patch{title}"),
                &format!("Merge-patch a {singular} (RFC 7396)"),
            );
            op.insert("parameters".into(), json!([id(), if_match()]));
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/merge-patch+json": {
                    "schema": schema_ref(&format!("{title}Patch"))}}}),
            );
            op["responses"]["200"] = json!({"description": "The patched resource", "content": json_content(output.clone())});
        }

        if K::NAMESPACED {
            let named = format!("{collection}/{{namespace}}/{{name}}");
            let parameters = || {
                vec![
                    path_parameter("namespace", namespace_schema()),
                    path_parameter("name", name_schema()),
                ]
            };
            let op = self.operation(
                version,
                named.clone(),
                "get",
                &format!("get{title}ByName"),
                &format!("Get a {singular} by namespace and name"),
            );
            op.insert("parameters".into(), Value::Array(parameters()));
            op["responses"]["200"] =
                json!({"description": "The resource", "content": json_content(output.clone())});

            let op = self.operation(
                version,
                named.clone(),
                "put",
                &format!("apply{title}"),
                &format!("Create or update a {singular} by namespace and name (apply)"),
            );
            let mut with_if_match = parameters();
            with_if_match.push(if_match());
            let mut apply_parameters = with_if_match.clone();
            apply_parameters.push(query_parameter(
                "dry_run",
                "true: validate and report the outcome without writing",
                json!({"type": "boolean"}),
            ));
            op.insert("parameters".into(), Value::Array(apply_parameters));
            op.insert(
                "requestBody".into(),
                json!({"required": true, "content": json_content(input.clone())}),
            );
            let outcome = json!({"Apply-Outcome": {
                "description": "created, configured or unchanged",
                "schema": {"type": "string", "enum": ["created", "configured", "unchanged"]}}});
            extend(
                &mut op["responses"],
                &json!({
                    "200": {"description": "Updated or unchanged", "headers": outcome, "content": json_content(output.clone())},
                    "201": {"description": "Created", "headers": outcome, "content": json_content(output.clone())},
                }),
            );

            let op = self.operation(
                version,
                named,
                "delete",
                &format!("delete{title}ByName"),
                &format!("Delete a {singular} by namespace and name"),
            );
            op.insert("parameters".into(), Value::Array(with_if_match));
            extend(&mut op["responses"], &deleted);
        }

        for action in K::actions() {
            self.action(
                version,
                format!("{item}/{}", action.path),
                vec![id()],
                action,
            );
        }
        for query in K::queries() {
            let path = format!("{}/{}", version.prefix, query.path);
            self.action(version, path, Vec::new(), query);
        }
    }

    /// Documents one action at `path`, with `parameters` first (the item's
    /// id, for an item's action).
    fn action(
        &mut self,
        version: &Version,
        path: String,
        mut parameters: Vec<Value>,
        action: Action,
    ) {
        let method = action.method.as_str().to_ascii_lowercase();
        parameters.extend(
            action
                .path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .map(|name| path_parameter(name, json!({"type": "string", "minLength": 1}))),
        );
        if action.method == axum::http::Method::POST {
            parameters.push(idempotency_key());
        }
        if action.if_match {
            parameters.push(if_match());
        }
        if action.paged {
            parameters.extend(page_parameters());
        }
        parameters.extend(action.query.iter().map(|param| {
            let schema = match param.rule {
                QueryRule::Any => json!({"type": "string", "maxLength": 1024}),
                QueryRule::Name => name_schema(),
                QueryRule::OneOf(values) => json!({"type": "string", "enum": values}),
                QueryRule::Repeated(pattern) => json!({
                    "type": "array",
                    "items": {"type": "string", "maxLength": 1024, "pattern": pattern},
                }),
            };
            json!({
                "name": param.name, "in": "query", "required": param.required,
                "description": param.description, "schema": schema,
            })
        }));
        let request_body = match action.body {
            ActionBody::None => None,
            ActionBody::OptionalJson(schema, rules) => {
                let name = self.body_schema(schema, rules);
                let either = json!({"anyOf": [schema_ref(&name), {"type": "null"}]});
                Some(json!({"required": false, "content": json_content(either)}))
            }
            ActionBody::Raw => Some(json!({
                "required": false,
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {}},
                    "text/plain": {"schema": {"type": "string"}},
                }
            })),
            ActionBody::ArrayOrText(item, rules) => {
                let item = schema_ref(&self.body_schema(item, rules));
                Some(json!({
                    "required": true,
                    "content": {
                        "application/json": {"schema": {"type": "array", "items": item}},
                        "text/plain": {"schema": {"type": "string"}},
                    }
                }))
            }
            ActionBody::Json(schema, rules) => {
                let name = self.body_schema(schema, rules);
                Some(json!({"required": true, "content": json_content(schema_ref(&name))}))
            }
        };
        let response = action.response.map(|schema| self.schema(schema));
        let op = self.operation(version, path, &method, action.operation_id, action.summary);
        op.insert("parameters".into(), Value::Array(parameters));
        if let Some(body) = request_body {
            op.insert("requestBody".into(), body);
        }
        match response {
            Some(schema) => {
                op["responses"]["200"] =
                    json!({"description": "The result", "content": json_content(schema)});
            }
            None => op["responses"]["204"] = json!({"description": "Done"}),
        }
    }
}

impl Builder<'_> {
    /// Adds an action body's schema, with the rules core enforces on its
    /// fields, and names it.
    fn body_schema(
        &mut self,
        schema: SchemaOf,
        rules: fn() -> Vec<(&'static str, FieldRule)>,
    ) -> String {
        let name = (schema.name)().into_owned();
        let mut body = serde_json::to_value((schema.schema)()).unwrap_or(Value::Null);
        let rules = rules().iter().map(|(f, r)| (*f, rule_schema(r))).collect();
        apply_rules(&mut body, rules);
        self.schemas.insert(name.clone(), body);
        self.dependencies(schema.dependencies);
        name
    }

    /// `GET /events` and `GET /events:watch`.
    fn events(&mut self, version: &Version) {
        let page = self.schema(SchemaOf::of::<super::events::EventPage>());
        let list_type = |name: &str, what: &str| {
            query_parameter(
                name,
                &format!("Only these {what}, comma-separated (or repeated)"),
                json!({"type": "string", "maxLength": super::events::MAX_LIST_LEN}),
            )
        };
        let after =
            |description: &str, schema: Value| query_parameter("after", description, schema);
        let op = self.operation(
            version,
            format!("{}/events", version.prefix),
            "get",
            "listEvents",
            "A page of the event log (the events of the kinds you may read)",
        );
        op.insert(
            "parameters".into(),
            json!([
                after(
                    "Events after this revision (default 0: from the start)",
                    json!({"type": "integer", "minimum": 0})
                ),
                query_parameter(
                    "page_size",
                    "Events read at most (default 100; a commit is never split)",
                    json!({"type": "integer", "minimum": 1, "maximum": clusterdb::MAX_EVENT_PAGE}),
                ),
                list_type("types", "event types, e.g. fleet.created"),
                list_type("kinds", "kinds, e.g. fleet"),
            ]),
        );
        op["responses"]["200"] =
            json!({"description": "The events", "content": json_content(page)});
        op["responses"]["410"] = json!({"description": "Revisions that old are no longer kept (OUT_OF_RANGE, details.oldest_after)", "content": json_content(schema_ref("Error"))});
        let op = self.operation(
            version,
            format!("{}/events:watch", version.prefix),
            "get",
            "watchEvents",
            "The event log live, as server-sent events; resume with Last-Event-ID",
        );
        op.insert(
            "parameters".into(),
            json!([
                after("After this revision, or `now` (default 0); Last-Event-ID wins", json!({"type": "string", "pattern": "^(now|[0-9]{1,19})$"})),
                list_type("types", "event types"),
                list_type("kinds", "kinds"),
                {"name": "Last-Event-ID", "in": "header", "required": false,
                 "description": "The id of the last event received (REV-INDEX)",
                 "schema": {"type": "string", "pattern": "^[0-9]{1,19}-[0-9]{1,10}$"}},
            ]),
        );
        op["responses"]["200"] = json!({
            "description": "Events (`id:` REV-INDEX, `data:` the event), `event: bookmark` with the revision read through, keep-alive comments",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        });
        op["responses"]["410"] = json!({"description": "Revisions that old are no longer kept", "content": json_content(schema_ref("Error"))});
    }

    /// `GET /admin/snapshot`.
    fn snapshot(&mut self, version: &Version) {
        let op = self.operation(
            version,
            format!("{}/admin/snapshot", version.prefix),
            "get",
            "snapshot",
            "A consistent snapshot of the whole store at one revision, streamed (admins only)",
        );
        op.insert(
            "parameters".into(),
            json!([query_parameter(
                "events",
                "Whether the retained event log is in it: `all` (default) or `none`",
                json!({"type": "string", "enum": ["all", "none"]}),
            )]),
        );
        op["responses"]["200"] = json!({
            "description": "The snapshot file (docs/backup.md describes the format)",
            "headers": {
                "X-ClusterDB-Revision": {"description": "The store revision it reflects", "schema": {"type": "integer"}},
                "Content-Disposition": {"description": "attachment; filename=\"clusterdb-snapshot-r<revision>.cdbsnap\"", "schema": {"type": "string"}},
            },
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        });
        op["responses"]["403"] = json!({"description": "Not an admin (PERMISSION_DENIED)", "content": json_content(schema_ref("Error"))});
        op["responses"]["503"] = json!({"description": "As many snapshots as the server streams at once are running (UNAVAILABLE, Retry-After)", "content": json_content(schema_ref("Error"))});
    }
}

impl Builder<'_> {
    /// `GET {path}` below the version root, answering a JSON `answer`
    /// (any authenticated caller).
    fn about(&mut self, version: &Version, path: &str, id: &str, summary: &str, answer: SchemaOf) {
        let answer = self.schema(answer);
        let op = self.operation(
            version,
            format!("{}{path}", version.prefix),
            "get",
            id,
            summary,
        );
        op["responses"]["200"] = json!({"description": summary, "content": json_content(answer)});
    }

    /// `GET /auth/whoami` and `GET /server`.
    fn whoami_and_server(&mut self, version: &Version) {
        self.about(
            version,
            "/auth/whoami",
            "whoAmI",
            "Who the caller is and what it may read and write, kind by kind",
            SchemaOf::of::<clusterdb_client::wire::WhoAmIOutput>(),
        );
        self.about(
            version,
            "/server",
            "getServer",
            "The answering server: version, storage engine, read cache, leadership, the event log's head",
            SchemaOf::of::<clusterdb_client::wire::ServerOutput>(),
        );
    }
}

/// Adds `more`'s entries to the object `target`.
fn extend(target: &mut Value, more: &Value) {
    if let (Some(target), Some(more)) = (target.as_object_mut(), more.as_object()) {
        target.extend(more.clone());
    }
}

/// The merge-patch form of an input schema: every field optional; a
/// field with a default may be `null` (it goes back to the default);
/// entries of a map may be `null` (they are removed).
fn patch_schema(input: &Value) -> Value {
    let required: Vec<&str> = input["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut properties = Map::new();
    for (field, schema) in input["properties"].as_object().into_iter().flatten() {
        let mut schema = schema.clone();
        if let Some(values) = schema.get_mut("additionalProperties")
            && values.is_object()
        {
            *values = json!({"anyOf": [values.clone(), {"type": "null"}]});
        }
        if !required.contains(&field.as_str()) {
            schema = json!({"anyOf": [schema, {"type": "null"}]});
        }
        properties.insert(field.clone(), schema);
    }
    json!({"type": "object", "properties": properties, "additionalProperties": false})
}

/// The document for the kinds `S`, with the enumerations of `context`.
pub fn document_of<S: KindSet>(context: &Context) -> Value {
    struct Visit<'a, 'b> {
        builder: &'a mut Builder<'b>,
        version: &'a Version,
    }
    impl KindVisitor for Visit<'_, '_> {
        fn kind<K: RestKind>(&mut self) {
            self.builder.kind::<K>(self.version);
        }
    }
    let mut builder = Builder {
        context,
        paths: BTreeMap::new(),
        schemas: BTreeMap::new(),
    };
    for version in &VERSIONS {
        S::visit(&mut Visit {
            builder: &mut builder,
            version,
        });
        builder.events(version);
        builder.snapshot(version);
        builder.whoami_and_server(version);
    }
    let op = builder.operation(
        &VERSIONS[0],
        "/v1/openapi.json".into(),
        "get",
        "openapi",
        "This document",
    );
    op["responses"]["200"] = json!({"description": "The OpenAPI document", "content": json_content(json!({"type": "object"}))});
    // Public: no credentials.
    op.insert("security".into(), json!([]));
    oauth_paths(&mut builder.paths);
    builder.schema(SchemaOf::of::<Error>());
    builder.schema(SchemaOf::of::<ErrorObject>());
    for schema in builder.schemas.values_mut() {
        close_enum_variants(schema);
    }
    for (path, item) in &mut builder.paths {
        let read = item.get_mut("get").and_then(Value::as_object_mut);
        let versioned = path.starts_with("/v") && !path.ends_with("/openapi.json");
        if let Some(parameters) = read
            .filter(|_| versioned)
            .and_then(|op| op.get_mut("parameters").and_then(Value::as_array_mut))
        {
            parameters.extend(read_option_parameters());
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ClusterDB API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Versions: /v1 (stable), /v2beta1 (adds merge-patch PATCH), /v0 \
                (deprecated alias of v1). Unversioned paths follow the Accept header's \
                version parameter.",
        },
        "paths": builder.paths,
        "security": [{"bearerAuth": []}],
        "components": {
            "schemas": builder.schemas,
            "securitySchemes": {"bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key (`cdb_…`) or an access token from POST /oauth/token",
            }},
        },
    })
}

/// `min_revision` and `stale`, which every read takes
/// ([`crate::read_options`]).
fn read_option_parameters() -> [Value; 2] {
    [
        query_parameter(
            "min_revision",
            "Answer from a state at least this revision (waits for it, up to the \
             server's read wait, else 503); skips the consistent read's check",
            json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": i64::MAX}),
        ),
        query_parameter(
            "stale",
            "true: answer from whatever this server has, without waiting",
            json!({"type": "boolean"}),
        ),
    ]
}

/// Serde's externally tagged enum variants (`{"exact": "..."}`: an object
/// of exactly one required property) take no other property; utoipa leaves
/// them open.
fn close_enum_variants(schema: &mut Value) {
    if let Some(variants) = schema.get_mut("oneOf").and_then(Value::as_array_mut) {
        for variant in variants {
            let tagged = variant["properties"]
                .as_object()
                .is_some_and(|p| p.len() == 1)
                && variant["required"].as_array().is_some_and(|r| r.len() == 1);
            if tagged && variant.get("additionalProperties").is_none() {
                variant["additionalProperties"] = json!(false);
            }
        }
    }
}

/// The OAuth token endpoint and the well-known documents (unversioned,
/// public; [`crate::oauth`]).
fn oauth_paths(paths: &mut BTreeMap<String, Map<String, Value>>) {
    let oauth_error = json!({
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "enum": [
                "invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"]},
            "error_description": {"type": "string"},
        },
    });
    let default_error = json!({"description": "An error in the API's error format (rate limit, server)",
        "content": json_content(schema_ref("Error"))});
    let token = json!({
        "operationId": "oauth_token",
        "summary": "OAuth 2.0 client credentials grant (RFC 6749 §4.4): client_id and client_secret as form fields or HTTP Basic",
        "tags": ["oauth"],
        "security": [],
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {
            "type": "object",
            "required": ["grant_type"],
            "properties": {
                "grant_type": {"type": "string", "enum": ["client_credentials"]},
                "client_id": {"type": "string"},
                "client_secret": {"type": "string"},
                "scope": {"type": "string", "description": "Space-separated scopes; absent: all the client's"},
            },
        }}}},
        "responses": {
            "200": {"description": "An access token", "content": json_content(json!({
                "type": "object",
                "required": ["access_token", "token_type", "expires_in", "scope"],
                "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": "string", "enum": ["Bearer"]},
                    "expires_in": {"type": "integer"},
                    "scope": {"type": "string"},
                },
            }))},
            "400": {"description": "invalid_request, unsupported_grant_type, invalid_scope", "content": json_content(oauth_error.clone())},
            "401": {"description": "invalid_client", "content": json_content(oauth_error)},
            "default": default_error.clone(),
        },
    });
    let document = |id: &str, summary: &str| {
        json!({
            "operationId": id,
            "summary": summary,
            "tags": ["oauth"],
            "security": [],
            "responses": {
                "200": {"description": summary, "content": json_content(json!({"type": "object"}))},
                "default": default_error.clone(),
            },
        })
    };
    let entries = [
        ("/oauth/token", "post", token),
        (
            "/.well-known/jwks.json",
            "get",
            document("jwks", "The access tokens' public signing keys (JWK Set)"),
        ),
        (
            "/.well-known/openid-configuration",
            "get",
            document("openid_configuration", "OpenID Connect discovery"),
        ),
    ];
    for (path, method, op) in entries {
        paths
            .entry(path.to_string())
            .or_default()
            .insert(method.to_string(), op);
    }
}

/// The document of the served kinds on a database with the default
/// instance-type catalog and runtimes.
pub fn document() -> Value {
    let db_context = Context {
        instance_types: Default::default(),
        runtimes: vec![std::sync::Arc::new(clusterdb::NativeRuntime::new())],
    };
    document_of::<super::kind::ServedKinds>(&db_context)
}

/// `GET /v1/openapi.json`: the document built with the router.
pub async fn serve(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
}

/// `page_size` and `page_token`, as every list takes them.
fn page_parameters() -> Vec<Value> {
    vec![
        query_parameter(
            "page_size",
            "Items per page (default 100)",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
        ),
        query_parameter(
            "page_token",
            "next_page_token of the previous page",
            json!({"type": "string"}),
        ),
    ]
}

/// The English plural of a kind's name ("policy" → "policies").
fn plural(word: &str) -> String {
    match word.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ => format!("{word}s"),
    }
}

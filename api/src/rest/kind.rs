//! How a resource kind appears in the REST API ([`RestKind`]), the actions
//! it adds beside CRUD ([`Action`]), and the one list of kinds the API
//! serves ([`ServedKinds`]). The router and the OpenAPI document are both
//! generated from that list, so they cannot drift apart.

use std::borrow::Cow;

use axum::http::Method;
use axum::routing::MethodRouter;
use clusterdb::identity::Verb;
use clusterdb::identity::{GroupKind, OAuthClientKind, UserKind};
use clusterdb::{ClusterDb, Context, Draft, Kind, Object, Resources};
use clusterdb::{FleetKind, FunctionKind, InstanceKind};
use clusterdb_client::Resource;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, schema::Schema};

use super::error::ApiError;
use super::state::AppState;

/// A resource kind as the REST API exposes it.
pub trait RestKind: Kind {
    /// The kind as a client sees it: its paths and wire types.
    type Wire: Resource<Input = Self::Input, Output = Self::Output>;
    /// Collection path below the version prefix, e.g. `fleets` or
    /// `mesh/virtual-services` (the client's).
    const COLLECTION: &'static str = <Self::Wire as Resource>::COLLECTION;
    /// The key of a list response's items, e.g. `fleets` (the client's).
    const LIST_FIELD: &'static str = <Self::Wire as Resource>::LIST_FIELD;
    /// The singular noun for documentation, e.g. `fleet` (the client's).
    const SINGULAR: &'static str = <Self::Wire as Resource>::SINGULAR;
    /// The operation-id stem, e.g. `Fleet` (`listFleets`, `createFleet`).
    const TITLE: &'static str;
    /// Query parameters besides `tag` (and `namespace`) that filter lists;
    /// each is an indexed field of the kind.
    const FILTERS: &'static [&'static str] = &[];
    /// Whether a delete is finished later (answered 202 with the resource).
    const ASYNC_DELETE: bool = false;
    /// What a client sends to create or replace the resource.
    type Input: Serialize + DeserializeOwned + ToSchema + Send + 'static;
    /// What the API shows.
    type Output: Serialize + DeserializeOwned + ToSchema + Send + 'static;

    /// The core draft for an input.
    fn draft(input: Self::Input) -> Draft<Self::Spec>;
    /// The input that would recreate `object` (the base of a merge patch).
    fn input(object: &Object<Self>) -> Self::Input;
    /// The API's view of `object`.
    fn output(object: &Object<Self>) -> Self::Output;
    /// A handler of `POST /{collection}` in place of the generic create
    /// (for a kind whose create answer carries a secret shown once); it
    /// answers with `Output`.
    fn create_route() -> Option<MethodRouter<AppState>> {
        None
    }

    /// The draft a create, replace, patch or apply writes: checks what
    /// [`RestKind::draft`] cannot, and stores what the input uploads (a
    /// function's code) as references in the draft.
    fn prepare(
        _db: &ClusterDb,
        input: Self::Input,
    ) -> impl std::future::Future<Output = Result<Draft<Self::Spec>, ApiError>> + Send {
        async move { Ok(Self::draft(input)) }
    }

    /// The answer to `GET /{collection}/{id}`: [`RestKind::output`] plus
    /// what only this process knows (a function's invocation statistics).
    fn output_live(_db: &ClusterDb, object: &Object<Self>) -> Self::Output {
        Self::output(object)
    }

    /// Routes beside CRUD, below the item path (`/{collection}/{id}/…`).
    fn actions() -> Vec<Action> {
        Vec::new()
    }

    /// Routes about the kind as a whole rather than one resource, below
    /// the version root (`path` such as `mesh/routes:resolve`), e.g.
    /// evaluations. Authorized like the kind's reads unless they say
    /// otherwise.
    fn queries() -> Vec<Action> {
        Vec::new()
    }

    /// The rules core enforces on the input's own fields (name, namespace
    /// and tags are common to every kind), for the OpenAPI document; the
    /// values come from the constants and the context core validates with.
    fn field_rules(_context: &Context) -> Vec<(&'static str, FieldRule)> {
        Vec::new()
    }

    /// The core service for the kind.
    fn service(db: &ClusterDb) -> Resources<Self> {
        db.resources::<Self>()
    }
}

/// A rule on one input field, as the OpenAPI document states it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldRule {
    /// An integer in `min..=max`.
    Range {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// A string of `min..=max` characters.
    Length {
        /// Fewest characters.
        min: usize,
        /// Most characters.
        max: usize,
    },
    /// One of these strings.
    OneOf(Vec<String>),
    /// An object of at most `max_entries` string values of at most
    /// `max_value` characters, whose keys match `key_pattern`.
    Map {
        /// Most entries.
        max_entries: usize,
        /// ECMA-262 regular expression every key matches.
        key_pattern: String,
        /// Longest value, in characters.
        max_value: usize,
    },
    /// A resource name (core's name rule).
    Name,
    /// A string of at most `max` characters matching `pattern`.
    Pattern {
        /// ECMA-262 regular expression.
        pattern: String,
        /// Most characters.
        max: usize,
    },
    /// A non-empty list of at most `max_items` distinct strings, each
    /// matching `pattern`.
    Strings {
        /// ECMA-262 regular expression every item matches.
        pattern: String,
        /// Most entries.
        max_items: usize,
    },
    /// A list of at most `max_items` ids of one kind (`{prefix}…`).
    Ids {
        /// The id prefix, e.g. `user-`.
        prefix: &'static str,
        /// Most entries.
        max_items: usize,
    },
    /// One id of a kind (`{prefix}…`).
    Id {
        /// The id prefix, e.g. `user-`.
        prefix: &'static str,
    },
    /// A list of strings, each one of these.
    OneOfList(Vec<String>),
    /// An RFC 3339 timestamp, or `null`.
    OptionalTimestamp,
    /// An RFC 3339 timestamp.
    Timestamp,
    /// An IPv4 or IPv6 address, or `null`.
    OptionalIp,
    /// This rule, or `null`.
    Nullable(Box<FieldRule>),
}

/// A JSON schema named in the OpenAPI document's components.
#[derive(Clone, Copy)]
pub struct SchemaOf {
    /// Its component name.
    pub name: fn() -> Cow<'static, str>,
    /// The schema itself.
    pub schema: fn() -> RefOr<Schema>,
    /// The named schemas it refers to, transitively.
    pub dependencies: fn(&mut Vec<(String, RefOr<Schema>)>),
}

impl SchemaOf {
    /// The schema of `T`.
    pub fn of<T: ToSchema>() -> Self {
        SchemaOf {
            name: T::name,
            schema: <T as utoipa::PartialSchema>::schema,
            dependencies: <T as ToSchema>::schemas,
        }
    }
}

/// What an action's request body is.
#[derive(Clone, Copy)]
pub enum ActionBody {
    /// No body.
    None,
    /// An optional JSON body of this schema (an empty body or `null` is
    /// none), with the rules core enforces on its fields.
    OptionalJson(SchemaOf, fn() -> Vec<(&'static str, FieldRule)>),
    /// Any bytes of any content type, optional, taken as they are.
    Raw,
    /// A JSON array of this schema's items (with the rules core enforces
    /// on their fields), or plain text (a format of the handler's own,
    /// such as the Prometheus text format).
    ArrayOrText(SchemaOf, fn() -> Vec<(&'static str, FieldRule)>),
    /// A required JSON body of this schema, with the rules core enforces
    /// on its fields.
    Json(SchemaOf, fn() -> Vec<(&'static str, FieldRule)>),
}

/// Who may call an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Those the policy allows `verb` on the kind (checked before the
    /// handler runs).
    Kind(Verb),
    /// The handler authorizes the caller itself (e.g. a user's own API
    /// keys); it must not skip it.
    Handler,
}

/// A route below a kind's item path beside CRUD, such as an instance's
/// `POST /instances/{id}/start` or a group's
/// `DELETE /groups/{id}/members/{user_id}`.
pub struct Action {
    /// Path after the item, e.g. `start` or `members/{user_id}`.
    pub path: &'static str,
    /// Its method.
    pub method: Method,
    /// The operation id without the version prefix, e.g. `startInstance`.
    pub operation_id: &'static str,
    /// One line for the document, e.g. `Start an instance`.
    pub summary: &'static str,
    /// Its request body.
    pub body: ActionBody,
    /// Whether it takes `If-Match`.
    pub if_match: bool,
    /// Whether it answers a page of a list (`page_size`, `page_token`).
    pub paged: bool,
    /// The query parameters it takes besides those.
    pub query: &'static [QueryParam],
    /// What a success answers with: this schema (200), or nothing (204).
    pub response: Option<SchemaOf>,
    /// Who may call it.
    pub access: Access,
    /// The handler.
    pub route: MethodRouter<AppState>,
}

impl Action {
    /// A `POST /{collection}/{id}/{name}` that changes the resource and
    /// answers with `response`.
    pub fn post(
        name: &'static str,
        operation_id: &'static str,
        summary: &'static str,
        response: SchemaOf,
        route: MethodRouter<AppState>,
    ) -> Action {
        Action {
            path: name,
            method: Method::POST,
            operation_id,
            summary,
            body: ActionBody::None,
            if_match: false,
            paged: false,
            query: &[],
            response: Some(response),
            access: Access::Kind(Verb::Write),
            route,
        }
    }
}

/// A string query parameter of an [`Action`], for the document.
#[derive(Debug, Clone, Copy)]
pub struct QueryParam {
    /// Its name.
    pub name: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Whether a request must carry it.
    pub required: bool,
    /// What a value must be.
    pub rule: QueryRule,
}

/// What the value of a [`QueryParam`] must be, as the document states it.
#[derive(Debug, Clone, Copy)]
pub enum QueryRule {
    /// Any string (of at most 1,024 characters).
    Any,
    /// A resource name (core's name rule).
    Name,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// Repeatable; each value matches this ECMA-262 regular expression.
    Repeated(&'static str),
}

/// Something done once per served kind, with the kind's type in hand.
pub trait KindVisitor {
    /// Called once per kind.
    fn kind<K: RestKind>(&mut self);
}

/// A set of kinds the REST API serves.
pub trait KindSet {
    /// Calls `visitor.kind::<K>()` for every kind of the set, in order.
    fn visit<V: KindVisitor>(visitor: &mut V);
}

/// The kinds ClusterDB's REST API serves: one registration line per kind.
pub struct ServedKinds;

impl KindSet for ServedKinds {
    fn visit<V: KindVisitor>(visitor: &mut V) {
        visitor.kind::<FleetKind>();
        visitor.kind::<InstanceKind>();
        visitor.kind::<FunctionKind>();
        visitor.kind::<UserKind>();
        visitor.kind::<GroupKind>();
        visitor.kind::<OAuthClientKind>();
        visitor.kind::<clusterdb::mesh::VirtualServiceKind>();
        visitor.kind::<clusterdb::mesh::SecurityPolicyKind>();
        visitor.kind::<clusterdb::webhooks::WebhookKind>();
        visitor.kind::<clusterdb::monitoring::AlertRuleKind>();
        visitor.kind::<clusterdb::monitoring::SilenceKind>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client's view of each kind names the ids the core makes.
    #[test]
    fn every_kind_s_client_id_prefix_is_the_core_s() {
        struct Prefixes(Vec<(&'static str, &'static str)>);
        impl KindVisitor for Prefixes {
            fn kind<K: RestKind>(&mut self) {
                self.0.push((K::NAME, <K::Wire as Resource>::ID_PREFIX));
            }
        }
        let mut prefixes = Prefixes(Vec::new());
        ServedKinds::visit(&mut prefixes);
        assert_eq!(prefixes.0.len(), 11);
        for (core, client) in prefixes.0 {
            assert_eq!(core, client);
        }
    }
}

//! How a resource kind appears in the REST API ([`RestKind`]), the actions
//! it adds beside CRUD ([`Action`]), and the one list of kinds the API
//! serves ([`ServedKinds`]). The router and the OpenAPI document are both
//! generated from that list, so they cannot drift apart.

use std::borrow::Cow;

use axum::routing::MethodRouter;
use clusterdb::{ClusterDb, Context, Draft, Kind, Object, Resources};
use clusterdb::{FleetKind, FunctionKind, InstanceKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, schema::Schema};

use super::AppState;

/// A resource kind as the REST API exposes it.
pub trait RestKind: Kind {
    /// Collection path below the version prefix, e.g. `fleets` or
    /// `mesh/virtual-services`.
    const COLLECTION: &'static str;
    /// The key of a list response's items, e.g. `fleets`.
    const LIST_FIELD: &'static str = Self::COLLECTION;
    /// The singular noun for documentation, e.g. `fleet`.
    const SINGULAR: &'static str;
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
    /// Routes beside CRUD, below the item path (`/{collection}/{id}/…`).
    fn actions() -> Vec<Action> {
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
}

/// A JSON schema named in the OpenAPI document's components.
#[derive(Clone, Copy)]
pub struct SchemaOf {
    /// Its component name.
    pub name: fn() -> Cow<'static, str>,
    /// The schema itself.
    pub schema: fn() -> RefOr<Schema>,
}

impl SchemaOf {
    /// The schema of `T`.
    pub fn of<T: ToSchema>() -> Self {
        SchemaOf {
            name: T::name,
            schema: <T as utoipa::PartialSchema>::schema,
        }
    }
}

/// What an action's request body is.
#[derive(Clone, Copy)]
pub enum ActionBody {
    /// No body.
    None,
    /// Any JSON value, optional (an empty body is `null`).
    AnyJson,
}

/// A `POST /{collection}/{id}/{name}` route such as an instance's `start`.
pub struct Action {
    /// Path segment after the id, e.g. `start`.
    pub name: &'static str,
    /// The operation id without the version prefix, e.g. `startInstance`.
    pub operation_id: &'static str,
    /// One line for the document, e.g. `Start an instance`.
    pub summary: &'static str,
    /// Its request body.
    pub body: ActionBody,
    /// Whether it takes `If-Match`.
    pub if_match: bool,
    /// What a success answers with (status 200).
    pub response: SchemaOf,
    /// The handler.
    pub route: MethodRouter<AppState>,
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
    }
}

//! JSON wire types of the REST API and their conversions to and from the
//! core's types: one module per resource kind, each with its `RestKind`
//! impl. Nothing else lives here.

mod fleet;
mod function;
mod group;
mod instance;
mod monitoring;
mod oauth_client;
mod security_policy;
mod user;
mod virtual_service;
mod webhook;

use clusterdb::identity::Role;
use clusterdb::{Context, MAX_DESCRIPTION_LEN, Timestamp};

use super::kind::FieldRule;

pub use fleet::{FleetInput, FleetOutput};
pub use function::{FunctionInput, FunctionOutput, InvocationOutput};
pub use group::{GroupInput, GroupOutput, MemberInput};
pub use instance::{InstanceInput, InstanceOutput};
pub use monitoring::{
    AggregationName, AlertList, AlertOutput, AlertRuleInput, AlertRuleOutput, DroppedSample,
    MatcherJson, MetricsOutput, OpName, PointOutput, PushOutput, SampleJson, SampleTime,
    SeriesOutput, SeverityName, SilenceInput, SilenceOutput, SummaryOutput,
};
pub use oauth_client::{OAuthClientInput, OAuthClientOutput};
pub use security_policy::{
    ConditionJson, FromJson, OperationJson, PolicyActionName, RuleJson, SecurityPolicyInput,
    SecurityPolicyOutput, SelectorJson, SourceJson, ToJson,
};
pub use user::{
    ApiKeyInput, ApiKeyOutput, ApiKeyPage, NewApiKeyOutput, UserInput, UserOutput, UserStatusName,
};
pub use virtual_service::{
    AbortJson, DelayJson, DestinationJson, FaultJson, HttpMatchJson, HttpRouteJson, PercentJson,
    PortJson, RedirectJson, RetriesJson, RewriteJson, RouteDestinationJson, StringMatchJson,
    VirtualServiceInput, VirtualServiceOutput,
};
pub use webhook::{
    AttemptOutput, DeliveryOutput, DeliveryPage, SecretInput, TestOutput, WebhookInput,
    WebhookOutput,
};

pub use super::kind::RestKind;

/// A role, as JSON names it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Reads everything but secrets.
    Viewer,
    /// Also writes compute, mesh and monitoring.
    Editor,
    /// Everything.
    Admin,
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Role {
        match role {
            RoleName::Viewer => Role::Viewer,
            RoleName::Editor => Role::Editor,
            RoleName::Admin => Role::Admin,
        }
    }
}

impl From<Role> for RoleName {
    fn from(role: Role) -> RoleName {
        match role {
            Role::Viewer => RoleName::Viewer,
            Role::Editor => RoleName::Editor,
            Role::Admin => RoleName::Admin,
        }
    }
}

/// The metadata fields every newer kind's output ends with (flattened).
/// Fleets, instances and functions spell them out to keep the spec's
/// field order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MetaOutput {
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// Who created it: a user id, an OAuth client id or `system`.
    pub created_by: String,
    /// Who made the last change (the server's own status writes aside).
    pub updated_by: String,
    /// Changes on every write; the ETag.
    pub resource_version: u64,
    /// Labels.
    pub tags: std::collections::BTreeMap<String, String>,
}

impl MetaOutput {
    /// The fields of `meta`.
    pub fn of(meta: &clusterdb::Meta) -> Self {
        MetaOutput {
            created_at: time(meta.created_at),
            updated_at: time(meta.updated_at),
            created_by: meta.created_by.clone(),
            updated_by: meta.updated_by.clone(),
            resource_version: meta.resource_version,
            tags: meta.tags.clone(),
        }
    }
}

fn time(t: Timestamp) -> String {
    t.to_string()
}

fn description_default() -> String {
    String::new()
}

/// The rule of a `description` field (core's [`MAX_DESCRIPTION_LEN`]).
fn description_rule() -> (&'static str, FieldRule) {
    (
        "description",
        FieldRule::Length {
            min: 0,
            max: MAX_DESCRIPTION_LEN,
        },
    )
}

/// The catalog's instance types, as the rule of an `instance_type` field.
fn instance_types(context: &Context) -> FieldRule {
    FieldRule::OneOf(context.instance_types.names().map(str::to_string).collect())
}

/// A field that may be left out (with `#[serde(default)]`) but, when
/// given, is a value: `null` is refused, as the document's schema says.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// [`integer`] for a field that may be left out but is not `null`.
fn present_integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    integer(deserializer).map(Some)
}

/// [`integer`] for an optional field (`null` is absent).
fn optional_integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::Deserialize as _;
    let value = Option::<serde_json::Number>::deserialize(deserializer)?;
    value
        .map(|number| integer(number).map_err(serde::de::Error::custom))
        .transpose()
}

/// Deserializes a non-negative integer field. JSON (and JSON Schema's
/// `integer`) make no difference between `3` and `3.0`, so an integral
/// number written with a fraction is accepted too.
fn integer<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let number = serde_json::Number::deserialize(deserializer)?;
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
            .map(|f| f as u64)
    });
    whole.and_then(|n| T::try_from(n).ok()).ok_or_else(|| {
        D::Error::custom(format!(
            "invalid value: {number}, expected a non-negative 32-bit integer"
        ))
    })
}

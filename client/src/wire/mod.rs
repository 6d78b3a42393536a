//! The JSON types of the REST API, one module per resource kind: what a
//! request sends and what an answer holds, exactly as the server reads
//! and writes them (the server converts them to and from its own types).
//! With the `schema` feature each also describes itself for the OpenAPI
//! document.

mod auth;
mod fleet;
mod function;
mod group;
mod instance;
mod monitoring;
mod oauth_client;
mod security_policy;
mod server;
mod time;
mod user;
mod virtual_service;
mod webhook;

pub use auth::{PermissionOutput, WhoAmIOutput};
pub use fleet::{FleetInput, FleetOutput, Fleets};
pub use function::{
    DEFAULT_CONCURRENCY, DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_MS, DurationBucket, FunctionInput,
    FunctionOutput, FunctionStatsOutput, Functions, InvocationOutput,
};
pub use group::{GroupInput, GroupOutput, Groups, MemberInput};
pub use instance::{InstanceInput, InstanceOutput, Instances};
pub use monitoring::{
    AggregationName, AlertList, AlertOutput, AlertRuleInput, AlertRuleOutput, AlertRules,
    DroppedSample, MatcherJson, MetricsOutput, OpName, PointOutput, PushOutput, SampleJson,
    SampleTime, SeriesOutput, SeverityName, SilenceInput, SilenceOutput, Silences, SummaryOutput,
};
pub use oauth_client::{OAuthClientInput, OAuthClientOutput, OAuthClients};
pub use security_policy::{
    CheckRequestJson, ConditionJson, DecisionJson, FromJson, OperationJson, PolicyActionName,
    PolicyRef, RuleJson, SecurityPolicies, SecurityPolicyInput, SecurityPolicyOutput, SelectorJson,
    SourceJson, ToJson,
};
pub use server::ServerOutput;
pub use time::Time;
pub use user::{
    ApiKeyInput, ApiKeyOutput, ApiKeyPage, NewApiKeyOutput, UserInput, UserOutput, UserStatusName,
    Users,
};
pub use virtual_service::{
    AbortJson, DelayJson, DestinationJson, FaultJson, HttpMatchJson, HttpRouteJson, PercentJson,
    PortJson, RedirectJson, ResolutionJson, ResourceRef, RetriesJson, RewriteJson,
    RouteDestinationJson, RouteRequestJson, StringMatchJson, VirtualServiceInput,
    VirtualServiceOutput, VirtualServices, WeightedDestination,
};
pub use webhook::{
    AttemptOutput, DeliveryOutput, DeliveryPage, SecretInput, TestOutput, WebhookInput,
    WebhookOutput, Webhooks,
};

/// A JSON answer exactly as the server wrote it (key order, numbers):
/// the output type of [`crate::Client::resources_as`] for a caller that passes
/// answers on.
pub type Json = Box<serde_json::value::RawValue>;

/// A role, as JSON names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    /// Reads everything but secrets.
    Viewer,
    /// Also writes compute, mesh and monitoring.
    Editor,
    /// Everything.
    Admin,
}

/// The metadata fields every newer kind's output ends with (flattened).
/// Fleets, instances and functions spell them out to keep the spec's
/// field order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
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

fn description_default() -> String {
    String::new()
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

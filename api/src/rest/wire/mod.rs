//! The REST API's JSON types (`clusterdb-client`'s) and their conversions
//! to and from the core's types: one module per resource kind, each with
//! its `RestKind` impl. Nothing else lives here.

mod fleet;
mod function;
mod group;
mod instance;
mod monitoring;

pub use monitoring::alert_output;
mod oauth_client;
mod security_policy;
mod user;
mod virtual_service;
mod webhook;

use clusterdb::identity::Role;
use clusterdb::{Context, MAX_DESCRIPTION_LEN, Timestamp};

use super::kind::FieldRule;

/// The wire types are the client's (`clusterdb-client`): this module
/// adds what the server does with them.
pub use clusterdb_client::wire::*;

pub use super::kind::RestKind;

/// A conversion between a wire type and a core type (`From` cannot join
/// two types of other crates).
pub trait Convert<T> {
    /// The value as a `T`.
    fn convert(self) -> T;
}

impl Convert<Role> for RoleName {
    fn convert(self) -> Role {
        let role = self;
        match role {
            RoleName::Viewer => Role::Viewer,
            RoleName::Editor => Role::Editor,
            RoleName::Admin => Role::Admin,
        }
    }
}

impl Convert<RoleName> for Role {
    fn convert(self) -> RoleName {
        let role = self;
        match role {
            Role::Viewer => RoleName::Viewer,
            Role::Editor => RoleName::Editor,
            Role::Admin => RoleName::Admin,
        }
    }
}

/// The output fields of `meta`.
pub fn meta_output(meta: &clusterdb::Meta) -> MetaOutput {
    MetaOutput {
        created_at: time(meta.created_at),
        updated_at: time(meta.updated_at),
        created_by: meta.created_by.clone(),
        updated_by: meta.updated_by.clone(),
        resource_version: meta.resource_version,
        tags: meta.tags.clone(),
    }
}

impl Convert<Timestamp> for Time {
    fn convert(self) -> Timestamp {
        Timestamp::from_unix_millis(self.unix_millis())
    }
}

impl Convert<Time> for Timestamp {
    fn convert(self) -> Time {
        Time::from_unix_millis(self.unix_millis())
    }
}

fn time(t: Timestamp) -> String {
    t.to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The client's defaults and times are the core's.
    #[test]
    fn the_client_s_defaults_and_times_are_the_core_s() {
        let spec = clusterdb::FunctionSpec::new("native", "h");
        assert_eq!(spec.memory_mb, DEFAULT_MEMORY_MB);
        assert_eq!(spec.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(spec.max_concurrency, DEFAULT_CONCURRENCY);
        for text in [
            "2026-12-07T18:10:43Z",
            "2026-12-07T19:10:43.999+01:00",
            "1969-12-31T23:59:59.5Z",
            "9999-12-31T23:59:59Z",
            "2026-12-07T18:10:43",
            "2026-02-30T00:00:00Z",
            "",
        ] {
            let core = Timestamp::parse_rfc3339(text);
            let client = Time::parse_rfc3339(text);
            assert_eq!(
                core.map(Timestamp::unix_millis),
                client.map(Time::unix_millis)
            );
            if let (Some(core), Some(client)) = (core, client) {
                assert_eq!(core.to_string(), client.to_string(), "{text}");
                let back: Timestamp = client.convert();
                assert_eq!(back, core);
            }
        }
    }
}

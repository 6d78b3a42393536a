//! The instance kind on the REST API: the conversions of its JSON types
//! (`clusterdb-client`'s) and the `start` / `stop` actions.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use clusterdb::{Context, Draft, InstanceKind, InstanceSpec, Object};
use clusterdb_client::wire::{InstanceInput, InstanceOutput};

use super::{instance_types, time};
use crate::caller::Caller;
use crate::rest::error::ApiError;
use crate::rest::extract::IfMatch;
use crate::rest::handlers::{if_match_error, resource};
use crate::rest::kind::{Action, FieldRule, RestKind, SchemaOf};

impl RestKind for InstanceKind {
    type Wire = clusterdb_client::Instances;
    const TITLE: &'static str = "Instance";
    const FILTERS: &'static [&'static str] = &["fleet_id"];
    type Input = InstanceInput;
    type Output = InstanceOutput;

    fn field_rules(context: &Context) -> Vec<(&'static str, FieldRule)> {
        vec![("instance_type", instance_types(context))]
    }

    fn actions() -> Vec<Action> {
        let action = |name, operation_id, summary, route| Action {
            if_match: true,
            paged: false,
            query: &[],
            ..Action::post(
                name,
                operation_id,
                summary,
                SchemaOf::of::<InstanceOutput>(),
                route,
            )
        };
        vec![
            action(
                "start",
                "startInstance",
                "Start an instance",
                post(|s, p, m| transition(Transition::Start, s, p, m)),
            ),
            action(
                "stop",
                "stopInstance",
                "Stop an instance",
                post(|s, p, m| transition(Transition::Stop, s, p, m)),
            ),
        ]
    }

    fn draft(input: InstanceInput) -> Draft<InstanceSpec> {
        Draft {
            name: input.name,
            namespace: String::new(),
            tags: input.tags,
            spec: InstanceSpec {
                instance_type: input.instance_type,
            },
        }
    }

    fn input(instance: &Object<Self>) -> InstanceInput {
        InstanceInput {
            name: instance.meta.name.clone(),
            instance_type: instance.spec.instance_type.clone(),
            tags: instance.meta.tags.clone(),
        }
    }

    fn output(instance: &Object<Self>) -> InstanceOutput {
        InstanceOutput {
            id: instance.meta.id.clone(),
            name: instance.meta.name.clone(),
            fleet_id: instance.status.fleet_id.clone(),
            instance_type: instance.spec.instance_type.clone(),
            state: instance.status.state.as_str().to_string(),
            launched_at: instance.status.launched_at.map(time),
            stopped_at: instance.status.stopped_at.map(time),
            created_at: time(instance.meta.created_at),
            updated_at: time(instance.meta.updated_at),
            created_by: instance.meta.created_by.clone(),
            updated_by: instance.meta.updated_by.clone(),
            resource_version: instance.meta.resource_version,
            tags: instance.meta.tags.clone(),
        }
    }
}

/// An instance lifecycle action.
#[derive(Clone, Copy)]
enum Transition {
    Start,
    Stop,
}

/// `POST /instances/{id}/start` and `…/stop`.
async fn transition(
    transition: Transition,
    caller: Caller,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<Response, ApiError> {
    let instances = caller.db.instances();
    let instance = match transition {
        Transition::Start => instances.start(&id, if_match).await,
        Transition::Stop => instances.stop(&id, if_match).await,
    }
    .map_err(|e| if_match_error(e, if_match))?;
    Ok(resource::<InstanceKind>(StatusCode::OK, &instance))
}

//! `clusterdb.compute.v1.ComputeService`: each CRUD method delegates to the
//! generic implementation in [`super::kind`]; the actions convert and call
//! the core.

use clusterdb::identity::Verb;
use clusterdb::{FleetKind, FunctionKind, InstanceKind, Kind};
use clusterdb_proto::compute::v1 as pb;
use pb::ComputeService;
use tonic::{Request, Response};

use super::auth::caller;
use super::function::invocation;
use super::kind::{self, GrpcKind, Reply};
use super::status::status;

/// The compute service. It works on the database of each request's
/// authenticated caller (see [`super::auth::caller`]).
#[derive(Clone, Default)]
pub struct ComputeApi;

#[tonic::async_trait]
impl ComputeService for ComputeApi {
    async fn create_fleet(&self, r: Request<pb::CreateFleetRequest>) -> Reply<pb::Fleet> {
        kind::create::<FleetKind>(r).await
    }

    async fn get_fleet(&self, r: Request<pb::GetFleetRequest>) -> Reply<pb::Fleet> {
        kind::get::<FleetKind>(r).await
    }

    async fn update_fleet(&self, r: Request<pb::UpdateFleetRequest>) -> Reply<pb::Fleet> {
        kind::update::<FleetKind>(r).await
    }

    async fn delete_fleet(&self, r: Request<pb::DeleteFleetRequest>) -> Reply<()> {
        kind::delete::<FleetKind>(r).await
    }

    async fn list_fleets(
        &self,
        r: Request<pb::ListFleetsRequest>,
    ) -> Reply<pb::ListFleetsResponse> {
        kind::list::<FleetKind>(r).await
    }

    async fn create_instance(&self, r: Request<pb::CreateInstanceRequest>) -> Reply<pb::Instance> {
        kind::create::<InstanceKind>(r).await
    }

    async fn get_instance(&self, r: Request<pb::GetInstanceRequest>) -> Reply<pb::Instance> {
        kind::get::<InstanceKind>(r).await
    }

    async fn update_instance(&self, r: Request<pb::UpdateInstanceRequest>) -> Reply<pb::Instance> {
        kind::update::<InstanceKind>(r).await
    }

    async fn delete_instance(&self, r: Request<pb::DeleteInstanceRequest>) -> Reply<()> {
        kind::delete::<InstanceKind>(r).await
    }

    async fn list_instances(
        &self,
        r: Request<pb::ListInstancesRequest>,
    ) -> Reply<pb::ListInstancesResponse> {
        kind::list::<InstanceKind>(r).await
    }

    async fn start_instance(&self, r: Request<pb::StartInstanceRequest>) -> Reply<pb::Instance> {
        let db = caller(&r, InstanceKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let instance = db.instances().start(&r.id, r.expected_version).await;
        Ok(Response::new(InstanceKind::message(
            &instance.map_err(status)?,
        )))
    }

    async fn stop_instance(&self, r: Request<pb::StopInstanceRequest>) -> Reply<pb::Instance> {
        let db = caller(&r, InstanceKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let instance = db.instances().stop(&r.id, r.expected_version).await;
        Ok(Response::new(InstanceKind::message(
            &instance.map_err(status)?,
        )))
    }

    async fn create_function(&self, r: Request<pb::CreateFunctionRequest>) -> Reply<pb::Function> {
        kind::create::<FunctionKind>(r).await
    }

    async fn get_function(&self, r: Request<pb::GetFunctionRequest>) -> Reply<pb::Function> {
        kind::get::<FunctionKind>(r).await
    }

    async fn update_function(&self, r: Request<pb::UpdateFunctionRequest>) -> Reply<pb::Function> {
        kind::update::<FunctionKind>(r).await
    }

    async fn delete_function(&self, r: Request<pb::DeleteFunctionRequest>) -> Reply<()> {
        kind::delete::<FunctionKind>(r).await
    }

    async fn list_functions(
        &self,
        r: Request<pb::ListFunctionsRequest>,
    ) -> Reply<pb::ListFunctionsResponse> {
        kind::list::<FunctionKind>(r).await
    }

    async fn invoke_function(
        &self,
        r: Request<pb::InvokeFunctionRequest>,
    ) -> Reply<pb::InvokeFunctionResponse> {
        let db = caller(&r, FunctionKind::NAME, Verb::Write)?;
        let r = r.into_inner();
        let result = db.functions().invoke(&r.id, r.payload).await;
        Ok(Response::new(invocation(result.map_err(status)?)))
    }
}

//! The gRPC adapter (tonic): `clusterdb.compute.v1.ComputeService`, plus the
//! standard health and reflection services so generic gRPC tools work.
//! Handlers are thin: convert the request, call the core, convert back.

pub(crate) mod convert;
pub mod status;

use clusterdb::ClusterDb;
use clusterdb_proto::compute::v1 as pb;
use pb::{ComputeService, ComputeServiceServer};
use tonic::{Request, Response, Status};

use convert::{FunctionFields, ToProto, fleet_draft, instance_draft, list_options, next_token};
use status::status;

/// The compute service over one database.
#[derive(Clone)]
pub struct ComputeApi {
    db: ClusterDb,
}

type Reply<T> = Result<Response<T>, Status>;

fn reply<T>(message: T) -> Reply<T> {
    Ok(Response::new(message))
}

#[tonic::async_trait]
impl ComputeService for ComputeApi {
    async fn create_fleet(&self, request: Request<pb::CreateFleetRequest>) -> Reply<pb::Fleet> {
        let r = request.into_inner();
        let draft = fleet_draft(r.name, r.description, r.capacity, r.instance_type, r.tags);
        reply(
            self.db
                .fleets()
                .create(draft)
                .await
                .map_err(status)?
                .to_proto(),
        )
    }

    async fn get_fleet(&self, request: Request<pb::GetFleetRequest>) -> Reply<pb::Fleet> {
        let id = request.into_inner().id;
        reply(self.db.fleets().get(&id).await.map_err(status)?.to_proto())
    }

    async fn update_fleet(&self, request: Request<pb::UpdateFleetRequest>) -> Reply<pb::Fleet> {
        let r = request.into_inner();
        let draft = fleet_draft(r.name, r.description, r.capacity, r.instance_type, r.tags);
        let fleet = self
            .db
            .fleets()
            .update(&r.id, draft, r.expected_version)
            .await;
        reply(fleet.map_err(status)?.to_proto())
    }

    async fn delete_fleet(&self, request: Request<pb::DeleteFleetRequest>) -> Reply<()> {
        let r = request.into_inner();
        self.db
            .fleets()
            .delete(&r.id, r.expected_version)
            .await
            .map_err(status)?;
        reply(())
    }

    async fn list_fleets(
        &self,
        request: Request<pb::ListFleetsRequest>,
    ) -> Reply<pb::ListFleetsResponse> {
        let r = request.into_inner();
        let options = list_options(r.page_size, r.page_token, r.tags);
        let page = self.db.fleets().list(&options).await.map_err(status)?;
        reply(pb::ListFleetsResponse {
            fleets: page.items.iter().map(ToProto::to_proto).collect(),
            next_page_token: next_token(page.next_page_token),
        })
    }

    async fn create_instance(
        &self,
        request: Request<pb::CreateInstanceRequest>,
    ) -> Reply<pb::Instance> {
        let r = request.into_inner();
        let draft = instance_draft(r.name, r.instance_type, r.tags);
        reply(
            self.db
                .instances()
                .create(draft)
                .await
                .map_err(status)?
                .to_proto(),
        )
    }

    async fn get_instance(&self, request: Request<pb::GetInstanceRequest>) -> Reply<pb::Instance> {
        let id = request.into_inner().id;
        reply(
            self.db
                .instances()
                .get(&id)
                .await
                .map_err(status)?
                .to_proto(),
        )
    }

    async fn update_instance(
        &self,
        request: Request<pb::UpdateInstanceRequest>,
    ) -> Reply<pb::Instance> {
        let r = request.into_inner();
        let draft = instance_draft(r.name, r.instance_type, r.tags);
        let instance = self
            .db
            .instances()
            .update(&r.id, draft, r.expected_version)
            .await;
        reply(instance.map_err(status)?.to_proto())
    }

    async fn delete_instance(&self, request: Request<pb::DeleteInstanceRequest>) -> Reply<()> {
        let r = request.into_inner();
        self.db
            .instances()
            .delete(&r.id, r.expected_version)
            .await
            .map_err(status)?;
        reply(())
    }

    async fn list_instances(
        &self,
        request: Request<pb::ListInstancesRequest>,
    ) -> Reply<pb::ListInstancesResponse> {
        let r = request.into_inner();
        let mut options = list_options(r.page_size, r.page_token, r.tags);
        if !r.fleet_id.is_empty() {
            options = options.field("fleet_id", r.fleet_id);
        }
        let page = self.db.instances().list(&options).await.map_err(status)?;
        reply(pb::ListInstancesResponse {
            instances: page.items.iter().map(ToProto::to_proto).collect(),
            next_page_token: next_token(page.next_page_token),
        })
    }

    async fn start_instance(
        &self,
        request: Request<pb::StartInstanceRequest>,
    ) -> Reply<pb::Instance> {
        let r = request.into_inner();
        let instance = self.db.instances().start(&r.id, r.expected_version).await;
        reply(instance.map_err(status)?.to_proto())
    }

    async fn stop_instance(
        &self,
        request: Request<pb::StopInstanceRequest>,
    ) -> Reply<pb::Instance> {
        let r = request.into_inner();
        let instance = self.db.instances().stop(&r.id, r.expected_version).await;
        reply(instance.map_err(status)?.to_proto())
    }

    async fn create_function(
        &self,
        request: Request<pb::CreateFunctionRequest>,
    ) -> Reply<pb::Function> {
        let r = request.into_inner();
        let draft = FunctionFields {
            name: r.name,
            description: r.description,
            runtime: r.runtime,
            handler: r.handler,
            memory_mb: r.memory_mb,
            timeout_ms: r.timeout_ms,
            env: r.env,
            tags: r.tags,
        };
        reply(
            self.db
                .functions()
                .create(draft.into())
                .await
                .map_err(status)?
                .to_proto(),
        )
    }

    async fn get_function(&self, request: Request<pb::GetFunctionRequest>) -> Reply<pb::Function> {
        let id = request.into_inner().id;
        reply(
            self.db
                .functions()
                .get(&id)
                .await
                .map_err(status)?
                .to_proto(),
        )
    }

    async fn update_function(
        &self,
        request: Request<pb::UpdateFunctionRequest>,
    ) -> Reply<pb::Function> {
        let r = request.into_inner();
        let draft = FunctionFields {
            name: r.name,
            description: r.description,
            runtime: r.runtime,
            handler: r.handler,
            memory_mb: r.memory_mb,
            timeout_ms: r.timeout_ms,
            env: r.env,
            tags: r.tags,
        };
        let function = self
            .db
            .functions()
            .update(&r.id, draft.into(), r.expected_version)
            .await;
        reply(function.map_err(status)?.to_proto())
    }

    async fn delete_function(&self, request: Request<pb::DeleteFunctionRequest>) -> Reply<()> {
        let r = request.into_inner();
        self.db
            .functions()
            .delete(&r.id, r.expected_version)
            .await
            .map_err(status)?;
        reply(())
    }

    async fn list_functions(
        &self,
        request: Request<pb::ListFunctionsRequest>,
    ) -> Reply<pb::ListFunctionsResponse> {
        let r = request.into_inner();
        let options = list_options(r.page_size, r.page_token, r.tags);
        let page = self.db.functions().list(&options).await.map_err(status)?;
        reply(pb::ListFunctionsResponse {
            functions: page.items.iter().map(ToProto::to_proto).collect(),
            next_page_token: next_token(page.next_page_token),
        })
    }

    async fn invoke_function(
        &self,
        request: Request<pb::InvokeFunctionRequest>,
    ) -> Reply<pb::InvokeFunctionResponse> {
        let r = request.into_inner();
        let invocation = self
            .db
            .functions()
            .invoke(&r.id, r.payload)
            .await
            .map_err(status)?;
        reply(invocation.to_proto())
    }
}

/// Every gRPC service as an axum router: compute, health, reflection.
pub async fn router(db: ClusterDb) -> axum::Router {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ComputeServiceServer<ComputeApi>>()
        .await;
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(clusterdb_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor sets are valid");
    tonic::service::Routes::new(ComputeServiceServer::new(ComputeApi { db }))
        .add_service(health_service)
        .add_service(reflection)
        .into_axum_router()
}

//! The gRPC adapter (tonic): `clusterdb.compute.v1.ComputeService`, plus the
//! standard health and reflection services so generic gRPC tools work.
//! Handlers are thin: convert the request, call the core, convert back.

pub(crate) mod convert;
pub mod status;

use clusterdb::{ClusterDb, Kind, ListOptions, Object, Resources};
use clusterdb_proto::compute::v1 as pb;
use pb::{ComputeService, ComputeServiceServer};
use tonic::{Request, Response, Status};

use convert::{
    FunctionFields, ToProto, fleet_draft, function_update, instance_draft, list_options, next_token,
};
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

/// The generic read, delete and list of every kind.
async fn get<K: Kind, P>(service: Resources<K>, id: &str) -> Reply<P>
where
    Object<K>: ToProto<P>,
{
    reply(service.get(id).await.map_err(status)?.to_proto())
}

async fn delete<K: Kind>(service: Resources<K>, id: &str, expected: Option<u64>) -> Reply<()> {
    service.delete(id, expected).await.map_err(status)?;
    reply(())
}

/// One page as messages, and the next page token.
async fn page<K: Kind, P>(
    service: Resources<K>,
    options: &ListOptions,
) -> Result<(Vec<P>, String), Status>
where
    Object<K>: ToProto<P>,
{
    let page = service.list(options).await.map_err(status)?;
    Ok((
        page.items.iter().map(ToProto::to_proto).collect(),
        next_token(page.next_page_token),
    ))
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
        get(self.db.fleets(), &request.into_inner().id).await
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
        delete(self.db.fleets(), &r.id, r.expected_version).await
    }

    async fn list_fleets(
        &self,
        request: Request<pb::ListFleetsRequest>,
    ) -> Reply<pb::ListFleetsResponse> {
        let r = request.into_inner();
        let options = list_options(r.page_size, r.page_token, r.tags);
        let (fleets, next_page_token) = page(self.db.fleets(), &options).await?;
        reply(pb::ListFleetsResponse {
            fleets,
            next_page_token,
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
        delete(self.db.instances(), &r.id, r.expected_version).await
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
        let (instances, next_page_token) = page(self.db.instances(), &options).await?;
        reply(pb::ListInstancesResponse {
            instances,
            next_page_token,
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
        let fields = FunctionFields::from(request.into_inner());
        let function = self.db.functions().create(fields.into()).await;
        reply(function.map_err(status)?.to_proto())
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
        let (id, fields, expected) = function_update(request.into_inner());
        let function = self
            .db
            .functions()
            .update(&id, fields.into(), expected)
            .await;
        reply(function.map_err(status)?.to_proto())
    }

    async fn delete_function(&self, request: Request<pb::DeleteFunctionRequest>) -> Reply<()> {
        let r = request.into_inner();
        delete(self.db.functions(), &r.id, r.expected_version).await
    }

    async fn list_functions(
        &self,
        request: Request<pb::ListFunctionsRequest>,
    ) -> Reply<pb::ListFunctionsResponse> {
        let r = request.into_inner();
        let options = list_options(r.page_size, r.page_token, r.tags);
        let (functions, next_page_token) = page(self.db.functions(), &options).await?;
        reply(pb::ListFunctionsResponse {
            functions,
            next_page_token,
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

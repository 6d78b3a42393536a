//! gRPC over a real socket, on the shared port and on a separate one.

use clusterdb_testkit::eventually;
use std::collections::HashMap;

use clusterdb_proto::compute::v1 as pb;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::server::{Server, data_file};

/// The API documentation's Rust client example, as written there but for
/// the address, against `clusterdb-client` under the name the example
/// uses (`clusterdb = { package = "clusterdb-client" }` in an
/// application's manifest).
mod spec_example {
    use clusterdb_client as clusterdb;
    use clusterdb_client::tonic::transport::Channel;
    use std::collections::HashMap;

    type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

    use clusterdb::compute::v1::{ComputeServiceClient, CreateFleetRequest};

    pub async fn main(address: &'static str) -> Result<clusterdb::compute::v1::Fleet> {
        let channel = Channel::from_static(address).connect().await?;

        let mut client = ComputeServiceClient::new(channel);

        let request = CreateFleetRequest {
            name: "web-fleet".to_string(),
            description: "Web application fleet".to_string(),
            capacity: 3,
            instance_type: "t3.medium".to_string(),
            tags: HashMap::new(),
        };

        let response = client.create_fleet(request).await?;
        println!("Created fleet: {:?}", response);
        Ok(response.into_inner())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spec_client_example_works() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let address: &'static str = Box::leak(server.base.clone().into_boxed_str());
    // As written it sends no credentials: a clear UNAUTHENTICATED.
    let err = spec_example::main(address).await.unwrap_err();
    let status = err.downcast_ref::<tonic::Status>().expect("a gRPC status");
    assert_eq!(status.code(), Code::Unauthenticated, "{status}");
    // With the bootstrap key, the same request creates the fleet.
    let mut client = clusterdb_client::connect_grpc(&server.base, &server.key)
        .await
        .unwrap();
    let fleet = client
        .create_fleet(pb::CreateFleetRequest {
            name: "web-fleet".to_string(),
            description: "Web application fleet".to_string(),
            capacity: 3,
            instance_type: "t3.medium".to_string(),
            tags: HashMap::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(fleet.id.starts_with("fleet-"));
    assert_eq!((fleet.name.as_str(), fleet.capacity), ("web-fleet", 3));
    assert_eq!(fleet.status(), pb::FleetStatus::Active);
    assert!(fleet.created_at.is_some());
    // Made by the bootstrap admin.
    assert!(fleet.created_by.starts_with("user-"), "{fleet:?}");
    assert_eq!(fleet.updated_by, fleet.created_by);
    assert_eq!(server.terminate().code(), Some(0));
}

fn bad_request(status: &tonic::Status) -> (String, String) {
    let details = status.get_error_details();
    let violation = &details
        .bad_request()
        .expect("a BadRequest detail")
        .field_violations[0];
    (violation.field.clone(), violation.description.clone())
}

fn reason(status: &tonic::Status) -> String {
    status
        .get_error_details()
        .error_info()
        .expect("an ErrorInfo")
        .reason
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rpc_and_its_errors() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let mut c = clusterdb_client::connect_grpc(&server.base, &server.key)
        .await
        .unwrap();
    let tags = HashMap::from([("environment".to_string(), "production".to_string())]);

    // Fleets.
    let create = |name: &str, capacity: i32| pb::CreateFleetRequest {
        name: name.into(),
        description: String::new(),
        capacity,
        instance_type: "t3.medium".into(),
        tags: tags.clone(),
    };
    let mut request = tonic::Request::new(create("web", 1));
    request
        .metadata_mut()
        .insert("x-request-id", "grpc-call-1".parse().unwrap());
    let reply = c.create_fleet(request).await.unwrap();
    // The request id comes back, as on REST.
    assert_eq!(reply.metadata().get("x-request-id").unwrap(), "grpc-call-1");
    let fleet = reply.into_inner();
    let err = c.create_fleet(create("web", 1)).await.unwrap_err();
    assert!(err.metadata().get("x-request-id").is_some());
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (Code::AlreadyExists, "ALREADY_EXISTS")
    );
    for capacity in [0, -5] {
        let err = c.create_fleet(create("other", capacity)).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(
            bad_request(&err),
            ("capacity".into(), "must be greater than 0".into())
        );
    }
    let err = c
        .get_fleet(pb::GetFleetRequest {
            id: "fleet-nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    assert_eq!(
        c.get_fleet(pb::GetFleetRequest {
            id: fleet.id.clone()
        })
        .await
        .unwrap()
        .into_inner()
        .name,
        "web"
    );
    let update = |expected_version| pb::UpdateFleetRequest {
        id: fleet.id.clone(),
        name: "web".into(),
        description: "bigger".into(),
        capacity: 2,
        instance_type: "t3.medium".into(),
        tags: tags.clone(),
        expected_version,
    };
    let err = c.update_fleet(update(Some(999_999))).await.unwrap_err();
    assert_eq!(
        (err.code(), reason(&err).as_str()),
        (Code::Aborted, "CONFLICT")
    );
    assert_eq!(
        c.update_fleet(update(None))
            .await
            .unwrap()
            .into_inner()
            .capacity,
        2
    );
    c.create_fleet(create("api", 1)).await.unwrap();
    let page = c
        .list_fleets(pb::ListFleetsRequest {
            page_size: 1,
            page_token: String::new(),
            tags: tags.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.fleets.len(), 1);
    let page = c
        .list_fleets(pb::ListFleetsRequest {
            page_size: 1,
            page_token: page.next_page_token,
            tags: tags.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((page.fleets.len(), page.next_page_token.as_str()), (1, ""));
    let err = c
        .list_fleets(pb::ListFleetsRequest {
            page_size: 5000,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "page_size");
    c.delete_fleet(pb::DeleteFleetRequest {
        id: fleet.id.clone(),
        expected_version: None,
    })
    .await
    .unwrap();

    // Instances.
    let vm = c
        .create_instance(pb::CreateInstanceRequest {
            name: "vm".into(),
            instance_type: "t3.micro".into(),
            tags: HashMap::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(vm.state(), pb::InstanceState::Pending);
    let err = c
        .stop_instance(pb::StopInstanceRequest {
            id: vm.id.clone(),
            expected_version: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(
        err.get_error_details().error_info().unwrap().metadata["state"],
        "pending"
    );
    let running = c
        .start_instance(pb::StartInstanceRequest {
            id: vm.id.clone(),
            expected_version: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(running.state(), pb::InstanceState::Running);
    assert!(running.launched_at.is_some());
    let stopped = c
        .stop_instance(pb::StopInstanceRequest {
            id: vm.id.clone(),
            expected_version: Some(running.resource_version),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stopped.state(), pb::InstanceState::Stopped);
    let resized = c
        .update_instance(pb::UpdateInstanceRequest {
            id: vm.id.clone(),
            name: "vm".into(),
            instance_type: "m5.large".into(),
            tags: HashMap::new(),
            expected_version: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resized.instance_type, "m5.large");
    let listed = c
        .list_instances(pb::ListInstancesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(listed.instances.iter().any(|i| i.id == vm.id));
    c.delete_instance(pb::DeleteInstanceRequest {
        id: vm.id.clone(),
        expected_version: None,
    })
    .await
    .unwrap();
    let err = c
        .get_instance(pb::GetInstanceRequest { id: vm.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // Functions: WebAssembly text as the code bytes.
    let function = c
        .create_function(pb::CreateFunctionRequest {
            name: "upper".into(),
            runtime: "wasm".into(),
            handler: "_start".into(),
            code: clusterdb_testkit::wasm::UPPERCASE.as_bytes().to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((function.memory_mb, function.timeout_ms), (128, 3000));
    assert_eq!(
        (function.code_sha256.len(), function.max_concurrency),
        (64, 64)
    );
    let updated = c
        .update_function(pb::UpdateFunctionRequest {
            id: function.id.clone(),
            name: "upper".into(),
            runtime: "wasm".into(),
            handler: "_start".into(),
            memory_mb: 512,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.memory_mb, 512);
    assert_eq!(
        updated.code_sha256, function.code_sha256,
        "no code keeps it"
    );
    assert_eq!(
        c.list_functions(pb::ListFunctionsRequest::default())
            .await
            .unwrap()
            .into_inner()
            .functions
            .len(),
        1
    );
    let answer = c
        .invoke_function(pb::InvokeFunctionRequest {
            id: function.id.clone(),
            payload: b"grpc".to_vec(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.output, b"GRPC");
    assert_eq!(answer.status, "succeeded");
    assert!(answer.fuel_used.unwrap() > 0);
    let stats = c
        .get_function(pb::GetFunctionRequest {
            id: function.id.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .stats
        .unwrap();
    assert_eq!((stats.invocations, stats.errors), (1, 0));
    assert_eq!(
        stats
            .duration_histogram
            .iter()
            .map(|b| b.count)
            .sum::<u64>(),
        1
    );
    // A module the function may not have: the field at fault.
    let err = c
        .create_function(pb::CreateFunctionRequest {
            name: "s".into(),
            runtime: "wasm".into(),
            handler: "_start".into(),
            code: clusterdb_testkit::wasm::SOCKET.as_bytes().to_vec(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "code");
    // A failing function: UNKNOWN with FUNCTION_ERROR.
    let exit = c
        .create_function(pb::CreateFunctionRequest {
            name: "exit3".into(),
            runtime: "wasm".into(),
            handler: "_start".into(),
            code: clusterdb_testkit::wasm::EXIT3.as_bytes().to_vec(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let err = c
        .invoke_function(pb::InvokeFunctionRequest {
            id: exit.id,
            payload: Vec::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unknown);
    assert!(err.message().contains("exited with code 3"), "{err:?}");
    // The server offers no native runtime.
    let err = c
        .create_function(pb::CreateFunctionRequest {
            name: "n".into(),
            runtime: "native".into(),
            handler: "main".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "runtime");
    c.delete_function(pb::DeleteFunctionRequest {
        id: function.id.clone(),
        expected_version: None,
    })
    .await
    .unwrap();
    assert_eq!(server.terminate().code(), Some(0));
}

/// The services a reflection client of protocol `$version` (`v1` or
/// `v1alpha`, both in use by generic tools) is told about, and the file
/// descriptor it gets for ComputeService.
macro_rules! reflect {
    ($version:ident, $channel:expr) => {{
        use tonic_reflection::pb::$version::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let mut reflection = ServerReflectionClient::new($channel);
        let requests = vec![
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::ListServices(String::new())),
            },
            ServerReflectionRequest {
                host: String::new(),
                message_request: Some(MessageRequest::FileContainingSymbol(
                    "clusterdb.compute.v1.ComputeService".into(),
                )),
            },
        ];
        let mut stream = reflection
            .server_reflection_info(tokio_stream::iter(requests))
            .await
            .unwrap()
            .into_inner();
        let reply = stream.message().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
            panic!("unexpected reflection reply");
        };
        // Each reflection service lists itself; leave those out.
        let names: Vec<String> = list
            .service
            .into_iter()
            .map(|s| s.name)
            .filter(|n| !n.starts_with("grpc.reflection."))
            .collect();
        let reply = stream.message().await.unwrap().unwrap();
        let Some(MessageResponse::FileDescriptorResponse(files)) = reply.message_response else {
            panic!("unexpected reflection reply");
        };
        assert!(!files.file_descriptor_proto.is_empty());
        names
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_reflection_on_a_separate_grpc_port() {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--grpc-listen", "127.0.0.1:0"]);
    for base in [server.base.clone(), server.grpc_base.clone().unwrap()] {
        let channel = Channel::from_shared(base).unwrap().connect().await.unwrap();
        let names = reflect!(v1, channel.clone());
        assert_eq!(reflect!(v1alpha, channel.clone()), names);
        assert!(
            names
                .iter()
                .any(|n| n == "clusterdb.compute.v1.ComputeService"),
            "{names:?}"
        );
        assert!(
            names.iter().any(|n| n == "grpc.health.v1.Health"),
            "{names:?}"
        );
        // Every ClusterDB service reflection lists reports SERVING, and so
        // does the server as a whole.
        let mut health = HealthClient::new(channel);
        let ours = names.iter().filter(|n| n.starts_with("clusterdb."));
        for service in std::iter::once("").chain(ours.map(String::as_str)) {
            let reply = health
                .check(HealthCheckRequest {
                    service: service.into(),
                })
                .await
                .unwrap()
                .into_inner();
            assert_eq!(reply.status(), ServingStatus::Serving, "{service:?}");
        }
    }
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idempotency_keys_work_on_grpc_with_the_same_store() {
    let (_dir, data) = data_file();
    let server = Server::start(&data);
    let mut c = clusterdb_client::connect_grpc(&server.base, &server.key)
        .await
        .unwrap();
    let keyed = |name: &str, key: &str| {
        let mut request = tonic::Request::new(pb::CreateFleetRequest {
            name: name.into(),
            description: String::new(),
            capacity: 1,
            instance_type: "t3.medium".into(),
            tags: HashMap::new(),
        });
        request
            .metadata_mut()
            .insert("idempotency-key", key.parse().unwrap());
        request
    };
    let first = c.create_fleet(keyed("web", "g-1")).await.unwrap();
    let again = c.create_fleet(keyed("web", "g-1")).await.unwrap();
    assert_eq!(again.metadata().get("idempotent-replayed").unwrap(), "true");
    assert_eq!(again.get_ref().id, first.get_ref().id);
    let fleets = c
        .list_fleets(pb::ListFleetsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .fleets;
    assert_eq!(fleets.len(), 1, "created once");
    // Another request with the key is refused.
    let reused = c.create_fleet(keyed("api", "g-1")).await.unwrap_err();
    assert_eq!(
        (reused.code(), reason(&reused).as_str()),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED")
    );
    // A refused call keeps no record; the key then serves a good one.
    let refused = c.create_fleet(keyed("web", "g-2")).await.unwrap_err();
    assert_eq!(refused.code(), Code::AlreadyExists);
    c.create_fleet(keyed("web-2", "g-2")).await.unwrap();
    assert_eq!(server.terminate().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_service_end_to_end() {
    use clusterdb_client::BearerAuth;
    use clusterdb_proto::identity::v1 as id;
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--rate-limit", "100"]);
    let channel = tonic::transport::Endpoint::from_shared(server.base.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let as_key = |key: &str| {
        id::IdentityServiceClient::with_interceptor(channel.clone(), BearerAuth::new(key).unwrap())
    };
    let mut admin = as_key(&server.key);
    let err = admin
        .create_user(id::CreateUserRequest {
            username: "-bad".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "username");
    let err = admin
        .create_user(id::CreateUserRequest {
            username: "erin".into(),
            roles: vec!["root".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "roles");
    let erin = admin
        .create_user(id::CreateUserRequest {
            username: "erin".into(),
            email: "erin@example.com".into(),
            roles: vec!["viewer".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(erin.status(), id::UserStatus::Active);
    assert!(erin.created_by.starts_with("user-"));
    let group = admin
        .create_group(id::CreateGroupRequest {
            name: "editors".into(),
            roles: vec!["editor".into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let group = admin
        .add_group_member(id::AddGroupMemberRequest {
            group_id: group.id.clone(),
            user_id: erin.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(group.members, vec![erin.id.clone()]);

    // Erin makes her own key; with it she holds the group's editor role.
    let made = admin
        .create_api_key(id::CreateApiKeyRequest {
            user_id: erin.id.clone(),
            name: "laptop".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    let mut erin_identity = as_key(&made.key);
    let own = erin_identity
        .create_api_key(id::CreateApiKeyRequest {
            user_id: erin.id.clone(),
            name: "ci".into(),
            expires_at: None,
        })
        .await
        .unwrap()
        .into_inner();
    let listed = erin_identity
        .list_api_keys(id::ListApiKeysRequest {
            user_id: erin.id.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.api_keys.len(), 2);
    // A viewer reads users, but may not delete one.
    erin_identity
        .list_users(id::ListUsersRequest::default())
        .await
        .unwrap();
    let err = erin_identity
        .delete_user(id::DeleteUserRequest {
            id: erin.id.clone(),
            expected_version: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let mut erin_compute = clusterdb_client::connect_grpc(&server.base, &made.key)
        .await
        .unwrap();
    let response = erin_compute
        .create_fleet(pb::CreateFleetRequest {
            name: "by-erin".into(),
            capacity: 1,
            instance_type: "t3.medium".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // The rate-limit headers ride as metadata.
    assert_eq!(response.metadata().get("x-ratelimit-limit").unwrap(), "100");
    assert_eq!(response.into_inner().created_by, erin.id);

    // Revoked: refused at once.
    erin_identity
        .revoke_api_key(id::RevokeApiKeyRequest {
            user_id: erin.id.clone(),
            key_id: own.api_key.unwrap().id,
        })
        .await
        .unwrap();
    let mut revoked = as_key(&own.key);
    let err = revoked
        .list_groups(id::ListGroupsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    // Deleting the user leaves the group in the same commit.
    admin
        .delete_user(id::DeleteUserRequest {
            id: erin.id.clone(),
            expected_version: None,
        })
        .await
        .unwrap();
    let group = admin
        .get_group(id::GetGroupRequest { id: group.id })
        .await
        .unwrap()
        .into_inner();
    assert!(group.members.is_empty());
    assert_eq!(server.terminate().code(), Some(0));
}

/// The monitoring service over gRPC: push (samples and text), query with
/// summaries, alert rules with their field errors, the alert list and
/// silences.
#[tokio::test]
async fn the_monitoring_service_end_to_end() {
    use clusterdb_proto::monitoring::v1 as mpb;
    let (_dir, data) = data_file();
    let server = Server::start_with(&data, &["--alert-evaluation-interval", "1"]);
    let (channel, auth) = server.grpc().await;
    let mut client = mpb::MonitoringServiceClient::with_interceptor(channel, auth);
    let now = clusterdb::Timestamp::now().unix_millis() / 1000;
    let samples = (0..6)
        .map(|i| mpb::Sample {
            metric: "http_requests_total".into(),
            labels: HashMap::from([("code".to_string(), "500".to_string())]),
            value: (i * 120) as f64,
            timestamp: Some(prost_types::Timestamp {
                seconds: now - 50 + i * 10,
                nanos: 0,
            }),
            ..Default::default()
        })
        .collect();
    let pushed = client
        .push_samples(mpb::PushSamplesRequest {
            samples,
            service: "web-service".into(),
            text: "# TYPE queue_depth gauge\nqueue_depth 3\n".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((pushed.accepted, pushed.dropped), (7, 0));
    let err = client
        .push_samples(mpb::PushSamplesRequest {
            samples: vec![mpb::Sample {
                metric: "m".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(bad_request(&err).0, "samples[0].service");

    let answer = client
        .query_metrics(mpb::QueryMetricsRequest {
            service: "web-service".into(),
            window: "1h".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (answer.window.as_str(), answer.step.as_str()),
        ("1h", "10s")
    );
    assert_eq!(answer.resolution, "raw");
    assert_eq!(answer.series.len(), 2);
    let errors = &answer.series[0];
    assert_eq!(errors.r#type, "counter");
    assert_eq!(errors.points.len(), 6);
    assert_eq!(errors.summary.unwrap().rate, Some(12.0));
    let err = client
        .query_metrics(mpb::QueryMetricsRequest {
            service: "web-service".into(),
            window: "soon".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bad_request(&err).0, "window");

    let rule = |op: &str| mpb::CreateAlertRuleRequest {
        name: "high-error-rate".into(),
        service: "web-service".into(),
        metric: "http_requests_total".into(),
        labels: HashMap::from([("code".to_string(), "500".to_string())]),
        aggregation: "rate".into(),
        window: "5m".into(),
        op: op.into(),
        threshold: 10.0,
        severity: "critical".into(),
        summary: "5xx rate above 10/s".into(),
        ..Default::default()
    };
    let err = client.create_alert_rule(rule("=>")).await.unwrap_err();
    assert_eq!(bad_request(&err).0, "op");
    let created = client
        .create_alert_rule(rule(">"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.r#for, "0s");
    assert_eq!(created.window, "5m");
    let listed = client
        .list_alert_rules(mpb::ListAlertRulesRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.alert_rules.len(), 1);
    let alert = eventually("the alert to fire", || {
        let mut client = client.clone();
        async move {
            let alerts = client
                .list_alerts(mpb::ListAlertsRequest {
                    state: "firing".into(),
                })
                .await
                .unwrap()
                .into_inner()
                .alerts;
            alerts.into_iter().next()
        }
    })
    .await;
    assert_eq!(alert.name, "high-error-rate");
    assert_eq!(alert.rule_id, created.id);
    assert_eq!(alert.value, Some(12.0));

    let ends = prost_types::Timestamp {
        seconds: now + 3600,
        nanos: 0,
    };
    let silence = client
        .create_silence(mpb::CreateSilenceRequest {
            matchers: vec![mpb::Matcher {
                name: "alertname".into(),
                value: "high-.*".into(),
                is_regex: true,
                is_equal: None,
            }],
            ends_at: Some(ends),
            comment: "deploy".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(silence.state, "active");
    assert_eq!(silence.matchers[0].is_equal, Some(true));
    let expired = client
        .expire_silence(mpb::ExpireSilenceRequest { id: silence.id })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(expired.state, "expired");
    client
        .delete_alert_rule(mpb::DeleteAlertRuleRequest {
            id: created.id,
            expected_version: None,
        })
        .await
        .unwrap();
    let alerts = client
        .list_alerts(mpb::ListAlertsRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(alerts.alerts.is_empty());
}

//! ClusterDB's protobuf messages and gRPC services, generated at build time
//! from `proto/` with protox and tonic-prost-build.

/// `clusterdb.compute.v1`.
pub mod compute {
    /// Version 1 of the compute API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.compute.v1");

        pub use compute_service_client::ComputeServiceClient;
        #[cfg(feature = "server")]
        pub use compute_service_server::{ComputeService, ComputeServiceServer};
    }
}

/// `clusterdb.identity.v1`.
pub mod identity {
    /// Version 1 of the identity API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.identity.v1");

        pub use identity_service_client::IdentityServiceClient;
        #[cfg(feature = "server")]
        pub use identity_service_server::{IdentityService, IdentityServiceServer};
    }
}

/// `clusterdb.mesh.v1`.
pub mod mesh {
    /// Version 1 of the mesh API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.mesh.v1");

        pub use mesh_service_client::MeshServiceClient;
        #[cfg(feature = "server")]
        pub use mesh_service_server::{MeshService, MeshServiceServer};
    }
}

/// `clusterdb.admin.v1`.
pub mod admin {
    /// Version 1 of the administration API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.admin.v1");

        pub use admin_service_client::AdminServiceClient;
        #[cfg(feature = "server")]
        pub use admin_service_server::{AdminService, AdminServiceServer};
    }
}

/// `clusterdb.events.v1`.
pub mod events {
    /// Version 1 of the event API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.events.v1");

        pub use event_service_client::EventServiceClient;
        #[cfg(feature = "server")]
        pub use event_service_server::{EventService, EventServiceServer};
    }
}

/// `clusterdb.monitoring.v1`.
pub mod monitoring {
    /// Version 1 of the monitoring API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.monitoring.v1");

        pub use monitoring_service_client::MonitoringServiceClient;
        #[cfg(feature = "server")]
        pub use monitoring_service_server::{MonitoringService, MonitoringServiceServer};
    }
}

/// `clusterdb.webhooks.v1`.
pub mod webhooks {
    /// Version 1 of the webhook API.
    pub mod v1 {
        #![allow(missing_docs, clippy::large_enum_variant)]
        tonic::include_proto!("clusterdb.webhooks.v1");

        pub use webhook_service_client::WebhookServiceClient;
        #[cfg(feature = "server")]
        pub use webhook_service_server::{WebhookService, WebhookServiceServer};
    }
}

/// The encoded `FileDescriptorSet` of every ClusterDB service, for gRPC
/// reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/clusterdb_descriptor.bin"));

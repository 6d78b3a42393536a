//! Compiles the .proto files with protox (pure Rust: no protoc needed) and
//! generates prost messages and tonic services, plus the descriptor set
//! that the reflection service serves.

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protos = [
        "proto/clusterdb/compute/v1/compute.proto",
        "proto/clusterdb/identity/v1/identity.proto",
        "proto/clusterdb/mesh/v1/mesh.proto",
        "proto/clusterdb/events/v1/events.proto",
        "proto/clusterdb/webhooks/v1/webhooks.proto",
        "proto/clusterdb/monitoring/v1/monitoring.proto",
        "proto/clusterdb/admin/v1/admin.proto",
    ];
    for proto in protos {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(protos, ["proto"])?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("clusterdb_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    // The servers only with the `server` feature: a client needs none.
    let servers = std::env::var_os("CARGO_FEATURE_SERVER").is_some();
    tonic_prost_build::configure()
        .build_server(servers)
        .compile_fds(descriptors)?;
    Ok(())
}

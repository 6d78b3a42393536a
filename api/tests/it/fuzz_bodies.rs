//! The API fuzz targets' bodies over a corpus, its truncations and bit
//! flips, and random bytes: none may panic.

use clusterdb_api::fuzzing;
use clusterdb_proto::compute::v1 as pb;
use proptest::prelude::*;
use prost::Message;

fn corpus() -> Vec<Vec<u8>> {
    let fleet = pb::CreateFleetRequest {
        name: "web".into(),
        description: "d".into(),
        capacity: 3,
        instance_type: "t3.medium".into(),
        tags: [("environment".to_string(), "production".to_string())].into(),
    };
    vec![
        br#"{"name":"web-fleet","description":"x","capacity":3,"instance_type":"t3.medium","tags":{"environment":"production"}}"#.to_vec(),
        br#"{"name":"f","runtime":"native","handler":"h","memory_mb":128,"env":{"A":"b"}}"#.to_vec(),
        b"page_size=10&page_token=djE6ZmxlZXQtMDE&tag=env:prod&fleet_id=fleet-1".to_vec(),
        b"\"42\"".to_vec(),
        b"application/json;version=v2beta1".to_vec(),
        fleet.encode_to_vec(),
        pb::ListInstancesRequest { page_size: 5, page_token: "t".into(), tags: Default::default(), fleet_id: "f".into() }.encode_to_vec(),
    ]
}

fn run_all(data: &[u8]) {
    fuzzing::rest_body(data);
    fuzzing::list_query(data);
    fuzzing::headers(data);
    fuzzing::grpc_request(data);
}

#[test]
fn corpus_truncations_and_bit_flips_never_panic() {
    for input in corpus() {
        clusterdb_testkit::each_mutation(&input, run_all);
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        run_all(&data);
    }
}

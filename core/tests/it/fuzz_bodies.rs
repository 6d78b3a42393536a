//! The fuzz targets' bodies over a corpus of valid, truncated and mutated
//! inputs, plus random bytes: none may panic.

use clusterdb::fuzzing;
use clusterdb::{Draft, FleetKind};
use proptest::prelude::*;

use crate::support::{fleet, quiet_db};

/// Real records and tokens, so mutations start from meaningful bytes.
async fn corpus() -> Vec<Vec<u8>> {
    let db = quiet_db().await;
    let f = db
        .fleets()
        .create(fleet("web", 3).tag("environment", "production"))
        .await
        .unwrap();
    db.instances()
        .create(Draft::new(
            "vm",
            clusterdb::InstanceSpec {
                instance_type: "t3.micro".into(),
            },
        ))
        .await
        .unwrap();
    let mut corpus = Vec::new();
    for record in db.engine().events_since(0, 100).await.unwrap() {
        corpus.push(record.payload);
    }
    let object = db
        .engine()
        .get(format!("o/fleet/{}", f.id()).as_bytes())
        .await
        .unwrap()
        .unwrap();
    corpus.push(object.value);
    let events = db.events().list(0, 10).await.unwrap();
    assert!(events[0].object::<FleetKind>().unwrap().is_some());
    corpus.push(b"djE6ZmxlZXQtMDFhYmM".to_vec());
    let tokens = db.tokens("https://cdb.test").await.unwrap();
    let issued = tokens
        .issue("oauthclient-1", &["compute:read".to_string()].into())
        .await
        .unwrap();
    corpus.push(issued.access_token.into_bytes());
    corpus.push(Vec::new());
    // A pushed exposition, and a stored metrics block.
    corpus.push(
        b"# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",path=\"a\\\"b\"} 1027 1764000000000\nup 1\n"
            .to_vec(),
    );
    db.monitoring()
        .push(vec![clusterdb::monitoring::Sample::new(
            clusterdb::monitoring::SeriesKey::new("web", "up").label("code", "200"),
            1.0,
        )])
        .await
        .unwrap();
    db.monitoring().flush().await.unwrap();
    let blocks = db.engine().range(b"m/d/", None, 10).await.unwrap();
    assert!(!blocks.entries.is_empty());
    corpus.extend(blocks.entries.into_iter().map(|(_, entry)| entry.value));
    // Function code: WebAssembly text and a binary module.
    corpus.push(clusterdb_testkit::wasm::ECHO.as_bytes().to_vec());
    corpus.push(clusterdb_testkit::wasm::ENV.as_bytes().to_vec());
    corpus.push(
        db.functions()
            .upload_code("wasm", "_start", clusterdb_testkit::wasm::ECHO.as_bytes())
            .await
            .map(|module| module.sha256.into_bytes())
            .unwrap(),
    );
    corpus.push({
        use clusterdb::FunctionRuntime as _;
        clusterdb::compute::WasmRuntime::new()
            .prepare_code(clusterdb_testkit::wasm::UPPERCASE.as_bytes(), "_start")
            .unwrap()
    });
    corpus
}

fn run_all(data: &[u8]) {
    fuzzing::stored_object(data);
    fuzzing::stored_event(data);
    fuzzing::page_token(data);
    fuzzing::credential(data);
    fuzzing::function_code(data);
    fuzzing::metrics_text(data);
}

#[tokio::test]
async fn corpus_truncations_and_bit_flips_never_panic() {
    for input in corpus().await {
        clusterdb_testkit::each_mutation(&input, run_all);
    }
}

proptest! {
    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..256)) {
        run_all(&data);
    }
}

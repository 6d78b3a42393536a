//! Repository hygiene (rust-analyzer's `tidy`): no loop of imports between
//! the files of any crate, and every path ARCHITECTURE.md names exists.
//! Run alone: `cargo test -p clusterdb-testkit --test tidy`.

use std::path::{Path, PathBuf};

use clusterdb_testkit::tidy::Graph;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The crates whose files must not import each other in a loop.
const CRATES: [&str; 7] = [
    "storage", "core", "api", "bin", "proto", "client", "testkit",
];

#[test]
fn no_file_imports_itself_through_others() {
    let root = root();
    let mut report = String::new();
    for name in CRATES {
        let graph = Graph::of_crate(&root, &root.join(name).join("src"));
        for cycle in graph.cycles() {
            report.push_str(&format!(
                "\n{} files in a loop: {}\n",
                cycle.files.len(),
                cycle.files.join(", ")
            ));
            for tie in cycle.ties {
                report.push_str(&format!("  {tie}\n"));
            }
        }
    }
    assert!(report.is_empty(), "import loops between files:{report}");
}

/// `clusterdb-client` is a client only: what it compiles (its normal
/// dependencies, with the features they are built with) holds no HTTP or
/// gRPC server, no store, no WebAssembly runtime, and no server crate.
#[test]
fn the_client_crate_holds_no_server() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--locked", "-p", "clusterdb-client"])
        .args(["-e", "normal,features", "--prefix", "none"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let tree = String::from_utf8(output.stdout).unwrap();
    let packages: std::collections::BTreeSet<&str> = tree
        .lines()
        .filter(|line| !line.contains(" feature \""))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    for needed in [
        "clusterdb-client",
        "clusterdb-proto",
        "reqwest",
        "tonic",
        "hyper",
    ] {
        assert!(packages.contains(needed), "{needed} missing from:\n{tree}");
    }
    for server in [
        "axum",
        "axum-core",
        "redb",
        "wasmi",
        "clusterdb",
        "clusterdb-storage",
        "clusterdb-api",
        "tonic-health",
        "tonic-reflection",
        "utoipa",
    ] {
        assert!(
            !packages.contains(server),
            "the client builds {server}:\n{tree}"
        );
    }
    for feature in [
        "hyper feature \"server\"",
        "hyper-util feature \"server\"",
        "tonic feature \"server\"",
        "tonic feature \"router\"",
        "clusterdb-proto feature \"server\"",
    ] {
        assert!(
            !tree.contains(feature),
            "the client builds {feature}:\n{tree}"
        );
    }
}

/// The files of each crate by level (`cargo test -p clusterdb-testkit
/// --test tidy -- --nocapture levels` prints them): a reading order,
/// bottom up.
#[test]
fn levels() {
    let root = root();
    for name in CRATES {
        let graph = Graph::of_crate(&root, &root.join(name).join("src"));
        let mut levels = graph.levels();
        levels.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut line = String::new();
        let mut current = usize::MAX;
        println!("{name}:");
        for (path, level) in levels {
            if level != current {
                if !line.is_empty() {
                    println!("{line}");
                }
                line = format!("  {level}:");
                current = level;
            }
            line.push(' ');
            line.push_str(path.trim_start_matches(&format!("{name}/src/")));
        }
        println!("{line}");
    }
}

/// Every repository path ARCHITECTURE.md names in backticks exists: a
/// file (`core/src/db.rs`, or `identity/policy.rs` inside a crate's
/// section: from the repository root, a crate's root or its `src/`; a bare
/// `name.rs` anywhere) or a folder (`bin/tests/`). Store keys such as
/// `s/master-key` are not paths.
#[test]
fn the_architecture_map_names_paths_that_exist() {
    const EXTENSIONS: [&str; 9] = [
        ".rs", ".md", ".toml", ".proto", ".sh", ".lua", ".txt", ".wat", ".json",
    ];
    let root = root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut bases = vec![root.clone()];
    for krate in CRATES.iter().chain(["benches", "fuzz"].iter()) {
        bases.push(root.join(krate));
        bases.push(root.join(krate).join("src"));
    }
    let mut missing = Vec::new();
    for (n, chunk) in text.split('`').enumerate() {
        // Odd chunks are inside backticks.
        if n % 2 == 0 || chunk.starts_with('.') || chunk.contains([' ', '{', '*', '<', ':', '\n']) {
            continue;
        }
        let file = EXTENSIONS.iter().any(|e| chunk.ends_with(e));
        let folder = chunk.ends_with('/')
            && chunk
                .split('/')
                .next()
                .is_some_and(|first| root.join(first).is_dir());
        if !file && !folder {
            continue;
        }
        let found = if chunk.contains('/') {
            bases.iter().any(|base| base.join(chunk).exists())
        } else {
            exists_anywhere(&root, chunk)
        };
        if !found {
            missing.push(chunk.to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

/// Whether a file called `name` is anywhere in the repository (outside
/// `target/` and hidden folders).
fn exists_anywhere(dir: &Path, name: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        if path.is_dir() {
            !file_name.starts_with('.') && file_name != "target" && exists_anywhere(&path, name)
        } else {
            file_name == name
        }
    })
}

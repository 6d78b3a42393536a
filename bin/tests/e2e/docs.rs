//! The documentation's shell examples, run against the real binary.
//!
//! Every ```` ```bash ```` block of `README.md` and `docs/*.md` runs, in the
//! order of its page, in one `bash` per page (so a variable set in one block
//! is there in the next, as for a reader following the page): a fresh
//! server on a free port (`localhost:7070` and `127.0.0.1:7070` in the text
//! become its address), its data file `clusterdb.redb` in the page's own
//! working directory, `HOME` that directory and `clusterdb` on `PATH`.
//! `set -euo pipefail` is on and `curl` fails on an HTTP error
//! (`--fail-with-body`), so a stale example fails the test. A block whose
//! info string carries `ignore` (```` ```bash ignore ````) is shown, not run:
//! those start servers, build code or need hosts the test does not have.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{Server, isolate};

/// How long one page's examples may take.
const PAGE_LIMIT: Duration = Duration::from_secs(180);

/// A runnable block: the line of its opening fence and its text.
#[derive(Debug, PartialEq)]
struct Block {
    line: usize,
    text: String,
}

/// The ```` ```bash ```` blocks of `markdown` that are not marked `ignore`.
fn runnable_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, bool, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        match open.take() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    let runs = words.next() == Some("bash") && !words.any(|w| w == "ignore");
                    open = Some((index + 1, runs, String::new()));
                }
            }
            Some((start, runs, text)) if trimmed.starts_with("```") => {
                if runs {
                    blocks.push(Block { line: start, text });
                }
            }
            Some((start, runs, mut text)) => {
                text.push_str(line);
                text.push('\n');
                open = Some((start, runs, text));
            }
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    blocks
}

/// The script that runs a page's blocks against the server at `address`.
fn script(page: &str, blocks: &[Block], address: &str) -> String {
    let mut script = String::from(
        "set -euo pipefail\n\
         curl() { command curl --fail-with-body \"$@\"; }\n",
    );
    script.push_str(&format!(
        "trap 'echo \"docs: {page}:$DOC_LINE: failed: $BASH_COMMAND\" >&2' ERR\n"
    ));
    for block in blocks {
        script.push_str(&format!("DOC_LINE={}\n", block.line));
        let text = block
            .text
            .replace("localhost:7070", address)
            .replace("127.0.0.1:7070", address);
        script.push_str(&text);
        script.push_str("echo\n");
    }
    script
}

/// Runs `page`'s examples; `Err` says which failed, with the output.
fn run_page(root: &Path, page: &str) -> Result<usize, String> {
    let markdown = std::fs::read_to_string(root.join(page)).unwrap();
    let blocks = runnable_blocks(&markdown);
    if blocks.is_empty() {
        return Ok(0);
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("clusterdb.redb");
    let server = Server::start_with(&data, &["--webhook-allow-private"]);
    let address = server.base.trim_start_matches("http://").to_string();
    let script = script(page, &blocks, &address);
    std::fs::write(dir.path().join("examples.sh"), &script).unwrap();

    let binary = PathBuf::from(env!("CARGO_BIN_EXE_clusterdb"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    isolate(&mut command, &data);
    let output = tempfile::tempfile().unwrap();
    let mut child = command
        .arg("examples.sh")
        .current_dir(dir.path())
        .env("PATH", path)
        .env("COLUMNS", "100")
        .stdin(Stdio::null())
        .stdout(output.try_clone().unwrap())
        .stderr(output.try_clone().unwrap())
        .spawn()
        .expect("bash runs");
    let deadline = Instant::now() + PAGE_LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::new();
    let mut output = output;
    std::io::Seek::rewind(&mut output).unwrap();
    output.read_to_string(&mut log).unwrap();
    drop(server);
    match status {
        Some(status) if status.success() => {
            eprintln!("---- {page}\n{log}");
            Ok(blocks.len())
        }
        Some(status) => Err(format!("{page}: {status}\n{log}")),
        None => Err(format!("{page}: still running after {PAGE_LIMIT:?}\n{log}")),
    }
}

/// The pages whose examples run: the README and every page under `docs/`.
fn pages(root: &Path) -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn tools_present() -> bool {
    ["curl", "jq", "python3"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn every_shell_example_in_the_documentation_runs() {
    if !tools_present() {
        // CI installs them and sets this, so there the examples always run.
        assert!(
            std::env::var_os("CLUSTERDB_DOCS_REQUIRE_TOOLS").is_none(),
            "the documentation's examples need curl, jq and python3"
        );
        eprintln!("skipped: the documentation's examples need curl, jq and python3");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let pages = pages(root);
    let results: Vec<(String, Result<usize, String>)> = std::thread::scope(|scope| {
        let runs: Vec<_> = pages
            .iter()
            .map(|page| (page, scope.spawn(|| run_page(root, page))))
            .collect();
        runs.into_iter()
            .map(|(page, run)| (page.clone(), run.join().unwrap()))
            .collect()
    });
    let mut failures = Vec::new();
    for (page, result) in results {
        match result {
            Ok(count) => eprintln!("{page}: {count} examples ran"),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every `serve` flag is described in `docs/operations.md`.
#[test]
fn every_serve_flag_is_in_the_operations_guide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let guide = std::fs::read_to_string(root.join("docs/operations.md")).unwrap();
    let help = Command::new(env!("CARGO_BIN_EXE_clusterdb"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let own = help.split("Global options:").next().unwrap();
    let missing: Vec<&str> = own
        .split_whitespace()
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .map(|word| word.trim_end_matches(|c: char| !c.is_alphanumeric()))
        .filter(|flag| *flag != "--help" && !guide.contains(&format!("`{flag}")))
        .collect();
    assert!(missing.is_empty(), "not in docs/operations.md: {missing:?}");
}

#[test]
fn blocks_are_found_by_their_info_string() {
    let page = "text\n```bash\necho one\n```\n```bash ignore\nserve\n```\n```json\n{}\n```\n  ```bash\n  echo two\n  ```\n";
    assert_eq!(
        runnable_blocks(page),
        vec![
            Block {
                line: 2,
                text: "echo one\n".into()
            },
            Block {
                line: 11,
                text: "  echo two\n".into()
            },
        ]
    );
}

/// Relative links of the README and `docs/` name files in the repository
/// (a clone has nothing outside it).
#[test]
fn documentation_links_stay_inside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = root.canonicalize().unwrap();
    let mut broken = Vec::new();
    for page in pages(&root) {
        let markdown = std::fs::read_to_string(root.join(&page)).unwrap();
        let dir = root.join(&page).parent().unwrap().to_path_buf();
        for target in markdown
            .split("](")
            .skip(1)
            .filter_map(|s| s.split(')').next())
        {
            if target.contains("://") || target.starts_with('#') || target.starts_with("mailto:") {
                continue;
            }
            let file = target.split('#').next().unwrap();
            match dir.join(file).canonicalize() {
                Ok(path) if path.starts_with(&root) => {}
                _ => broken.push(format!("{page}: {target}")),
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that leave the repository or name nothing: {broken:?}"
    );
}

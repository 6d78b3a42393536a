//! `clusterdb mesh`: apply, read and delete virtual services and security
//! policies (Kubernetes-style YAML, Istio's documents too), diff files
//! against the server, and ask what a request would do.

use clap::{Args, Subcommand};
use clusterdb_client::Resource;
use clusterdb_client::{Applied, Client, ClientError, Json};
use clusterdb_client::{SecurityPolicies, VirtualServices};
use serde_json::{Map, Value, json};

use super::CliError;
use super::args::ListArgs;
use super::args::key_value;
use super::manifest::{self, Manifest, MeshKind};
use super::output::{self, Cell, Column, Format};
use super::resource::{self, CliKind, number};

impl CliKind for VirtualServices {
    const COLUMNS: &'static [Column] = &[
        Column::new("NAMESPACE", Cell::Field("namespace")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("HOSTS", Cell::List("hosts")).shortened(),
        Column::new("GATEWAYS", Cell::List("gateways")),
        Column::new("ROUTES", Cell::Count("http_routes")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("ID", Cell::Field("id")),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

impl CliKind for SecurityPolicies {
    const COLUMNS: &'static [Column] = &[
        Column::new("NAMESPACE", Cell::Field("namespace")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("ACTION", Cell::Field("action")),
        Column::new("SELECTOR", Cell::Map("selector.match_labels")),
        Column::new("RULES", Cell::Count("rules")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("ID", Cell::Field("id")),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

/// What `mesh apply --help` shows after the options: a document that
/// applies as it is when pasted into a file.
const APPLY_HELP: &str = "Documents (several per file, separated by ---):

  apiVersion: clusterdb.io/v1
  kind: VirtualService            # or SecurityPolicy
  metadata: {name: web-vs, namespace: default, labels: {app: web}}
  spec:
    hosts: [web.example.com]
    http_routes:                  # Istio's `http` works too
      - route:
          - destination: {host: web, port: {number: 8080}}

Istio's networking.istio.io VirtualService and security.istio.io
AuthorizationPolicy documents are accepted as they are.

Example:
  clusterdb mesh apply -f virtual-service.yaml
  clusterdb mesh apply -f mesh/ --dry-run=server";

/// `clusterdb mesh`.
#[derive(Subcommand)]
pub enum MeshCommand {
    /// Create or update the mesh resources of YAML documents.
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// Show a virtual service or security policy.
    #[command(after_help = "Example:\n  clusterdb mesh get virtual-service web-vs -o yaml")]
    Get {
        /// `virtual-service` (`vs`) or `security-policy` (`sp`).
        kind: MeshKind,
        /// Its name.
        name: String,
        /// Its namespace.
        #[arg(short = 'n', long, default_value = "default")]
        namespace: String,
    },
    /// List virtual services or security policies.
    #[command(after_help = "Example:\n  clusterdb mesh list virtual-services -n prod")]
    List {
        /// `virtual-services` or `security-policies`.
        kind: MeshKind,
        /// Only this namespace (default: all).
        #[arg(short = 'n', long)]
        namespace: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Delete a virtual service or security policy.
    #[command(after_help = "Example:\n  clusterdb mesh delete virtual-service web-vs -n default")]
    Delete {
        /// `virtual-service` or `security-policy`.
        kind: MeshKind,
        /// Its name.
        name: String,
        /// Its namespace.
        #[arg(short = 'n', long, default_value = "default")]
        namespace: String,
    },
    /// Show how the server's resources differ from the files: nothing and
    /// exit 0 when they match, the differences and exit 1 when not (as
    /// `diff` and `kubectl diff`).
    #[command(after_help = "Example:\n  clusterdb mesh diff -f virtual-service.yaml")]
    Diff {
        /// A file, a directory, or - for stdin (repeatable).
        #[arg(short = 'f', long = "filename", value_name = "FILE", required = true)]
        files: Vec<String>,
    },
    /// Which virtual service, rule and destinations a request would get.
    #[command(
        after_help = "Example:\n  clusterdb mesh resolve --host web.example.com --path /api/orders --header x-beta=1"
    )]
    Resolve(ResolveArgs),
    /// Whether the security policies allow a request, and which decides.
    #[command(
        after_help = "Example:\n  clusterdb mesh check -n shop --label app=api \\\n    --principal cluster.local/ns/web/sa/frontend --method GET --path /api/items"
    )]
    Check(CheckArgs),
}

/// `mesh apply`.
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// A file, a directory (its .yaml, .yml and .json files), or - for
    /// stdin (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "FILE", required = true)]
    files: Vec<String>,
    /// `server`: the server validates and reports what it would do,
    /// writing nothing; `none` (default) applies.
    #[arg(long, value_name = "MODE", value_parser = ["none", "server"], default_value = "none")]
    dry_run: String,
    /// Skip documents of Istio kinds ClusterDB does not store (a Gateway,
    /// a DestinationRule, …) silently. Without it each is reported and
    /// the exit code is 1, after the other documents are applied.
    #[arg(long)]
    skip_unknown: bool,
}

/// `mesh resolve`.
#[derive(Debug, Clone, Args)]
pub struct ResolveArgs {
    /// The host.
    #[arg(long)]
    host: String,
    /// The path, with its query string.
    #[arg(long, default_value = "/")]
    path: String,
    /// The method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// A header, name=value (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = key_value)]
    headers: Vec<(String, String)>,
    /// The port it came to.
    #[arg(long)]
    port: Option<String>,
    /// The gateway it came through (default: mesh).
    #[arg(long)]
    gateway: Option<String>,
}

/// `mesh check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The workload's namespace (its policies apply).
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// A workload label, key=value (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = key_value)]
    labels: Vec<(String, String)>,
    /// The caller's principal.
    #[arg(long, default_value = "")]
    principal: String,
    /// The caller's namespace (default: from the principal).
    #[arg(long)]
    source_namespace: Option<String>,
    /// The caller's IP address.
    #[arg(long)]
    ip: Option<String>,
    /// The host called.
    #[arg(long, default_value = "")]
    host: String,
    /// The method.
    #[arg(long, default_value = "GET")]
    method: String,
    /// The path.
    #[arg(long, default_value = "/")]
    path: String,
    /// The port called.
    #[arg(long)]
    port: Option<String>,
    /// A header, name=value (repeatable).
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = key_value)]
    headers: Vec<(String, String)>,
}

fn object(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Runs `clusterdb mesh …`.
pub async fn run(command: MeshCommand, client: &Client, format: Format) -> Result<(), CliError> {
    match command {
        MeshCommand::Apply(args) => apply(client, format, &args).await,
        MeshCommand::Get {
            kind,
            name,
            namespace,
        } => match kind {
            MeshKind::VirtualService => {
                get::<VirtualServices>(client, format, &namespace, &name).await
            }
            MeshKind::SecurityPolicy => {
                get::<SecurityPolicies>(client, format, &namespace, &name).await
            }
        },
        MeshCommand::List {
            kind,
            namespace,
            list,
        } => {
            let mut query = resource::tag_filters(&list.tags);
            if let Some(namespace) = namespace {
                query.push(("namespace".into(), namespace));
            }
            match kind {
                MeshKind::VirtualService => {
                    resource::list::<VirtualServices>(client, format, query, &list.paging).await
                }
                MeshKind::SecurityPolicy => {
                    resource::list::<SecurityPolicies>(client, format, query, &list.paging).await
                }
            }
        }
        MeshCommand::Delete {
            kind,
            name,
            namespace,
        } => {
            match kind {
                MeshKind::VirtualService => {
                    resource::calls::<VirtualServices>(client)
                        .delete_in(&namespace, &name)
                        .await?;
                }
                MeshKind::SecurityPolicy => {
                    resource::calls::<SecurityPolicies>(client)
                        .delete_in(&namespace, &name)
                        .await?;
                }
            }
            Ok(output::note(
                format,
                &format!(
                    "{}/{name} deleted from namespace {namespace}",
                    kind.as_str()
                ),
            )?)
        }
        MeshCommand::Diff { files } => diff(client, &files).await,
        MeshCommand::Resolve(args) => {
            let mut body = json!({
                "host": args.host, "path": args.path, "method": args.method,
                "headers": object(&args.headers),
            });
            if let Some(port) = &args.port {
                body["port"] = number(port);
            }
            if let Some(gateway) = args.gateway {
                body["gateway"] = Value::String(gateway);
            }
            let answer: Json = client.query("mesh/routes:resolve", &body).await?;
            resolution(format, &answer)
        }
        MeshCommand::Check(args) => {
            let mut body = json!({
                "namespace": args.namespace, "labels": object(&args.labels),
                "principal": args.principal, "host": args.host, "method": args.method,
                "path": args.path, "headers": object(&args.headers),
            });
            if let Some(namespace) = args.source_namespace {
                body["source_namespace"] = Value::String(namespace);
            }
            if let Some(ip) = args.ip {
                body["ip"] = Value::String(ip);
            }
            if let Some(port) = &args.port {
                body["port"] = number(port);
            }
            let answer: Json = client.query("mesh/security-policies:check", &body).await?;
            decision(format, &answer)
        }
    }
}

async fn get<K: CliKind>(
    client: &Client,
    format: Format,
    namespace: &str,
    name: &str,
) -> Result<(), CliError> {
    let json = resource::calls::<K>(client).get_in(namespace, name).await?;
    Ok(output::object(format, K::COLUMNS, &json)?)
}

/// Applies (or plans) one document.
async fn apply_one<K: Resource>(
    client: &Client,
    m: &Manifest,
    dry_run: bool,
) -> Result<Applied<Json>, ClientError> {
    let calls = resource::calls::<K>(client);
    if dry_run {
        calls.plan(&m.namespace, &m.name, &m.body, None).await
    } else {
        calls.apply(&m.namespace, &m.name, &m.body, None).await
    }
}

/// `mesh apply`: every document, each reported; the failures (located in
/// their file) make the exit code 1 after the others are applied.
async fn apply(client: &Client, format: Format, args: &ApplyArgs) -> Result<(), CliError> {
    let documents = manifest::read_all(&args.files)?;
    let manifests = documents.manifests;
    let dry_run = args.dry_run == "server";
    let mut results = Vec::new();
    let mut failed = 0;
    for m in &manifests {
        let applied = match m.kind {
            MeshKind::VirtualService => apply_one::<VirtualServices>(client, m, dry_run).await,
            MeshKind::SecurityPolicy => apply_one::<SecurityPolicies>(client, m, dry_run).await,
        };
        match applied {
            Ok(applied) => {
                let suffix = if dry_run { " (server dry run)" } else { "" };
                output::note(
                    format,
                    &format!("{}/{} {}{suffix}", m.kind.as_str(), m.name, applied.outcome),
                )?;
                results.push(json!({
                    "kind": m.kind.as_str(), "namespace": m.namespace, "name": m.name,
                    "outcome": applied.outcome, "dry_run": dry_run,
                }));
            }
            Err(err @ ClientError::Api { .. }) => {
                failed += 1;
                let field = match &err {
                    ClientError::Api { details, .. } => details
                        .get("field")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => None,
                };
                let error = CliError::Api(err);
                eprintln!("{}: {}", m.locate(field.as_deref()), error.line());
                results.push(json!({
                    "kind": m.kind.as_str(), "namespace": m.namespace, "name": m.name,
                    "file": m.file, "document": m.index, "line": m.line_of(field.as_deref().unwrap_or("")),
                    "error": error.api_error_value(),
                }));
            }
            Err(other) => return Err(other.into()),
        }
    }
    let total = manifests.len() + documents.skipped.len();
    if !args.skip_unknown {
        for skipped in &documents.skipped {
            failed += 1;
            eprintln!(
                "{}: skipped: {} is not a kind ClusterDB stores (--skip-unknown skips such documents silently)",
                skipped.locate(),
                skipped.what
            );
            results.push(json!({
                "file": skipped.file, "document": skipped.index, "line": skipped.line,
                "skipped": skipped.what,
            }));
        }
    }
    if matches!(format, Format::Json | Format::Yaml) {
        let json =
            serde_json::value::to_raw_value(&results).map_err(|e| CliError::Failed(e.into()))?;
        output::raw(format, &json)?;
    }
    if failed > 0 {
        return Err(CliError::Reported(format!(
            "{failed} of {total} documents were not applied"
        )));
    }
    Ok(())
}

/// The fields of `value` the input of `K` has, normalized through its
/// input type (defaults filled in), as YAML lines.
fn comparable<K: CliKind>(value: &Value) -> Result<Vec<String>, CliError> {
    let fields = resource::input_fields::<K>();
    let projected: Map<String, Value> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| fields.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let input: K::Input = serde_json::from_value(Value::Object(projected))
        .map_err(|e| CliError::Usage(format!("not a valid {}: {e}", K::SINGULAR)))?;
    let text = serde_saphyr::to_string(&input).map_err(|e| CliError::Failed(e.into()))?;
    Ok(text.lines().map(str::to_string).collect())
}

async fn diff_one<K: CliKind>(client: &Client, m: &Manifest) -> Result<Option<String>, CliError> {
    let desired = comparable::<K>(&m.body)
        .map_err(|e| CliError::Usage(format!("{}: {e}", m.locate(None))))?;
    let live = match resource::calls::<K>(client)
        .get_in(&m.namespace, &m.name)
        .await
    {
        Ok(json) => {
            let value: Value =
                serde_json::from_str(json.get()).map_err(|e| CliError::Failed(e.into()))?;
            comparable::<K>(&value)?
        }
        Err(err) if err.code() == Some("NOT_FOUND") => Vec::new(),
        Err(err) => return Err(err.into()),
    };
    if live == desired {
        return Ok(None);
    }
    let title = format!("{}/{}/{}", m.kind.as_str(), m.namespace, m.name);
    let mut text = format!("--- {title} (live)\n+++ {title} ({})\n", m.file);
    for line in line_diff(&live, &desired) {
        text.push_str(&line);
        text.push('\n');
    }
    Ok(Some(text))
}

/// `mesh diff`.
async fn diff(client: &Client, files: &[String]) -> Result<(), CliError> {
    // Documents of kinds ClusterDB does not store have nothing to compare.
    let manifests = manifest::read_all(files)?.manifests;
    let mut out = String::new();
    for m in &manifests {
        let text = match m.kind {
            MeshKind::VirtualService => diff_one::<VirtualServices>(client, m).await?,
            MeshKind::SecurityPolicy => diff_one::<SecurityPolicies>(client, m).await?,
        };
        out.extend(text);
    }
    print!("{out}");
    if !out.is_empty() {
        return Err(CliError::Differences);
    }
    Ok(())
}

/// A line diff (longest common subsequence): ` ` kept, `-` only in `a`,
/// `+` only in `b`.
pub fn line_diff(a: &[String], b: &[String]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(format!(" {}", a[i]));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            out.push(format!("+{}", b[j]));
            j += 1;
        } else {
            out.push(format!("-{}", a[i]));
            i += 1;
        }
    }
    out
}

const DESTINATION_COLUMNS: &[Column] = &[
    Column::new("HOST", Cell::Field("destination.host")),
    Column::new("SUBSET", Cell::Field("destination.subset")),
    Column::new("PORT", Cell::Field("destination.port.number")),
    Column::new("WEIGHT", Cell::Field("weight")),
    Column::new("PERCENT", Cell::Field("percent")),
];

/// Prints a resolution: the route, then its destinations.
fn resolution(format: Format, json: &Json) -> Result<(), CliError> {
    if matches!(format, Format::Json | Format::Yaml) {
        return Ok(output::raw(format, json)?);
    }
    let value: Value = serde_json::from_str(json.get()).map_err(|e| CliError::Failed(e.into()))?;
    if value["matched"] != true {
        return Ok(output::note(
            format,
            "no route: no virtual service rule matches",
        )?);
    }
    let vs = &value["virtual_service"];
    output::note(
        format,
        &format!(
            "virtual-service {}/{}, rule {}",
            vs["namespace"].as_str().unwrap_or_default(),
            vs["name"].as_str().unwrap_or_default(),
            value["rule_index"]
        ),
    )?;
    let destinations = value["destinations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    print!(
        "{}",
        output::table(format == Format::Wide, DESTINATION_COLUMNS, &destinations)
    );
    Ok(())
}

/// Prints a decision: `ALLOW` or `DENY` and why.
fn decision(format: Format, json: &Json) -> Result<(), CliError> {
    if matches!(format, Format::Json | Format::Yaml) {
        return Ok(output::raw(format, json)?);
    }
    let value: Value = serde_json::from_str(json.get()).map_err(|e| CliError::Failed(e.into()))?;
    Ok(output::note(
        format,
        &format!(
            "{} ({})",
            value["decision"].as_str().unwrap_or_default(),
            value["reason"].as_str().unwrap_or_default()
        ),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diffs_mark_changes() {
        let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        let diff = line_diff(&lines("a\nb\nc"), &lines("a\nx\nc\nd"));
        assert_eq!(diff, [" a", "-b", "+x", " c", "+d"]);
        assert_eq!(line_diff(&lines(""), &lines("a")), ["+a"]);
    }
}

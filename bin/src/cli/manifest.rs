//! Mesh documents as `mesh apply -f` reads them: Kubernetes-style YAML
//! (`apiVersion: clusterdb.io/v1`, `kind`, `metadata`, `spec`), several per
//! file separated by `---`, and Istio's own `networking.istio.io`
//! `VirtualService` / `security.istio.io` `AuthorizationPolicy` documents
//! (camelCase fields, `http` for `http_routes`). Each document becomes the
//! REST body of its kind, with the source line of every field so that the
//! API's field paths point back into the file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::CliError;

/// The mesh kinds a document may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MeshKind {
    /// A virtual service (routing).
    #[value(name = "virtual-service", aliases = ["virtual-services", "virtualservice", "vs"])]
    VirtualService,
    /// A security policy (authorization).
    #[value(name = "security-policy", aliases = ["security-policies", "securitypolicy", "sp", "authorizationpolicy"])]
    SecurityPolicy,
}

impl MeshKind {
    /// The kind's name in commands and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            MeshKind::VirtualService => "virtual-service",
            MeshKind::SecurityPolicy => "security-policy",
        }
    }
}

/// The API groups a document may name, and the kinds in each.
const CLUSTERDB_API: &str = "clusterdb.io/";
const ISTIO_NETWORKING: &str = "networking.istio.io/";
const ISTIO_SECURITY: &str = "security.istio.io/";

/// One document, ready to apply.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file it came from (`-` for stdin).
    pub file: String,
    /// Its index in the file, from 1.
    pub index: usize,
    /// Its kind.
    pub kind: MeshKind,
    /// `metadata.namespace` (default `default`).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The REST input body.
    pub body: Value,
    /// The line of the document's start.
    pub line: usize,
    /// Body field paths (as the API names them) to source lines.
    pub lines: HashMap<String, usize>,
}

impl Manifest {
    /// Where the field `path` (an API field path) is: its line, or its
    /// closest parent's, or the document's.
    pub fn line_of(&self, path: &str) -> usize {
        let mut path = path.to_string();
        loop {
            if let Some(line) = self.lines.get(&path) {
                return *line;
            }
            match path.rfind(['.', '[']) {
                Some(at) => path.truncate(at),
                None => return self.line,
            }
        }
    }

    /// `file: document N, line L`.
    pub fn locate(&self, path: Option<&str>) -> String {
        let line = path.map(|p| self.line_of(p)).unwrap_or(self.line);
        format!("{}: document {}, line {line}", self.file, self.index)
    }
}

/// An error in a document, located.
fn located(file: &str, index: usize, line: usize, message: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("{file}: document {index}, line {line}: {message}"))
}

/// A document of an Istio kind ClusterDB does not store (a `Gateway`, a
/// `DestinationRule`, …): reported and skipped, the file's other
/// documents applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file (`-` for stdin).
    pub file: String,
    /// Its place in the file, from 1.
    pub index: usize,
    /// The line of its `kind`.
    pub line: usize,
    /// `apiVersion/kind`.
    pub what: String,
}

impl Skipped {
    /// Where it is, as errors say it.
    pub fn locate(&self) -> String {
        format!("{}: document {}, line {}", self.file, self.index, self.line)
    }
}

/// The documents of some files: the mesh ones, and the skipped ones.
#[derive(Debug, Default)]
pub struct Documents {
    /// Documents of a kind ClusterDB stores.
    pub manifests: Vec<Manifest>,
    /// Documents of other Istio kinds.
    pub skipped: Vec<Skipped>,
}

impl Documents {
    fn extend(&mut self, other: Documents) {
        self.manifests.extend(other.manifests);
        self.skipped.extend(other.skipped);
    }
}

/// Reads `-f` arguments: files, `-` (stdin), or directories (their
/// `.yaml`, `.yml` and `.json` files, sorted).
pub fn read_all(arguments: &[String]) -> Result<Documents, CliError> {
    let mut manifests = Documents::default();
    for argument in arguments {
        if argument == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
            manifests.extend(parse("-", &text)?);
            continue;
        }
        let path = Path::new(argument);
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| CliError::Usage(format!("cannot read {argument}: {e}")))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| {
                    p.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
                })
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", file.display())))?;
            manifests.extend(parse(&file.display().to_string(), &text)?);
        }
    }
    if manifests.manifests.is_empty() && manifests.skipped.is_empty() {
        return Err(CliError::Usage("no documents to apply".into()));
    }
    Ok(manifests)
}

/// A YAML parser's message without what the caller says itself: its own
/// `error: ` and `line L column C: ` prefixes.
fn yaml_reason(message: &str) -> &str {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    match message
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((at, reason)) if at.contains("column") => reason,
        _ => message,
    }
}

/// Parses the documents of one file.
pub fn parse(file: &str, text: &str) -> Result<Documents, CliError> {
    let options = serde_saphyr::options! { strict_booleans: true };
    let documents: Vec<Value> = serde_saphyr::from_str_multiple_with_options(text, options)
        .map_err(|err| {
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            let message = err.to_string();
            let message = yaml_reason(message.lines().next().unwrap_or("invalid YAML"));
            CliError::Usage(format!("{file}:{line}:{column}: {message}"))
        })?;
    // Empty documents (`---` alone) are skipped; the others keep their
    // place in the file for error messages.
    let placed = positions(text)
        .into_iter()
        .enumerate()
        .filter(|(_, (has_content, _))| *has_content);
    let documents = documents.into_iter().filter(|d| !d.is_null());
    let mut parsed = Documents::default();
    for ((i, (_, lines)), document) in placed.zip(documents) {
        match manifest(file, i + 1, document, lines)? {
            Document::Mesh(manifest) => parsed.manifests.push(manifest),
            Document::Skipped(skipped) => parsed.skipped.push(skipped),
        }
    }
    Ok(parsed)
}

/// One document, read.
enum Document {
    Mesh(Manifest),
    Skipped(Skipped),
}

/// One document to a manifest.
fn manifest(
    file: &str,
    index: usize,
    document: Value,
    raw_lines: HashMap<String, usize>,
) -> Result<Document, CliError> {
    let start = raw_lines.get("").copied().unwrap_or(1);
    let at = |path: &str| raw_lines.get(path).copied().unwrap_or(start);
    let Value::Object(mut document) = document else {
        return Err(located(file, index, start, "a document must be a mapping"));
    };
    let api_version = document
        .remove("apiVersion")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| located(file, index, start, "apiVersion is required"))?;
    let kind_name = document
        .remove("kind")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| located(file, index, start, "kind is required"))?;
    let istio =
        api_version.starts_with(ISTIO_NETWORKING) || api_version.starts_with(ISTIO_SECURITY);
    let kind = match (kind_name.as_str(), api_version.as_str()) {
        ("VirtualService", v)
            if v.starts_with(CLUSTERDB_API) || v.starts_with(ISTIO_NETWORKING) =>
        {
            MeshKind::VirtualService
        }
        ("SecurityPolicy", v) if v.starts_with(CLUSTERDB_API) => MeshKind::SecurityPolicy,
        ("AuthorizationPolicy", v) if v.starts_with(ISTIO_SECURITY) => MeshKind::SecurityPolicy,
        // Another Istio kind (a Gateway, a DestinationRule, …): not stored
        // here, reported and skipped.
        _ if istio => {
            return Ok(Document::Skipped(Skipped {
                file: file.to_string(),
                index,
                line: at("kind"),
                what: format!("{api_version}/{kind_name}"),
            }));
        }
        _ => {
            return Err(located(
                file,
                index,
                at("kind"),
                format!(
                    "{api_version}/{kind_name} is not a mesh kind: apply clusterdb.io/v1 \
                     VirtualService or SecurityPolicy (or Istio's networking.istio.io \
                     VirtualService, security.istio.io AuthorizationPolicy)"
                ),
            ));
        }
    };
    let metadata = match document.remove("metadata") {
        Some(Value::Object(metadata)) => metadata,
        _ => {
            return Err(located(
                file,
                index,
                start,
                "metadata with a name is required",
            ));
        }
    };
    let name = metadata
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| located(file, index, at("metadata"), "metadata.name is required"))?;
    let namespace = metadata
        .get("namespace")
        .and_then(Value::as_str)
        .unwrap_or(clusterdb::DEFAULT_NAMESPACE)
        .to_string();
    for key in metadata.keys() {
        if !matches!(
            key.as_str(),
            "name" | "namespace" | "labels" | "annotations"
        ) {
            return Err(located(
                file,
                index,
                at(&format!("metadata.{key}")),
                format!("metadata.{key} is not supported (name, namespace, labels)"),
            ));
        }
    }
    let spec = match document.remove("spec") {
        Some(Value::Object(spec)) => spec,
        Some(_) => return Err(located(file, index, at("spec"), "spec must be a mapping")),
        None => Map::new(),
    };
    if let Some(other) = document.keys().next() {
        return Err(located(
            file,
            index,
            at(other),
            format!("{other} is not a document field (apiVersion, kind, metadata, spec)"),
        ));
    }
    let mut body = Map::new();
    body.insert("name".into(), Value::String(name.clone()));
    body.insert("namespace".into(), Value::String(namespace.clone()));
    if let Some(labels) = metadata.get("labels") {
        body.insert("tags".into(), labels.clone());
    }
    for (key, value) in spec {
        let key = field_name(&key, istio);
        body.insert(key.clone(), normalize(value, &key, istio));
    }
    // Lines by the body's field paths.
    let mut lines = HashMap::new();
    for (path, line) in &raw_lines {
        if let Some(rest) = path.strip_prefix("spec.") {
            lines.insert(body_path(rest, istio), *line);
        } else if let Some(rest) = path.strip_prefix("metadata.") {
            let mapped = match rest.split_once('.') {
                Some(("labels", key)) => format!("tags.{key}"),
                None if rest == "labels" => "tags".to_string(),
                _ => rest.to_string(),
            };
            lines.insert(mapped, *line);
        }
    }
    Ok(Document::Mesh(Manifest {
        file: file.to_string(),
        index,
        kind,
        namespace,
        name,
        body: Value::Object(body),
        line: start,
        lines,
    }))
}

/// Maps whose keys are names (headers, labels), not fields.
const NAME_MAPS: &[&str] = &["headers", "query_params", "match_labels", "tags"];

/// A spec field's name in the API: `http` is `http_routes`; Istio's
/// camelCase becomes snake_case.
fn field_name(key: &str, istio: bool) -> String {
    let key = if istio {
        snake_case(key)
    } else {
        key.to_string()
    };
    match key.as_str() {
        "http" => "http_routes".to_string(),
        _ => key,
    }
}

fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Renames the fields of `value` (under the field `parent`) as
/// [`field_name`] does, leaving the keys of name maps alone.
fn normalize(value: Value, parent: &str, istio: bool) -> Value {
    match value {
        Value::Object(map) if NAME_MAPS.contains(&parent) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize(v, "", istio)))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = if istio { snake_case(&k) } else { k };
                    let v = normalize(v, &key, istio);
                    (key, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| normalize(v, parent, istio))
                .collect(),
        ),
        other => other,
    }
}

/// A path under `spec` as the API names it.
fn body_path(path: &str, istio: bool) -> String {
    let mut out = String::new();
    let mut parent = String::new();
    for (i, segment) in path.split('.').enumerate() {
        let (key, index) = match segment.find('[') {
            Some(at) => (&segment[..at], &segment[at..]),
            None => (segment, ""),
        };
        let key = if i == 0 {
            field_name(key, istio)
        } else if NAME_MAPS.contains(&parent.as_str()) || !istio {
            key.to_string()
        } else {
            snake_case(key)
        };
        if i > 0 {
            out.push('.');
        }
        out.push_str(&key);
        out.push_str(index);
        parent = key;
    }
    out
}

/// For each document of `text`: whether it has content, and the line of
/// every node by its path (`spec.http[0].route`), `""` for the document.
fn positions(text: &str) -> Vec<(bool, HashMap<String, usize>)> {
    use serde_saphyr::granit_parser::{Event, Parser};
    enum Frame {
        Map { key: Option<String>, path: String },
        Seq { next: usize, path: String },
    }
    let mut documents = Vec::new();
    let mut lines: HashMap<String, usize> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut content = false;
    // The path of the node an event starts, and moves the parent on.
    fn node_path(stack: &mut [Frame]) -> Option<String> {
        match stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Map { key, path }) => key.take().map(|k| {
                if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }
            }),
            Some(Frame::Seq { next, path }) => {
                let at = format!("{path}[{next}]");
                *next += 1;
                Some(at)
            }
        }
    }
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { break };
        let line = span.start.line();
        content |= match &event {
            // An empty document is an empty plain scalar (null).
            Event::Scalar(value, ..) => !(stack.is_empty() && matches!(value.as_ref(), "" | "~")),
            Event::MappingStart(..) | Event::SequenceStart(..) | Event::Alias(..) => true,
            _ => false,
        };
        match event {
            Event::DocumentStart(..) => {
                lines = HashMap::new();
                lines.insert(String::new(), line);
                stack.clear();
                content = false;
            }
            Event::DocumentEnd => {
                documents.push((content, std::mem::take(&mut lines)));
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A mapping in key position has no path; it is not one of ours.
                let in_key = matches!(stack.last(), Some(Frame::Map { key: None, .. }));
                let path = if in_key {
                    String::from("?")
                } else {
                    node_path(&mut stack).unwrap_or_default()
                };
                lines.entry(path.clone()).or_insert(line);
                stack.push(match event {
                    Event::MappingStart(..) => Frame::Map { key: None, path },
                    _ => Frame::Seq { next: 0, path },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
            }
            Event::Scalar(value, ..) => match stack.last_mut() {
                Some(Frame::Map {
                    key: key @ None,
                    path,
                }) => {
                    let at = if path.is_empty() {
                        value.to_string()
                    } else {
                        format!("{path}.{value}")
                    };
                    lines.insert(at, line);
                    *key = Some(value.to_string());
                }
                _ => {
                    if let Some(path) = node_path(&mut stack) {
                        lines.entry(path).or_insert(line);
                    }
                }
            },
            Event::Alias(..) => {
                node_path(&mut stack);
            }
            _ => {}
        }
    }
    documents
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
apiVersion: clusterdb.io/v1
kind: VirtualService
metadata:
  name: web-vs
  labels:
    app: web
spec:
  hosts:
    - web.example.com
  http:
    - route:
        - destination:
            host: web
          weight: 101
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow
  namespace: shop
spec:
  selector:
    matchLabels:
      app: api
  action: ALLOW
  rules:
    - from:
        - source:
            notIpBlocks: [\"10.0.0.0/8\"]
      when:
        - key: request.headers[X-Token]
          notValues: [\"\"]
";

    #[test]
    fn documents_become_rest_bodies_with_lines() {
        let manifests = parse("m.yaml", FILE).unwrap().manifests;
        assert_eq!(manifests.len(), 2);
        let vs = &manifests[0];
        assert_eq!(
            (vs.kind, vs.name.as_str(), vs.namespace.as_str()),
            (MeshKind::VirtualService, "web-vs", "default")
        );
        assert_eq!(vs.body["http_routes"][0]["route"][0]["weight"], 101);
        assert_eq!(vs.body["tags"]["app"], "web");
        assert_eq!(vs.line_of("http_routes[0].route[0].weight"), 14);
        assert_eq!(vs.line_of("hosts[0]"), 9);
        assert_eq!(vs.line_of("http_routes[0].route[0].destination.subset"), 12);
        let policy = &manifests[1];
        assert_eq!(policy.kind, MeshKind::SecurityPolicy);
        assert_eq!(policy.index, 2);
        assert_eq!(policy.body["selector"]["match_labels"]["app"], "api");
        assert_eq!(
            policy.body["rules"][0]["from"][0]["source"]["not_ip_blocks"][0],
            "10.0.0.0/8"
        );
        assert_eq!(policy.body["rules"][0]["when"][0]["not_values"][0], "");
        assert_eq!(
            policy.line_of("rules[0].from[0].source.not_ip_blocks[0]"),
            29
        );
        assert_eq!(policy.line_of("rules[0].when[0].key"), 31);
    }

    /// An Istio kind ClusterDB does not store is skipped, located; the
    /// other documents are read.
    #[test]
    fn other_istio_kinds_are_skipped() {
        let text = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\n---\n"
            .to_string()
            + FILE;
        let parsed = parse("m.yaml", &text).unwrap();
        assert_eq!(parsed.manifests.len(), 2);
        assert_eq!(
            parsed.skipped,
            [Skipped {
                file: "m.yaml".into(),
                index: 1,
                line: 2,
                what: "networking.istio.io/v1/Gateway".into(),
            }]
        );
        assert_eq!(parsed.manifests[0].index, 2);
    }

    #[test]
    fn bad_documents_are_located() {
        let err = parse("m.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n").unwrap_err();
        assert!(
            err.to_string().starts_with("m.yaml: document 1, line 2:"),
            "{err}"
        );
        let err = parse("m.yaml", "kind: VirtualService\n").unwrap_err();
        assert!(err.to_string().contains("apiVersion is required"), "{err}");
        let err = parse("m.yaml", "a: [\n").unwrap_err();
        assert!(err.to_string().starts_with("m.yaml:"), "{err}");
        let err = parse(
            "m.yaml",
            "---\n---\napiVersion: clusterdb.io/v1\nkind: VirtualService\nmetadata: {name: x}\nstatus: {}\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("document 2, line 6"), "{err}");
    }

    #[test]
    fn a_yaml_error_is_located_once() {
        let err = parse(
            "f.yaml",
            "kind: VirtualService\nspec:\n  hosts: [a\n  http: - x\n",
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.starts_with("f.yaml:"), "{err}");
        assert_eq!(err.matches("line").count(), 0, "{err}");
        assert!(!err.contains("error:"), "{err}");
    }
}

//! The commands every resource kind shares — list, get, create, update,
//! delete — written once over [`CliKind`]; a kind adds its columns and
//! the flags that make its body.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clusterdb_client::Resource;
use clusterdb_client::{Client, ClientError, Json, ResourceClient};
use futures_util::TryStreamExt as _;
use reqwest::StatusCode;
use serde_json::{Map, Value};

use super::CliError;
use super::args::Paging;
use super::output::{self, Column, Format};

/// A kind the CLI shows: its REST kind and its table columns.
pub trait CliKind: Resource<Input: utoipa::PartialSchema> {
    /// `-o table` columns (and `-o wide` ones).
    const COLUMNS: &'static [Column];
}

/// The kind's calls with JSON in and answers passed on as written.
pub fn calls<K: Resource>(client: &Client) -> ResourceClient<K, Value, Json> {
    client.resources_as()
}

/// A number if `text` is one, else the text: the API, not the CLI, says
/// what is wrong with a value.
pub fn number(text: &str) -> Value {
    serde_json::from_str::<serde_json::Number>(text.trim())
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(text.to_string()))
}

/// The error of a resource that is neither an id nor a name.
fn not_found<K: Resource>(what: &str) -> CliError {
    CliError::Api(ClientError::api(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("{} {what:?} not found (by id or name)", K::SINGULAR),
    ))
}

/// The `id` and `resource_version` of an answer.
#[derive(serde::Deserialize)]
struct Identity {
    id: String,
    #[serde(default)]
    resource_version: Option<u64>,
}

fn identity(json: &Json) -> Result<Identity, CliError> {
    serde_json::from_str(json.get()).map_err(|e| {
        CliError::Api(ClientError::Unexpected(format!(
            "a resource without an id: {e}"
        )))
    })
}

/// A resource found by id, or else by name.
pub struct Found {
    /// Its id.
    pub id: String,
    /// Its version when read.
    pub version: Option<u64>,
    /// The API's answer.
    pub json: Json,
}

/// Finds the resource `what` names: an id (`fleet-…`), else a name.
pub async fn find<K: Resource>(client: &Client, what: &str) -> Result<Found, CliError> {
    let calls = calls::<K>(client);
    let found = |json: Json| -> Result<Found, CliError> {
        let Identity {
            id,
            resource_version,
        } = identity(&json)?;
        Ok(Found {
            id,
            version: resource_version,
            json,
        })
    };
    if what.starts_with(&format!("{}-", K::ID_PREFIX)) {
        match calls.get(what).await {
            Ok(json) => return found(json),
            Err(err) if err.code() == Some("NOT_FOUND") => {}
            Err(err) => return Err(err.into()),
        }
    }
    match calls.list(&[("name", what)]).await {
        Ok(page) => match page.items.into_iter().next() {
            Some(json) => found(json),
            None => Err(not_found::<K>(what)),
        },
        // Not a possible name: not found either way.
        Err(err) if err.code() == Some("INVALID_REQUEST") => Err(not_found::<K>(what)),
        Err(err) => Err(err.into()),
    }
}

/// The id of the resource `what` names.
pub async fn resolve<K: Resource>(client: &Client, what: &str) -> Result<String, CliError> {
    Ok(find::<K>(client, what).await?.id)
}

/// How often `--all` updates its count on a terminal.
const TICK: Duration = Duration::from_millis(100);

/// Lists with `query`, one page or (`--all`) every page.
pub async fn list_items<K: Resource>(
    client: &Client,
    mut query: Vec<(String, String)>,
    paging: &Paging,
) -> Result<Vec<Json>, CliError> {
    let calls = calls::<K>(client);
    if let Some(size) = &paging.page_size {
        query.push(("page_size".into(), size.clone()));
    }
    if let Some(token) = &paging.page_token {
        query.push(("page_token".into(), token.clone()));
    }
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    if !paging.all {
        let page = calls.list(&pairs).await?;
        if let Some(next) = page.next_page_token {
            output::after_output(format!(
                "more {} follow: --page-token {next} (or --all)",
                K::LIST_FIELD
            ));
        }
        return Ok(page.items);
    }
    let started = Instant::now();
    let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut items = Vec::new();
    let mut shown = started;
    let mut all = std::pin::pin!(calls.list_all(&pairs));
    while let Some(item) = all.try_next().await? {
        items.push(item);
        // After a second, the count at most ten times a second.
        if progress && started.elapsed() > Duration::from_secs(1) && shown.elapsed() > TICK {
            eprint!("\rfetched {} {}…", items.len(), K::LIST_FIELD);
            shown = Instant::now();
        }
    }
    if progress && started.elapsed() > Duration::from_secs(1) {
        eprint!("\r\x1b[2K");
    }
    Ok(items)
}

/// `… list`.
pub async fn list<K: CliKind>(
    client: &Client,
    format: Format,
    query: Vec<(String, String)>,
    paging: &Paging,
) -> Result<(), CliError> {
    let items = list_items::<K>(client, query, paging).await?;
    Ok(output::list(format, K::COLUMNS, &items, K::LIST_FIELD)?)
}

/// `… list` with the shared list flags (`--tag`, paging).
pub async fn list_by<K: CliKind>(
    client: &Client,
    format: Format,
    args: &super::args::ListArgs,
) -> Result<(), CliError> {
    list::<K>(client, format, tag_filters(&args.tags), &args.paging).await
}

/// `… create` of a kind whose answer carries a secret shown only once
/// (`what` names it for a person).
pub async fn create_with_secret<K: Resource>(
    client: &Client,
    format: Format,
    body: Map<String, Value>,
    what: &str,
) -> Result<(), CliError> {
    let created = calls::<K>(client).create(&Value::Object(body)).await?;
    Ok(output::secret_answer(format, &created, what)?)
}

/// `--tag` filters as list query pairs.
pub fn tag_filters(tags: &[(String, String)]) -> Vec<(String, String)> {
    tags.iter()
        .map(|(k, v)| ("tag".to_string(), format!("{k}:{v}")))
        .collect()
}

/// `… get`: the API's `GET` answer, also when `what` is a name (a list
/// item may leave out what only a `GET` shows, such as a function's
/// statistics).
pub async fn get<K: CliKind>(client: &Client, format: Format, what: &str) -> Result<(), CliError> {
    let found = find::<K>(client, what).await?;
    let json = match found.id == what {
        true => found.json,
        false => calls::<K>(client).get(&found.id).await?,
    };
    Ok(output::object(format, K::COLUMNS, &json)?)
}

/// `… create`: the body as the flags make it; the API checks it.
pub async fn create<K: CliKind>(
    client: &Client,
    format: Format,
    body: Map<String, Value>,
) -> Result<(), CliError> {
    let created = calls::<K>(client).create(&Value::Object(body)).await?;
    Ok(output::object(format, K::COLUMNS, &created)?)
}

/// `… delete`.
/// Deletes each of `what` in turn (stopping at the first failure).
pub async fn delete_each<K: CliKind>(
    client: &Client,
    format: Format,
    what: &[String],
) -> Result<(), CliError> {
    for one in what {
        delete::<K>(client, format, one).await?;
    }
    Ok(())
}

pub async fn delete<K: CliKind>(
    client: &Client,
    format: Format,
    what: &str,
) -> Result<(), CliError> {
    let id = resolve::<K>(client, what).await?;
    match calls::<K>(client).delete(&id, None).await? {
        Some(json) if !matches!(format, Format::Table | Format::Wide) => {
            Ok(output::object(format, K::COLUMNS, &json)?)
        }
        _ => Ok(output::note(
            format,
            &format!("{} {what:?} deleted", K::SINGULAR),
        )?),
    }
}

/// What an update changes.
#[derive(Debug, Default)]
pub struct Changes {
    /// Fields set to these values.
    pub set: Map<String, Value>,
    /// Tags added or changed.
    pub tags: Vec<(String, String)>,
    /// Tags removed.
    pub untag: Vec<String>,
}

impl Changes {
    /// The body of a create: the fields given, and the tags if any.
    pub fn into_body(self, tags: &super::args::TagArgs) -> Map<String, Value> {
        let mut body = self.set;
        if !tags.tags.is_empty() {
            body.insert("tags".into(), tags.object());
        }
        body
    }

    /// An update's changes with the tags to set and remove.
    pub fn with_tags(
        mut self,
        tags: super::args::TagArgs,
        untag: super::args::UntagArgs,
    ) -> Changes {
        self.tags = tags.tags;
        self.untag = untag.untag;
        self
    }

    /// Sets `field` if `value` was given.
    pub fn set(&mut self, field: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.set.insert(field.to_string(), value);
        }
    }
}

/// The fields of `K`'s input, from its schema.
pub fn input_fields<K: CliKind>() -> Vec<String> {
    use utoipa::PartialSchema as _;
    use utoipa::openapi::{RefOr, Schema};
    match <K::Input>::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Attempts an update makes when someone else changes the resource
/// between its read and its write.
const UPDATE_ATTEMPTS: usize = 5;

/// `… update`: reads the resource, changes what the flags say, and
/// writes it back on the condition that nobody changed it meanwhile
/// (`If-Match`), reading again if somebody did.
pub async fn update<K: CliKind>(
    client: &Client,
    format: Format,
    what: &str,
    changes: &Changes,
) -> Result<(), CliError> {
    if changes.set.is_empty() && changes.tags.is_empty() && changes.untag.is_empty() {
        return Err(CliError::Usage(
            "nothing to change: give at least one field to set, --tag or --untag (see --help)"
                .into(),
        ));
    }
    let fields = input_fields::<K>();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let found = find::<K>(client, what).await?;
        let current: Map<String, Value> = serde_json::from_str(found.json.get())
            .map_err(|e| CliError::Api(ClientError::Unexpected(e.to_string())))?;
        let mut input: Map<String, Value> = current
            .into_iter()
            .filter(|(key, _)| fields.contains(key))
            .collect();
        input.extend(changes.set.clone());
        if !changes.tags.is_empty() || !changes.untag.is_empty() {
            let mut tags: BTreeMap<String, Value> = match input.remove("tags") {
                Some(Value::Object(tags)) => tags.into_iter().collect(),
                _ => BTreeMap::new(),
            };
            for (key, value) in &changes.tags {
                tags.insert(key.clone(), Value::String(value.clone()));
            }
            for key in &changes.untag {
                tags.remove(key);
            }
            input.insert("tags".into(), Value::Object(tags.into_iter().collect()));
        }
        let written = calls::<K>(client)
            .replace(&found.id, &Value::Object(input), found.version)
            .await;
        match written {
            Ok(json) => return Ok(output::object(format, K::COLUMNS, &json)?),
            Err(err)
                if attempt < UPDATE_ATTEMPTS
                    && matches!(err.code(), Some("PRECONDITION_FAILED" | "CONFLICT"))
                    && changes_raced(&err) =>
            {
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// Whether a refused write lost a race (a newer version exists), rather
/// than conflicting for another reason such as a taken name.
fn changes_raced(err: &ClientError) -> bool {
    match err {
        ClientError::Api { details, .. } => details.contains_key("current_version"),
        _ => false,
    }
}

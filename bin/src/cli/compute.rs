//! `clusterdb compute`: fleets, instances and functions.

use std::io::Read as _;

use clap::{Args, Subcommand};
use clusterdb_client::{Client, Json};
use clusterdb_client::{Fleets, Functions, Instances};
use reqwest::Method;
use serde_json::{Map, Value};

use super::CliError;
use super::args::key_value;
use super::args::{ListArgs, TagArgs, Target, Targets, UntagArgs};
use super::output::{self, Cell, Column, Format};
use super::resource::{self, Changes, CliKind};

impl CliKind for Fleets {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("STATUS", Cell::Field("status")),
        Column::new("CAPACITY", Cell::Field("capacity")),
        Column::new("RUNNING", Cell::Field("running_instances")),
        Column::new("TYPE", Cell::Field("instance_type")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("OBSERVED", Cell::Field("observed_instances")),
        Column::wide("TAGS", Cell::Map("tags")),
        Column::wide("DESCRIPTION", Cell::Field("description")).shortened(),
        Column::wide("CREATED BY", Cell::Field("created_by")),
    ];
}

impl CliKind for Instances {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("STATE", Cell::Field("state")),
        Column::new("TYPE", Cell::Field("instance_type")),
        Column::new("FLEET", Cell::Field("fleet_id")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("LAUNCHED", Cell::Field("launched_at")),
        Column::wide("STOPPED", Cell::Field("stopped_at")),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

impl CliKind for Functions {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("RUNTIME", Cell::Field("runtime")),
        Column::new("HANDLER", Cell::Field("handler")),
        Column::new("MEMORY MB", Cell::Field("memory_mb")),
        Column::new("TIMEOUT MS", Cell::Field("timeout_ms")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("ENV", Cell::Map("env")),
        Column::wide("TAGS", Cell::Map("tags")),
        Column::wide("DESCRIPTION", Cell::Field("description")).shortened(),
    ];
}

/// `clusterdb compute`.
#[derive(Subcommand)]
pub enum ComputeCommand {
    /// Fleets: groups of instances of one type kept at a capacity.
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// Instances: single machines, alone or in a fleet.
    #[command(subcommand)]
    Instance(InstanceCommand),
    /// Functions: handlers invoked with a payload.
    #[command(subcommand)]
    Function(FunctionCommand),
}

/// The fields of a fleet.
#[derive(Debug, Clone, Args)]
pub struct FleetFields {
    /// The fleet's unique name.
    #[arg(long)]
    pub name: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// Instances the fleet keeps.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub capacity: Option<i64>,
    /// The instance type of its instances, e.g. t3.medium.
    #[arg(long, value_name = "TYPE")]
    pub instance_type: Option<String>,
}

impl FleetFields {
    fn changes(&self) -> Changes {
        let mut changes = Changes::default();
        changes.set("name", self.name.clone().map(Value::String));
        changes.set("description", self.description.clone().map(Value::String));
        changes.set("capacity", self.capacity.map(Value::from));
        changes.set(
            "instance_type",
            self.instance_type.clone().map(Value::String),
        );
        changes
    }
}

/// `clusterdb compute fleet`.
#[derive(Subcommand)]
pub enum FleetCommand {
    /// Create a fleet (--name, --capacity and --instance-type are required).
    #[command(
        mut_arg("name", |a| a.required(true)),
        mut_arg("capacity", |a| a.required(true)),
        mut_arg("instance_type", |a| a.required(true)),
        after_help = "Example:\n  clusterdb compute fleet create --name web-fleet --capacity 3 \\\n    --instance-type t3.medium --tag environment=production"
    )]
    Create {
        #[command(flatten)]
        fields: FleetFields,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List fleets.
    #[command(
        after_help = "Example:\n  clusterdb compute fleet list --tag environment=production -o wide"
    )]
    List(ListArgs),
    /// Show a fleet.
    #[command(after_help = "Example:\n  clusterdb compute fleet get web-fleet -o yaml")]
    Get(Target),
    /// Change a fleet: only the fields given change.
    #[command(
        after_help = "Example:\n  clusterdb compute fleet update web-fleet --description \"Web tier\" --tag tier=web"
    )]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: FleetFields,
        #[command(flatten)]
        tags: TagArgs,
        #[command(flatten)]
        untag: UntagArgs,
    },
    /// Delete a fleet and its instances (in the background).
    #[command(after_help = "Example:\n  clusterdb compute fleet delete web-fleet")]
    Delete(Targets),
    /// Set a fleet's capacity.
    #[command(after_help = "Example:\n  clusterdb compute fleet scale web-fleet --capacity 5")]
    Scale {
        #[command(flatten)]
        target: Target,
        /// The new capacity.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        capacity: i64,
    },
}

/// The fields of an instance.
#[derive(Debug, Clone, Args)]
pub struct InstanceFields {
    /// The instance's unique name.
    #[arg(long)]
    pub name: Option<String>,
    /// Its instance type, e.g. t3.micro.
    #[arg(long, value_name = "TYPE")]
    pub instance_type: Option<String>,
}

/// `clusterdb compute instance`.
#[derive(Subcommand)]
pub enum InstanceCommand {
    /// Create an instance outside any fleet (--name and --instance-type are
    /// required).
    #[command(
        mut_arg("name", |a| a.required(true)),
        mut_arg("instance_type", |a| a.required(true)),
        after_help = "Example:\n  clusterdb compute instance create --name vm-1 --instance-type t3.micro"
    )]
    Create {
        #[command(flatten)]
        fields: InstanceFields,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List instances.
    #[command(after_help = "Example:\n  clusterdb compute instance list --fleet web-fleet")]
    List {
        /// Only the instances of this fleet (id or name).
        #[arg(long, value_name = "FLEET")]
        fleet: Option<String>,
        #[command(flatten)]
        list: ListArgs,
    },
    /// Show an instance.
    #[command(after_help = "Example:\n  clusterdb compute instance get vm-1")]
    Get(Target),
    /// Start a stopped instance.
    #[command(after_help = "Example:\n  clusterdb compute instance start vm-1")]
    Start(Target),
    /// Stop a running instance.
    #[command(after_help = "Example:\n  clusterdb compute instance stop vm-1")]
    Stop(Target),
    /// Delete an instance.
    #[command(after_help = "Example:\n  clusterdb compute instance delete vm-1")]
    Delete(Targets),
}

/// The fields of a function.
#[derive(Debug, Clone, Args)]
pub struct FunctionFields {
    /// The function's unique name.
    #[arg(long)]
    pub name: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// A runtime the server has: wasm.
    #[arg(long)]
    pub runtime: Option<String>,
    /// The handler within the runtime: for wasm, the exported function
    /// to run (default on create: _start).
    #[arg(long)]
    pub handler: Option<String>,
    /// The code: @FILE (a .wasm module or WebAssembly text), or
    /// WebAssembly text inline.
    #[arg(long, value_name = "@FILE|WAT")]
    pub code: Option<String>,
    /// Memory limit in MiB.
    #[arg(long, value_name = "MIB", allow_negative_numbers = true)]
    pub memory_mb: Option<i64>,
    /// Time limit per invocation in milliseconds.
    #[arg(long, value_name = "MS", allow_negative_numbers = true)]
    pub timeout_ms: Option<i64>,
    /// Invocations running at once (1-1000).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_concurrency: Option<i64>,
    /// An environment variable, NAME=VALUE (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE", value_parser = key_value)]
    pub env: Vec<(String, String)>,
}

impl FunctionFields {
    fn changes(&self) -> Result<Changes, CliError> {
        let mut changes = Changes::default();
        changes.set("name", self.name.clone().map(Value::String));
        changes.set("description", self.description.clone().map(Value::String));
        changes.set("runtime", self.runtime.clone().map(Value::String));
        changes.set("handler", self.handler.clone().map(Value::String));
        changes.set("memory_mb", self.memory_mb.map(Value::from));
        changes.set("timeout_ms", self.timeout_ms.map(Value::from));
        changes.set("max_concurrency", self.max_concurrency.map(Value::from));
        changes.set(
            "code",
            self.code
                .as_deref()
                .map(code)
                .transpose()?
                .map(Value::String),
        );
        Ok(changes)
    }

    fn env(&self) -> Map<String, Value> {
        self.env
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect()
    }
}

/// The `code` field for `--code`: a file's `.wasm` bytes as base64, its
/// WebAssembly text as it is; inline text as it is.
fn code(arg: &str) -> Result<String, CliError> {
    let Some(path) = arg.strip_prefix('@') else {
        return Ok(arg.to_string());
    };
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("cannot read --code @{path}: {e}")))?;
    if bytes.starts_with(b"\0asm") {
        use base64::Engine as _;
        return Ok(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    String::from_utf8(bytes).map_err(|_| {
        CliError::Usage(format!(
            "--code @{path} is neither a WebAssembly module (\\0asm) nor UTF-8 WebAssembly text"
        ))
    })
}

/// `clusterdb compute function`.
#[derive(Subcommand)]
pub enum FunctionCommand {
    /// Create a function (--name and --runtime are required; wasm needs
    /// --code).
    #[command(
        mut_arg("name", |a| a.required(true)),
        mut_arg("runtime", |a| a.required(true)),
        after_help = "The wasm runtime runs WASI preview 1 commands: the payload is stdin, stdout the\noutput, stderr the logs, --env the environment.\n\nExample:\n  clusterdb compute function create --name hello --runtime wasm --code @hello.wasm \\\n    --env GREETING=hi"
    )]
    Create {
        #[command(flatten)]
        fields: FunctionFields,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List functions.
    #[command(after_help = "Example:\n  clusterdb compute function list -o json")]
    List(ListArgs),
    /// Show a function.
    #[command(after_help = "Example:\n  clusterdb compute function get resize")]
    Get(Target),
    /// Change a function: only the fields given change (`--env` adds or
    /// replaces variables).
    #[command(
        after_help = "Example:\n  clusterdb compute function update resize --timeout-ms 5000"
    )]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: FunctionFields,
        /// Remove this environment variable (repeatable).
        #[arg(long = "unset-env", value_name = "NAME")]
        unset_env: Vec<String>,
        #[command(flatten)]
        tags: TagArgs,
        #[command(flatten)]
        untag: UntagArgs,
    },
    /// Delete a function.
    #[command(after_help = "Example:\n  clusterdb compute function delete resize")]
    Delete(Targets),
    /// Invoke a function and print its output as it is.
    #[command(
        after_help = "The payload is --data TEXT (sent as is), --data @FILE, or stdin when\n\
--data is absent and stdin is not a terminal; it reaches the function as it is.\n\n\
Example:\n  clusterdb compute function invoke resize --data '{\"width\": 100}'"
    )]
    Invoke {
        #[command(flatten)]
        target: Target,
        /// The payload: TEXT, or @FILE to read it from a file.
        #[arg(long, value_name = "TEXT|@FILE")]
        data: Option<String>,
    },
}

/// Runs `clusterdb compute …`.
pub async fn run(command: ComputeCommand, client: &Client, format: Format) -> Result<(), CliError> {
    match command {
        ComputeCommand::Fleet(command) => fleet(command, client, format).await,
        ComputeCommand::Instance(command) => instance(command, client, format).await,
        ComputeCommand::Function(command) => function(command, client, format).await,
    }
}

async fn fleet(command: FleetCommand, client: &Client, format: Format) -> Result<(), CliError> {
    type K = Fleets;
    match command {
        FleetCommand::Create { fields, tags } => {
            resource::create::<K>(client, format, fields.changes().into_body(&tags)).await
        }
        FleetCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        FleetCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        FleetCommand::Update {
            target,
            fields,
            tags,
            untag,
        } => {
            let changes = fields.changes().with_tags(tags, untag);
            resource::update::<K>(client, format, &target.what, &changes).await
        }
        FleetCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
        FleetCommand::Scale { target, capacity } => {
            let mut changes = Changes::default();
            changes.set("capacity", Some(Value::from(capacity)));
            resource::update::<K>(client, format, &target.what, &changes).await
        }
    }
}

async fn instance(
    command: InstanceCommand,
    client: &Client,
    format: Format,
) -> Result<(), CliError> {
    type K = Instances;
    match command {
        InstanceCommand::Create { fields, tags } => {
            let mut changes = Changes::default();
            changes.set("name", fields.name.map(Value::String));
            changes.set("instance_type", fields.instance_type.map(Value::String));
            resource::create::<K>(client, format, changes.into_body(&tags)).await
        }
        InstanceCommand::List { fleet, list } => {
            let mut query = resource::tag_filters(&list.tags);
            if let Some(fleet) = fleet {
                let id = resource::resolve::<Fleets>(client, &fleet).await?;
                query.push(("fleet_id".into(), id));
            }
            resource::list::<K>(client, format, query, &list.paging).await
        }
        InstanceCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        InstanceCommand::Start(target) => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let json: Json = resource::calls::<K>(client).start(&id).await?;
            Ok(output::object(format, K::COLUMNS, &json)?)
        }
        InstanceCommand::Stop(target) => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let json: Json = resource::calls::<K>(client).stop(&id).await?;
            Ok(output::object(format, K::COLUMNS, &json)?)
        }
        InstanceCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
    }
}

async fn function(
    command: FunctionCommand,
    client: &Client,
    format: Format,
) -> Result<(), CliError> {
    type K = Functions;
    match command {
        FunctionCommand::Create { fields, tags } => {
            let mut body = fields.changes()?.into_body(&tags);
            if !fields.env.is_empty() {
                body.insert("env".into(), Value::Object(fields.env()));
            }
            resource::create::<K>(client, format, body).await
        }
        FunctionCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        FunctionCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        FunctionCommand::Update {
            target,
            fields,
            unset_env,
            tags,
            untag,
        } => {
            let mut changes = fields.changes()?.with_tags(tags, untag);
            if !fields.env.is_empty() || !unset_env.is_empty() {
                // The environment is replaced whole: read it first.
                let current = resource::find::<K>(client, &target.what).await?;
                let current: Value = serde_json::from_str(current.json.get())
                    .map_err(|e| CliError::Failed(e.into()))?;
                let mut env = current["env"].as_object().cloned().unwrap_or_default();
                env.extend(fields.env());
                for name in &unset_env {
                    env.remove(name);
                }
                changes.set.insert("env".into(), Value::Object(env));
            }
            resource::update::<K>(client, format, &target.what, &changes).await
        }
        FunctionCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
        FunctionCommand::Invoke { target, data } => {
            let payload = payload(data.as_deref())?;
            let id = resource::resolve::<K>(client, &target.what).await?;
            // The server bounds an invocation by the function's own limit.
            let json: Json = resource::calls::<K>(client)
                .untimed()
                .action(Method::POST, &id, "invoke", &[], Some(payload))
                .await?
                .ok_or_else(|| {
                    CliError::Failed(anyhow::anyhow!("the invocation answered nothing"))
                })?;
            invocation(format, &json)
        }
    }
}

/// The payload of `invoke`: `--data TEXT`, `--data @FILE`, or stdin.
fn payload(data: Option<&str>) -> Result<Vec<u8>, CliError> {
    match data {
        Some(text) => match text.strip_prefix('@') {
            Some(path) => std::fs::read(path)
                .map_err(|e| CliError::Usage(format!("cannot read --data @{path}: {e}"))),
            None => Ok(text.as_bytes().to_vec()),
        },
        None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => Ok(Vec::new()),
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
            Ok(bytes)
        }
    }
}

/// Prints an invocation: the function's output as it is (text as text,
/// JSON as JSON), or the whole answer with `-o json|yaml`.
fn invocation(format: Format, json: &Json) -> Result<(), CliError> {
    if !matches!(format, Format::Table | Format::Wide) {
        return Ok(output::raw(format, json)?);
    }
    let answer: Value = serde_json::from_str(json.get()).map_err(|e| CliError::Failed(e.into()))?;
    // Bytes that are not text come as base64: print them as they are.
    let bytes = match (&answer["output"], answer["output_encoding"].as_str()) {
        (Value::String(encoded), Some("base64")) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|e| CliError::Failed(anyhow::anyhow!("the output is not base64: {e}")))?
        }
        (Value::String(text), _) => text.clone().into_bytes(),
        (other, _) => other.to_string().into_bytes(),
    };
    let is_text = answer["output_encoding"].is_null();
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_all(&bytes)
        .and_then(|()| {
            if !is_text || bytes.ends_with(b"\n") {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|()| out.flush());
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Failed(err.into()))
        }
        _ => Ok(()),
    }
}

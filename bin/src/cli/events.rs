//! `clusterdb events`: the event log, a page at a time or live.

use clap::{Args, Subcommand};
use clusterdb_client::{Client, Json};
use futures_util::StreamExt as _;
use serde_json::Value;

use super::CliError;
use super::output::{self, Cell, Column, Format};

const EVENT_COLUMNS: &[Column] = &[
    Column::new("REVISION", Cell::Field("revision")),
    Column::new("TYPE", Cell::Field("type")),
    Column::new("NAME", Cell::Field("data.name")),
    Column::new("TIME", Cell::Field("timestamp")),
    Column::wide("ID", Cell::Field("id")),
];

/// `clusterdb events`.
#[derive(Subcommand)]
pub enum EventsCommand {
    /// List events (those of the kinds you may read).
    #[command(
        after_help = "Example:\n  clusterdb events list --type fleet.created --after 120 -o json"
    )]
    List {
        #[command(flatten)]
        filter: EventFilter,
        /// After this revision (default 0: from the start).
        #[arg(long, default_value_t = 0)]
        after: u64,
        /// Events read per request (at most 1000).
        #[arg(long, value_name = "N")]
        page_size: Option<String>,
        /// Read to the end of the log.
        #[arg(long)]
        all: bool,
    },
    /// Follow the log live; with -o json, one event per line.
    #[command(
        after_help = "Example:\n  clusterdb events watch --after now --kind fleet\n  clusterdb events watch --after-event 120-0   # resume after an event"
    )]
    Watch {
        #[command(flatten)]
        filter: EventFilter,
        /// After this revision, or `now`.
        #[arg(long, default_value = "now")]
        after: String,
        /// After this event (its REV-INDEX position); wins over --after.
        #[arg(long, value_name = "POSITION")]
        after_event: Option<String>,
    },
}

/// `--type`, `--kind`.
#[derive(Debug, Clone, Args)]
pub struct EventFilter {
    /// Only this event type, e.g. fleet.created (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    types: Vec<String>,
    /// Only this kind, e.g. fleet (repeatable).
    #[arg(long = "kind", value_name = "KIND")]
    kinds: Vec<String>,
}

impl EventFilter {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if !self.types.is_empty() {
            query.push(("types", self.types.join(",")));
        }
        if !self.kinds.is_empty() {
            query.push(("kinds", self.kinds.join(",")));
        }
        query
    }
}

/// Runs `clusterdb events …`.
pub async fn run(command: EventsCommand, client: &Client, format: Format) -> Result<(), CliError> {
    match command {
        EventsCommand::List {
            filter,
            after,
            page_size,
            all,
        } => {
            let mut query = filter.query();
            if let Some(size) = page_size {
                query.push(("page_size", size));
            }
            let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut after = after;
            let mut events = Vec::new();
            loop {
                let (page, next) = client.events(after, &pairs).await?;
                events.extend(page);
                if !all || next == after {
                    if !all {
                        output::after_output(format!("continue with --after {next}"));
                    }
                    break;
                }
                after = next;
            }
            Ok(output::list(format, EVENT_COLUMNS, &events, "events")?)
        }
        EventsCommand::Watch {
            filter,
            after,
            after_event,
        } => {
            let query = filter.query();
            let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let mut stream = Box::pin(
                client
                    .watch_events(&after, after_event.as_deref(), &pairs)
                    .await
                    .map_err(|err| match err {
                        clusterdb_client::ClientError::Unexpected(message) => {
                            CliError::Usage(message)
                        }
                        other => other.into(),
                    })?,
            );
            let mut last = None;
            while let Some(item) = stream.next().await {
                let (position, event) = item?;
                print_event(format, &position, &event)?;
                last = Some(position);
            }
            // A watch runs until interrupted: its end is the server's doing.
            let resume = match last {
                Some(position) => format!("; resume with --after-event {position}"),
                None => String::new(),
            };
            Err(CliError::Unavailable(format!(
                "the server ended the watch (it stopped or restarted){resume}"
            )))
        }
    }
}

/// One live event: a line for a person, a JSON line, or a YAML document.
fn print_event(format: Format, position: &str, event: &Json) -> Result<(), CliError> {
    use std::io::Write as _;
    let text = match format {
        Format::Json => format!("{}\n", event.get()),
        Format::Yaml => {
            let value: Value =
                serde_json::from_str(event.get()).map_err(|e| CliError::Failed(e.into()))?;
            format!(
                "---\n{}",
                serde_saphyr::to_string(&value).map_err(|e| CliError::Failed(e.into()))?
            )
        }
        Format::Table | Format::Wide => {
            let value: Value =
                serde_json::from_str(event.get()).map_err(|e| CliError::Failed(e.into()))?;
            format!(
                "{position}  {}  {}\n",
                value["type"].as_str().unwrap_or_default(),
                value["data"]["name"].as_str().unwrap_or("-")
            )
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::Failed(e.into()))
}

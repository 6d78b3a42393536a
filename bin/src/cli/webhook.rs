//! `clusterdb webhook`: endpoints (create, list, get, update, delete),
//! their deliveries, a redelivery and a test event.

use clap::{Args, Subcommand};
use clusterdb_client::Webhooks;
use clusterdb_client::{Client, Json};
use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::CliError;
use super::args::Paging;
use super::args::{ListArgs, TagArgs, Target, Targets, UntagArgs};
use super::output::{self, Cell, Column, Format};
use super::resource::{self, Changes, CliKind};

impl CliKind for Webhooks {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("URL", Cell::Field("url")).shortened(),
        Column::new("EVENTS", Cell::List("events")).shortened(),
        Column::new("ENABLED", Cell::Field("enabled")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("DISABLED BECAUSE", Cell::Field("disabled_reason")),
        Column::wide("DESCRIPTION", Cell::Field("description")).shortened(),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

/// The columns of deliveries.
const DELIVERY_COLUMNS: &[Column] = &[
    Column::new("ID", Cell::Field("id")),
    Column::new("EVENT", Cell::Field("event_id")),
    Column::new("TYPE", Cell::Field("event_type")),
    Column::new("STATUS", Cell::Field("status")),
    Column::new("ATTEMPTS", Cell::Count("attempts")),
    Column::new("NEXT ATTEMPT", Cell::Field("next_attempt_at")),
];

/// The fields of an endpoint.
#[derive(Debug, Clone, Args)]
pub struct WebhookFields {
    /// Where events are POSTed (http:// or https://).
    #[arg(long)]
    pub url: Option<String>,
    /// An event type to deliver, e.g. fleet.created, or * for all
    /// (repeatable; on update, the list replaces the current one).
    #[arg(long = "event", value_name = "TYPE")]
    pub events: Vec<String>,
    /// Unique name (default: derived from the URL).
    #[arg(long)]
    pub name: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// The signing secret (whsec_ + base64 of 24 to 64 bytes); generated
    /// on create if left out. On update it rotates: the old one still signs
    /// for 24 hours.
    #[arg(long)]
    pub secret: Option<String>,
}

impl WebhookFields {
    fn changes(&self) -> Changes {
        let mut changes = Changes::default();
        changes.set("url", self.url.clone().map(Value::String));
        if !self.events.is_empty() {
            changes.set(
                "events",
                Some(Value::Array(
                    self.events.iter().cloned().map(Value::String).collect(),
                )),
            );
        }
        changes.set("name", self.name.clone().map(Value::String));
        changes.set("description", self.description.clone().map(Value::String));
        changes.set("secret", self.secret.clone().map(Value::String));
        changes
    }
}

/// `--enable` / `--disable`.
#[derive(Debug, Clone, Args)]
pub struct Switch {
    /// Turn delivery on (and resume where it stopped).
    #[arg(long, conflicts_with = "disable")]
    pub enable: bool,
    /// Turn delivery off.
    #[arg(long)]
    pub disable: bool,
}

/// `clusterdb webhook`.
#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Create an endpoint (--url and at least one --event); its signing
    /// secret is shown once, in this answer.
    #[command(
        after_help = "Example:\n  clusterdb webhook create --url https://example.com/webhook \\\n    --event fleet.created --event fleet.updated"
    )]
    Create {
        #[command(flatten)]
        fields: WebhookFields,
        /// Create it with delivery off.
        #[arg(long)]
        disabled: bool,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List endpoints.
    #[command(after_help = "Example:\n  clusterdb webhook list")]
    List(ListArgs),
    /// Show an endpoint (never its secret).
    #[command(after_help = "Example:\n  clusterdb webhook get webhook-3f2a9c1d0b7e")]
    Get(Target),
    /// Change an endpoint: only the fields given.
    #[command(after_help = "Example:\n  clusterdb webhook update my-hook --event '*' --enable")]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: WebhookFields,
        #[command(flatten)]
        switch: Switch,
        #[command(flatten)]
        tags: TagArgs,
        #[command(flatten)]
        untag: UntagArgs,
    },
    /// Delete an endpoint and its delivery records.
    #[command(after_help = "Example:\n  clusterdb webhook delete my-hook")]
    Delete(Targets),
    /// List an endpoint's deliveries (oldest first) with their attempts.
    #[command(after_help = "Example:\n  clusterdb webhook deliveries my-hook --all")]
    Deliveries {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        paging: Paging,
    },
    /// Send a delivery's event again, now (one attempt).
    #[command(after_help = "Example:\n  clusterdb webhook redeliver my-hook dlv_1042_0")]
    Redeliver {
        #[command(flatten)]
        target: Target,
        /// The delivery (dlv_…), from `clusterdb webhook deliveries`.
        #[arg(value_name = "DELIVERY_ID")]
        delivery: String,
    },
    /// Send a webhook.test event to the endpoint.
    #[command(after_help = "Example:\n  clusterdb webhook test my-hook")]
    Test(Target),
}

/// Runs `clusterdb webhook …`.
pub async fn run(command: WebhookCommand, client: &Client, format: Format) -> Result<(), CliError> {
    type K = Webhooks;
    match command {
        WebhookCommand::Create {
            fields,
            disabled,
            tags,
        } => {
            let mut changes = fields.changes();
            if disabled {
                changes.set("enabled", Some(Value::Bool(false)));
            }
            let body = changes.into_body(&tags);
            resource::create_with_secret::<K>(client, format, body, "signing secret").await
        }
        WebhookCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        WebhookCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        WebhookCommand::Update {
            target,
            fields,
            switch,
            tags,
            untag,
        } => {
            let mut changes = fields.changes();
            if switch.enable || switch.disable {
                changes.set("enabled", Some(Value::Bool(switch.enable)));
            }
            let changes = changes.with_tags(tags, untag);
            resource::update::<K>(client, format, &target.what, &changes).await
        }
        WebhookCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
        WebhookCommand::Deliveries { target, paging } => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let items = deliveries(client, &id, &paging).await?;
            Ok(output::list(
                format,
                DELIVERY_COLUMNS,
                &items,
                "deliveries",
            )?)
        }
        WebhookCommand::Redeliver { target, delivery } => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let path = format!("deliveries/{delivery}/redeliver");
            let answer = answer(
                resource::calls::<K>(client)
                    .action(Method::POST, &id, &path, &[], None)
                    .await?,
            )?;
            Ok(output::object(format, DELIVERY_COLUMNS, &answer)?)
        }
        WebhookCommand::Test(target) => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let answer = answer(
                resource::calls::<K>(client)
                    .action(Method::POST, &id, "test", &[], None)
                    .await?,
            )?;
            Ok(output::raw(format, &answer)?)
        }
    }
}

fn answer(json: Option<Json>) -> Result<Json, CliError> {
    json.ok_or_else(|| CliError::Failed(anyhow::anyhow!("the server answered no body")))
}

/// One page of deliveries as the server wrote it.
#[derive(Deserialize)]
struct Page {
    deliveries: Vec<Json>,
    next_page_token: Option<String>,
}

/// The endpoint's deliveries, page by page as `paging` says.
async fn deliveries(client: &Client, id: &str, paging: &Paging) -> Result<Vec<Json>, CliError> {
    let calls = resource::calls::<Webhooks>(client);
    let mut token = paging.page_token.clone();
    let mut items = Vec::new();
    loop {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(size) = &paging.page_size {
            query.push(("page_size", size));
        }
        if let Some(token) = &token {
            query.push(("page_token", token));
        }
        let json = answer(
            calls
                .action(Method::GET, id, "deliveries", &query, None)
                .await?,
        )?;
        let page: Page = serde_json::from_str(json.get())
            .map_err(|e| CliError::Failed(anyhow::anyhow!("an unexpected answer: {e}")))?;
        items.extend(page.deliveries);
        token = page.next_page_token;
        match &token {
            Some(_) if paging.all => continue,
            Some(next) => {
                output::after_output(format!(
                    "more deliveries follow: --page-token {next} (or --all)"
                ));
                return Ok(items);
            }
            None => return Ok(items),
        }
    }
}

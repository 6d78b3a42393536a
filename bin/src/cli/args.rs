//! Flags many commands share: tags, list filters and paging, a resource
//! by id or name.

use clap::Args;
use serde_json::Value;

/// `--page-size`, `--page-token`, `--all`.
#[derive(Debug, Clone, clap::Args)]
pub struct Paging {
    /// Items per request (the server's default is 100, at most 1000).
    #[arg(long, value_name = "N")]
    pub page_size: Option<String>,
    /// Continue from this `next_page_token`.
    #[arg(long, value_name = "TOKEN", conflicts_with = "all")]
    pub page_token: Option<String>,
    /// Follow `next_page_token` to the end (with progress on a terminal).
    #[arg(long)]
    pub all: bool,
}

/// `--tag key=value`, parsed.
pub fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected key=value, not {text:?}"))
}

/// `--tag key=value` (repeatable).
#[derive(Debug, Clone, Default, Args)]
pub struct TagArgs {
    /// A tag, key=value (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    pub tags: Vec<(String, String)>,
}

impl TagArgs {
    /// The tags as a JSON object.
    pub fn object(&self) -> Value {
        Value::Object(
            self.tags
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }
}

/// `--untag KEY` (repeatable), for updates.
#[derive(Debug, Clone, Default, Args)]
pub struct UntagArgs {
    /// Remove this tag (repeatable).
    #[arg(long = "untag", value_name = "KEY")]
    pub untag: Vec<String>,
}

/// List filters and paging shared by every list.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only resources with this tag, key=value (repeatable: all must match).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = key_value)]
    pub tags: Vec<(String, String)>,
    #[command(flatten)]
    pub paging: Paging,
}

/// A resource by id or name.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// Its id or its name.
    #[arg(value_name = "ID|NAME")]
    pub what: String,
}

/// One or more resources by id or name (for `delete`).
#[derive(Debug, Clone, Args)]
pub struct Targets {
    /// Their ids or names.
    #[arg(value_name = "ID|NAME", required = true, num_args = 1..)]
    pub what: Vec<String>,
}

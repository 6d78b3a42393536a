//! Flags many commands share: tags, list filters and paging, a resource
//! by id or name.

use clap::Args;
use serde_json::Value;

use super::resource::{Paging, key_value};

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

//! `clusterdb identity`: users, groups, API keys, OAuth clients, tokens.

use clap::{Args, Subcommand};
use clusterdb_client::{Client, Json};
use clusterdb_client::{Groups, OAuthClients, Users};
use reqwest::Method;
use serde_json::{Map, Value};

use super::CliError;
use super::args::Paging;
use super::args::{ListArgs, TagArgs, Target, Targets, UntagArgs};
use super::output::{self, Cell, Column, Format};
use super::resource::{self, Changes, CliKind};
use super::session::{Credentials, Session, Target as SessionTarget};

impl CliKind for Users {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("USERNAME", Cell::Field("username")),
        Column::new("EMAIL", Cell::Field("email")),
        Column::new("STATUS", Cell::Field("status")),
        Column::new("ROLES", Cell::List("roles")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("DISPLAY NAME", Cell::Field("display_name")),
        Column::wide("TAGS", Cell::Map("tags")),
        Column::wide("CREATED BY", Cell::Field("created_by")),
    ];
}

impl CliKind for Groups {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("MEMBERS", Cell::Count("members")),
        Column::new("ROLES", Cell::List("roles")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("DESCRIPTION", Cell::Field("description")).shortened(),
        Column::wide("MEMBER IDS", Cell::List("members")),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

impl CliKind for OAuthClients {
    const COLUMNS: &'static [Column] = &[
        Column::new("ID", Cell::Field("id")),
        Column::new("NAME", Cell::Field("name")),
        Column::new("OWNER", Cell::Field("owner")),
        Column::new("SCOPES", Cell::List("scopes")),
        Column::new("AGE", Cell::Age("created_at")),
        Column::wide("DESCRIPTION", Cell::Field("description")).shortened(),
        Column::wide("TAGS", Cell::Map("tags")),
    ];
}

/// The columns of API keys.
const API_KEY_COLUMNS: &[Column] = &[
    Column::new("ID", Cell::Field("id")),
    Column::new("NAME", Cell::Field("name")),
    Column::new("OWNER", Cell::Field("owner")),
    Column::new("AGE", Cell::Age("created_at")),
    Column::new("LAST USED", Cell::Field("last_used_at")),
    Column::new("EXPIRES", Cell::Field("expires_at")),
    Column::wide("CREATED BY", Cell::Field("created_by")),
];

/// `clusterdb identity`.
#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Users: people and service accounts, with roles.
    #[command(subcommand)]
    User(UserCommand),
    /// Groups of users: their roles apply to every member.
    #[command(subcommand)]
    Group(GroupCommand),
    /// API keys of a user.
    #[command(subcommand, name = "api-key")]
    ApiKey(ApiKeyCommand),
    /// OAuth clients: machine credentials with scopes.
    #[command(subcommand, name = "oauth-client")]
    OauthClient(OAuthClientCommand),
    /// Print an access token for the current profile, for scripts (an
    /// API-key profile prints its key: it is the bearer token).
    #[command(
        after_help = "Example:\n  curl -H \"Authorization: Bearer $(clusterdb identity token)\" \\\n    http://127.0.0.1:7070/v1/fleets"
    )]
    Token,
}

/// The fields of a user.
#[derive(Debug, Clone, Args)]
pub struct UserFields {
    /// The unique login name.
    #[arg(long)]
    pub username: Option<String>,
    /// Email address (unique, ignoring case).
    #[arg(long)]
    pub email: Option<String>,
    /// Free text.
    #[arg(long)]
    pub display_name: Option<String>,
    /// `active` or `disabled`.
    #[arg(long)]
    pub status: Option<String>,
    /// A role: viewer, editor or admin (repeatable; replaces the list).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
}

impl UserFields {
    fn changes(&self) -> Changes {
        let mut changes = Changes::default();
        changes.set("username", self.username.clone().map(Value::String));
        changes.set("email", self.email.clone().map(Value::String));
        changes.set("display_name", self.display_name.clone().map(Value::String));
        changes.set("status", self.status.clone().map(Value::String));
        changes.set("roles", strings(&self.roles));
        changes
    }
}

/// A non-empty list as a JSON array.
fn strings(items: &[String]) -> Option<Value> {
    (!items.is_empty()).then(|| Value::Array(items.iter().cloned().map(Value::String).collect()))
}

/// `clusterdb identity user`.
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user (--username is required).
    #[command(
        mut_arg("username", |a| a.required(true)),
        after_help = "Example:\n  clusterdb identity user create --username alice --email alice@example.com --role editor"
    )]
    Create {
        #[command(flatten)]
        fields: UserFields,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List users.
    #[command(after_help = "Example:\n  clusterdb identity user list -o wide")]
    List(ListArgs),
    /// Show a user.
    #[command(after_help = "Example:\n  clusterdb identity user get alice")]
    Get(Target),
    /// Change a user: only the fields given change.
    #[command(after_help = "Example:\n  clusterdb identity user update alice --status disabled")]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: UserFields,
        #[command(flatten)]
        tags: TagArgs,
        #[command(flatten)]
        untag: UntagArgs,
    },
    /// Delete a user (and its API keys; it leaves its groups).
    #[command(after_help = "Example:\n  clusterdb identity user delete alice")]
    Delete(Targets),
}

/// The fields of a group.
#[derive(Debug, Clone, Args)]
pub struct GroupFields {
    /// The group's unique name.
    #[arg(long)]
    pub name: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// A role of every member: viewer, editor or admin (repeatable;
    /// replaces the list).
    #[arg(long = "role", value_name = "ROLE")]
    pub roles: Vec<String>,
}

impl GroupFields {
    fn changes(&self) -> Changes {
        let mut changes = Changes::default();
        changes.set("name", self.name.clone().map(Value::String));
        changes.set("description", self.description.clone().map(Value::String));
        changes.set("roles", strings(&self.roles));
        changes
    }
}

/// `clusterdb identity group`.
#[derive(Subcommand)]
pub enum GroupCommand {
    /// Create a group (--name is required).
    #[command(
        mut_arg("name", |a| a.required(true)),
        after_help = "Example:\n  clusterdb identity group create --name ops --role editor --member alice"
    )]
    Create {
        #[command(flatten)]
        fields: GroupFields,
        /// A member, by user id or username (repeatable).
        #[arg(long = "member", value_name = "USER")]
        members: Vec<String>,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List groups.
    #[command(after_help = "Example:\n  clusterdb identity group list")]
    List(ListArgs),
    /// Show a group.
    #[command(after_help = "Example:\n  clusterdb identity group get ops -o yaml")]
    Get(Target),
    /// Change a group: only the fields given change (members: add-member,
    /// remove-member).
    #[command(after_help = "Example:\n  clusterdb identity group update ops --role viewer")]
    Update {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        fields: GroupFields,
        #[command(flatten)]
        tags: TagArgs,
        #[command(flatten)]
        untag: UntagArgs,
    },
    /// Delete a group.
    #[command(after_help = "Example:\n  clusterdb identity group delete ops")]
    Delete(Targets),
    /// Add a user to a group.
    #[command(after_help = "Example:\n  clusterdb identity group add-member ops alice")]
    AddMember(Membership),
    /// Remove a user from a group.
    #[command(after_help = "Example:\n  clusterdb identity group remove-member ops alice")]
    RemoveMember(Membership),
}

/// A group and a user.
#[derive(Debug, Clone, Args)]
pub struct Membership {
    /// The group's id or name.
    #[arg(value_name = "GROUP")]
    pub group: String,
    /// The user's id or username.
    #[arg(value_name = "USER")]
    pub user: String,
}

/// `clusterdb identity api-key`.
#[derive(Subcommand)]
pub enum ApiKeyCommand {
    /// Create an API key (--user and --name are required); it is shown
    /// once, in this answer.
    #[command(
        mut_arg("name", |a| a.required(true)),
        after_help = "Example:\n  clusterdb identity api-key create --user alice --name ci \\\n    --expires-at 2027-01-01T00:00:00Z"
    )]
    Create {
        /// The owner's user id or username.
        #[arg(long, value_name = "USER")]
        user: String,
        /// The key's name, unique among the user's keys.
        #[arg(long)]
        name: Option<String>,
        /// When the key stops working (RFC 3339); default never.
        #[arg(long, value_name = "TIME")]
        expires_at: Option<String>,
    },
    /// List a user's API keys (never their secrets).
    #[command(after_help = "Example:\n  clusterdb identity api-key list --user alice")]
    List {
        /// The owner's user id or username.
        #[arg(long, value_name = "USER")]
        user: String,
        #[command(flatten)]
        paging: Paging,
    },
    /// Revoke an API key: it stops working at once, on every server.
    #[command(after_help = "Example:\n  clusterdb identity api-key revoke --user alice ci")]
    Revoke {
        /// The owner's user id or username.
        #[arg(long, value_name = "USER")]
        user: String,
        /// The key's id or name.
        #[arg(value_name = "KEY")]
        key: String,
    },
}

/// The fields of an OAuth client.
#[derive(Debug, Clone, Args)]
pub struct OAuthClientFields {
    /// The client's unique name.
    #[arg(long)]
    pub name: Option<String>,
    /// Free text.
    #[arg(long)]
    pub description: Option<String>,
    /// The user who owns it, by id or username.
    #[arg(long, value_name = "USER")]
    pub owner: Option<String>,
    /// A scope, e.g. compute:read (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
}

/// `clusterdb identity oauth-client`.
#[derive(Subcommand)]
pub enum OAuthClientCommand {
    /// Create an OAuth client (--name and --owner are required); its secret
    /// is shown once, in this answer.
    #[command(
        mut_arg("name", |a| a.required(true)),
        mut_arg("owner", |a| a.required(true)),
        after_help = "Example:\n  clusterdb identity oauth-client create --name deployer --owner alice \\\n    --scope compute:read --scope compute:write"
    )]
    Create {
        #[command(flatten)]
        fields: OAuthClientFields,
        #[command(flatten)]
        tags: TagArgs,
    },
    /// List OAuth clients.
    #[command(after_help = "Example:\n  clusterdb identity oauth-client list")]
    List(ListArgs),
    /// Show an OAuth client (never its secret).
    #[command(after_help = "Example:\n  clusterdb identity oauth-client get deployer")]
    Get(Target),
    /// Delete an OAuth client: its tokens stop working.
    #[command(after_help = "Example:\n  clusterdb identity oauth-client delete deployer")]
    Delete(Targets),
    /// Give an OAuth client a new secret (the old one stops working).
    #[command(after_help = "Example:\n  clusterdb identity oauth-client reset-secret deployer")]
    ResetSecret(Target),
}

/// Runs `clusterdb identity …`.
pub async fn run(
    command: IdentityCommand,
    session: &Session,
    format: Format,
) -> Result<(), CliError> {
    let client = &session.client;
    match command {
        IdentityCommand::User(command) => user(command, client, format).await,
        IdentityCommand::Group(command) => group(command, client, format).await,
        IdentityCommand::ApiKey(command) => api_key(command, client, format).await,
        IdentityCommand::OauthClient(command) => oauth_client(command, client, format).await,
        IdentityCommand::Token => token(session, format).await,
    }
}

async fn user(command: UserCommand, client: &Client, format: Format) -> Result<(), CliError> {
    type K = Users;
    match command {
        UserCommand::Create { fields, tags } => {
            resource::create::<K>(client, format, fields.changes().into_body(&tags)).await
        }
        UserCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        UserCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        UserCommand::Update {
            target,
            fields,
            tags,
            untag,
        } => {
            let changes = fields.changes().with_tags(tags, untag);
            resource::update::<K>(client, format, &target.what, &changes).await
        }
        UserCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
    }
}

async fn group(command: GroupCommand, client: &Client, format: Format) -> Result<(), CliError> {
    type K = Groups;
    match command {
        GroupCommand::Create {
            fields,
            members,
            tags,
        } => {
            let mut body = fields.changes().into_body(&tags);
            if !members.is_empty() {
                let mut ids = Vec::with_capacity(members.len());
                for member in &members {
                    ids.push(Value::String(
                        resource::resolve::<Users>(client, member).await?,
                    ));
                }
                body.insert("members".into(), Value::Array(ids));
            }
            resource::create::<K>(client, format, body).await
        }
        GroupCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        GroupCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        GroupCommand::Update {
            target,
            fields,
            tags,
            untag,
        } => {
            let changes = fields.changes().with_tags(tags, untag);
            resource::update::<K>(client, format, &target.what, &changes).await
        }
        GroupCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
        GroupCommand::AddMember(membership) => {
            let group = resource::resolve::<K>(client, &membership.group).await?;
            let user = resource::resolve::<Users>(client, &membership.user).await?;
            let body = serde_json::to_vec(&serde_json::json!({ "user_id": user }))
                .map_err(|e| CliError::Failed(e.into()))?;
            let json: Option<Json> = resource::calls::<K>(client)
                .action(Method::POST, &group, "members", &[], Some(body))
                .await?;
            answered::<K>(format, json)
        }
        GroupCommand::RemoveMember(membership) => {
            let group = resource::resolve::<K>(client, &membership.group).await?;
            let user = resource::resolve::<Users>(client, &membership.user).await?;
            let json: Option<Json> = resource::calls::<K>(client)
                .action(
                    Method::DELETE,
                    &group,
                    &format!("members/{user}"),
                    &[],
                    None,
                )
                .await?;
            answered::<K>(format, json)
        }
    }
}

/// Prints an action's answer (a resource of `K`), if it had one.
fn answered<K: CliKind>(format: Format, json: Option<Json>) -> Result<(), CliError> {
    match json {
        Some(json) => Ok(output::object(format, K::COLUMNS, &json)?),
        None => Ok(()),
    }
}

/// The keys of `user`, one page or every page.
async fn list_keys(client: &Client, user: &str, paging: &Paging) -> Result<Vec<Json>, CliError> {
    #[derive(serde::Deserialize)]
    struct KeyPage {
        api_keys: Vec<Json>,
        next_page_token: Option<String>,
    }
    let calls = resource::calls::<Users>(client);
    let mut token = paging.page_token.clone();
    let mut keys = Vec::new();
    loop {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if let Some(size) = &paging.page_size {
            query.push(("page_size", size));
        }
        if let Some(token) = &token {
            query.push(("page_token", token));
        }
        let page: KeyPage = calls
            .action(Method::GET, user, "api-keys", &query, None)
            .await?
            .ok_or_else(|| CliError::Failed(anyhow::anyhow!("the key list answered nothing")))?;
        keys.extend(page.api_keys);
        token = page.next_page_token;
        match &token {
            Some(_) if paging.all => continue,
            Some(next) => {
                output::after_output(format!(
                    "more api_keys follow: --page-token {next} (or --all)"
                ));
                break;
            }
            None => break,
        }
    }
    Ok(keys)
}

async fn api_key(command: ApiKeyCommand, client: &Client, format: Format) -> Result<(), CliError> {
    let calls = resource::calls::<Users>(client);
    match command {
        ApiKeyCommand::Create {
            user,
            name,
            expires_at,
        } => {
            let user = resource::resolve::<Users>(client, &user).await?;
            let mut body = Map::new();
            if let Some(name) = name {
                body.insert("name".into(), Value::String(name));
            }
            if let Some(expires_at) = expires_at {
                body.insert("expires_at".into(), Value::String(expires_at));
            }
            let body = serde_json::to_vec(&body).map_err(|e| CliError::Failed(e.into()))?;
            let json: Json = calls
                .action(Method::POST, &user, "api-keys", &[], Some(body))
                .await?
                .ok_or_else(|| CliError::Failed(anyhow::anyhow!("the key was not returned")))?;
            output::raw(format, &json)?;
            if matches!(format, Format::Table | Format::Wide) {
                eprintln!("Store the key now: it cannot be shown again.");
            }
            Ok(())
        }
        ApiKeyCommand::List { user, paging } => {
            let user = resource::resolve::<Users>(client, &user).await?;
            let keys = list_keys(client, &user, &paging).await?;
            Ok(output::list(format, API_KEY_COLUMNS, &keys, "api_keys")?)
        }
        ApiKeyCommand::Revoke { user, key } => {
            let user = resource::resolve::<Users>(client, &user).await?;
            let id = if key.starts_with("apikey-") {
                key.clone()
            } else {
                key_id_by_name(client, &user, &key).await?
            };
            let _: Option<Json> = calls
                .action(Method::DELETE, &user, &format!("api-keys/{id}"), &[], None)
                .await?;
            Ok(output::note(format, &format!("api key {key:?} revoked"))?)
        }
    }
}

/// The id of `user`'s key named `name`.
async fn key_id_by_name(client: &Client, user: &str, name: &str) -> Result<String, CliError> {
    let all = Paging {
        page_size: Some("1000".into()),
        page_token: None,
        all: true,
    };
    for key in list_keys(client, user, &all).await? {
        let value: Value =
            serde_json::from_str(key.get()).map_err(|e| CliError::Failed(e.into()))?;
        if value["name"] == name
            && let Some(id) = value["id"].as_str()
        {
            return Ok(id.to_string());
        }
    }
    Err(CliError::Api(clusterdb_client::ClientError::api(
        reqwest::StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("api key {name:?} not found (by id or name)"),
    )))
}

async fn oauth_client(
    command: OAuthClientCommand,
    client: &Client,
    format: Format,
) -> Result<(), CliError> {
    type K = OAuthClients;
    match command {
        OAuthClientCommand::Create { fields, tags } => {
            let mut changes = Changes::default();
            changes.set("name", fields.name.map(Value::String));
            changes.set("description", fields.description.map(Value::String));
            if let Some(owner) = fields.owner {
                let id = resource::resolve::<Users>(client, &owner).await?;
                changes.set("owner", Some(Value::String(id)));
            }
            changes.set("scopes", strings(&fields.scopes));
            let body = changes.into_body(&tags);
            resource::create_with_secret::<K>(client, format, body, "client secret").await
        }
        OAuthClientCommand::List(list) => resource::list_by::<K>(client, format, &list).await,
        OAuthClientCommand::Get(target) => resource::get::<K>(client, format, &target.what).await,
        OAuthClientCommand::Delete(targets) => {
            resource::delete_each::<K>(client, format, &targets.what).await
        }
        OAuthClientCommand::ResetSecret(target) => {
            let id = resource::resolve::<K>(client, &target.what).await?;
            let json: Json = resource::calls::<K>(client)
                .action(Method::POST, &id, "secret", &[], None)
                .await?
                .ok_or_else(|| CliError::Failed(anyhow::anyhow!("no secret was returned")))?;
            Ok(output::secret_answer(format, &json, "client secret")?)
        }
    }
}

/// `clusterdb identity token`.
async fn token(session: &Session, format: Format) -> Result<(), CliError> {
    let SessionTarget::Remote { credentials, .. } = &session.target else {
        return Err(CliError::Usage(
            "an embedded profile (a data file) uses no tokens".into(),
        ));
    };
    let token = match credentials {
        Credentials::None => {
            return Err(CliError::Unauthenticated(
                "no credentials: set CLUSTERDB_API_KEY, or a profile's api_key or client_id and \
                 client_secret"
                    .into(),
            ));
        }
        Credentials::ApiKey(key) => key.clone(),
        // The session fetched (or read from the cache) a valid token.
        Credentials::Client { .. } => session.bearer_token().unwrap_or_default(),
    };
    match format {
        Format::Table | Format::Wide => Ok(output::note(format, &token)?),
        _ => {
            let json =
                serde_json::value::to_raw_value(&serde_json::json!({ "access_token": token }))
                    .map_err(|e| CliError::Failed(e.into()))?;
            Ok(output::raw(format, &json)?)
        }
    }
}

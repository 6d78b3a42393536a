//! `GET /auth/whoami`: who the caller is, as the server authenticated it,
//! and what core's policy lets it do to every kind — so a client (the web
//! console) offers only what the API would allow.

use axum::Json;
use clusterdb::identity::{Verb, authorize, policy_kinds};
use clusterdb_client::wire::{PermissionOutput, WhoAmIOutput};

use crate::caller::Caller;

/// `GET /auth/whoami` (any authenticated caller).
pub async fn whoami(caller: Caller) -> Json<WhoAmIOutput> {
    let principal = &caller.principal;
    let may = |kind, verb| authorize(principal, kind, verb).is_ok();
    let permissions = policy_kinds()
        .map(|kind| {
            let permission = PermissionOutput {
                read: may(kind, Verb::Read),
                write: may(kind, Verb::Write),
            };
            (kind.to_string(), permission)
        })
        .collect();
    Json(WhoAmIOutput {
        id: principal.id.clone(),
        kind: if principal.scopes.is_some() {
            "oauth_client"
        } else {
            "user"
        }
        .into(),
        roles: principal.roles.iter().map(|r| r.as_str().into()).collect(),
        scopes: principal
            .scopes
            .as_ref()
            .map(|scopes| scopes.iter().cloned().collect()),
        permissions,
    })
}

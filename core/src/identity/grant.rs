//! The rule that no principal grants what it does not hold, applied to the
//! identity objects a write makes or changes: what each object confers
//! ([`Confers`]) is resolved into the principal it stands for — a user
//! with its groups' roles, read from the store — and checked with
//! [`authorize_grant`]. The generic write path calls it through
//! [`crate::store::Store::grants`] for every object whose kind confers
//! something, when the writing handle carries an authority.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::group::{GroupKind, MEMBERS_FIELD};
use super::policy::{Confers, Principal, Role, authorize_grant};
use super::user::UserKind;
use crate::error::{Error, Result};
use crate::list::{ListOptions, MAX_PAGE_SIZE};
use crate::resources::Resources;
use crate::store::{GrantFuture, Store};

/// Checks that `authority` holds all that `confers` gives (`what` names
/// the object in the refusal).
pub(crate) fn check<'a>(
    store: &'a Arc<Store>,
    authority: &'a Principal,
    confers: Confers,
    what: String,
) -> GrantFuture<'a> {
    Box::pin(async move {
        let granted = match confers {
            Confers::Nothing => return Ok(()),
            Confers::User { id, mut roles } => {
                roles.extend(group_roles(store, &id).await?);
                Principal::user(id, roles)
            }
            Confers::Roles(roles) => Principal::user("its members", roles),
            Confers::CredentialOf(user_id) => {
                match Resources::<UserKind>::system(store).get(&user_id).await {
                    Ok(user) => {
                        let mut roles = user.spec.roles.clone();
                        roles.extend(group_roles(store, &user_id).await?);
                        Principal::user(user_id, roles)
                    }
                    // The write refers to a user that is not there: it
                    // fails on that, granting nothing.
                    Err(Error::NotFound { .. }) => return Ok(()),
                    Err(err) => return Err(err),
                }
            }
            Confers::Scopes(scopes) => Principal::client("the client", scopes),
        };
        authorize_grant(authority, &granted, &what)
    })
}

/// The roles user `user_id` holds through its groups.
pub(crate) async fn group_roles(store: &Arc<Store>, user_id: &str) -> Result<BTreeSet<Role>> {
    let groups = Resources::<GroupKind>::system(store);
    let mut roles = BTreeSet::new();
    let mut options = ListOptions::default()
        .field(MEMBERS_FIELD, user_id)
        .page_size(MAX_PAGE_SIZE);
    loop {
        let page = groups.list(&options).await?;
        for group in &page.items {
            roles.extend(group.spec.roles.iter().copied());
        }
        match page.next_page_token {
            Some(token) => options = options.page_token(token),
            None => return Ok(roles),
        }
    }
}

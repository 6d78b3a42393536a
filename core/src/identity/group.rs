//! Groups: users that share roles.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::policy::{Confers, Role};
use super::user::{UserKind, is_user_id};
use crate::error::{Error, Result};
use crate::kind::{Kind, Object, OnDelete, Reference};
use crate::resources::{Change, Resources};
use crate::timestamp::Timestamp;
use crate::validation::{Context, MAX_DESCRIPTION_LEN, max_len};

/// Most members of one group.
pub const MAX_MEMBERS: usize = 1000;
/// The indexed field listing a group's member ids.
pub const MEMBERS_FIELD: &str = "members";

/// The group kind.
pub struct GroupKind;

/// A group.
pub type Group = Object<GroupKind>;

/// What an administrator sets on a group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpec {
    /// Free text.
    pub description: String,
    /// User ids; each must exist. Deleting a user removes it here.
    pub members: BTreeSet<String>,
    /// Roles every member holds.
    pub roles: BTreeSet<Role>,
}

/// Groups have no server-managed state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupStatus {}

impl Kind for GroupKind {
    type Spec = GroupSpec;
    type Status = GroupStatus;
    const NAME: &'static str = "group";
    const SUBJECT: &'static str = "group";
    const CHANGE_MARKER: Option<&'static str> = Some(super::cache::IDENTITY_MARKER);
    const INDEXED_FIELDS: &'static [&'static str] = &[MEMBERS_FIELD];
    const REFERENCES: &'static [Reference] = &[Reference {
        field: MEMBERS_FIELD,
        target: UserKind::NAME,
        on_delete: OnDelete::Detach,
    }];

    fn validate(spec: &GroupSpec, _ctx: &Context) -> Result<()> {
        max_len(
            Self::SUBJECT,
            "description",
            &spec.description,
            MAX_DESCRIPTION_LEN,
        )?;
        if spec.members.len() > MAX_MEMBERS {
            return Err(Error::invalid(
                Self::SUBJECT,
                MEMBERS_FIELD,
                format!("must have at most {MAX_MEMBERS} entries"),
            ));
        }
        if let Some(bad) = spec.members.iter().find(|m| !is_user_id(m)) {
            return Err(Error::invalid(
                Self::SUBJECT,
                MEMBERS_FIELD,
                format!("{bad:?} is not a user id"),
            ));
        }
        Ok(())
    }

    fn initial_status(_spec: &GroupSpec, _now: Timestamp) -> GroupStatus {
        GroupStatus {}
    }

    fn indexed_values(object: &Object<Self>) -> Vec<(&'static str, String)> {
        object
            .spec
            .members
            .iter()
            .map(|member| (MEMBERS_FIELD, member.clone()))
            .collect()
    }

    fn detach(object: &mut Object<Self>, field: &str, id: &str) {
        if field == MEMBERS_FIELD {
            object.spec.members.remove(id);
        }
    }

    /// Its roles, to every member (adding one grants them).
    fn confers(group: &Group) -> Confers {
        Confers::Roles(group.spec.roles.clone())
    }
}

impl Resources<GroupKind> {
    /// Adds a user (which must exist) to a group; adding a member again
    /// changes nothing.
    pub async fn add_member(&self, id: &str, user_id: &str) -> Result<Group> {
        if !is_user_id(user_id) {
            return Err(Error::invalid(
                GroupKind::SUBJECT,
                "user_id",
                format!("{user_id:?} is not a user id"),
            ));
        }
        self.modify(id, None, |current, now| {
            if current.spec.members.contains(user_id) {
                return Ok(Change::Keep);
            }
            if current.spec.members.len() >= MAX_MEMBERS {
                return Err(Error::invalid(
                    GroupKind::SUBJECT,
                    MEMBERS_FIELD,
                    format!("must have at most {MAX_MEMBERS} entries"),
                ));
            }
            let mut next = current.clone();
            next.spec.members.insert(user_id.to_string());
            next.meta.updated_at = now;
            Ok(Change::Replace(next, &["updated"]))
        })
        .await
    }

    /// Removes a member; `NOT_FOUND` if the user is not one.
    pub async fn remove_member(&self, id: &str, user_id: &str) -> Result<Group> {
        self.modify(id, None, |current, now| {
            if !current.spec.members.contains(user_id) {
                return Err(Error::not_found(
                    "member",
                    format!("{user_id} in group {id}"),
                ));
            }
            let mut next = current.clone();
            next.spec.members.remove(user_id);
            next.meta.updated_at = now;
            Ok(Change::Replace(next, &["updated"]))
        })
        .await
    }
}

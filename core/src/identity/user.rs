//! Users: who may call the API (with API keys), with roles.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::policy::{Confers, Role};
use crate::error::{Error, Result};
use crate::kind::{Kind, Object};
use crate::timestamp::Timestamp;
use crate::validation::{Context, max_len};

/// Longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_LEN: usize = 256;

/// The user kind. Its name is the username (unique).
pub struct UserKind;

/// A user.
pub type User = Object<UserKind>;

/// Whether a user may authenticate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserState {
    /// May call the API.
    #[default]
    Active,
    /// Refused: its keys and tokens stop working at once.
    Disabled,
}

impl UserState {
    /// `active` or `disabled`.
    pub fn as_str(self) -> &'static str {
        match self {
            UserState::Active => "active",
            UserState::Disabled => "disabled",
        }
    }
}

/// What an administrator sets on a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSpec {
    /// Unique (case-insensitively) when set; empty for a service account.
    pub email: String,
    /// Free text.
    pub display_name: String,
    /// Whether the user may authenticate.
    pub state: UserState,
    /// Roles bound to the user directly (groups add more).
    pub roles: BTreeSet<Role>,
}

/// Users have no server-managed state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserStatus {}

/// Whether `id` has the shape of a user id (`user-` and letters, digits).
pub(crate) fn is_user_id(id: &str) -> bool {
    id.strip_prefix("user-").is_some_and(|rest| {
        !rest.is_empty()
            && rest.len() <= 64
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    })
}

/// The characters of an email address's local part besides dots (RFC 5322
/// `atext`).
const ATEXT: &str = "!#$%&'*+/=?^_`{|}~-";

/// The rule [`validate_email`] applies, as an ECMA-262 regular expression
/// (for API documents): dot-separated runs of `atext`, `@`, and a dotted
/// DNS name of at least two labels.
pub const EMAIL_PATTERN: &str = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$";

/// Checks an email address: exactly [`EMAIL_PATTERN`], at most
/// [`MAX_EMAIL_LEN`] characters.
pub fn validate_email(subject: &'static str, email: &str) -> Result<()> {
    let invalid = || {
        Err(Error::invalid(
            subject,
            "email",
            "must be a valid email address",
        ))
    };
    if email.len() > MAX_EMAIL_LEN {
        return invalid();
    }
    let Some((local, domain)) = email.split_once('@') else {
        return invalid();
    };
    let local_ok = local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ATEXT.contains(c))
    });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if local_ok && domain_ok {
        Ok(())
    } else {
        invalid()
    }
}

impl Kind for UserKind {
    type Spec = UserSpec;
    type Status = UserStatus;
    const NAME: &'static str = "user";
    const SUBJECT: &'static str = "user";
    const CHANGE_MARKER: Option<&'static str> = Some(super::cache::IDENTITY_MARKER);
    const NAME_FIELD: &'static str = "username";
    const UNIQUE_FIELDS: &'static [&'static str] = &["email"];

    fn validate(spec: &UserSpec, _ctx: &Context) -> Result<()> {
        if !spec.email.is_empty() {
            validate_email(Self::SUBJECT, &spec.email)?;
        }
        max_len(
            Self::SUBJECT,
            "display_name",
            &spec.display_name,
            MAX_DISPLAY_NAME_LEN,
        )
    }

    fn initial_status(_spec: &UserSpec, _now: Timestamp) -> UserStatus {
        UserStatus {}
    }

    fn unique_values(object: &Object<Self>) -> Vec<(&'static str, String)> {
        if object.spec.email.is_empty() {
            return Vec::new();
        }
        vec![("email", object.spec.email.to_ascii_lowercase())]
    }

    fn confers(user: &User) -> Confers {
        Confers::User {
            id: user.meta.id.clone(),
            roles: user.spec.roles.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@example.com",
            "first.last+tag@mail.example.org",
            "x@a-b.io",
        ] {
            assert!(validate_email("user", good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@example.com",
            "a@exa mple.com",
            "a@-x.com",
            "a@x..com",
            ".a@x.com",
            "a@@x.com",
            "a@x.com\n",
        ] {
            let err = validate_email("user", bad).unwrap_err();
            assert_eq!(
                err.field_violation(),
                Some(("email", "must be a valid email address")),
                "{bad:?}"
            );
        }
    }
}

//! [`Caller`]: the authenticated caller of a request, as the guard
//! ([`crate::auth::guard`]) leaves it for handlers.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use clusterdb::ClusterDb;
use clusterdb::identity::{Principal, Verb, authorize};

use crate::rest::error::ApiError;

/// The authenticated caller of a request: who, and the database acting as
/// them (their writes record them as the actor). A copy shares both.
#[derive(Clone)]
pub struct Caller {
    /// Who is calling (shared with the authentication cache).
    pub principal: Arc<Principal>,
    /// The database, acting as the principal.
    pub db: ClusterDb,
}

impl Caller {
    /// Whether the caller may `verb` resources of `kind` (core's policy).
    pub fn authorize(&self, kind: &str, verb: Verb) -> clusterdb::Result<()> {
        authorize(&self.principal, kind, verb)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().cloned().ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "authentication required",
            )
        })
    }
}

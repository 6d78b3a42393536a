//! Authorization of gRPC methods: every method asks [`caller`] for the
//! database of the request's authenticated caller, naming the kind and
//! verb it needs — core's one policy decides, as for REST.

use clusterdb::ClusterDb;
use clusterdb::identity::Verb;
use tonic::{Request, Status};

use super::status::status;
use crate::caller::Caller;

/// The database acting as the request's caller, if the caller may `verb`
/// resources of `kind`: `UNAUTHENTICATED` without one (the guard did not
/// run), `PERMISSION_DENIED` if the policy says no.
pub fn caller<T>(request: &Request<T>, kind: &str, verb: Verb) -> Result<ClusterDb, Status> {
    let caller = caller_of(request)?;
    caller.authorize(kind, verb).map_err(status)?;
    Ok(caller.db.clone())
}

/// The request's authenticated caller.
pub fn caller_of<T>(request: &Request<T>) -> Result<&Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .ok_or_else(|| Status::unauthenticated("authentication required"))
}

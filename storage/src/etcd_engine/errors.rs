//! What an etcd error means for the engine: refused (nothing applied),
//! never sent (nothing applied, safe to send elsewhere), or anything else
//! (a read may be repeated; a commit's outcome is unknown).

use crate::error::Error;

/// Whether a gRPC status says the request was refused as such (so nothing
/// was applied) rather than lost on the way.
pub(super) fn refused(status: &etcd_client::Error) -> bool {
    use grpc_code::*;
    match status {
        etcd_client::Error::GRpcStatus(s) => matches!(
            s.code() as i32,
            INVALID_ARGUMENT
                | FAILED_PRECONDITION
                | OUT_OF_RANGE
                | RESOURCE_EXHAUSTED
                | PERMISSION_DENIED
                | UNAUTHENTICATED
        ),
        etcd_client::Error::InvalidArgs(_) | etcd_client::Error::InvalidUri(_) => true,
        _ => false,
    }
}

/// Whether the request never left this process (no connection).
pub(super) fn never_sent(err: &etcd_client::Error) -> bool {
    let text = err.to_string();
    matches!(err, etcd_client::Error::TransportError(_))
        || text.contains("tcp connect error")
        || text.contains("Connection refused")
}

/// The gRPC status codes (fixed by the gRPC spec) that mean "refused".
mod grpc_code {
    pub const INVALID_ARGUMENT: i32 = 3;
    pub const PERMISSION_DENIED: i32 = 7;
    pub const RESOURCE_EXHAUSTED: i32 = 8;
    pub const FAILED_PRECONDITION: i32 = 9;
    pub const OUT_OF_RANGE: i32 = 11;
    pub const UNAUTHENTICATED: i32 = 16;
}

/// The error for a failed read (reads are safe to retry).
pub(super) fn read_error(err: etcd_client::Error) -> Error {
    if refused(&err) {
        Error::Backend(format!("etcd refused the request: {err}"))
    } else {
        Error::Unavailable(format!("etcd: {err}"))
    }
}

/// The error for a failed commit: refused and unsent commits were not
/// applied; anything else may have been.
pub(super) fn commit_error(err: etcd_client::Error) -> Error {
    if refused(&err) {
        Error::Backend(format!("etcd refused the commit: {err}"))
    } else if never_sent(&err) {
        Error::Unavailable(format!("etcd: {err}"))
    } else {
        Error::OutcomeUnknown(format!("etcd: {err}"))
    }
}

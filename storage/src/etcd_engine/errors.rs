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

/// Whether a member turned the request away because the cluster has no
/// leader — during an election, after the leader died. Both answers come
/// before anything is proposed to raft ("no leader" from the gRPC layer,
/// "raft proposal dropped" from a follower that has no leader to forward
/// to), so the request was not applied and may be sent again once a
/// leader is elected.
pub(super) fn leaderless(err: &etcd_client::Error) -> bool {
    match err {
        etcd_client::Error::GRpcStatus(status) => {
            let message = status.message();
            message.contains("etcdserver: no leader") || message.contains("raft proposal dropped")
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: tonic::Code, message: &str) -> etcd_client::Error {
        etcd_client::Error::GRpcStatus(tonic::Status::new(code, message))
    }

    #[test]
    fn only_answers_before_a_proposal_count_as_leaderless() {
        assert!(leaderless(&status(
            tonic::Code::Unavailable,
            "etcdserver: no leader"
        )));
        assert!(leaderless(&status(
            tonic::Code::Unknown,
            "raft proposal dropped"
        )));
        // These may come after the proposal: the outcome is unknown.
        for message in [
            "etcdserver: leader changed",
            "etcdserver: request timed out",
            "etcdserver: request timed out, possibly due to previous leader failure",
        ] {
            assert!(
                !leaderless(&status(tonic::Code::Unavailable, message)),
                "{message}"
            );
        }
        assert!(!leaderless(&etcd_client::Error::InvalidArgs("x".into())));
    }
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

//! Core errors as gRPC statuses, mapped once: the code, the message, an
//! `ErrorInfo` carrying the API's error code, and for invalid input a
//! `google.rpc.BadRequest` naming the field.

use std::collections::HashMap;

use clusterdb::{Error, ErrorCode};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `ErrorInfo.domain` of ClusterDB's errors.
pub const DOMAIN: &str = "clusterdb.io";

/// The gRPC code of each API error code.
pub fn code_of(code: ErrorCode) -> Code {
    match code {
        ErrorCode::InvalidRequest => Code::InvalidArgument,
        ErrorCode::NotFound => Code::NotFound,
        ErrorCode::AlreadyExists => Code::AlreadyExists,
        // A lost optimistic-concurrency race: re-read and retry (AIP-193).
        ErrorCode::Conflict => Code::Aborted,
        ErrorCode::FailedPrecondition => Code::FailedPrecondition,
        ErrorCode::Unauthenticated => Code::Unauthenticated,
        ErrorCode::PermissionDenied => Code::PermissionDenied,
        ErrorCode::RateLimitExceeded | ErrorCode::QuotaExceeded => Code::ResourceExhausted,
        ErrorCode::DeadlineExceeded => Code::DeadlineExceeded,
        ErrorCode::Unavailable => Code::Unavailable,
        ErrorCode::FunctionError => Code::Unknown,
        ErrorCode::OutOfRange => Code::OutOfRange,
        _ => Code::Internal,
    }
}

/// The status for a core error.
pub fn status(err: Error) -> Status {
    let outcome = crate::rest::error::WriteOutcome::of(&err);
    let mut status = status_of(err);
    if let Some(outcome) = outcome {
        // Read (and removed) by the idempotency layer.
        status.metadata_mut().insert(
            crate::rest::error::OUTCOME_HEADER,
            tonic::metadata::MetadataValue::from_static(outcome.as_str()),
        );
    }
    status
}

fn status_of(err: Error) -> Status {
    let code = err.code();
    let mut details = ErrorDetails::new();
    let mut metadata = HashMap::new();
    if let Some(message) = crate::rest::error::server_failure_message(&err) {
        tracing::error!(error = %err, "{message}");
        if let Some(id) = crate::request_id::current() {
            metadata.insert("request_id".to_string(), id);
        }
        details.set_error_info(code.as_str(), DOMAIN, metadata);
        return Status::with_error_details(code_of(code), message, details);
    }
    match &err {
        Error::Invalid { field, reason, .. } => {
            details.add_bad_request_violation(field.clone(), reason.clone());
        }
        Error::FailedPrecondition { state, .. } => {
            metadata.insert("state".to_string(), state.clone());
        }
        Error::Conflict {
            expected, actual, ..
        } => {
            metadata.insert("expected_version".to_string(), expected.to_string());
            metadata.insert("current_version".to_string(), actual.to_string());
        }
        Error::Overloaded {
            retry_after_secs, ..
        } => {
            details.set_retry_info(Some(std::time::Duration::from_secs(
                (*retry_after_secs).into(),
            )));
        }
        Error::QuotaExceeded { quota, limit, .. } => {
            metadata.insert("quota".to_string(), quota.to_string());
            metadata.insert("limit".to_string(), limit.to_string());
        }
        _ => {}
    }
    details.set_error_info(code.as_str(), DOMAIN, metadata);
    Status::with_error_details(code_of(code), err.message(), details)
}

/// `INVALID_ARGUMENT` about one field of a request.
pub fn invalid(field: &str, reason: &str) -> Status {
    let mut details = ErrorDetails::with_bad_request_violation(field, reason);
    details.set_error_info(ErrorCode::InvalidRequest.as_str(), DOMAIN, HashMap::new());
    Status::with_error_details(
        Code::InvalidArgument,
        format!("Invalid request: {field} {reason}"),
        details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_input_carries_a_field_violation() {
        let status = status(Error::Invalid {
            subject: "fleet configuration",
            field: "capacity".into(),
            reason: "must be greater than 0".into(),
        });
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(status.message(), "Invalid fleet configuration");
        let details = status.get_error_details();
        let violation = &details.bad_request().unwrap().field_violations[0];
        assert_eq!(
            (violation.field.as_str(), violation.description.as_str()),
            ("capacity", "must be greater than 0")
        );
        assert_eq!(details.error_info().unwrap().reason, "INVALID_REQUEST");
    }

    #[test]
    fn codes() {
        assert_eq!(code_of(ErrorCode::Conflict), Code::Aborted);
        assert_eq!(code_of(ErrorCode::NotFound), Code::NotFound);
        assert_eq!(code_of(ErrorCode::Internal), Code::Internal);
    }
}

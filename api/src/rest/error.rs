//! The one error type of the REST adapter and its response: the spec's
//! error format with the right HTTP status. The status mapping is data, in
//! [`status_of`].

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusterdb::{Error, ErrorCode};
use serde_json::{Map, Value, json};

/// The response header through which a failed handler tells the
/// idempotency layer whether its write may have happened; that layer
/// removes it before the response leaves.
pub const OUTCOME_HEADER: &str = "x-clusterdb-outcome";

/// Whether a failed request's write may have been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Certainly not applied: a retry may run again.
    NotApplied,
    /// Perhaps applied (the store did not say): a retry must not run
    /// again blindly.
    Unknown,
}

impl WriteOutcome {
    /// What a core error says about its write.
    pub fn of(err: &Error) -> Option<Self> {
        match err {
            _ if err.is_outcome_unknown() => Some(WriteOutcome::Unknown),
            Error::Unavailable(_) => Some(WriteOutcome::NotApplied),
            _ if err.is_store_unavailable() => Some(WriteOutcome::NotApplied),
            _ if err.code() == ErrorCode::Internal => Some(WriteOutcome::Unknown),
            _ => None,
        }
    }

    /// The value of [`OUTCOME_HEADER`].
    pub fn as_str(self) -> &'static str {
        match self {
            WriteOutcome::NotApplied => "not-applied",
            WriteOutcome::Unknown => "unknown",
        }
    }
}

/// An error as the REST API reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `error.code`, e.g. `INVALID_REQUEST`.
    pub code: &'static str,
    /// `error.message`.
    pub message: String,
    /// `error.details` (omitted when empty).
    pub details: Map<String, Value>,
    /// For a server-side failure: whether its write may have happened.
    pub outcome: Option<WriteOutcome>,
    /// `Retry-After`, in seconds, for a refusal at a capacity limit.
    pub retry_after: Option<u32>,
}

/// The HTTP status of each core error code.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::InvalidRequest => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::PermissionDenied => StatusCode::FORBIDDEN,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::AlreadyExists | ErrorCode::Conflict | ErrorCode::FailedPrecondition => {
            StatusCode::CONFLICT
        }
        ErrorCode::RateLimitExceeded | ErrorCode::QuotaExceeded => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::FunctionError => StatusCode::BAD_GATEWAY,
        ErrorCode::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::OutOfRange => StatusCode::GONE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    /// An error with no details.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Map::new(),
            outcome: None,
            retry_after: None,
        }
    }

    /// Adds a detail.
    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// `400 INVALID_REQUEST` about one field.
    pub fn invalid(message: impl Into<String>, field: &str, reason: impl Into<String>) -> Self {
        let reason: String = reason.into();
        ApiError::new(StatusCode::BAD_REQUEST, "INVALID_REQUEST", message)
            .detail("field", field)
            .detail("reason", reason)
    }

    /// `412 PRECONDITION_FAILED`: `If-Match` did not match. The details
    /// are a 409 `CONFLICT`'s: `expected_version`, `current_version`.
    pub fn precondition_failed(expected: u64, actual: u64) -> Self {
        ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            "PRECONDITION_FAILED",
            format!("If-Match expected version {expected}, but the resource is at {actual}"),
        )
        .detail("expected_version", expected)
        .detail("current_version", actual)
    }
}

/// The message a client sees for a server-side failure: never the
/// underlying error's text (paths, OS errors, endpoints), which goes to
/// the log under the request's id instead.
pub(crate) fn server_failure_message(err: &Error) -> Option<&'static str> {
    match err {
        _ if err.is_store_unavailable() || err.is_outcome_unknown() => {
            Some("the store is unavailable; retry later")
        }
        _ if err.code() == ErrorCode::Internal => Some("internal error"),
        _ => None,
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        let code = err.code();
        let status = status_of(code);
        let outcome = WriteOutcome::of(&err);
        if let Some(message) = server_failure_message(&err) {
            tracing::error!(error = %err, "{message}");
            let mut api = ApiError::new(status, code.as_str(), message);
            if let Some(id) = crate::request_id::current() {
                api = api.detail("request_id", id);
            }
            api.outcome = outcome;
            return api;
        }
        let mut api = ApiError::new(status, code.as_str(), err.message());
        api.outcome = outcome;
        match &err {
            Error::Invalid { field, reason, .. } => {
                api = api
                    .detail("field", field.as_str())
                    .detail("reason", reason.as_str());
            }
            Error::NotFound { kind, id } => {
                api = api.detail("kind", *kind).detail("id", id.as_str())
            }
            Error::AlreadyExists { kind, name } => {
                api = api.detail("kind", *kind).detail("name", name.as_str());
            }
            Error::Conflict {
                expected, actual, ..
            } => {
                api = api
                    .detail("expected_version", *expected)
                    .detail("current_version", *actual);
            }
            Error::FailedPrecondition { state, .. } => api = api.detail("state", state.as_str()),
            Error::Overloaded {
                retry_after_secs, ..
            } => {
                api = api.detail("retry_after_seconds", *retry_after_secs);
                api.retry_after = Some(*retry_after_secs);
            }
            Error::QuotaExceeded { quota, limit, .. } => {
                api = api.detail("quota", *quota).detail("limit", *limit);
            }
            Error::EventsCompacted {
                requested,
                available_after,
            } => {
                api = api
                    .detail("requested_after", *requested)
                    .detail("oldest_after", *available_after);
            }
            _ => {}
        }
        api
    }
}

impl ApiError {
    /// The body: `{"error": {"code", "message", "details"}}`.
    pub fn body(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if !self.details.is_empty() {
            error["details"] = Value::Object(self.details.clone());
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(outcome) = self.outcome {
            response
                .headers_mut()
                .insert(OUTCOME_HEADER, HeaderValue::from_static(outcome.as_str()));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_map_to_statuses_and_details() {
        let err: ApiError = Error::Invalid {
            subject: "fleet configuration",
            field: "capacity".into(),
            reason: "must be greater than 0".into(),
        }
        .into();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert_eq!(err.code, "INVALID_REQUEST");
        assert_eq!(err.message, "Invalid fleet configuration");
        assert_eq!(err.details["field"], "capacity");
        assert_eq!(err.details["reason"], "must be greater than 0");

        let cases = [
            (
                Error::NotFound {
                    kind: "fleet",
                    id: "x".into(),
                },
                StatusCode::NOT_FOUND,
            ),
            (
                Error::AlreadyExists {
                    kind: "fleet",
                    name: "x".into(),
                },
                StatusCode::CONFLICT,
            ),
            (
                Error::Internal("boom".into()),
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
            (
                Error::Unavailable("down".into()),
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            (
                Error::FunctionTimedOut {
                    function: "f".into(),
                    timeout_ms: 5,
                },
                StatusCode::GATEWAY_TIMEOUT,
            ),
        ];
        for (err, status) in cases {
            assert_eq!(ApiError::from(err).status, status);
        }
        // Server-side failures never show the underlying text.
        let err = ApiError::from(Error::Internal("/var/lib/x.redb: EIO".into()));
        assert_eq!(err.message, "internal error");
        let err = ApiError::from(Error::Storage(clusterdb::storage::Error::Unavailable(
            "etcd 10.0.0.1:2379 refused".into(),
        )));
        assert_eq!(err.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.message, "the store is unavailable; retry later");
    }
}

//! The core error type and the spec's error codes.

use std::fmt;

/// The error codes of the API's error format (`error.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request is malformed or a field is invalid.
    InvalidRequest,
    /// The addressed resource does not exist.
    NotFound,
    /// A resource with that name already exists.
    AlreadyExists,
    /// The resource changed since the version the caller expected.
    Conflict,
    /// The operation is not allowed in the resource's current state.
    FailedPrecondition,
    /// No valid credentials.
    Unauthenticated,
    /// Credentials lack the needed permission.
    PermissionDenied,
    /// Too many requests.
    RateLimitExceeded,
    /// A function handler returned an error.
    FunctionError,
    /// An operation did not finish within its time limit.
    DeadlineExceeded,
    /// The store is unavailable or closed.
    Unavailable,
    /// A position in the event log older than the history kept.
    OutOfRange,
    /// A stored quota (module size, metric series) would be exceeded.
    QuotaExceeded,
    /// A fault inside ClusterDB.
    Internal,
}

impl ErrorCode {
    /// The code as written in the error format, e.g. `INVALID_REQUEST`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "INVALID_REQUEST",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::AlreadyExists => "ALREADY_EXISTS",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::FailedPrecondition => "FAILED_PRECONDITION",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::PermissionDenied => "PERMISSION_DENIED",
            ErrorCode::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            ErrorCode::FunctionError => "FUNCTION_ERROR",
            ErrorCode::DeadlineExceeded => "DEADLINE_EXCEEDED",
            ErrorCode::OutOfRange => "OUT_OF_RANGE",
            ErrorCode::QuotaExceeded => "QUOTA_EXCEEDED",
            ErrorCode::Unavailable => "UNAVAILABLE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from ClusterDB's core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A field of the request is invalid (`INVALID_REQUEST`).
    #[error("Invalid {subject}: {field} {reason}")]
    Invalid {
        /// What was being validated, e.g. `fleet configuration`.
        subject: &'static str,
        /// The offending field, e.g. `capacity` or `tags.environment`.
        field: String,
        /// Why, e.g. `must be greater than 0`.
        reason: String,
    },
    /// No resource of that kind with that id (`NOT_FOUND`). The message
    /// names the kind as people write it (`virtual service "default/web"
    /// not found`); `kind` stays the API's name.
    #[error("{} {id:?} not found", kind.replace('_', " "))]
    NotFound {
        /// Resource kind.
        kind: &'static str,
        /// The id (or name, `namespace/name` for a namespaced kind) asked
        /// for.
        id: String,
    },
    /// The name is taken (`ALREADY_EXISTS`).
    #[error("a {kind} named {name:?} already exists")]
    AlreadyExists {
        /// Resource kind.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// A unique field's value is taken (`ALREADY_EXISTS`).
    #[error("a {kind} with {field} {value:?} already exists")]
    ValueTaken {
        /// Resource kind.
        kind: &'static str,
        /// The unique field, e.g. `email`.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// The resource is not at the expected version (`CONFLICT`).
    #[error("{kind} {id} is at resource_version {actual}, not the expected {expected}")]
    Conflict {
        /// Resource kind.
        kind: &'static str,
        /// Resource id.
        id: String,
        /// The version the caller expected.
        expected: u64,
        /// The current version.
        actual: u64,
    },
    /// The resource's state forbids the operation (`FAILED_PRECONDITION`).
    #[error("{kind} {id} is {state}: {reason}")]
    FailedPrecondition {
        /// Resource kind.
        kind: &'static str,
        /// Resource id.
        id: String,
        /// The current state, e.g. `terminated`.
        state: String,
        /// What is not allowed.
        reason: String,
    },
    /// The function's runtime has no handler of that name (`FAILED_PRECONDITION`).
    #[error("runtime {runtime} has no handler named {handler:?}")]
    HandlerNotFound {
        /// Runtime name.
        runtime: String,
        /// Handler name.
        handler: String,
    },
    /// The function handler returned an error (`FUNCTION_ERROR`).
    #[error("function {function} failed: {message}")]
    FunctionFailed {
        /// Function id.
        function: String,
        /// The handler's error message.
        message: String,
    },
    /// The function ran past its `timeout_ms` (`DEADLINE_EXCEEDED`).
    #[error("function {function} timed out after {timeout_ms} ms")]
    FunctionTimedOut {
        /// Function id.
        function: String,
        /// The limit that was hit.
        timeout_ms: u32,
    },
    /// The event log no longer holds the requested events (`OUT_OF_RANGE`).
    #[error(
        "events after revision {requested} were compacted; the log starts after revision {available_after}"
    )]
    EventsCompacted {
        /// The revision asked for.
        requested: u64,
        /// The oldest position that can still be read from.
        available_after: u64,
    },
    /// A list's page token names a revision the server no longer keeps
    /// (`OUT_OF_RANGE`): start the list again.
    #[error(
        "the list's revision {revision} is no longer kept (the oldest kept is {oldest}); start the list again without a page token"
    )]
    ListExpired {
        /// The revision the list was pinned to.
        revision: u64,
        /// The oldest revision a list can be read at now.
        oldest: u64,
    },
    /// No valid credentials (`UNAUTHENTICATED`).
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller may not do this (`PERMISSION_DENIED`).
    #[error("{0}")]
    PermissionDenied(String),
    /// The storage engine failed: `UNAVAILABLE` when the store is closed or
    /// locked, `INTERNAL` otherwise (not a store, newer format, I/O, …).
    #[error(transparent)]
    Storage(clusterdb_storage::Error),
    /// The operation could not finish now; retrying may help (`UNAVAILABLE`).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The server is at a capacity limit (such as function concurrency),
    /// or has not yet reached the revision a read needs; retry after the
    /// given time (`UNAVAILABLE`, with `Retry-After`).
    #[error("{message}")]
    Overloaded {
        /// What is full, and its limit.
        message: String,
        /// When a retry may succeed.
        retry_after_secs: u32,
    },
    /// A stored quota would be exceeded (`QUOTA_EXCEEDED`).
    #[error("{message}")]
    QuotaExceeded {
        /// The quota's name, e.g. `function_module_bytes`.
        quota: &'static str,
        /// Its limit.
        limit: u64,
        /// What was refused and why.
        message: String,
    },
    /// An internal fault (`INTERNAL`): storage failure, corrupt record.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The most of a requested id a `NOT_FOUND` error repeats: more than any
/// id or name the server accepts, far less than a request line may hold.
pub const ECHOED_ID_MAX: usize = 320;

impl Error {
    /// `NOT_FOUND` for `id` of `kind`. The id comes from the request and is
    /// repeated in the message and the details, so one longer than
    /// [`ECHOED_ID_MAX`] bytes is cut there and ends in `…`.
    pub fn not_found(kind: &'static str, id: impl Into<String>) -> Self {
        let mut id = id.into();
        if id.len() > ECHOED_ID_MAX {
            let mut end = ECHOED_ID_MAX;
            while !id.is_char_boundary(end) {
                end -= 1;
            }
            id.truncate(end);
            id.push('…');
        }
        Error::NotFound { kind, id }
    }

    /// The API error code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Invalid { .. } => ErrorCode::InvalidRequest,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::AlreadyExists { .. } | Error::ValueTaken { .. } => ErrorCode::AlreadyExists,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::FailedPrecondition { .. } | Error::HandlerNotFound { .. } => {
                ErrorCode::FailedPrecondition
            }
            Error::EventsCompacted { .. } | Error::ListExpired { .. } => ErrorCode::OutOfRange,
            Error::FunctionFailed { .. } => ErrorCode::FunctionError,
            Error::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Error::PermissionDenied(_) => ErrorCode::PermissionDenied,
            Error::FunctionTimedOut { .. } => ErrorCode::DeadlineExceeded,
            Error::Storage(
                clusterdb_storage::Error::Closed
                | clusterdb_storage::Error::Locked
                | clusterdb_storage::Error::Unavailable(_)
                | clusterdb_storage::Error::OutcomeUnknown(_)
                | clusterdb_storage::Error::Failed(_),
            )
            | Error::Unavailable(_)
            | Error::Overloaded { .. } => ErrorCode::Unavailable,
            Error::QuotaExceeded { .. } => ErrorCode::QuotaExceeded,
            Error::Storage(_) | Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The short message of the error format (`error.message`): for invalid
    /// input the subject (`Invalid fleet configuration`), the field and
    /// reason going into `details`; otherwise the whole description.
    pub fn message(&self) -> String {
        match self {
            Error::Invalid { subject, .. } => format!("Invalid {subject}"),
            other => other.to_string(),
        }
    }

    /// `(field, reason)` for an invalid-request error.
    pub fn field_violation(&self) -> Option<(&str, &str)> {
        match self {
            Error::Invalid { field, reason, .. } => Some((field, reason)),
            _ => None,
        }
    }

    pub(crate) fn invalid(
        subject: &'static str,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            subject,
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// What a failure means, for callers above core: they ask these instead
/// of matching the storage engine's own errors.
impl Error {
    /// A write whose outcome is unknown: it may have been applied.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Storage(clusterdb_storage::Error::OutcomeUnknown(_))
        )
    }

    /// The store could not be used now (unreachable, closed, failed for
    /// good, or in use by another process); nothing was applied.
    pub fn is_store_unavailable(&self) -> bool {
        use clusterdb_storage::Error as S;
        matches!(
            self,
            Error::Storage(S::Unavailable(_) | S::Closed | S::Failed(_) | S::Locked)
        )
    }

    /// The data file is open in another process (or handle).
    pub fn is_store_in_use(&self) -> bool {
        matches!(self, Error::Storage(clusterdb_storage::Error::Locked))
    }

    /// A file of the store (data or key file) can be read or written by
    /// users other than its owner.
    pub fn is_insecure_file(&self) -> bool {
        matches!(
            self,
            Error::Storage(clusterdb_storage::Error::InsecurePermissions { .. })
        )
    }
}

impl From<clusterdb_storage::Error> for Error {
    fn from(err: clusterdb_storage::Error) -> Self {
        use clusterdb_storage::Error as S;
        match err {
            S::Compacted {
                requested,
                compacted_through,
            } => Error::EventsCompacted {
                requested,
                available_after: compacted_through,
            },
            behind @ S::Behind { .. } => Error::Overloaded {
                message: behind.to_string(),
                retry_after_secs: 1,
            },
            other => Error::Storage(other),
        }
    }
}

impl From<clusterdb_storage::envelope::EnvelopeError> for Error {
    fn from(err: clusterdb_storage::envelope::EnvelopeError) -> Self {
        Error::Internal(format!("corrupt record: {err}"))
    }
}

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

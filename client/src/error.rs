//! What a failed call tells ([`ClientError`]).

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value};

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server answered with an error in the API's error format.
    #[error("{status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: StatusCode,
        /// `error.code`, e.g. `NOT_FOUND`.
        code: String,
        /// `error.message`.
        message: String,
        /// `error.details`: `field` and `reason` for a refused value,
        /// `expected_version` for a stale `If-Match`, …
        details: Map<String, Value>,
        /// `X-Request-ID`: quote it when you report a problem.
        request_id: Option<String>,
        /// `Retry-After`, when the server said when to try again.
        retry_after: Option<std::time::Duration>,
    },
    /// The request did not complete (connection, timeout, TLS).
    #[error("transport: {0}")]
    Transport(#[from] reqwest::Error),
    /// A gRPC connection could not be made.
    #[error("grpc transport: {0}")]
    Grpc(#[from] tonic::transport::Error),
    /// The response was not what the API promises.
    #[error("unexpected response: {0}")]
    Unexpected(String),
    /// The credentials given cannot be sent.
    #[error("credentials: {0}")]
    Credentials(String),
}

impl ClientError {
    /// An error in the API's format made on this side, with no details
    /// (say for a name no resource has).
    pub fn api(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ClientError::Api {
            status,
            code: code.to_string(),
            message: message.into(),
            details: Map::new(),
            request_id: None,
            retry_after: None,
        }
    }

    /// The API error code, if the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, if the server answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The refused field (`details.field`), if the error names one.
    pub fn field(&self) -> Option<&str> {
        self.detail("field")
    }

    /// Why the field was refused (`details.reason`).
    pub fn reason(&self) -> Option<&str> {
        self.detail("reason")
    }

    fn detail(&self, key: &str) -> Option<&str> {
        match self {
            ClientError::Api { details, .. } => details.get(key)?.as_str(),
            _ => None,
        }
    }
}

/// The error an answer of `status` with `headers` and `body` states.
pub(crate) fn api_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ClientError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let error = parsed.as_ref().and_then(|v| v.get("error"));
    match error {
        Some(error) => ClientError::Api {
            status,
            code: error["code"].as_str().unwrap_or("UNKNOWN").to_string(),
            message: error["message"].as_str().unwrap_or_default().to_string(),
            details: error
                .get("details")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            request_id: headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            retry_after: retry_after(headers),
        },
        None => ClientError::Unexpected(format!(
            "{status} without an error body: {}",
            String::from_utf8_lossy(body)
        )),
    }
}

/// `Retry-After` in seconds.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(std::time::Duration::from_secs)
}

//! Where a client's requests go: over the network, or to a server in this
//! process ([`LocalService`]).

use std::sync::Arc;

use crate::error::ClientError;
use crate::local::{self, LocalService};

/// Sends one request, once.
#[derive(Clone)]
pub(crate) struct Transport {
    http: reqwest::Client,
    local: Option<Arc<dyn LocalService>>,
}

impl Transport {
    /// Over the network with `http`.
    pub(crate) fn network(http: reqwest::Client) -> Self {
        Transport { http, local: None }
    }

    /// To `service`, in this process.
    pub(crate) fn local(self, service: Arc<dyn LocalService>) -> Self {
        Transport {
            local: Some(service),
            ..self
        }
    }

    /// The HTTP client requests are built with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Whether requests stay in this process (no streaming there).
    pub(crate) fn is_local(&self) -> bool {
        self.local.is_some()
    }

    /// Sends `request` and returns the answer's head (the body follows).
    pub(crate) async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, ClientError> {
        match &self.local {
            None => Ok(self.http.execute(request).await?),
            Some(service) => local::call(service.as_ref(), request).await,
        }
    }
}

//! Typed calls of the routes that are not one resource's CRUD: who the
//! caller is, the server, the mesh's evaluations, and monitoring's
//! samples, metrics and alerts.

use crate::error::ClientError;
use crate::rest::Client;
use crate::wire::{
    AlertList, CheckRequestJson, DecisionJson, MetricsOutput, PushOutput, ResolutionJson,
    RouteRequestJson, SampleJson, ServerOutput, WhoAmIOutput,
};

/// A metrics query (`GET /v1/monitoring/metrics`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetricsQuery {
    /// The service (required).
    pub service: String,
    /// How far back, e.g. `1h`.
    pub window: String,
    /// Only this metric.
    pub metric: Option<String>,
    /// The width of a point, e.g. `5m` (default: the server's choice).
    pub step: Option<String>,
    /// Only series with these labels (`name:value`).
    pub labels: Vec<(String, String)>,
}

impl Client {
    /// Who this client is to the server, and what it may read and write
    /// (`GET /v1/auth/whoami`).
    pub async fn whoami(&self) -> Result<WhoAmIOutput, ClientError> {
        self.get_query("auth/whoami", &[]).await
    }

    /// The answering server's version, engine and role (`GET /v1/server`).
    pub async fn server(&self) -> Result<ServerOutput, ClientError> {
        self.get_query("server", &[]).await
    }

    /// Which route of which virtual service a request would take
    /// (`POST /v1/mesh/routes:resolve`).
    pub async fn resolve_route(
        &self,
        request: &RouteRequestJson,
    ) -> Result<ResolutionJson, ClientError> {
        self.query("mesh/routes:resolve", request).await
    }

    /// What the security policies decide for a request
    /// (`POST /v1/mesh/security-policies:check`).
    pub async fn check_policies(
        &self,
        request: &CheckRequestJson,
    ) -> Result<DecisionJson, ClientError> {
        self.query("mesh/security-policies:check", request).await
    }

    /// Pushes samples (`POST /v1/monitoring/samples`): how many were kept,
    /// and why any were dropped.
    pub async fn push_samples(&self, samples: &[SampleJson]) -> Result<PushOutput, ClientError> {
        self.query("monitoring/samples", &samples).await
    }

    /// A metrics query's series (`GET /v1/monitoring/metrics`).
    pub async fn metrics(&self, query: &MetricsQuery) -> Result<MetricsOutput, ClientError> {
        let labels: Vec<String> = query
            .labels
            .iter()
            .map(|(name, value)| format!("{name}:{value}"))
            .collect();
        let mut pairs = vec![("service", query.service.as_str())];
        if !query.window.is_empty() {
            pairs.push(("window", query.window.as_str()));
        }
        if let Some(metric) = &query.metric {
            pairs.push(("metric", metric));
        }
        if let Some(step) = &query.step {
            pairs.push(("step", step));
        }
        pairs.extend(labels.iter().map(|label| ("label", label.as_str())));
        self.get_query("monitoring/metrics", &pairs).await
    }

    /// The alerts, all or in one state (`pending`, `firing`, `resolved`)
    /// (`GET /v1/monitoring/alerts`).
    pub async fn alerts(&self, state: Option<&str>) -> Result<AlertList, ClientError> {
        let query: Vec<(&str, &str)> = state.map(|s| ("state", s)).into_iter().collect();
        self.get_query("monitoring/alerts", &query).await
    }
}

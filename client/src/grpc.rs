//! The gRPC client: the generated, typed service clients and a
//! connection that authenticates every call.

use crate::ClientError;

/// Sends `authorization: Bearer <token>` with every gRPC call.
#[derive(Clone)]
pub struct BearerAuth(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl BearerAuth {
    /// For an API key or access token.
    pub fn new(token: &str) -> Result<Self, ClientError> {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| ClientError::Credentials("the token is not valid header text".into()))?;
        Ok(BearerAuth(value))
    }
}

impl tonic::service::Interceptor for BearerAuth {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// A compute client that authenticates every call.
pub type ComputeClient = crate::compute::v1::ComputeServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, BearerAuth>,
>;

/// Connects a gRPC client to the server at `url`, e.g.
/// `http://127.0.0.1:7070` (REST and gRPC share the port), authenticating
/// with `token` (an API key or access token).
pub async fn connect_grpc(url: &str, token: &str) -> Result<ComputeClient, ClientError> {
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_string())?;
    let channel = endpoint.connect().await?;
    Ok(crate::compute::v1::ComputeServiceClient::with_interceptor(
        channel,
        BearerAuth::new(token)?,
    ))
}

//! How a client authenticates: an API key sent as is, or OAuth client
//! credentials exchanged for an access token that is cached and renewed.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::HeaderValue;
use serde_json::Value;

use crate::error::ClientError;
use crate::transport::Transport;

/// A cached token is renewed when this much of its lifetime is left, or a
/// minute, whichever is less.
const RENEW_FRACTION: u32 = 5;
const RENEW_AT_MOST: Duration = Duration::from_secs(60);

/// An access token from the server's `/oauth/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The JWT, sent as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the server issued it (as this client's clock saw it).
    pub issued_at: SystemTime,
    /// When the server stops accepting it.
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// When to stop sending it and fetch another: when a fifth of its
    /// lifetime is left, or a minute, whichever is less.
    pub fn renew_at(&self) -> SystemTime {
        let lifetime = self
            .expires_at
            .duration_since(self.issued_at)
            .unwrap_or_default();
        self.expires_at - renew_before(lifetime)
    }
}

/// How long before its expiry a token of `lifetime` is renewed.
fn renew_before(lifetime: Duration) -> Duration {
    (lifetime / RENEW_FRACTION).min(RENEW_AT_MOST)
}

/// What a client sends as `Authorization`.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// Nothing (public routes, or an embedded server).
    #[default]
    None,
    /// An API key (or a token obtained elsewhere), as is.
    Bearer(HeaderValue),
    /// OAuth client credentials.
    Client(Arc<ClientCredentials>),
}

/// An OAuth client's credentials and the token they last fetched.
pub(crate) struct ClientCredentials {
    token_url: String,
    client_id: String,
    client_secret: String,
    /// The header and when to renew it.
    cached: tokio::sync::Mutex<Option<(HeaderValue, Instant)>>,
    /// The last token fetched, for [`Credentials::access_token`].
    issued: std::sync::Mutex<Option<AccessToken>>,
}

impl Credentials {
    /// An API key or access token.
    pub(crate) fn bearer(key: &str) -> Result<Self, ClientError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", key.trim()))
            .map_err(|_| ClientError::Credentials("the key is not valid header text".into()))?;
        value.set_sensitive(true);
        Ok(Credentials::Bearer(value))
    }

    /// An OAuth client's id and secret, exchanged at `token_url`.
    pub(crate) fn client(token_url: String, client_id: &str, client_secret: &str) -> Self {
        Credentials::Client(Arc::new(ClientCredentials {
            token_url,
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            cached: tokio::sync::Mutex::new(None),
            issued: std::sync::Mutex::new(None),
        }))
    }

    /// The `Authorization` value to send now, fetching a token first if
    /// there is none or it is about to expire.
    pub(crate) async fn header(
        &self,
        transport: &Transport,
    ) -> Result<Option<HeaderValue>, ClientError> {
        match self {
            Credentials::None => Ok(None),
            Credentials::Bearer(value) => Ok(Some(value.clone())),
            Credentials::Client(credentials) => credentials.bearer(transport).await.map(Some),
        }
    }

    /// Forgets a cached access token the server refused (say its signing
    /// key rotated away), so the next request fetches another; whether
    /// there was one to forget.
    pub(crate) fn forget_token(&self) -> bool {
        match self {
            Credentials::Client(credentials) => match credentials.cached.try_lock() {
                Ok(mut cached) => cached.take().is_some(),
                // Someone is fetching a new one right now.
                Err(_) => true,
            },
            _ => false,
        }
    }

    /// With client credentials, the token requests go with now.
    pub(crate) async fn access_token(
        &self,
        transport: &Transport,
    ) -> Result<Option<AccessToken>, ClientError> {
        let Credentials::Client(credentials) = self else {
            return Ok(None);
        };
        credentials.bearer(transport).await?;
        Ok(credentials
            .issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone())
    }
}

impl ClientCredentials {
    /// The cached token's header, fetched again when it is about to expire.
    async fn bearer(&self, transport: &Transport) -> Result<HeaderValue, ClientError> {
        let mut cached = self.cached.lock().await;
        if let Some((value, renew_at)) = cached.as_ref()
            && Instant::now() < *renew_at
        {
            return Ok(value.clone());
        }
        let request = transport
            .http()
            .post(&self.token_url)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("grant_type", "client_credentials")])
            .build()?;
        let response = transport.execute(request).await?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(ClientError::Credentials(format!(
                "the token endpoint answered {status} {}: {}",
                body["error"].as_str().unwrap_or("(no error code)"),
                body["error_description"]
                    .as_str()
                    .unwrap_or("no description")
            )));
        }
        let token = body["access_token"].as_str().ok_or_else(|| {
            ClientError::Unexpected("no access_token in the token response".into())
        })?;
        let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(0));
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ClientError::Unexpected("the access token is not header text".into()))?;
        value.set_sensitive(true);
        *cached = Some((
            value.clone(),
            Instant::now() + lifetime - renew_before(lifetime),
        ));
        let issued_at = SystemTime::now();
        *self.issued.lock().unwrap_or_else(|e| e.into_inner()) = Some(AccessToken {
            token: token.to_string(),
            issued_at,
            expires_at: issued_at + lifetime,
        });
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(lifetime_secs: u64) -> AccessToken {
        let issued_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        AccessToken {
            token: "t".into(),
            issued_at,
            expires_at: issued_at + Duration::from_secs(lifetime_secs),
        }
    }

    #[test]
    fn renewed_with_a_fifth_of_its_lifetime_left_or_a_minute() {
        let hour = token(3600);
        assert_eq!(
            hour.expires_at
                .duration_since(hour.renew_at())
                .unwrap()
                .as_secs(),
            60
        );
        let short = token(30);
        assert_eq!(
            short
                .expires_at
                .duration_since(short.renew_at())
                .unwrap()
                .as_secs(),
            6
        );
        // An expiry before the issue (a clock that jumped) renews at once.
        let mut odd = token(10);
        odd.expires_at = odd.issued_at - Duration::from_secs(5);
        assert_eq!(odd.renew_at(), odd.expires_at);
    }
}

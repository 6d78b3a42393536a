//! TLS for the listener: rustls with the ring provider, ALPN `h2` and
//! `http/1.1` (REST and gRPC share the port), the certificate and key read
//! from PEM files and read again on SIGHUP — a renewed certificate needs no
//! restart; a file that fails to load keeps the current one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use anyhow::Context;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The TLS settings of a listener, reloadable.
pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<TlsAcceptor>,
}

fn load(cert: &Path, key: &Path) -> anyhow::Result<TlsAcceptor> {
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("cannot read the certificate {}", cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{} is not a PEM certificate chain", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("{} holds no certificate", cert.display());
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .with_context(|| format!("cannot read a PEM private key from {}", key.display()))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .context("the certificate and key do not make a TLS identity")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

impl Tls {
    /// Loads `cert` (PEM chain) and `key` (PEM private key).
    pub fn new(cert: PathBuf, key: PathBuf) -> anyhow::Result<Arc<Tls>> {
        let acceptor = load(&cert, &key)?;
        Ok(Arc::new(Tls {
            cert,
            key,
            current: RwLock::new(acceptor),
        }))
    }

    /// The acceptor for a new connection.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the files again; on failure the current certificate stays.
    pub fn reload(&self) -> anyhow::Result<()> {
        let acceptor = load(&self.cert, &self.key)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = acceptor;
        Ok(())
    }

    /// Reloads on every SIGHUP, for as long as the server runs.
    pub async fn reload_on_sighup(self: Arc<Self>) {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                tracing::warn!("cannot watch SIGHUP; the certificate is not reloadable");
                return;
            };
            while hangups.recv().await.is_some() {
                match self.reload() {
                    Ok(()) => {
                        tracing::info!(cert = %self.cert.display(), "reloaded the TLS certificate")
                    }
                    Err(err) => {
                        tracing::error!(error = %format!("{err:#}"), "keeping the current TLS certificate")
                    }
                }
            }
        }
    }
}

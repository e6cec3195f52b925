//! The client side: [`TlsClientConfig`], built by [`TlsClientConfigBuilder`].

use std::sync::Arc;

use kavach_keys::Signer;
use kavach_pki::{Certificate, Crl, ServerName, VerifiedPath};
use rustls::CommonState;
use rustls::crypto::CryptoProvider;

use crate::tls::alpn::{Alpn, ids};
use crate::tls::error::Error;
use crate::tls::own_key::certified_key;
use crate::tls::server_verifier::PkiServerVerifier;
use crate::tls::suites::{PROTOCOL_VERSIONS, restrict_provider};

/// A rustls client configuration whose server certificates are checked by a
/// [`PkiServerVerifier`] (and pinned when it has pins), optionally presenting a client
/// certificate, and the verifier itself, for the server's [`VerifiedPath`] and CRL reloads.
///
/// Like the server side: TLS 1.3 and 1.2 only, the approved AEAD suites, and no session
/// resumption (a resumed session would skip the server certificate's verification).
#[derive(Clone, Debug)]
pub struct TlsClientConfig {
    config: Arc<rustls::ClientConfig>,
    verifier: Arc<PkiServerVerifier>,
}

impl TlsClientConfig {
    /// Starts a configuration checking servers with `server_verifier`, using `provider`
    /// (restricted to the approved suites; pass the provider the verifier was made with).
    pub fn builder(provider: Arc<CryptoProvider>, server_verifier: Arc<PkiServerVerifier>) -> TlsClientConfigBuilder {
        TlsClientConfigBuilder {
            provider,
            verifier: server_verifier,
            identity: None,
            alpn: Vec::new(),
        }
    }

    /// The rustls configuration, for `rustls::ClientConnection::new`.
    pub fn rustls_config(&self) -> Arc<rustls::ClientConfig> {
        Arc::clone(&self.config)
    }

    /// The server verifier.
    pub fn server_verifier(&self) -> &Arc<PkiServerVerifier> {
        &self.verifier
    }

    /// The [`VerifiedPath`] of the server of `conn` for `server_name` (the name connected to);
    /// see [`PkiServerVerifier::peer_path`].
    pub fn peer_path(&self, conn: &CommonState, server_name: &ServerName) -> Option<VerifiedPath> {
        self.verifier.peer_path(conn, server_name)
    }

    /// Replaces the CRLs the server certificates are checked against.
    pub fn reload_crls(&self, crls: Vec<Crl>) -> Result<(), Error> {
        self.verifier.reload_crls(crls)
    }
}

/// Builds a [`TlsClientConfig`]: [`TlsClientConfig::builder`], then the optional settings,
/// then [`TlsClientConfigBuilder::build`].
#[must_use]
pub struct TlsClientConfigBuilder {
    provider: Arc<CryptoProvider>,
    verifier: Arc<PkiServerVerifier>,
    identity: Option<(Vec<Certificate>, Arc<dyn Signer>)>,
    alpn: Vec<Alpn>,
}

impl core::fmt::Debug for TlsClientConfigBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsClientConfigBuilder")
            .field("verifier", &self.verifier)
            .field("chain", &self.identity.as_ref().map(|(c, _)| c))
            .field("alpn", &self.alpn)
            .finish_non_exhaustive()
    }
}

impl TlsClientConfigBuilder {
    /// Presents `chain` (end entity first) with `key` when the server asks for a client
    /// certificate (none by default).
    pub fn with_client_certificate(mut self, chain: Vec<Certificate>, key: Arc<dyn Signer>) -> Self {
        self.identity = Some((chain, key));
        self
    }

    /// The application protocols offered through ALPN, in order of preference (none by
    /// default).
    pub fn with_alpn(mut self, protocols: &[Alpn]) -> Self {
        self.alpn = protocols.to_vec();
        self
    }

    /// The configuration, or why it cannot be built.
    pub fn build(self) -> Result<TlsClientConfig, Error> {
        let provider = restrict_provider(&self.provider)?;
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(PROTOCOL_VERSIONS)?
            .dangerous()
            .with_custom_certificate_verifier(
                Arc::clone(&self.verifier) as Arc<dyn rustls::client::danger::ServerCertVerifier>
            );
        let mut config = match self.identity {
            Some((chain, key)) => builder.with_client_cert_resolver(certified_key(&chain, key)?),
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = ids(&self.alpn);
        config.resumption = rustls::client::Resumption::disabled();
        Ok(TlsClientConfig {
            config: Arc::new(config),
            verifier: self.verifier,
        })
    }
}

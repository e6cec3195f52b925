//! The server side: [`TlsServerConfig`], built by [`TlsServerConfigBuilder`].

use std::sync::Arc;

use kavach_keys::Signer;
use kavach_pki::{Certificate, Crl, VerifiedPath};
use rustls::CommonState;
use rustls::crypto::CryptoProvider;

use crate::tls::alpn::{Alpn, ids};
use crate::tls::client_verifier::PkiClientVerifier;
use crate::tls::error::Error;
use crate::tls::own_key::certified_key;
use crate::tls::suites::{PROTOCOL_VERSIONS, restrict_provider};

/// A rustls server configuration whose client certificates are checked by a
/// [`PkiClientVerifier`], and the verifier itself, for the peer's [`VerifiedPath`] and CRL
/// reloads while the server runs.
///
/// What it enforces: TLS 1.3 and 1.2 only
/// ([`PROTOCOL_VERSIONS`](crate::tls::PROTOCOL_VERSIONS)), the approved AEAD suites of the
/// given provider ([`APPROVED_CIPHER_SUITES`](crate::tls::APPROVED_CIPHER_SUITES)), the
/// client-certificate policy of the verifier, and **no session resumption**: neither a
/// session cache nor TLS 1.3 tickets, because a resumed session skips certificate
/// verification, and kavach wants every connection checked at the clock's time against the
/// current CRLs (a revoked partner is refused at its next connection).
#[derive(Clone, Debug)]
pub struct TlsServerConfig {
    config: Arc<rustls::ServerConfig>,
    verifier: Arc<PkiClientVerifier>,
}

impl TlsServerConfig {
    /// Starts a configuration for a server presenting `chain` (end entity first, then its
    /// intermediates) with `key`, checking clients with `client_verifier`, using `provider`
    /// (restricted to the approved suites; pass the provider the verifier was made with).
    pub fn builder(
        provider: Arc<CryptoProvider>,
        client_verifier: Arc<PkiClientVerifier>,
        chain: Vec<Certificate>,
        key: Arc<dyn Signer>,
    ) -> TlsServerConfigBuilder {
        TlsServerConfigBuilder {
            provider,
            verifier: client_verifier,
            chain,
            key,
            alpn: Vec::new(),
        }
    }

    /// The rustls configuration, for `rustls::ServerConnection::new`.
    pub fn rustls_config(&self) -> Arc<rustls::ServerConfig> {
        Arc::clone(&self.config)
    }

    /// The client verifier.
    pub fn client_verifier(&self) -> &Arc<PkiClientVerifier> {
        &self.verifier
    }

    /// The [`VerifiedPath`] of the client of `conn` (pass `&conn` of a
    /// `rustls::ServerConnection`); see [`PkiClientVerifier::peer_path`].
    pub fn peer_path(&self, conn: &CommonState) -> Option<VerifiedPath> {
        self.verifier.peer_path(conn)
    }

    /// Replaces the CRLs the client certificates are checked against
    /// ([`PkiClientVerifier::reload_crls`]).
    pub fn reload_crls(&self, crls: Vec<Crl>) -> Result<(), Error> {
        self.verifier.reload_crls(crls)
    }
}

/// Builds a [`TlsServerConfig`]: [`TlsServerConfig::builder`], then the optional settings,
/// then [`TlsServerConfigBuilder::build`].
#[must_use]
pub struct TlsServerConfigBuilder {
    provider: Arc<CryptoProvider>,
    verifier: Arc<PkiClientVerifier>,
    chain: Vec<Certificate>,
    key: Arc<dyn Signer>,
    alpn: Vec<Alpn>,
}

impl TlsServerConfigBuilder {
    /// The application protocols accepted through ALPN, in the server's order of preference
    /// (none by default: ALPN is not negotiated).
    pub fn with_alpn(mut self, protocols: &[Alpn]) -> Self {
        self.alpn = protocols.to_vec();
        self
    }

    /// The configuration, or why it cannot be built (an empty chain, a key that is not the
    /// end entity's or that TLS cannot use, a provider without approved suites).
    pub fn build(self) -> Result<TlsServerConfig, Error> {
        let resolver = certified_key(&self.chain, self.key)?;
        let provider = restrict_provider(&self.provider)?;
        let mut config =
            rustls::ServerConfig::builder_with_provider(provider)
                .with_protocol_versions(PROTOCOL_VERSIONS)?
                .with_client_cert_verifier(
                    Arc::clone(&self.verifier) as Arc<dyn rustls::server::danger::ClientCertVerifier>
                )
                .with_cert_resolver(resolver);
        config.alpn_protocols = ids(&self.alpn);
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        Ok(TlsServerConfig {
            config: Arc::new(config),
            verifier: self.verifier,
        })
    }
}

impl core::fmt::Debug for TlsServerConfigBuilder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsServerConfigBuilder")
            .field("verifier", &self.verifier)
            .field("chain", &self.chain)
            .field("key_algorithm", &self.key.algorithm())
            .field("alpn", &self.alpn)
            .finish_non_exhaustive()
    }
}

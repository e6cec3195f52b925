//! kavach-transport: the IO facade of kavach. So far, its [`tls`] module: rustls server and
//! client configurations whose certificate verifiers are kavach-pki trust domains.
//!
//! # What the TLS layer guarantees
//!
//! - Every peer certificate is validated by [`kavach_pki::Validator::verify`] — for
//!   `tls-client` on the server, for `tls-server` and the server name (DNS or IP, against
//!   subjectAltName only) on the client — against the trust domains you give, never a
//!   built-in root set, at the time of a [`tls::Clock`] you supply, against the CRLs of a
//!   [`tls::CrlStore`] that you can reload while the process runs.
//! - Handshake signatures are verified with the provider's own signature verification
//!   algorithms; the own side signs through a [`kavach_keys::Signer`] (a software key or a
//!   PKCS#11 token).
//! - TLS 1.3 and 1.2 only; AEAD suites with forward secrecy only; the rustls provider is
//!   always passed in as an `Arc<CryptoProvider>` (none is installed process-wide).
//! - No session resumption, so each connection is validated afresh.
//! - After the handshake, the application gets the peer's [`kavach_pki::VerifiedPath`]
//!   (`peer_path`), to match a request's TLS identity with its signing identity.
//!
//! # Example
//!
//! A server that requires client certificates of one trust domain, and a client that pins the
//! server's key (here with kavach-pki's throwaway test PKI; see `tests/loopback.rs` for the
//! handshakes over TCP):
//!
//! ```
//! use std::sync::Arc;
//! use kavach_pki::testing::TestPki;
//! use kavach_pki::{Purpose, TrustDomain, Validator};
//! use kavach_transport::tls::{
//!     Alpn, ClientAuth, PinKind, PkiClientVerifier, PkiServerVerifier, ServerPin, SharedClock,
//!     SystemClock, TlsClientConfig, TlsServerConfig,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pki = TestPki::p256();
//! let provider = kavach_transport::tls::ring_provider();
//! let validator = Arc::new(Validator::new());
//! let clock: SharedClock = Arc::new(SystemClock); // the application edge picks the clock
//! let domain = TrustDomain::new("PARTNER", pki.trust_anchors())?;
//!
//! // Server: its chain and key, clients of PARTNER required.
//! let server_leaf = pki.leaf(Purpose::TlsServer).ok_or("no leaf")?;
//! let clients = Arc::new(PkiClientVerifier::new(
//!     validator.clone(), vec![domain.clone()], clock.clone(), ClientAuth::Required, &provider,
//! )?);
//! let server = TlsServerConfig::builder(
//!     provider.clone(),
//!     clients,
//!     vec![server_leaf.certificate.clone(), pki.intermediate().certificate.clone()],
//!     server_leaf.key.clone(),
//! )
//! .with_alpn(&[Alpn::H2, Alpn::Http11])
//! .build()?;
//! let _ = rustls::ServerConnection::new(server.rustls_config())?;
//!
//! // Client: validates the server for tls-server, pins its SPKI, presents its own certificate.
//! let client_leaf = pki.leaf(Purpose::TlsClient).ok_or("no leaf")?;
//! let servers = PkiServerVerifier::new(validator, vec![domain], clock, &provider)?
//!     .with_pin(ServerPin::of(&server_leaf.certificate, PinKind::SpkiSha256)?)?;
//! let client = TlsClientConfig::builder(provider, Arc::new(servers))
//!     .with_client_certificate(
//!         vec![client_leaf.certificate.clone(), pki.intermediate().certificate.clone()],
//!         client_leaf.key.clone(),
//!     )
//!     .build()?;
//! let _ = rustls::ClientConnection::new(client.rustls_config(), "localhost".try_into()?)?;
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod tls;

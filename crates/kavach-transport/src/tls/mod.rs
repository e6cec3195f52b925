//! TLS from kavach-pki trust domains: rustls server and client configurations whose
//! verifiers validate peers through a shared, warm [`kavach_pki::Validator`].
//!
//! - [`PkiClientVerifier`] (server side) validates client certificates for `tls-client`
//!   against trust domains, required or optional ([`ClientAuth`]).
//! - [`PkiServerVerifier`] (client side) validates the server for `tls-server` and the name
//!   connected to, optionally pinned ([`ServerPin`]).
//! - Both take the time from a caller's [`Clock`], check revocation against a reloadable
//!   [`CrlStore`], verify handshake signatures with the provider's algorithms, and record the
//!   peer's [`kavach_pki::VerifiedPath`] for the application (`peer_path`).
//! - [`TlsServerConfig`] and [`TlsClientConfig`] put them into rustls configurations: TLS
//!   1.3 and 1.2 only, the [`APPROVED_CIPHER_SUITES`] of the caller's provider, the own key
//!   as a kavach [`kavach_keys::Signer`] ([`TlsSigningKey`]), ALPN ([`Alpn`]), no session
//!   resumption.
//! - [`screen_tls_client`] refuses, before rustls, a client that offers nothing above TLS 1.1
//!   with a `protocol_version` alert (rustls itself would answer `handshake_failure`).

mod alpn;
mod client;
mod client_verifier;
mod clock;
mod crls;
mod error;
mod hello;
mod own_key;
mod paths;
mod server;
mod server_verifier;
mod sign;
mod suites;
mod verify;

pub use alpn::Alpn;
pub use client::{TlsClientConfig, TlsClientConfigBuilder};
pub use client_verifier::{ClientAuth, PkiClientVerifier};
pub use clock::{Clock, SharedClock, SystemClock};
pub use crls::CrlStore;
pub use error::{Error, HandshakeRefusal, PinKind};
pub use hello::{
    HelloVerdict, MAX_SCREENED_BYTES, PROTOCOL_VERSION_ALERT, Screened, screen_client_hello, screen_tls_client,
};
pub use paths::MAX_RECORDED_PATHS;
pub use server::{TlsServerConfig, TlsServerConfigBuilder};
pub use server_verifier::{MAX_PINS, PkiServerVerifier, ServerPin};
pub use sign::TlsSigningKey;
pub use suites::{APPROVED_CIPHER_SUITES, PROTOCOL_VERSIONS, restrict_provider};

/// rustls's ring provider, as an `Arc` to pass to the builders (kavach never installs a
/// process-wide default provider).
///
/// rustls 0.23.48 deprecates it for having no post-quantum key exchange; the hybrid groups
/// come with the aws-lc-rs backend, which `deny.toml` keeps out until that backend feature
/// exists (ARCHITECTURE.md). Until then this is the provider.
#[allow(deprecated)]
pub fn ring_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

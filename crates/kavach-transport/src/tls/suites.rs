//! The protocol versions and cipher suites kavach allows: TLS 1.3 and 1.2 only, AEAD suites
//! only, taken from the caller's provider.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::{CipherSuite, SupportedProtocolVersion};

use crate::tls::error::Error;

/// TLS 1.3 and TLS 1.2: TLS 1.1 and older are never negotiated (a client offering only them
/// gets a `protocol_version` alert).
pub static PROTOCOL_VERSIONS: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The approved suites: TLS 1.3's AES-GCM and ChaCha20-Poly1305 suites, and TLS 1.2's ECDHE
/// (forward secret) suites with ECDSA or RSA authentication and AES-GCM or ChaCha20-Poly1305
/// — no CBC, no static RSA key exchange.
pub const APPROVED_CIPHER_SUITES: [CipherSuite; 9] = [
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/// `provider` with only the [`APPROVED_CIPHER_SUITES`] it offers (in its own order); refused
/// when none is left. The provider's other parts (key exchange groups, signature algorithms,
/// randomness) are kept as they are.
pub fn restrict_provider(provider: &CryptoProvider) -> Result<Arc<CryptoProvider>, Error> {
    let mut restricted = provider.clone();
    restricted
        .cipher_suites
        .retain(|s| APPROVED_CIPHER_SUITES.contains(&s.suite()));
    if restricted.cipher_suites.is_empty() {
        return Err(Error::NoApprovedCipherSuite);
    }
    Ok(Arc::new(restricted))
}

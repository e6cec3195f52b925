//! The errors of kavach-transport's TLS layer: building a configuration ([`Error`]) and the
//! kavach-specific reasons a handshake is refused ([`HandshakeRefusal`]), carried to the
//! application inside rustls's own error.

use kavach_keys::SignatureAlgorithm;

/// A configuration that cannot be built, or a CRL list that cannot be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The certificate chain given for the own side is empty.
    #[error("the certificate chain is empty: the end-entity certificate comes first")]
    EmptyChain,
    /// No trust domain was given to a verifier.
    #[error("a verifier needs at least one trust domain")]
    NoTrustDomain,
    /// The signer's public key is not the end-entity certificate's.
    #[error("the private key does not match the end-entity certificate ({subject})")]
    KeyMismatch {
        /// The end-entity certificate's subject (RFC 4514).
        subject: String,
    },
    /// The signer signs with an algorithm TLS has no signature scheme for.
    #[error("the key's signature algorithm {algorithm:?} is not usable in TLS: {reason}")]
    UnsupportedKey {
        /// The signer's algorithm.
        algorithm: SignatureAlgorithm,
        /// What TLS needs instead.
        reason: &'static str,
    },
    /// The provider offers none of the approved cipher suites for a protocol version.
    #[error("the crypto provider offers no approved AEAD cipher suite")]
    NoApprovedCipherSuite,
    /// More CRLs than kavach-pki reads in one bundle.
    #[error("{count} CRLs given, more than the {max} allowed")]
    TooManyCrls {
        /// How many were given.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// More server pins than a verifier holds.
    #[error("more than {max} server pins")]
    TooManyPins {
        /// The most allowed.
        max: usize,
    },
    /// A certificate of the own chain is not usable (its public key does not parse).
    #[error(transparent)]
    Pki(#[from] kavach_pki::Error),
    /// rustls refused the configuration.
    #[error("rustls refused the configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

impl Error {
    /// A stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyChain => "KVC-TLS-EMPTY-CHAIN",
            Self::NoTrustDomain => "KVC-TLS-NO-TRUST-DOMAIN",
            Self::KeyMismatch { .. } => "KVC-TLS-KEY-MISMATCH",
            Self::UnsupportedKey { .. } => "KVC-TLS-UNSUPPORTED-KEY",
            Self::NoApprovedCipherSuite => "KVC-TLS-NO-SUITE",
            Self::TooManyCrls { .. } => "KVC-TLS-TOO-MANY-CRLS",
            Self::TooManyPins { .. } => "KVC-TLS-TOO-MANY-PINS",
            Self::Pki(e) => e.code(),
            Self::Rustls(_) => "KVC-TLS-CONFIG",
        }
    }
}

/// Which thumbprint a pin compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinKind {
    /// SHA-256 of the certificate's SubjectPublicKeyInfo DER.
    SpkiSha256,
    /// SHA-256 of the certificate's DER.
    CertificateSha256,
}

/// Why a kavach verifier refused a peer, beyond what rustls's `CertificateError` variants
/// name. It reaches the application as `rustls::Error::InvalidCertificate(
/// CertificateError::Other(OtherError(..)))`; downcast the inner error to this type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeRefusal {
    /// The server's certificate validated but is not the pinned one.
    #[error(
        "server certificate pin mismatch: the {kind:?} of the server's certificate ({subject}) is {presented}, \
         the pin is {expected}"
    )]
    PinMismatch {
        /// Which thumbprint was compared.
        kind: PinKind,
        /// The pinned value (hex).
        expected: String,
        /// The presented certificate's value (hex).
        presented: String,
        /// The presented certificate's subject (RFC 4514).
        subject: String,
    },
    /// kavach-pki refused the peer's certificate path for a reason rustls has no variant for.
    #[error("peer certificate refused: {0}")]
    Path(kavach_pki::Error),
    /// The server name rustls was given is not one kavach-pki accepts as a reference
    /// identity.
    #[error("the server name {0:?} is not a valid DNS name or IP address")]
    ServerName(String),
}

impl HandshakeRefusal {
    /// A stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::PinMismatch { .. } => "KVC-TLS-PIN-MISMATCH",
            Self::Path(e) => e.code(),
            Self::ServerName(_) => "KVC-TLS-SERVER-NAME",
        }
    }
}

/// Maps a kavach-pki refusal onto rustls's error, choosing the variant (and so the TLS
/// alert the peer receives) that says the same thing; anything else is carried whole in
/// [`HandshakeRefusal::Path`] (alert `bad_certificate`).
pub(crate) fn path_refused(e: kavach_pki::Error) -> rustls::Error {
    use kavach_pki::Error as P;
    use rustls::CertificateError as C;
    let mapped = match &e {
        P::TooLarge { .. } | P::Der { .. } | P::Malformed { .. } => Some(C::BadEncoding),
        P::UnknownIssuer { .. } => Some(C::UnknownIssuer),
        P::BadSignature { .. } => Some(C::BadSignature),
        P::Expired { .. } => Some(C::Expired),
        P::NotYetValid { .. } => Some(C::NotValidYet),
        P::Revoked { .. } => Some(C::Revoked),
        P::RevocationStatusUnknown { .. } => Some(C::UnknownRevocationStatus),
        P::NameMismatch { .. } => Some(C::NotValidForName),
        P::PurposeMismatch { .. } => Some(C::InvalidPurpose),
        P::UnknownCriticalExtension { .. } => Some(C::UnhandledCriticalExtension),
        _ => None,
    };
    rustls::Error::InvalidCertificate(mapped.unwrap_or_else(|| other(HandshakeRefusal::Path(e))))
}

/// `CertificateError::Other` carrying `refusal`.
pub(crate) fn other(refusal: HandshakeRefusal) -> rustls::CertificateError {
    rustls::CertificateError::Other(rustls::OtherError(std::sync::Arc::new(refusal)))
}

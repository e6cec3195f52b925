//! The JWS algorithms kavach accepts: the enum, its names, its kavach-keys schemes and which keys
//! fit it. A leaf with no error type, so that `error.rs` names [`JwsAlgorithm`] without importing
//! the parsing and key checks of the parent module (which return errors).

use core::fmt;

use kavach_keys::{KeyKind, SignatureAlgorithm};

/// A JWS `alg` that kavach signs and verifies (WIRE.md §4).
///
/// `none`, the HMAC algorithms (`HS256`...) and every other name are refused on every path: a
/// JWS verifier that accepts what the header asks for is how algorithm-confusion attacks work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3).
    RS256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt (RFC 7518 §3.5); other salt
    /// lengths do not verify.
    PS256,
    /// ECDSA on P-256 with SHA-256, signature `r || s` in 64 bytes (RFC 7518 §3.4); DER
    /// signatures do not verify.
    ES256,
    /// ECDSA on P-384 with SHA-384, signature `r || s` in 96 bytes (RFC 7518 §3.4).
    ES384,
    /// Ed25519 (RFC 8037 §3.1).
    EdDSA,
}

/// Every algorithm kavach accepts, in the order of [`JwsAlgorithm`].
pub const ALL_ALGORITHMS: [JwsAlgorithm; 5] = [
    JwsAlgorithm::RS256,
    JwsAlgorithm::PS256,
    JwsAlgorithm::ES256,
    JwsAlgorithm::ES384,
    JwsAlgorithm::EdDSA,
];

impl JwsAlgorithm {
    /// The `alg` header value.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// The kavach-keys signature scheme of this algorithm.
    pub const fn signature_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::RS256 => SignatureAlgorithm::RS256,
            Self::PS256 => SignatureAlgorithm::PS256,
            Self::ES256 => SignatureAlgorithm::ES256,
            Self::ES384 => SignatureAlgorithm::ES384,
            Self::EdDSA => SignatureAlgorithm::Ed25519,
        }
    }

    /// True when a key of `kind` can sign and verify with this algorithm: RS256 and PS256 need
    /// RSA of at least 2048 bits (RFC 7518 §3.3, §3.5), ES256 needs P-256, ES384 P-384 (RFC 7518
    /// §3.4: the curve is part of the algorithm), EdDSA Ed25519.
    pub const fn fits(self, kind: KeyKind) -> bool {
        match (self, kind) {
            (Self::RS256 | Self::PS256, KeyKind::Rsa { bits }) => bits >= MIN_RSA_BITS,
            (Self::ES256, KeyKind::P256) | (Self::ES384, KeyKind::P384) | (Self::EdDSA, KeyKind::Ed25519) => true,
            _ => false,
        }
    }
}

/// Smallest RSA modulus accepted for RS256 and PS256: "A key of size 2048 bits or larger MUST be
/// used with these algorithms" (RFC 7518 §3.3 and §3.5).
pub const MIN_RSA_BITS: usize = 2048;

impl fmt::Display for JwsAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

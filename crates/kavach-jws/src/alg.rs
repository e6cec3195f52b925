//! The JWS algorithms kavach accepts, and their mapping to kavach-keys signature schemes.

use core::fmt;

use kavach_keys::{KeyKind, PublicKey, SignatureAlgorithm};

use crate::error::{Error, Result, truncate};

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

    /// Parses an `alg` header value (case-sensitive, RFC 7515 §4.1.1).
    ///
    /// `none` in any case is [`Error::AlgorithmNone`]; everything else that is not one of the five
    /// accepted names is [`Error::UnsupportedAlgorithm`].
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "RS256" => Self::RS256,
            "PS256" => Self::PS256,
            "ES256" => Self::ES256,
            "ES384" => Self::ES384,
            "EdDSA" => Self::EdDSA,
            n if n.eq_ignore_ascii_case("none") => return Err(Error::AlgorithmNone),
            n => {
                return Err(Error::UnsupportedAlgorithm { alg: truncate(n, 32) });
            }
        })
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

    /// The JWS algorithm of a signature scheme, when there is one kavach accepts.
    pub fn from_signature_algorithm(scheme: SignatureAlgorithm) -> Result<Self> {
        ALL_ALGORITHMS
            .into_iter()
            .find(|a| a.signature_algorithm() == scheme)
            .ok_or(Error::UnsupportedSignatureScheme(scheme))
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

    /// Checks that `key` fits this algorithm ([`JwsAlgorithm::fits`], and that an
    /// `id-RSASSA-PSS` key is not used for RS256).
    pub fn check_key(self, key: &PublicKey) -> Result<()> {
        let kind = key.kind();
        if !self.fits(kind) {
            return Err(Error::AlgorithmKeyMismatch { alg: self, key: kind });
        }
        key.check_algorithm(self.signature_algorithm())
            .map_err(|_| Error::AlgorithmKeyMismatch { alg: self, key: kind })
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

impl core::str::FromStr for JwsAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn names_round_trip_and_refusals() {
        for a in ALL_ALGORITHMS {
            assert_eq!(JwsAlgorithm::from_name(a.name()).unwrap(), a);
            assert_eq!(
                JwsAlgorithm::from_signature_algorithm(a.signature_algorithm()).unwrap(),
                a
            );
        }
        for none in ["none", "None", "NONE", "nOnE"] {
            assert!(matches!(JwsAlgorithm::from_name(none), Err(Error::AlgorithmNone)));
        }
        for other in [
            "HS256", "HS384", "HS512", "RS384", "PS512", "ES512", "es256", "", "ES256 ",
        ] {
            assert!(matches!(
                JwsAlgorithm::from_name(other),
                Err(Error::UnsupportedAlgorithm { .. })
            ));
        }
    }

    #[test]
    fn schemes_without_jws_name_are_refused() {
        use kavach_keys::{EcdsaEncoding, HashAlgorithm, PssSaltLength};
        let der = SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        };
        let pss_any = SignatureAlgorithm::RsaPss {
            hash: HashAlgorithm::Sha256,
            salt: PssSaltLength::AnyOnVerify,
        };
        let pss_20 = SignatureAlgorithm::RsaPss {
            hash: HashAlgorithm::Sha256,
            salt: PssSaltLength::Exactly(20),
        };
        for s in [
            der,
            pss_any,
            pss_20,
            SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha384),
        ] {
            assert!(matches!(
                JwsAlgorithm::from_signature_algorithm(s),
                Err(Error::UnsupportedSignatureScheme(_))
            ));
        }
    }

    #[test]
    fn curve_is_part_of_the_algorithm() {
        assert!(JwsAlgorithm::ES256.fits(KeyKind::P256));
        assert!(!JwsAlgorithm::ES256.fits(KeyKind::P384));
        assert!(!JwsAlgorithm::ES384.fits(KeyKind::P256));
        assert!(!JwsAlgorithm::RS256.fits(KeyKind::Rsa { bits: 1024 }));
        assert!(JwsAlgorithm::PS256.fits(KeyKind::Rsa { bits: 2048 }));
        assert!(!JwsAlgorithm::EdDSA.fits(KeyKind::P256));
    }
}

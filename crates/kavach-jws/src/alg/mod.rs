//! The JWS algorithms kavach accepts, and their mapping to kavach-keys signature schemes.

use kavach_keys::{PublicKey, SignatureAlgorithm};

use crate::error::{Error, Result, truncate};

pub(crate) mod accepted;

pub use accepted::{ALL_ALGORITHMS, JwsAlgorithm, MIN_RSA_BITS};

impl JwsAlgorithm {
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

    /// The JWS algorithm of a signature scheme, when there is one kavach accepts.
    pub fn from_signature_algorithm(scheme: SignatureAlgorithm) -> Result<Self> {
        ALL_ALGORITHMS
            .into_iter()
            .find(|a| a.signature_algorithm() == scheme)
            .ok_or(Error::UnsupportedSignatureScheme(scheme))
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

impl core::str::FromStr for JwsAlgorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use kavach_keys::KeyKind;

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

//! From a [`Signer`] to an X.509 `AlgorithmIdentifier` and a signature `BIT STRING`.
//!
//! | `Signer::algorithm()` | AlgorithmIdentifier | signature value |
//! |---|---|---|
//! | RSASSA-PKCS1-v1_5 SHA-256/384/512 | sha{256,384,512}WithRSAEncryption, NULL parameters (RFC 4055 §5) | as signed |
//! | RSASSA-PSS | id-RSASSA-PSS with explicit RSASSA-PSS-params: hash, MGF1 with the same hash, salt length; trailerField 1 is the DEFAULT and so omitted in DER (RFC 4055 §3.1) | as signed |
//! | ECDSA SHA-256/384/512 | ecdsa-with-SHA{256,384,512}, parameters absent (RFC 5758 §3.2) | DER `Ecdsa-Sig-Value` (a signer that signs fixed `r‖s` is converted) |
//! | Ed25519 | id-Ed25519, parameters absent (RFC 8410 §3) | as signed |

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5912;
use der::Encode;
use der::asn1::{Any, BitString, UintRef};
use kavach_keys::{EcdsaEncoding, HashAlgorithm, PssSaltLength, SignatureAlgorithm, Signer};
use spki::AlgorithmIdentifierOwned;

use crate::error::{Error, Result};

/// RSASSA-PSS-params (RFC 4055 §3.1) as kavach writes them: every field but the DEFAULT
/// trailerField.
#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    hash: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    mask_gen: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    salt_length: u32,
}

/// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3).
#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: UintRef<'a>,
    s: UintRef<'a>,
}

fn encoding_error(what: &'static str) -> impl FnOnce(der::Error) -> Error {
    move |source| Error::Der { what, source }
}

fn hash_oid(hash: HashAlgorithm) -> Result<ObjectIdentifier> {
    match hash {
        HashAlgorithm::Sha256 => Ok(rfc5912::ID_SHA_256),
        HashAlgorithm::Sha384 => Ok(rfc5912::ID_SHA_384),
        HashAlgorithm::Sha512 => Ok(rfc5912::ID_SHA_512),
        _ => Err(Error::InvalidIssuanceInput {
            what: "signature algorithm",
            reason: "hash function has no X.509 identifier here",
        }),
    }
}

/// The salt length a PSS signer with `salt` actually uses.
pub(crate) fn pss_salt_len(hash: HashAlgorithm, salt: PssSaltLength) -> u16 {
    match salt {
        PssSaltLength::Exactly(n) => n,
        // kavach-keys signs `AnyOnVerify` with the hash length (RFC 8017 §9.1 note 4).
        _ => u16::try_from(hash.output_len()).unwrap_or(u16::MAX),
    }
}

/// The AlgorithmIdentifier naming `algorithm`, and the algorithm to verify the encoded
/// signature with (ECDSA always DER, PSS with the exact salt length).
pub(crate) fn algorithm_identifier(
    algorithm: SignatureAlgorithm,
) -> Result<(AlgorithmIdentifierOwned, SignatureAlgorithm)> {
    const WHAT: &str = "signature AlgorithmIdentifier";
    let unsupported = Error::InvalidIssuanceInput {
        what: "signature algorithm",
        reason: "not one kavach issues with",
    };
    Ok(match algorithm {
        SignatureAlgorithm::RsaPkcs1v15(hash) => {
            let oid = match hash {
                HashAlgorithm::Sha256 => rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
                HashAlgorithm::Sha384 => rfc5912::SHA_384_WITH_RSA_ENCRYPTION,
                HashAlgorithm::Sha512 => rfc5912::SHA_512_WITH_RSA_ENCRYPTION,
                _ => return Err(unsupported),
            };
            (
                AlgorithmIdentifierOwned {
                    oid,
                    parameters: Some(Any::null()),
                },
                algorithm,
            )
        }
        SignatureAlgorithm::RsaPss { hash, salt } => {
            let salt_len = pss_salt_len(hash, salt);
            let hash_id = AlgorithmIdentifierOwned {
                oid: hash_oid(hash)?,
                parameters: Some(Any::null()),
            };
            let params = PssParams {
                hash: hash_id.clone(),
                mask_gen: AlgorithmIdentifierOwned {
                    oid: rfc5912::ID_MGF_1,
                    parameters: Some(Any::encode_from(&hash_id).map_err(encoding_error(WHAT))?),
                },
                salt_length: u32::from(salt_len),
            };
            (
                AlgorithmIdentifierOwned {
                    oid: rfc5912::ID_RSASSA_PSS,
                    parameters: Some(Any::encode_from(&params).map_err(encoding_error(WHAT))?),
                },
                SignatureAlgorithm::RsaPss {
                    hash,
                    salt: PssSaltLength::Exactly(salt_len),
                },
            )
        }
        SignatureAlgorithm::Ecdsa { hash, .. } => {
            let oid = match hash {
                HashAlgorithm::Sha256 => rfc5912::ECDSA_WITH_SHA_256,
                HashAlgorithm::Sha384 => rfc5912::ECDSA_WITH_SHA_384,
                HashAlgorithm::Sha512 => rfc5912::ECDSA_WITH_SHA_512,
                _ => return Err(unsupported),
            };
            (
                AlgorithmIdentifierOwned { oid, parameters: None },
                SignatureAlgorithm::Ecdsa {
                    hash,
                    encoding: EcdsaEncoding::Der,
                },
            )
        }
        SignatureAlgorithm::Ed25519 => (
            AlgorithmIdentifierOwned {
                oid: const_oid::db::rfc8410::ID_ED_25519,
                parameters: None,
            },
            algorithm,
        ),
        _ => return Err(unsupported),
    })
}

/// Converts a fixed-width `r || s` ECDSA signature to DER.
fn ecdsa_fixed_to_der(sig: &[u8]) -> Result<Vec<u8>> {
    const WHAT: &str = "ECDSA signature";
    if sig.is_empty() || !sig.len().is_multiple_of(2) {
        return Err(Error::Signing {
            what: WHAT,
            source: kavach_keys::Error::SigningFailed,
        });
    }
    let (r, s) = sig.split_at(sig.len() / 2);
    let value = EcdsaSigValue {
        r: UintRef::new(r).map_err(encoding_error(WHAT))?,
        s: UintRef::new(s).map_err(encoding_error(WHAT))?,
    };
    value.to_der().map_err(encoding_error(WHAT))
}

/// Everything a signed X.509 object needs from its signer.
pub(crate) struct Signed {
    pub(crate) algorithm: AlgorithmIdentifierOwned,
    pub(crate) signature: BitString,
}

/// The AlgorithmIdentifier `signer` will sign with (it goes inside the signed part too).
pub(crate) fn signer_algorithm(signer: &dyn Signer) -> Result<AlgorithmIdentifierOwned> {
    let algorithm = signer.algorithm();
    signer
        .public_key()
        .check_algorithm(algorithm)
        .map_err(|source| Error::Signing {
            what: "signature algorithm",
            source,
        })?;
    Ok(algorithm_identifier(algorithm)?.0)
}

/// Signs `tbs` (the DER of the signed part) with `signer`, converts the signature to the X.509
/// encoding, and verifies it with the signer's public key before returning it.
pub(crate) fn sign(signer: &dyn Signer, tbs: &[u8], what: &'static str) -> Result<Signed> {
    let (algorithm, verify_as) = algorithm_identifier(signer.algorithm())?;
    let raw = signer.sign(tbs).map_err(|source| Error::Signing { what, source })?;
    let signature = match signer.algorithm() {
        SignatureAlgorithm::Ecdsa {
            encoding: EcdsaEncoding::Fixed,
            ..
        } => ecdsa_fixed_to_der(&raw)?,
        _ => raw,
    };
    signer
        .public_key()
        .verify(verify_as, tbs, &signature)
        .map_err(|source| Error::Signing { what, source })?;
    Ok(Signed {
        algorithm,
        signature: BitString::from_bytes(&signature).map_err(encoding_error(what))?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn pss_parameters_are_explicit_and_omit_the_default_trailer() {
        let (id, verify_as) = algorithm_identifier(SignatureAlgorithm::PS256).unwrap();
        assert_eq!(id.oid, rfc5912::ID_RSASSA_PSS);
        let params = id.parameters.unwrap().to_der().unwrap();
        // SEQUENCE { [0] sha256+NULL, [1] mgf1(sha256+NULL), [2] INTEGER 32 }, as OpenSSL writes it.
        let expected = hex::decode(
            "3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120",
        )
        .unwrap();
        assert_eq!(params, expected);
        assert_eq!(verify_as, SignatureAlgorithm::PS256);
    }

    #[test]
    fn fixed_ecdsa_signatures_become_der_integers() {
        let mut fixed = [0u8; 64];
        fixed[0] = 0x80; // r needs a leading zero byte in DER
        fixed[63] = 1;
        let der = ecdsa_fixed_to_der(&fixed).unwrap();
        assert_eq!(&der[..4], &[0x30, 0x26, 0x02, 0x21]);
        assert_eq!(der[4], 0);
        assert_eq!(&der[der.len() - 3..], &[0x02, 0x01, 0x01]);
        assert!(ecdsa_fixed_to_der(&[1, 2, 3]).is_err());
    }
}

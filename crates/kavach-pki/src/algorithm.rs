//! The signature-algorithm seam: an X.509 `AlgorithmIdentifier` (RFC 5280 §4.1.1.2) becomes a
//! [`kavach_keys::SignatureAlgorithm`], and the one verification primitive,
//! [`kavach_keys::PublicKey::verify`], checks the signature.
//!
//! Like rustls-webpki's `SignatureVerificationAlgorithm` table, only a closed list of
//! identifiers is recognised, each with its exact parameter encoding:
//!
//! | OID | name | parameters |
//! |---|---|---|
//! | 1.2.840.113549.1.1.11 / .12 / .13 | sha256/384/512WithRSAEncryption | NULL (RFC 4055 §5), or absent |
//! | 1.2.840.113549.1.1.10 | RSASSA-PSS | RSASSA-PSS-params (RFC 4055 §3.1): hash SHA-256/384/512, MGF1 with the same hash, any salt length, trailerField 1 |
//! | 1.2.840.10045.4.3.2 / .3 / .4 | ecdsa-with-SHA256/384/512 | absent (RFC 5758 §3.2); signature is DER `Ecdsa-Sig-Value` |
//! | 1.3.101.112 | Ed25519 | absent (RFC 8410 §3) |
//!
//! SHA-1 based algorithms, DSA and anything else are refused with
//! [`Error::UnsupportedSignatureAlgorithm`].

use const_oid::ObjectIdentifier;
use const_oid::db::{rfc5912, rfc8410};
use der::Sequence;
use der::asn1::{AnyRef, BitString};
use kavach_keys::{EcdsaEncoding, HashAlgorithm, PssSaltLength, PublicKey, SignatureAlgorithm};
use spki::AlgorithmIdentifierOwned;

use crate::error::{Error, Result};

/// id-mgf1 (RFC 8017 appendix B.2.1).
const ID_MGF1: ObjectIdentifier = rfc5912::ID_MGF_1;

/// `RSASSA-PSS-params` (RFC 4055 §3.1). Every field has a DEFAULT that names SHA-1, which this
/// crate does not accept; so hash and MGF must be present.
#[derive(Sequence)]
struct PssParams<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<spki::AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer_field: Option<u32>,
}

fn bad_params(reason: &'static str) -> Error {
    Error::InvalidSignatureAlgorithmParameters { reason }
}

/// Parameters that must be NULL or absent (RSA PKCS#1 v1.5 and hash identifiers).
fn null_or_absent(params: Option<&AnyRef<'_>>) -> Result<()> {
    match params {
        None => Ok(()),
        Some(p) if p.is_null() => Ok(()),
        Some(_) => Err(bad_params("parameters must be NULL")),
    }
}

fn absent(params: Option<&AnyRef<'_>>) -> Result<()> {
    match params {
        None => Ok(()),
        Some(_) => Err(bad_params("parameters must be absent")),
    }
}

fn hash_from_oid(oid: ObjectIdentifier) -> Option<HashAlgorithm> {
    match oid {
        rfc5912::ID_SHA_256 => Some(HashAlgorithm::Sha256),
        rfc5912::ID_SHA_384 => Some(HashAlgorithm::Sha384),
        rfc5912::ID_SHA_512 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

fn pss(params: Option<&AnyRef<'_>>) -> Result<SignatureAlgorithm> {
    let params = params.ok_or(bad_params("RSASSA-PSS without parameters (SHA-1 defaults)"))?;
    let p: PssParams<'_> = params
        .decode_as()
        .map_err(|_| bad_params("RSASSA-PSS parameters do not decode"))?;
    let hash_id = p.hash.ok_or(bad_params("RSASSA-PSS with the SHA-1 default hash"))?;
    let hash = hash_from_oid(hash_id.oid).ok_or(bad_params("RSASSA-PSS hash is not SHA-256/384/512"))?;
    null_or_absent(hash_id.parameters.as_ref())?;
    let mgf = p.mask_gen.ok_or(bad_params("RSASSA-PSS with the MGF1-SHA-1 default"))?;
    if mgf.oid != ID_MGF1 {
        return Err(bad_params("RSASSA-PSS mask generation is not MGF1"));
    }
    let mgf_hash: spki::AlgorithmIdentifierRef<'_> = mgf
        .parameters
        .as_ref()
        .ok_or(bad_params("MGF1 without a hash"))?
        .decode_as()
        .map_err(|_| bad_params("MGF1 hash does not decode"))?;
    null_or_absent(mgf_hash.parameters.as_ref())?;
    if hash_from_oid(mgf_hash.oid) != Some(hash) {
        return Err(bad_params("MGF1 hash differs from the message hash"));
    }
    // saltLength DEFAULT 20 (RFC 4055 §3.1); any length is accepted and enforced exactly.
    let salt = u16::try_from(p.salt_length.unwrap_or(20)).map_err(|_| bad_params("RSASSA-PSS salt too long"))?;
    if p.trailer_field.unwrap_or(1) != 1 {
        return Err(bad_params("RSASSA-PSS trailerField is not 1"));
    }
    Ok(SignatureAlgorithm::RsaPss {
        hash,
        salt: PssSaltLength::Exactly(salt),
    })
}

/// Maps a certificate's or CRL's `signatureAlgorithm` to the scheme kavach-keys verifies.
pub fn signature_algorithm(id: &AlgorithmIdentifierOwned) -> Result<SignatureAlgorithm> {
    let params = id.parameters.as_ref().map(AnyRef::from);
    let params = params.as_ref();
    let ecdsa = |hash| {
        absent(params)?;
        Ok(SignatureAlgorithm::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Der,
        })
    };
    match id.oid {
        rfc5912::SHA_256_WITH_RSA_ENCRYPTION => null_or_absent(params).map(|()| SignatureAlgorithm::RS256),
        rfc5912::SHA_384_WITH_RSA_ENCRYPTION => {
            null_or_absent(params).map(|()| SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha384))
        }
        rfc5912::SHA_512_WITH_RSA_ENCRYPTION => {
            null_or_absent(params).map(|()| SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha512))
        }
        rfc5912::ID_RSASSA_PSS => pss(params),
        rfc5912::ECDSA_WITH_SHA_256 => ecdsa(HashAlgorithm::Sha256),
        rfc5912::ECDSA_WITH_SHA_384 => ecdsa(HashAlgorithm::Sha384),
        rfc5912::ECDSA_WITH_SHA_512 => ecdsa(HashAlgorithm::Sha512),
        rfc8410::ID_ED_25519 => absent(params).map(|()| SignatureAlgorithm::Ed25519),
        oid => Err(Error::UnsupportedSignatureAlgorithm { oid }),
    }
}

/// Verifies `signature` over `signed` (the raw TBS bytes) made with `algorithm` by `issuer`.
///
/// `Ok(false)` is a signature that does not verify (or a key that cannot make such a
/// signature); `Err` is an algorithm this crate does not accept.
pub(crate) fn verify(
    algorithm: &AlgorithmIdentifierOwned,
    issuer: &PublicKey,
    signed: &[u8],
    signature: &BitString,
) -> Result<bool> {
    let alg = signature_algorithm(algorithm)?;
    let Some(sig) = signature.as_bytes() else {
        return Ok(false);
    };
    if issuer.check_algorithm(alg).is_err() {
        return Ok(false);
    }
    Ok(issuer.verify(alg, signed, sig).is_ok())
}

/// Decodes an `AlgorithmIdentifier` from DER; a helper for tests and the fuzz corpus.
#[cfg(test)]
pub(crate) fn algorithm_identifier_from_der(der: &[u8]) -> Result<AlgorithmIdentifierOwned> {
    use der::Decode;
    AlgorithmIdentifierOwned::from_der(der).map_err(|source| Error::Der {
        what: "AlgorithmIdentifier",
        source,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn alg(hex_der: &str) -> Result<SignatureAlgorithm> {
        signature_algorithm(&algorithm_identifier_from_der(&hex::decode(hex_der).unwrap()).unwrap())
    }

    #[test]
    fn known_identifiers_map_to_schemes() {
        // sha256WithRSAEncryption, NULL parameters.
        assert_eq!(
            alg("300d06092a864886f70d01010b0500").unwrap(),
            SignatureAlgorithm::RS256
        );
        // ecdsa-with-SHA384, no parameters.
        assert_eq!(
            alg("300a06082a8648ce3d040303").unwrap(),
            SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha384,
                encoding: EcdsaEncoding::Der
            }
        );
        assert_eq!(alg("300506032b6570").unwrap(), SignatureAlgorithm::Ed25519);
    }

    #[test]
    fn pss_with_sha256_mgf1_sha256_salt_32_is_accepted() {
        // RSASSA-PSS-params { sha256, mgf1(sha256), saltLength 32 } as OpenSSL writes them.
        let der = "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120";
        assert_eq!(
            alg(der).unwrap(),
            SignatureAlgorithm::RsaPss {
                hash: HashAlgorithm::Sha256,
                salt: PssSaltLength::Exactly(32)
            }
        );
    }

    #[test]
    fn pss_with_mismatched_mgf1_hash_is_refused() {
        // hash sha256 but MGF1 over sha384.
        let der = "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120";
        assert!(matches!(
            alg(der),
            Err(Error::InvalidSignatureAlgorithmParameters { .. })
        ));
        // No parameters at all: SHA-1 defaults.
        assert!(matches!(
            alg("300b06092a864886f70d01010a"),
            Err(Error::InvalidSignatureAlgorithmParameters { .. })
        ));
    }

    #[test]
    fn sha1_rsa_and_ecdsa_with_parameters_are_refused() {
        // sha1WithRSAEncryption.
        assert!(matches!(
            alg("300d06092a864886f70d0101050500"),
            Err(Error::UnsupportedSignatureAlgorithm { .. })
        ));
        // ecdsa-with-SHA256 with a NULL parameter.
        assert!(matches!(
            alg("300c06082a8648ce3d0403020500"),
            Err(Error::InvalidSignatureAlgorithmParameters { .. })
        ));
    }
}

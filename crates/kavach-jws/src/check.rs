//! The signature check shared by the certificate path and the bare-key path.

use kavach_keys::PublicKey;

use crate::alg::JwsAlgorithm;
use crate::compact::CompactJws;
use crate::error::{Error, Result};

/// Which payload a verification is about.
pub(crate) enum PayloadSource<'p> {
    /// The payload inside the serialization (an empty segment is an empty payload).
    Attached,
    /// A payload transported separately; the serialization's payload segment must be empty.
    Detached(&'p [u8]),
    /// The attached payload segment of a `b64:false` JWS, decoded from base64url: MOSIP's
    /// `jwsSign` quirk, whose signing input is the header segment, `.`, and these bytes
    /// ([`crate::PayloadEncoding::MosipBase64UnderB64False`]). Only the `compat-mosip` verifier
    /// asks for it.
    MosipBase64(&'p [u8]),
}

/// Checks the signature of `jws` over its payload with `key`, for an algorithm in `allowed`.
///
/// Order: the header's `alg` must be one kavach accepts (refusing `none` and HS*), must fit the
/// key (so RS256 on an EC key is refused before any arithmetic), must be allowed by the caller,
/// and only then is the signature checked. ES256/ES384 signatures must be exactly `2 × field`
/// bytes (a DER signature never is, RFC 7518 §3.4).
pub(crate) fn check_signature(
    jws: &CompactJws,
    key: &PublicKey,
    allowed: &[JwsAlgorithm],
    payload: &PayloadSource<'_>,
) -> Result<JwsAlgorithm> {
    let alg = jws.header().algorithm()?;
    alg.check_key(key)?;
    if !allowed.contains(&alg) {
        return Err(Error::AlgorithmNotAllowed { alg });
    }
    let sig = jws.signature();
    let fixed_len = match alg {
        JwsAlgorithm::ES256 => Some(64),
        JwsAlgorithm::ES384 => Some(96),
        JwsAlgorithm::EdDSA => Some(64),
        JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => None,
    };
    if sig.is_empty() || fixed_len.is_some_and(|n| sig.len() != n) {
        return Err(Error::BadSignature);
    }
    let result = match payload {
        PayloadSource::Attached => key.verify(alg.signature_algorithm(), jws.attached_signing_input(), sig),
        PayloadSource::Detached(p) => {
            if !jws.is_detached() {
                return Err(Error::WrongPayloadMode { expected: "detached" });
            }
            key.verify(alg.signature_algorithm(), &jws.detached_signing_input(p), sig)
        }
        // With b64:false the signing input over a detached payload is `header.` + the raw
        // bytes: exactly what MOSIP signs, whatever its token carries in the middle.
        PayloadSource::MosipBase64(decoded) => {
            if jws.header().b64() {
                return Err(Error::BadSignature);
            }
            key.verify(alg.signature_algorithm(), &jws.detached_signing_input(decoded), sig)
        }
    };
    match result {
        Ok(()) => Ok(alg),
        Err(kavach_keys::Error::AlgorithmKeyMismatch { .. }) => {
            Err(Error::AlgorithmKeyMismatch { alg, key: key.kind() })
        }
        Err(_) => Err(Error::BadSignature),
    }
}

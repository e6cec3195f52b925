//! Verification with a bare public key: **no certificate, no chain, no revocation, no time**.
//!
//! This path exists for keys pinned out of band and for test vectors given as JWK. It answers
//! one question — did the holder of this exact key sign this exact JWS with an algorithm the
//! caller allowed — and nothing about who that holder is. Partner traffic and device messages
//! are verified with [`crate::JwsVerifier`], which validates the signer's `x5c` chain; reach for
//! this module only when the key itself is the trust anchor.
//!
//! Everything else is as strict as on the certificate path: `alg` must be accepted by kavach
//! (never `none` or HS*), must fit the key, and must be one the [`BareKey`] allows; `crit`,
//! duplicate members, `b64` and the signature encodings are checked the same way. The `x5c`,
//! `x5t#S256`, `kid`, `ts` and `jti` members are **not** checked here; they are reported in
//! [`KeyVerified::header`].

use kavach_keys::PublicKey;

use crate::alg::{ALL_ALGORITHMS, JwsAlgorithm};
use crate::check::{PayloadSource, check_signature};
use crate::compact::CompactJws;
use crate::error::{Error, Result};
use crate::header::Header;
use crate::jwk::Jwk;

/// A public key trusted as it is, with the algorithms it may verify.
#[derive(Clone, Debug)]
pub struct BareKey {
    key: PublicKey,
    algorithms: Vec<JwsAlgorithm>,
}

impl BareKey {
    /// A key that verifies signatures made with one of `algorithms`, each of which must fit the
    /// key (an empty list, or RS256 for an EC key, is refused: the verifier decides the
    /// algorithm, never the message).
    pub fn new(key: PublicKey, algorithms: &[JwsAlgorithm]) -> Result<Self> {
        if algorithms.is_empty() {
            return Err(Error::NoAlgorithmAllowed);
        }
        for a in algorithms {
            a.check_key(&key)?;
        }
        let mut algs = algorithms.to_vec();
        algs.dedup();
        Ok(Self { key, algorithms: algs })
    }

    /// A key that verifies with every accepted algorithm that fits it (RS256 and PS256 for RSA,
    /// the one ECDSA algorithm of its curve, EdDSA for Ed25519): for keys whose algorithm the
    /// protocol leaves to the signer, as a key taken from a certificate.
    pub fn with_fitting_algorithms(key: PublicKey) -> Result<Self> {
        let fitting: Vec<JwsAlgorithm> = ALL_ALGORITHMS
            .into_iter()
            .filter(|a| a.check_key(&key).is_ok())
            .collect();
        Self::new(key, &fitting)
    }

    /// A key from a JWK: `use` must be `sig` and `key_ops` contain `verify` when present; the
    /// JWK's `alg`, when present, is the one algorithm allowed (and must be accepted by kavach
    /// and fit the key); without `alg`, every accepted algorithm that fits the key is allowed
    /// (RS256 and PS256 for RSA).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self> {
        jwk.check_verification_use()?;
        let key = jwk.public_key().clone();
        match jwk.alg() {
            Some(name) => {
                let alg = JwsAlgorithm::from_name(name)?;
                Self::new(key, &[alg])
            }
            None => Self::with_fitting_algorithms(key),
        }
    }

    /// The key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The algorithms this key may verify.
    pub fn algorithms(&self) -> &[JwsAlgorithm] {
        &self.algorithms
    }
}

/// Proof that a JWS was signed by a [`BareKey`]'s key. Fields are private: only this crate's
/// verification functions make one.
#[derive(Debug)]
pub struct KeyVerified<T> {
    payload: T,
    alg: JwsAlgorithm,
    header: Header,
}

impl<T> KeyVerified<T> {
    /// The verified payload.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// The verified payload, by value.
    pub fn into_payload(self) -> T {
        self.payload
    }

    /// The algorithm the signature was made with.
    pub fn algorithm(&self) -> JwsAlgorithm {
        self.alg
    }

    /// The protected header (integrity-protected by the signature; its `x5c`, `kid`, `ts` and
    /// `jti` were not checked on this path).
    pub fn header(&self) -> &Header {
        &self.header
    }
}

/// Verifies an attached JWS (`header.payload.signature`) with a bare key and returns the payload.
/// An empty payload segment is an empty payload.
///
/// **No certificate is involved**: see the [module documentation](self).
pub fn verify_with_bare_key(jws: &CompactJws, key: &BareKey) -> Result<KeyVerified<Vec<u8>>> {
    let alg = check_signature(jws, &key.key, &key.algorithms, &PayloadSource::Attached)?;
    Ok(KeyVerified {
        payload: jws.attached_payload()?,
        alg,
        header: jws.header().clone(),
    })
}

/// Verifies a detached JWS (`header..signature`) over `payload` with a bare key. A JWS that
/// carries a payload of its own is refused ([`Error::WrongPayloadMode`]), so the bytes that were
/// verified are always the bytes the caller holds.
///
/// **No certificate is involved**: see the [module documentation](self).
pub fn verify_detached_with_bare_key<'p>(
    jws: &CompactJws,
    payload: &'p [u8],
    key: &BareKey,
) -> Result<KeyVerified<&'p [u8]>> {
    let alg = check_signature(jws, &key.key, &key.algorithms, &PayloadSource::Detached(payload))?;
    Ok(KeyVerified {
        payload,
        alg,
        header: jws.header().clone(),
    })
}

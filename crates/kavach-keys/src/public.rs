//! Public keys parsed from `SubjectPublicKeyInfo`, and signature verification.
//!
//! [`PublicKey::verify`] is the one verification primitive of kavach: kavach-pki's
//! certificate checks and kavach-jws's signature checks both end here.

use core::fmt;

use der::{Decode, Encode, asn1::ObjectIdentifier};
use sha2::{Sha256, Sha384, Sha512};
use spki::SubjectPublicKeyInfoRef;
use zeroize::Zeroizing;

use crate::algorithm::{EcdsaEncoding, HashAlgorithm, KeyKind, PssSaltLength, SignatureAlgorithm};
use crate::error::{Error, Result};

pub(crate) const OID_RSA_ENCRYPTION: ObjectIdentifier = const_oid::db::rfc5912::RSA_ENCRYPTION;
pub(crate) const OID_RSASSA_PSS: ObjectIdentifier = const_oid::db::rfc5912::ID_RSASSA_PSS;
pub(crate) const OID_EC_PUBLIC_KEY: ObjectIdentifier = const_oid::db::rfc5912::ID_EC_PUBLIC_KEY;
pub(crate) const OID_SECP256R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_256_R_1;
pub(crate) const OID_SECP384R1: ObjectIdentifier = const_oid::db::rfc5912::SECP_384_R_1;
pub(crate) const OID_ED25519: ObjectIdentifier = const_oid::db::rfc8410::ID_ED_25519;

/// Largest `SubjectPublicKeyInfo` accepted: an RSA-8192 SPKI is about 1,060 bytes; 4 KiB leaves room.
const MAX_SPKI_LEN: usize = 4096;

#[derive(Clone)]
pub(crate) enum PublicKeyInner {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Rsa { key: rsa::PublicKey, pss_only: bool },
    Ed25519(ed25519_dalek::VerifyingKey),
}

/// A public key of a kind kavach supports, with the exact `SubjectPublicKeyInfo` it came from.
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) inner: PublicKeyInner,
    spki_der: Vec<u8>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.spki_der == other.spki_der
    }
}
impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("kind", &self.kind())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Parses a DER `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).
    ///
    /// Accepts `rsaEncryption`, `id-RSASSA-PSS` (such a key only verifies PSS signatures),
    /// `id-ecPublicKey` on P-256 or P-384 (uncompressed or compressed points), and `id-Ed25519`.
    /// More than 4096 bytes is [`Error::TooLarge`], before any parsing.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        const FMT: &str = "SubjectPublicKeyInfo";
        if der.len() > MAX_SPKI_LEN {
            return Err(Error::TooLarge {
                what: FMT,
                len: der.len(),
                max: MAX_SPKI_LEN,
            });
        }
        let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(|_| Error::MalformedKey {
            format: FMT,
            reason: "not DER SubjectPublicKeyInfo",
        })?;
        let inner = Self::inner_from_spki(&spki)?;
        // Keep the canonical re-encoding so equal keys compare equal byte for byte.
        let spki_der = spki.to_der().map_err(|_| Error::MalformedKey {
            format: FMT,
            reason: "re-encoding failed",
        })?;
        Ok(Self { inner, spki_der })
    }

    fn inner_from_spki(spki: &SubjectPublicKeyInfoRef<'_>) -> Result<PublicKeyInner> {
        const FMT: &str = "SubjectPublicKeyInfo";
        let bits = spki.subject_public_key.as_bytes().ok_or(Error::MalformedKey {
            format: FMT,
            reason: "public key BIT STRING has unused bits",
        })?;
        let oid = spki.algorithm.oid;
        if oid == OID_RSA_ENCRYPTION || oid == OID_RSASSA_PSS {
            if oid == OID_RSA_ENCRYPTION {
                // RFC 3279 §2.3.1: parameters MUST be NULL (absent is tolerated by everyone).
                if let Some(p) = &spki.algorithm.parameters
                    && !p.is_null()
                {
                    return Err(Error::MalformedKey {
                        format: FMT,
                        reason: "rsaEncryption parameters are not NULL",
                    });
                }
            }
            let key = rsa_public_from_pkcs1(bits)?;
            return Ok(PublicKeyInner::Rsa {
                key,
                pss_only: oid == OID_RSASSA_PSS,
            });
        }
        if oid == OID_EC_PUBLIC_KEY {
            let curve: ObjectIdentifier = spki
                .algorithm
                .parameters
                .as_ref()
                .ok_or(Error::MalformedKey {
                    format: FMT,
                    reason: "EC key without a named curve",
                })?
                .decode_as()
                .map_err(|_| Error::MalformedKey {
                    format: FMT,
                    reason: "EC parameters are not a named curve",
                })?;
            return if curve == OID_SECP256R1 {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                    .map(PublicKeyInner::P256)
                    .map_err(|_| Error::MalformedKey {
                        format: FMT,
                        reason: "not a point on P-256",
                    })
            } else if curve == OID_SECP384R1 {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
                    .map(PublicKeyInner::P384)
                    .map_err(|_| Error::MalformedKey {
                        format: FMT,
                        reason: "not a point on P-384",
                    })
            } else {
                Err(Error::UnsupportedKeyAlgorithm(format!("EC curve {curve}")))
            };
        }
        if oid == OID_ED25519 {
            if spki.algorithm.parameters.is_some() {
                return Err(Error::MalformedKey {
                    format: FMT,
                    reason: "Ed25519 parameters must be absent",
                });
            }
            let bytes: &[u8; 32] = bits.try_into().map_err(|_| Error::MalformedKey {
                format: FMT,
                reason: "Ed25519 key is not 32 bytes",
            })?;
            return ed25519_dalek::VerifyingKey::from_bytes(bytes)
                .map(PublicKeyInner::Ed25519)
                .map_err(|_| Error::MalformedKey {
                    format: FMT,
                    reason: "not an Ed25519 point",
                });
        }
        Err(Error::UnsupportedKeyAlgorithm(format!("algorithm {oid}")))
    }

    /// A public key on `curve` ([`KeyKind::P256`] or [`KeyKind::P384`]) from its SEC1 point
    /// encoding (`04 || x || y`, or compressed `02`/`03 || x`), as JWK `x`/`y` and ECDH-ES
    /// ephemeral keys carry it.
    ///
    /// The point goes through the same checks as [`PublicKey::from_spki_der`] (it is wrapped in
    /// the `SubjectPublicKeyInfo` RFC 5480 §2 defines and parsed as one): it must be on the
    /// curve and not the identity. Errors are [`Error::MalformedKey`] with format `EC point`,
    /// and [`Error::UnsupportedKeyAlgorithm`] for a `curve` that is not an EC kind.
    pub fn from_ec_point(curve: KeyKind, point: &[u8]) -> Result<Self> {
        const FMT: &str = "EC point";
        let (oid, field_len) = match curve {
            KeyKind::P256 => (OID_SECP256R1, 32),
            KeyKind::P384 => (OID_SECP384R1, 48),
            other => return Err(Error::UnsupportedKeyAlgorithm(format!("{other} is not an EC curve"))),
        };
        // Bounded before any encoding: an uncompressed point is the longest valid one.
        if point.is_empty() || point.len() > 1 + 2 * field_len {
            return Err(Error::MalformedKey {
                format: FMT,
                reason: "not the length of a SEC1 point on this curve",
            });
        }
        let spki = spki_der(OID_EC_PUBLIC_KEY, Some(der::asn1::AnyRef::from(&oid)), point, FMT)?;
        Self::from_spki_der(&spki).map_err(|e| relabel(e, FMT))
    }

    /// An RSA public key from its modulus `n` and public exponent `e`, big-endian unsigned
    /// integers (leading zero octets are ignored), as JWK `n`/`e` carry them.
    ///
    /// The key goes through the same checks as [`PublicKey::from_spki_der`] (it is encoded as
    /// the `RSAPublicKey` of an `rsaEncryption` `SubjectPublicKeyInfo` and parsed as one): the
    /// modulus must be odd and of a size the RSA parser accepts, the exponent at least 3 and
    /// below the modulus. Errors are [`Error::MalformedKey`] with format `RSAPublicKey`, and
    /// [`Error::TooLarge`] for components together longer than any accepted key's (4032 bytes).
    pub fn from_rsa_components(n: &[u8], e: &[u8]) -> Result<Self> {
        const FMT: &str = "RSAPublicKey";
        let malformed = |reason| Error::MalformedKey { format: FMT, reason };
        let (n, e) = (strip_leading_zeros(n), strip_leading_zeros(e));
        // Bounded before any encoding: the SPKI of the largest key accepted fits MAX_SPKI_LEN.
        if n.len() + e.len() > MAX_SPKI_LEN - 64 {
            return Err(Error::TooLarge {
                what: "RSA modulus and exponent",
                len: n.len() + e.len(),
                max: MAX_SPKI_LEN - 64,
            });
        }
        let rsa = pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(n).map_err(|_| malformed("invalid modulus"))?,
            public_exponent: der::asn1::UintRef::new(e).map_err(|_| malformed("invalid exponent"))?,
        };
        let bits = rsa.to_der().map_err(|_| malformed("encoding failed"))?;
        let spki = spki_der(OID_RSA_ENCRYPTION, Some(der::asn1::AnyRef::NULL), &bits, FMT)?;
        Self::from_spki_der(&spki).map_err(|e| relabel(e, FMT))
    }

    /// An Ed25519 public key from its 32 bytes (RFC 8032 §5.1.5), as JWK `x` carries it. The
    /// bytes must decode to a curve point (checked as [`PublicKey::from_spki_der`] does).
    pub fn from_ed25519_bytes(bytes: &[u8; 32]) -> Result<Self> {
        const FMT: &str = "Ed25519 key";
        let spki = spki_der(OID_ED25519, None, bytes, FMT)?;
        Self::from_spki_der(&spki).map_err(|e| relabel(e, FMT))
    }

    /// Parses a PEM `PUBLIC KEY` document.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = crate::encoding::decode_pem(pem)?;
        if label != "PUBLIC KEY" {
            return Err(Error::UnsupportedPemLabel(label));
        }
        Self::from_spki_der(&der)
    }

    pub(crate) fn from_inner(inner: PublicKeyInner) -> Result<Self> {
        use spki::EncodePublicKey;
        let der = match &inner {
            PublicKeyInner::P256(k) => k.to_public_key_der(),
            PublicKeyInner::P384(k) => k.to_public_key_der(),
            PublicKeyInner::Rsa { key, .. } => key.to_public_key_der(),
            PublicKeyInner::Ed25519(k) => k.to_public_key_der(),
        }
        .map_err(|_| Error::MalformedKey {
            format: "SubjectPublicKeyInfo",
            reason: "encoding failed",
        })?;
        Ok(Self {
            inner,
            spki_der: der.into_vec(),
        })
    }

    /// The DER `SubjectPublicKeyInfo` of this key.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// What kind of key this is.
    pub fn kind(&self) -> KeyKind {
        match &self.inner {
            PublicKeyInner::P256(_) => KeyKind::P256,
            PublicKeyInner::P384(_) => KeyKind::P384,
            PublicKeyInner::Rsa { key, .. } => KeyKind::Rsa { bits: rsa_bits(key) },
            PublicKeyInner::Ed25519(_) => KeyKind::Ed25519,
        }
    }

    /// True for an RSA key whose SPKI is `id-RSASSA-PSS`: it verifies PSS signatures only.
    pub fn is_rsa_pss_only(&self) -> bool {
        matches!(self.inner, PublicKeyInner::Rsa { pss_only: true, .. })
    }

    /// SEC1 uncompressed point for an EC key (`04 || x || y`).
    pub fn ec_point_uncompressed(&self) -> Option<Vec<u8>> {
        match &self.inner {
            PublicKeyInner::P256(k) => Some(k.to_sec1_point(false).as_bytes().to_vec()),
            PublicKeyInner::P384(k) => Some(k.to_sec1_point(false).as_bytes().to_vec()),
            _ => None,
        }
    }

    /// RSA modulus and public exponent, big-endian without leading zeros.
    pub fn rsa_components(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        use rsa::traits::PublicKeyParts;
        match &self.inner {
            PublicKeyInner::Rsa { key, .. } => Some((
                strip_leading_zeros(&key.n().to_be_bytes()).to_vec(),
                strip_leading_zeros(&key.e().to_be_bytes()).to_vec(),
            )),
            _ => None,
        }
    }

    /// The raw 32-byte Ed25519 public key.
    pub fn ed25519_bytes(&self) -> Option<[u8; 32]> {
        match &self.inner {
            PublicKeyInner::Ed25519(k) => Some(k.to_bytes()),
            _ => None,
        }
    }

    /// Checks that `algorithm` can be used with this key at all.
    pub fn check_algorithm(&self, algorithm: SignatureAlgorithm) -> Result<()> {
        let ok = matches!(
            (&self.inner, algorithm),
            (
                PublicKeyInner::P256(_) | PublicKeyInner::P384(_),
                SignatureAlgorithm::Ecdsa { .. }
            ) | (
                PublicKeyInner::Rsa { pss_only: false, .. },
                SignatureAlgorithm::RsaPkcs1v15(_)
            ) | (PublicKeyInner::Rsa { .. }, SignatureAlgorithm::RsaPss { .. })
                | (PublicKeyInner::Ed25519(_), SignatureAlgorithm::Ed25519)
        );
        if ok {
            Ok(())
        } else {
            Err(Error::AlgorithmKeyMismatch {
                algorithm,
                key: self.kind(),
            })
        }
    }

    /// Verifies `signature` over `message` with `algorithm`.
    ///
    /// Returns [`Error::AlgorithmKeyMismatch`] when the algorithm does not fit the key and the
    /// opaque [`Error::BadSignature`] for every other failure (malformed signature encoding
    /// included). ECDSA accepts high-S signatures, as X.509 and JWS do; DER signatures must be
    /// strict DER. Ed25519 uses the strict verification of RFC 8032 §5.1.7 (no small-order keys
    /// or non-canonical `S`).
    pub fn verify(&self, algorithm: SignatureAlgorithm, message: &[u8], signature: &[u8]) -> Result<()> {
        use signature::{Verifier, hazmat::PrehashVerifier};
        self.check_algorithm(algorithm)?;
        let ok = match (&self.inner, algorithm) {
            (PublicKeyInner::P256(key), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                let sig = match encoding {
                    EcdsaEncoding::Fixed => p256::ecdsa::Signature::from_slice(signature),
                    EcdsaEncoding::Der => p256::ecdsa::Signature::from_der(signature),
                };
                match sig {
                    Err(_) => false,
                    Ok(sig) => match hash {
                        HashAlgorithm::Sha256 => key.verify(message, &sig).is_ok(),
                        HashAlgorithm::Sha384 => ecdsa_prehash_verify(key, &Sha384::digest_of(message), &sig),
                        HashAlgorithm::Sha512 => ecdsa_prehash_verify(key, &Sha512::digest_of(message), &sig),
                    },
                }
            }
            (PublicKeyInner::P384(key), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                let sig = match encoding {
                    EcdsaEncoding::Fixed => p384::ecdsa::Signature::from_slice(signature),
                    EcdsaEncoding::Der => p384::ecdsa::Signature::from_der(signature),
                };
                match sig {
                    Err(_) => false,
                    Ok(sig) => match hash {
                        HashAlgorithm::Sha384 => key.verify(message, &sig).is_ok(),
                        HashAlgorithm::Sha256 => ecdsa_prehash_verify(key, &Sha256::digest_of(message), &sig),
                        HashAlgorithm::Sha512 => ecdsa_prehash_verify(key, &Sha512::digest_of(message), &sig),
                    },
                }
            }
            (PublicKeyInner::Rsa { key, .. }, SignatureAlgorithm::RsaPkcs1v15(hash)) => match hash {
                HashAlgorithm::Sha256 => key.pkcs1v15_verify::<Sha256>(message, signature).is_ok(),
                HashAlgorithm::Sha384 => key.pkcs1v15_verify::<Sha384>(message, signature).is_ok(),
                HashAlgorithm::Sha512 => key.pkcs1v15_verify::<Sha512>(message, signature).is_ok(),
            },
            (PublicKeyInner::Rsa { key, .. }, SignatureAlgorithm::RsaPss { hash, salt }) => {
                let Ok(sig) = rsa::pss::Signature::try_from(signature) else {
                    return Err(Error::BadSignature);
                };
                fn vk<D>(key: &rsa::PublicKey, salt: PssSaltLength) -> rsa::pss::VerifyingKey<D>
                where
                    D: sha2::Digest + sha2::digest::FixedOutputReset,
                {
                    match salt {
                        PssSaltLength::Exactly(n) => rsa::pss::VerifyingKey::new_with_salt_len(key.clone(), n.into()),
                        PssSaltLength::AnyOnVerify => rsa::pss::VerifyingKey::new_with_auto_salt_len(key.clone()),
                    }
                }
                match hash {
                    HashAlgorithm::Sha256 => vk::<Sha256>(key, salt)
                        .verify_prehash(&hash.digest(message), &sig)
                        .is_ok(),
                    HashAlgorithm::Sha384 => vk::<Sha384>(key, salt)
                        .verify_prehash(&hash.digest(message), &sig)
                        .is_ok(),
                    HashAlgorithm::Sha512 => vk::<Sha512>(key, salt)
                        .verify_prehash(&hash.digest(message), &sig)
                        .is_ok(),
                }
            }
            (PublicKeyInner::Ed25519(key), SignatureAlgorithm::Ed25519) => {
                match ed25519_dalek::Signature::from_slice(signature) {
                    Ok(sig) => key.verify_strict(message, &sig).is_ok(),
                    Err(_) => false,
                }
            }
            _ => false,
        };
        if ok { Ok(()) } else { Err(Error::BadSignature) }
    }

    /// RSAES-OAEP encryption with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1), optional label.
    pub fn encrypt_rsa_oaep_sha256(&self, label: Option<&[u8]>, plaintext: &[u8]) -> Result<Vec<u8>> {
        let PublicKeyInner::Rsa { key, pss_only: false } = &self.inner else {
            return Err(Error::UnsupportedOperation {
                key: self.kind(),
                operation: "RSA-OAEP encryption",
            });
        };
        let padding = match label {
            Some(l) => rsa::Oaep::<Sha256>::new_with_label(l.to_vec()),
            None => rsa::Oaep::<Sha256>::new(),
        };
        key.encrypt(&mut getrandom::SysRng, padding, plaintext)
            .map_err(|_| Error::UnsupportedOperation {
                key: self.kind(),
                operation: "RSA-OAEP encryption of a message this long",
            })
    }
}

trait DigestOf {
    fn digest_of(msg: &[u8]) -> Vec<u8>;
}
impl<D: sha2::Digest> DigestOf for D {
    fn digest_of(msg: &[u8]) -> Vec<u8> {
        D::digest(msg).to_vec()
    }
}

fn ecdsa_prehash_verify<K, S>(key: &K, prehash: &[u8], sig: &S) -> bool
where
    K: signature::hazmat::PrehashVerifier<S>,
{
    key.verify_prehash(prehash, sig).is_ok()
}

pub(crate) fn rsa_bits(key: &rsa::PublicKey) -> usize {
    use rsa::traits::PublicKeyParts;
    key.n().bit_width() as usize
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len().saturating_sub(1));
    &b[first..]
}

fn rsa_public_from_pkcs1(der: &[u8]) -> Result<rsa::PublicKey> {
    use pkcs1::DecodeRsaPublicKey;
    rsa::PublicKey::from_pkcs1_der(der).map_err(|e| match e {
        pkcs1::Error::KeyMalformed => Error::MalformedKey {
            format: "RSAPublicKey",
            reason: "invalid modulus or exponent",
        },
        _ => Error::MalformedKey {
            format: "RSAPublicKey",
            reason: "not a DER RSAPublicKey, or modulus outside 1024..=8192 bits",
        },
    })
}

/// DER `SubjectPublicKeyInfo` of `key` under `oid` (with `params`), for the raw-component
/// constructors: they parse what this returns, so one set of rules applies to every route.
fn spki_der(
    oid: ObjectIdentifier,
    params: Option<der::asn1::AnyRef<'_>>,
    key: &[u8],
    format: &'static str,
) -> Result<Vec<u8>> {
    let malformed = |reason| Error::MalformedKey { format, reason };
    spki::SubjectPublicKeyInfoRef {
        algorithm: spki::AlgorithmIdentifierRef {
            oid,
            parameters: params,
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(key).map_err(|_| malformed("too long"))?,
    }
    .to_der()
    .map_err(|_| malformed("encoding failed"))
}

/// The same error, naming the raw format the caller gave rather than the SPKI built from it
/// (an RSA error already names `RSAPublicKey`).
fn relabel(e: Error, format: &'static str) -> Error {
    match e {
        Error::MalformedKey { reason, .. } => Error::MalformedKey { format, reason },
        other => other,
    }
}

impl TryFrom<&[u8]> for PublicKey {
    type Error = Error;
    fn try_from(der: &[u8]) -> Result<Self> {
        Self::from_spki_der(der)
    }
}

/// An ephemeral P-256 key agreement with `recipient` (the sender's half of ECDH-ES):
/// returns the ephemeral public key to send and the shared secret `Z`.
pub fn ecdh_p256_ephemeral(recipient: &PublicKey) -> Result<(PublicKey, Zeroizing<[u8; 32]>)> {
    let PublicKeyInner::P256(peer) = &recipient.inner else {
        return Err(Error::UnsupportedOperation {
            key: recipient.kind(),
            operation: "ECDH on P-256",
        });
    };
    use elliptic_curve::Generate;
    let secret = p256::ecdh::EphemeralSecret::try_generate().map_err(|_| Error::Rng)?;
    let ephemeral = PublicKey::from_inner(PublicKeyInner::P256(p256::ecdsa::VerifyingKey::from(
        secret.public_key(),
    )))?;
    let shared = secret.diffie_hellman(&p256::PublicKey::from(*peer));
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(shared.raw_secret_bytes());
    Ok((ephemeral, out))
}

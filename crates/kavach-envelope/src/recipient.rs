//! Who an envelope is sealed to, and the opened payload.

use core::fmt;

use kavach_keys::{KeyKind, PublicKey, Sha256Thumbprint, Zeroizing};
use kavach_pki::{Purpose, VerifiedPath};

use crate::error::{Error, Result};

/// A recipient whose certificate was validated for the `encryption` purpose.
///
/// The only public way to build one is [`Recipient::from_verified`], from the
/// `kavach_pki::VerifiedPath` proof of a path validated for `Purpose::Encryption`: sealing to a
/// certificate nobody checked, or one checked for signing, cannot be written.
#[derive(Clone)]
pub struct Recipient {
    thumbprint: Sha256Thumbprint,
    public_key: PublicKey,
}

impl fmt::Debug for Recipient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("thumbprint", &self.thumbprint)
            .field("key", &self.public_key.kind())
            .finish()
    }
}

impl Recipient {
    /// The recipient of a path that kavach-pki validated for [`Purpose::Encryption`].
    ///
    /// Refuses a path validated for any other purpose ([`Error::WrongPurpose`]: a signing
    /// certificate's key must never receive content keys), and a certificate whose keyUsage
    /// does not name the operation its key will do: keyEncipherment for an RSA key (RSA-OAEP
    /// key transport), keyAgreement for an EC key (ECDH-ES) — [`Error::RecipientKeyUsage`].
    pub fn from_verified(path: &VerifiedPath) -> Result<Self> {
        if path.purpose() != Purpose::Encryption {
            return Err(Error::WrongPurpose {
                purpose: path.purpose(),
            });
        }
        let cert = path.end_entity();
        let key = cert.public_key().map_err(Error::RecipientCertificate)?;
        let ku = cert.key_usage();
        let (allowed, needed) = match key.kind() {
            KeyKind::Rsa { .. } => (ku.is_some_and(|k| k.key_encipherment()), "keyEncipherment"),
            _ => (ku.is_some_and(|k| k.key_agreement()), "keyAgreement"),
        };
        if !allowed {
            return Err(Error::RecipientKeyUsage {
                key: key.kind(),
                needed,
            });
        }
        Ok(Self::from_certificate_unchecked(cert.der(), key.clone()))
    }

    /// A recipient from a certificate's DER and its public key, **without any validation**.
    /// Crate-private: used by [`Recipient::from_verified`], by this crate's unit tests and by
    /// the seed writer's hook (`internal::recipient_unchecked`, feature `internal`).
    pub(crate) fn from_certificate_unchecked(certificate_der: &[u8], public_key: PublicKey) -> Self {
        Self {
            thumbprint: Sha256Thumbprint::of_der(certificate_der),
            public_key,
        }
    }

    /// SHA-256 thumbprint of the recipient certificate's DER: what MOSIP envelopes carry and
    /// what JWE `kid` encodes (base64url).
    pub fn thumbprint(&self) -> &Sha256Thumbprint {
        &self.thumbprint
    }

    /// The recipient certificate's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// The recipient key kind.
    pub fn key_kind(&self) -> KeyKind {
        self.public_key.kind()
    }
}

/// Length in bytes of an RSA-OAEP ciphertext for `key` (the modulus length), or `None` for a
/// key that cannot do RSA-OAEP.
pub(crate) fn rsa_ciphertext_len(key: &PublicKey) -> Option<usize> {
    match key.kind() {
        KeyKind::Rsa { bits } if !key.is_rsa_pss_only() => Some(bits.div_ceil(8)),
        _ => None,
    }
}

/// An opened payload: zeroized on drop, not `Clone`, and its `Debug` prints only the length.
pub struct Plaintext(Zeroizing<Vec<u8>>);

impl Plaintext {
    pub(crate) fn new(bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(bytes)
    }

    /// The payload bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The payload, still zeroized on drop.
    pub fn into_zeroizing(self) -> Zeroizing<Vec<u8>> {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for an empty payload.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Plaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Plaintext([{} bytes redacted])", self.0.len())
    }
}

impl AsRef<[u8]> for Plaintext {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

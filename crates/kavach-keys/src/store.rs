//! Looking keys up by identifier and by the SHA-256 thumbprint of their certificate.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::traits::{Decrypter, Signer};

/// SHA-256 over the DER of a certificate: how MOSIP envelopes and JWE `kid`s name the
/// recipient certificate, and how a [`KeyStore`] finds the key that belongs to it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Thumbprint(pub [u8; 32]);

impl Sha256Thumbprint {
    /// Thumbprint of `der` (the exact DER bytes of a certificate).
    pub fn of_der(der: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(der).into())
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        crate::encoding::hex_lower(&self.0)
    }

    /// Base64url without padding (JWS `x5t#S256`, WIRE.md §2 `kid`).
    pub fn to_base64url(&self) -> String {
        use base64ct::Encoding;
        base64ct::Base64UrlUnpadded::encode_string(&self.0)
    }

    /// Compares with `other` in constant time.
    pub fn ct_eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0).into()
    }
}

impl core::fmt::Debug for Sha256Thumbprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Sha256Thumbprint({})", self.to_hex())
    }
}

impl core::fmt::Display for Sha256Thumbprint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A private key that can both sign and decrypt (each operation may still be refused with
/// [`Error::UnsupportedOperation`] when the key kind cannot do it). Implemented for every type
/// that is both a [`Signer`] and a [`Decrypter`].
pub trait KeyPair: Signer + Decrypter {}
impl<T: Signer + Decrypter + ?Sized> KeyPair for T {}

/// A shared handle to a key in a [`KeyStore`].
pub type KeyHandle = Arc<dyn KeyPair>;

/// Where private keys are found: by a local identifier, or by the SHA-256 thumbprint of the
/// certificate they belong to (so that after a key rotation, data sealed to the old
/// certificate still finds the old key).
pub trait KeyStore: Send + Sync {
    /// The key stored under `id`.
    fn by_id(&self, id: &str) -> Option<KeyHandle>;
    /// The key whose certificate has this thumbprint.
    fn by_certificate_thumbprint(&self, thumbprint: &Sha256Thumbprint) -> Option<KeyHandle>;
    /// Every key, in insertion order (for formats that name no recipient).
    fn all(&self) -> Vec<KeyHandle>;
}

struct Entry {
    id: String,
    thumbprint: Option<Sha256Thumbprint>,
    key: KeyHandle,
}

/// Most keys one [`MemoryKeyStore`] holds: lookups are linear, and a process holding more
/// than this many private keys is a configuration error rather than a use case.
pub const MAX_KEYS_IN_MEMORY_STORE: usize = 4096;

/// A [`KeyStore`] held in memory.
///
/// The caller vouches that `certificate_der` belongs to the key (kavach-pki checks this when it
/// builds stores from files).
#[derive(Default)]
pub struct MemoryKeyStore {
    entries: Vec<Entry>,
}

impl core::fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| (&e.id, e.thumbprint)))
            .finish()
    }
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key` under `id`, with the DER of its certificate when there is one.
    ///
    /// Fails when `id` or the certificate is already present, or when the store is full.
    pub fn insert(&mut self, id: impl Into<String>, key: KeyHandle, certificate_der: Option<&[u8]>) -> Result<()> {
        let id = id.into();
        let thumbprint = certificate_der.map(Sha256Thumbprint::of_der);
        if self.entries.len() >= MAX_KEYS_IN_MEMORY_STORE {
            return Err(Error::KeyStore("store is full"));
        }
        if self.entries.iter().any(|e| e.id == id) {
            return Err(Error::KeyStore("a key with this id is already stored"));
        }
        if thumbprint.is_some() && self.entries.iter().any(|e| e.thumbprint == thumbprint) {
            return Err(Error::KeyStore("a key for this certificate is already stored"));
        }
        self.entries.push(Entry { id, thumbprint, key });
        Ok(())
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl KeyStore for MemoryKeyStore {
    fn by_id(&self, id: &str) -> Option<KeyHandle> {
        self.entries.iter().find(|e| e.id == id).map(|e| Arc::clone(&e.key))
    }

    fn by_certificate_thumbprint(&self, thumbprint: &Sha256Thumbprint) -> Option<KeyHandle> {
        self.entries
            .iter()
            .find(|e| e.thumbprint.as_ref().is_some_and(|t| t.ct_eq(thumbprint)))
            .map(|e| Arc::clone(&e.key))
    }

    fn all(&self) -> Vec<KeyHandle> {
        self.entries.iter().map(|e| Arc::clone(&e.key)).collect()
    }
}

#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod algorithm;
pub mod encoding;
mod error;
pub mod file;
mod oaep;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
mod private;
mod public;
mod store;

pub use algorithm::{EcdsaEncoding, HashAlgorithm, KeyFamily, KeyKind, PssSaltLength, SignatureAlgorithm};
pub use error::{Error, Result};
pub use private::{MAX_KEY_FILE_LEN, PrivateKey, RSA_BITS_RANGE};
pub use public::PublicKey;
pub use store::{KeyHandle, KeyPair, KeyStore, MAX_KEYS_IN_MEMORY_STORE, MemoryKeyStore, Sha256Thumbprint};
pub use zeroize::Zeroizing;

/// A private key that signs: in this process ([`PrivateKey`]) or in a token.
pub trait Signer: Send + Sync {
    /// The one algorithm this signer signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key whose [`PublicKey::verify`] accepts this signer's signatures.
    fn public_key(&self) -> &PublicKey;
    /// Signs `message` (the signer hashes it) and returns the signature in the encoding that
    /// [`Signer::algorithm`] names.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// A private key that decrypts or agrees keys: in this process ([`PrivateKey`]) or in a token.
///
/// A key answers only the operation its kind supports; the others fail with
/// [`Error::UnsupportedOperation`]. Every failure of the operation itself is the opaque
/// [`Error::DecryptionFailed`].
pub trait Decrypter: Send + Sync {
    /// The public key matching this private key.
    fn public_key(&self) -> &PublicKey;
    /// RSAES-OAEP decryption with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1.2), with `label`
    /// when given (empty label otherwise).
    fn decrypt_rsa_oaep_sha256(&self, label: Option<&[u8]>, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>>;
    /// ECDH on P-256 with `peer`: the 32-byte x coordinate of the shared point (the `Z` of
    /// RFC 7518 §4.6, to be fed to a KDF, never used as a key directly).
    fn ecdh_p256(&self, peer: &PublicKey) -> Result<Zeroizing<[u8; 32]>>;
}

/// An ephemeral P-256 key agreement with `recipient` (the sender's half of ECDH-ES):
/// returns the ephemeral public key to send and the shared secret `Z`.
pub fn ecdh_p256_ephemeral(recipient: &PublicKey) -> Result<(PublicKey, Zeroizing<[u8; 32]>)> {
    let public::PublicKeyInner::P256(peer) = &recipient.inner else {
        return Err(Error::UnsupportedOperation {
            key: recipient.kind(),
            operation: "ECDH on P-256",
        });
    };
    use elliptic_curve::Generate;
    let secret = p256::ecdh::EphemeralSecret::try_generate().map_err(|_| Error::Rng)?;
    let ephemeral = PublicKey::from_inner(public::PublicKeyInner::P256(p256::ecdsa::VerifyingKey::from(
        secret.public_key(),
    )))?;
    let shared = secret.diffie_hellman(&p256::PublicKey::from(*peer));
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(shared.raw_secret_bytes());
    Ok((ephemeral, out))
}

//! The operations a private key answers, in this process or in a token: [`Signer`] and
//! [`Decrypter`] (re-exported at the crate root).

use zeroize::Zeroizing;

use crate::algorithm::SignatureAlgorithm;
use crate::error::Result;
use crate::public::PublicKey;

/// A private key that signs: in this process ([`PrivateKey`](crate::PrivateKey)) or in a token.
pub trait Signer: Send + Sync {
    /// The one algorithm this signer signs with.
    fn algorithm(&self) -> SignatureAlgorithm;
    /// The public key whose [`PublicKey::verify`] accepts this signer's signatures.
    fn public_key(&self) -> &PublicKey;
    /// Signs `message` (the signer hashes it) and returns the signature in the encoding that
    /// [`Signer::algorithm`] names.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// A private key that decrypts or agrees keys: in this process ([`PrivateKey`](crate::PrivateKey)) or in a token.
///
/// A key answers only the operation its kind supports; the others fail with
/// [`Error::UnsupportedOperation`](crate::Error::UnsupportedOperation). Every failure of the operation itself is the opaque
/// [`Error::DecryptionFailed`](crate::Error::DecryptionFailed).
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

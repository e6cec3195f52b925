//! The one error type of kavach-keys.

use std::path::PathBuf;

/// Everything that can go wrong in kavach-keys.
///
/// Parse errors say what was wrong with the input. Cryptographic failures
/// (a signature that does not verify, a ciphertext that does not decrypt) are
/// deliberately opaque: [`Error::BadSignature`] and [`Error::DecryptionFailed`]
/// carry no detail, so that they cannot serve as an oracle.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The key material could not be parsed.
    #[error("malformed {format} key: {reason}")]
    MalformedKey {
        /// Which encoding was being parsed (e.g. `PKCS#8`, `SubjectPublicKeyInfo`).
        format: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A PEM document with a label this crate does not read.
    #[error("unsupported PEM label {0:?}")]
    UnsupportedPemLabel(String),
    /// The key's algorithm or curve is not one kavach supports.
    #[error("unsupported key algorithm: {0}")]
    UnsupportedKeyAlgorithm(String),
    /// The RSA key size is outside the supported range.
    #[error("unsupported RSA key size: {bits} bits (supported: {min}..={max})")]
    UnsupportedRsaKeySize {
        /// Size of the modulus in bits.
        bits: usize,
        /// Smallest size accepted.
        min: usize,
        /// Largest size accepted.
        max: usize,
    },
    /// The signature algorithm cannot be used with this key (e.g. RS256 on an EC key).
    #[error("signature algorithm {algorithm:?} does not fit a {key} key")]
    AlgorithmKeyMismatch {
        /// The algorithm asked for.
        algorithm: crate::algorithm::SignatureAlgorithm,
        /// The kind of key at hand.
        key: crate::algorithm::KeyKind,
    },
    /// The key cannot perform this operation (e.g. OAEP decryption with an EC key).
    #[error("{key} key cannot perform {operation}")]
    UnsupportedOperation {
        /// The kind of key at hand.
        key: crate::algorithm::KeyKind,
        /// The operation asked for.
        operation: &'static str,
    },
    /// A signature did not verify. Opaque by design.
    #[error("signature verification failed")]
    BadSignature,
    /// A ciphertext did not decrypt (or a key agreement input was invalid). Opaque by design.
    #[error("decryption failed")]
    DecryptionFailed,
    /// Signing failed inside the key's backend.
    #[error("signing failed")]
    SigningFailed,
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Rng,
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(&'static str),
    /// A key store refused an insertion.
    #[error("key store: {0}")]
    KeyStore(&'static str),
    /// Reading or writing a key file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A PKCS#11 token reported an error.
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11: {context}: {source}")]
    Pkcs11 {
        /// What kavach was doing.
        context: &'static str,
        /// The token's error.
        #[source]
        source: cryptoki::error::Error,
    },
    /// A PKCS#11 object or token was not found.
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11: {0} not found")]
    Pkcs11NotFound(String),
    /// More than one PKCS#11 token or key matched where exactly one must.
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11: more than one {0} matches")]
    Pkcs11Ambiguous(String),
    /// The token refused the user PIN (or the PIN differs from the one this process logged in
    /// with).
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11 token {token:?}: incorrect user PIN")]
    Pkcs11PinIncorrect {
        /// Label of the token.
        token: String,
    },
    /// Key generation refused: a key with this label or id already exists on the token.
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11 token {token:?}: a key with {what} already exists")]
    Pkcs11KeyExists {
        /// Label of the token.
        token: String,
        /// The clashing label or id.
        what: String,
    },
    /// A self-test run when a key is opened gave a wrong result: the token (or the objects
    /// found on it) cannot be trusted for this operation.
    #[cfg(feature = "pkcs11")]
    #[error("PKCS#11 token {token:?}: self-test of {operation} gave a wrong result")]
    Pkcs11SelfTest {
        /// Label of the token.
        token: String,
        /// What was tested.
        operation: &'static str,
    },
}

/// Result alias of kavach-keys.
pub type Result<T, E = Error> = core::result::Result<T, E>;

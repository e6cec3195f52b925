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
    /// The input is larger than this crate reads for such an object (a `SubjectPublicKeyInfo`
    /// over 4096 bytes, RSA components longer than any accepted key's).
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was being read (`SubjectPublicKeyInfo`, `RSA modulus and exponent`).
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The largest length allowed, in bytes.
        max: usize,
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

impl Error {
    /// A stable code for this error (`KVC-KEY-…`), for logs and the CLI's output; it never
    /// changes for a given variant:
    ///
    /// | variant | code |
    /// |---|---|
    /// | [`Error::MalformedKey`] | `KVC-KEY-MALFORMED` |
    /// | [`Error::TooLarge`] | `KVC-KEY-TOO-LARGE` |
    /// | [`Error::UnsupportedPemLabel`] | `KVC-KEY-PEM-LABEL` |
    /// | [`Error::UnsupportedKeyAlgorithm`], [`Error::UnsupportedRsaKeySize`] | `KVC-KEY-UNSUPPORTED` |
    /// | [`Error::AlgorithmKeyMismatch`] | `KVC-KEY-ALG-MISMATCH` |
    /// | [`Error::UnsupportedOperation`] | `KVC-KEY-UNSUPPORTED-OPERATION` |
    /// | [`Error::BadSignature`] | `KVC-KEY-BAD-SIGNATURE` |
    /// | [`Error::DecryptionFailed`] | `KVC-KEY-DECRYPTION-FAILED` |
    /// | [`Error::SigningFailed`] | `KVC-KEY-SIGNING-FAILED` |
    /// | [`Error::Rng`] | `KVC-KEY-RNG` |
    /// | [`Error::KeyGeneration`] | `KVC-KEY-GENERATION` |
    /// | [`Error::KeyStore`] | `KVC-KEY-STORE` |
    /// | [`Error::Io`] | `KVC-KEY-IO` |
    /// | `Pkcs11` (feature `pkcs11`) | `KVC-KEY-PKCS11` |
    /// | `Pkcs11NotFound` | `KVC-KEY-PKCS11-NOT-FOUND` |
    /// | `Pkcs11Ambiguous` | `KVC-KEY-PKCS11-AMBIGUOUS` |
    /// | `Pkcs11PinIncorrect` | `KVC-KEY-PKCS11-PIN` |
    /// | `Pkcs11KeyExists` | `KVC-KEY-PKCS11-KEY-EXISTS` |
    /// | `Pkcs11SelfTest` | `KVC-KEY-PKCS11-SELF-TEST` |
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedKey { .. } => "KVC-KEY-MALFORMED",
            Self::TooLarge { .. } => "KVC-KEY-TOO-LARGE",
            Self::UnsupportedPemLabel(_) => "KVC-KEY-PEM-LABEL",
            Self::UnsupportedKeyAlgorithm(_) | Self::UnsupportedRsaKeySize { .. } => "KVC-KEY-UNSUPPORTED",
            Self::AlgorithmKeyMismatch { .. } => "KVC-KEY-ALG-MISMATCH",
            Self::UnsupportedOperation { .. } => "KVC-KEY-UNSUPPORTED-OPERATION",
            Self::BadSignature => "KVC-KEY-BAD-SIGNATURE",
            Self::DecryptionFailed => "KVC-KEY-DECRYPTION-FAILED",
            Self::SigningFailed => "KVC-KEY-SIGNING-FAILED",
            Self::Rng => "KVC-KEY-RNG",
            Self::KeyGeneration(_) => "KVC-KEY-GENERATION",
            Self::KeyStore(_) => "KVC-KEY-STORE",
            Self::Io { .. } => "KVC-KEY-IO",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11 { .. } => "KVC-KEY-PKCS11",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11NotFound(_) => "KVC-KEY-PKCS11-NOT-FOUND",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11Ambiguous(_) => "KVC-KEY-PKCS11-AMBIGUOUS",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11PinIncorrect { .. } => "KVC-KEY-PKCS11-PIN",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11KeyExists { .. } => "KVC-KEY-PKCS11-KEY-EXISTS",
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11SelfTest { .. } => "KVC-KEY-PKCS11-SELF-TEST",
        }
    }

    /// True when the input could not be read as a key kavach uses — the command line's exit
    /// status 2 (a malformed file) — rather than a key operation that failed or was refused.
    ///
    /// Exactly these variants: [`Error::MalformedKey`] (including broken PEM framing),
    /// [`Error::TooLarge`], [`Error::UnsupportedPemLabel`], [`Error::UnsupportedKeyAlgorithm`]
    /// and [`Error::UnsupportedRsaKeySize`] (a key of a kind kavach does not read is refused
    /// when it is parsed). Every other variant — a signature that does not verify, a ciphertext
    /// that does not decrypt, an algorithm that does not fit the key, a failure of the random
    /// number generator, of a file or of a PKCS#11 token — is not.
    pub fn is_malformed_input(&self) -> bool {
        match self {
            Self::MalformedKey { .. }
            | Self::TooLarge { .. }
            | Self::UnsupportedPemLabel(_)
            | Self::UnsupportedKeyAlgorithm(_)
            | Self::UnsupportedRsaKeySize { .. } => true,
            Self::AlgorithmKeyMismatch { .. }
            | Self::UnsupportedOperation { .. }
            | Self::BadSignature
            | Self::DecryptionFailed
            | Self::SigningFailed
            | Self::Rng
            | Self::KeyGeneration(_)
            | Self::KeyStore(_)
            | Self::Io { .. } => false,
            #[cfg(feature = "pkcs11")]
            Self::Pkcs11 { .. }
            | Self::Pkcs11NotFound(_)
            | Self::Pkcs11Ambiguous(_)
            | Self::Pkcs11PinIncorrect { .. }
            | Self::Pkcs11KeyExists { .. }
            | Self::Pkcs11SelfTest { .. } => false,
        }
    }
}

/// Result alias of kavach-keys.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_and_failed_operations_are_told_apart() {
        let malformed = Error::MalformedKey {
            format: "PKCS#8",
            reason: "not DER",
        };
        let too_large = Error::TooLarge {
            what: "SubjectPublicKeyInfo",
            len: 4097,
            max: 4096,
        };
        assert!(malformed.is_malformed_input());
        assert!(too_large.is_malformed_input());
        assert_eq!(malformed.code(), "KVC-KEY-MALFORMED");
        assert_eq!(too_large.code(), "KVC-KEY-TOO-LARGE");
        assert_eq!(
            too_large.to_string(),
            "SubjectPublicKeyInfo is 4097 bytes, more than the 4096 allowed"
        );
        for failure in [Error::BadSignature, Error::DecryptionFailed, Error::Rng] {
            assert!(!failure.is_malformed_input(), "{failure:?}");
        }
        assert_eq!(Error::BadSignature.code(), "KVC-KEY-BAD-SIGNATURE");
    }
}

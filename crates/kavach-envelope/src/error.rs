//! The one error type of kavach-envelope.

use kavach_keys::{KeyKind, Sha256Thumbprint};

use crate::format::Format;

/// How an envelope names the key it was sealed to, for [`Error::UnknownRecipient`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecipientRef {
    /// SHA-256 thumbprint of the recipient certificate.
    Thumbprint(Sha256Thumbprint),
    /// A JWE `kid` that is not a thumbprint (at most [`crate::jwe::MAX_KID_LEN`] bytes).
    KeyId(String),
}

impl core::fmt::Display for RecipientRef {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecipientRef::Thumbprint(t) => write!(f, "certificate thumbprint {t}"),
            RecipientRef::KeyId(k) => write!(f, "key id {k:?}"),
        }
    }
}

/// Everything that can go wrong in kavach-envelope.
///
/// Errors found while *parsing* an envelope say which field is wrong ([`Error::Malformed`],
/// [`Error::TooLarge`]). Every failure after parsing — a wrapped key that does not unwrap, a tag
/// that does not verify, a key of the wrong kind, a content key of the wrong length — is the one
/// opaque [`Error::OpenFailed`], so that no padding or tag oracle exists.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input is larger than the limit that applies to it.
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// Its length in bytes (or a lower bound of it, for streams and decompression).
        len: usize,
        /// The largest length allowed, in bytes.
        max: usize,
    },
    /// An envelope (or one of its fields) could not be parsed.
    #[error("malformed {format}: {field}: {reason}")]
    Malformed {
        /// The format being parsed.
        format: Format,
        /// The field that is wrong.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A JWE protected header names an algorithm kavach does not accept.
    #[error("JWE header {member} {value:?} is not allowed (allowed: {allowed})")]
    AlgorithmNotAllowed {
        /// `alg`, `enc` or `zip`.
        member: &'static str,
        /// The value found (at most 64 characters of it).
        value: String,
        /// The values accepted.
        allowed: &'static str,
    },
    /// A JWE protected header marks as critical (`crit`, RFC 7516 §4.1.13) an extension that
    /// kavach does not implement (it implements none), or `crit` itself is malformed.
    #[error("JWE header marks {name:?} critical, which kavach does not implement")]
    UnsupportedCritical {
        /// The first `crit` entry (at most 64 characters of it).
        name: String,
    },
    /// The envelope names a recipient for which the key store holds no key.
    #[error("no decryption key for {0}")]
    UnknownRecipient(RecipientRef),
    /// The envelope names no recipient and the key store holds no key of a kind that could open it.
    #[error("no decryption key of a kind that can open this {format}")]
    NoApplicableKey {
        /// The format being opened.
        format: Format,
    },
    /// The envelope could not be opened. Opaque by design: wrong key, tampered or truncated data,
    /// wrong AAD and every other failure after parsing all end here.
    #[error("envelope could not be opened")]
    OpenFailed,
    /// The caller gave AAD, but the envelope's layout binds none (so the AAD would be ignored).
    #[error("caller AAD was given, but a {layout} envelope does not bind caller AAD")]
    AadNotBound {
        /// The layout found (`VER_R2`, JWE compact, ...).
        layout: &'static str,
    },
    /// The recipient certificate was validated for another purpose than `encryption`.
    #[error("recipient certificate was validated for the {purpose} purpose, not encryption")]
    WrongPurpose {
        /// The purpose the path was validated for.
        purpose: kavach_pki::Purpose,
    },
    /// The recipient certificate's keyUsage does not allow the key operation its key kind needs
    /// (keyEncipherment for RSA key transport, keyAgreement for ECDH).
    #[error("recipient certificate ({key} key) lacks the {needed} key usage")]
    RecipientKeyUsage {
        /// The recipient key kind.
        key: KeyKind,
        /// The keyUsage bit needed.
        needed: &'static str,
    },
    /// The recipient certificate's public key could not be used.
    #[error("recipient certificate: {0}")]
    RecipientCertificate(#[source] kavach_pki::Error),
    /// The recipient's key cannot be used with this format (e.g. MOSIP `VER_R2` to an EC key).
    #[error("a {key} recipient key cannot be used with {format}")]
    UnsupportedRecipientKey {
        /// The recipient key kind.
        key: KeyKind,
        /// The format asked for.
        format: Format,
    },
    /// A stream was used after it failed, or written after it was finished.
    #[error("stream {0}")]
    StreamState(&'static str),
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Rng,
    /// A public-key operation on the sealing side failed (e.g. the recipient key refused OAEP).
    #[error("key operation failed: {0}")]
    Key(#[source] kavach_keys::Error),
    /// Reading or writing a stream failed.
    #[error("I/O error: {0}")]
    Io(#[source] std::io::Error),
}

impl Error {
    /// A stable code for this error, for logs and the CLI's `--json` output.
    pub fn code(&self) -> &'static str {
        match self {
            Error::TooLarge { .. } => "KVC-ENV-TOO-LARGE",
            Error::Malformed { .. } => "KVC-ENV-MALFORMED",
            Error::AlgorithmNotAllowed { .. } => "KVC-ENV-ALG",
            Error::UnsupportedCritical { .. } => "KVC-ENV-CRIT",
            Error::UnknownRecipient(_) => "KVC-ENV-UNKNOWN-RECIPIENT",
            Error::NoApplicableKey { .. } => "KVC-ENV-NO-KEY",
            Error::OpenFailed => "KVC-ENV-OPEN-FAILED",
            Error::AadNotBound { .. } => "KVC-ENV-AAD-NOT-BOUND",
            Error::WrongPurpose { .. } => "KVC-ENV-PURPOSE",
            Error::RecipientKeyUsage { .. } => "KVC-ENV-KEY-USAGE",
            Error::RecipientCertificate(_) => "KVC-ENV-RECIPIENT-CERT",
            Error::UnsupportedRecipientKey { .. } => "KVC-ENV-RECIPIENT-KEY",
            Error::StreamState(_) => "KVC-ENV-STREAM-STATE",
            Error::Rng => "KVC-ENV-RNG",
            Error::Key(_) => "KVC-ENV-KEY",
            Error::Io(_) => "KVC-ENV-IO",
        }
    }

    /// True when the input could not be parsed at all (as opposed to parsed and refused):
    /// [`Error::Malformed`] and [`Error::TooLarge`]. The CLI maps these to exit status 2 and
    /// everything else (refusals, [`Error::AlgorithmNotAllowed`] included) to exit status 1.
    pub fn is_malformed_input(&self) -> bool {
        matches!(self, Error::Malformed { .. } | Error::TooLarge { .. })
    }

    pub(crate) fn malformed(format: Format, field: &'static str, reason: &'static str) -> Self {
        Error::Malformed { format, field, reason }
    }
}

/// Result alias of kavach-envelope.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_parse_failures_are_malformed_input() {
        let malformed = Error::malformed(Format::Jwe, "header", "not JSON");
        let too_large = Error::TooLarge {
            what: "JWE",
            len: 11,
            max: 10,
        };
        assert!(malformed.is_malformed_input());
        assert!(too_large.is_malformed_input());
        assert_eq!(too_large.to_string(), "JWE is 11 bytes, more than the 10 allowed");
        for refusal in [
            Error::OpenFailed,
            Error::AlgorithmNotAllowed {
                member: "alg",
                value: "RSA1_5".into(),
                allowed: "RSA-OAEP-256",
            },
            Error::NoApplicableKey { format: Format::Mosip },
        ] {
            assert!(!refusal.is_malformed_input(), "{refusal:?}");
        }
    }
}

//! The one error type of kavach-jws.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::alg::accepted::JwsAlgorithm;

/// Which part of a JWS compact serialization an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The whole compact serialization (its segments and separators).
    Compact,
    /// The JWS Protected Header (its base64url text or its JSON).
    Header,
    /// The payload segment.
    Payload,
    /// The signature segment.
    Signature,
    /// A JSON Web Key.
    Jwk,
    /// A JWS JSON serialization (RFC 7515 §7.2) around the signatures.
    Json,
}

impl core::fmt::Display for Part {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Compact => "JWS compact serialization",
            Self::Header => "JWS protected header",
            Self::Payload => "JWS payload",
            Self::Signature => "JWS signature",
            Self::Jwk => "JWK",
            Self::Json => "JWS JSON serialization",
        })
    }
}

/// When a certificate chain was checked: at the signing time named by the JWS (`ts`) or at the
/// verification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChainCheckTime {
    /// At the signing time (`ts`).
    Signing,
    /// At the verification time ("now").
    Verification,
}

impl core::fmt::Display for ChainCheckTime {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Signing => "at the signing time",
            Self::Verification => "at the verification time",
        })
    }
}

/// Everything that can go wrong in kavach-jws.
///
/// Structural problems say what and where. A signature that does not verify is the one opaque
/// [`Error::BadSignature`], whatever the reason (wrong key, modified bytes, malformed signature
/// encoding such as a DER ECDSA signature where JWS requires `r || s`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not well-formed.
    #[error("malformed {part}: {reason}")]
    Malformed {
        /// Which part.
        part: Part,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An input exceeds a size limit of this crate.
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The largest length allowed, in bytes.
        max: usize,
    },
    /// The protected header names a member twice (RFC 7515 §4: such a header must be rejected).
    #[error("duplicate protected header member {name:?}")]
    DuplicateHeaderMember {
        /// The member name (truncated to 64 characters).
        name: String,
    },
    /// A protected header member has the wrong type or value.
    #[error("protected header member {name:?}: {reason}")]
    InvalidHeaderMember {
        /// The member name.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A required protected header member is absent.
    #[error("protected header member {name:?} is required")]
    MissingHeaderMember {
        /// The member name.
        name: &'static str,
    },
    /// `alg` is `none` (in any letter case): an unsecured JWS is never accepted.
    #[error("alg \"none\" (unsecured JWS) is refused")]
    AlgorithmNone,
    /// `alg` names an algorithm kavach does not accept (HS*, RS384, ... ): only RS256, PS256,
    /// ES256, ES384 and EdDSA are.
    #[error("algorithm {alg:?} is not accepted (accepted: RS256, PS256, ES256, ES384, EdDSA)")]
    UnsupportedAlgorithm {
        /// The `alg` value (truncated to 32 characters).
        alg: String,
    },
    /// A signer signs with a scheme that has no JWS algorithm kavach accepts (e.g. ECDSA with
    /// DER signatures, PSS with a salt other than 32 bytes).
    #[error("signature scheme {0:?} has no accepted JWS algorithm")]
    UnsupportedSignatureScheme(kavach_keys::SignatureAlgorithm),
    /// The JWS algorithm does not fit the key (e.g. RS256 named in the header of a JWS whose key
    /// is an EC key; ES256 with a P-384 key).
    #[error("algorithm {alg} does not fit a {key} key")]
    AlgorithmKeyMismatch {
        /// The algorithm named.
        alg: JwsAlgorithm,
        /// The kind of key at hand.
        key: kavach_keys::KeyKind,
    },
    /// The algorithm fits the key but the verifier does not allow it for this key.
    #[error("algorithm {alg} is not allowed for this key")]
    AlgorithmNotAllowed {
        /// The algorithm named in the header.
        alg: JwsAlgorithm,
    },
    /// A verifier was configured with an empty list of algorithms: it could accept nothing.
    #[error("no algorithm allowed for this key")]
    NoAlgorithmAllowed,
    /// A policy name other than `strict` or `compat-mosip`.
    #[error("unknown policy (expected \"strict\" or \"compat-mosip\")")]
    InvalidPolicy,
    /// A freshness window larger than the verifier accepts.
    #[error("window of {secs} s is larger than the maximum of {max_secs} s")]
    InvalidWindow {
        /// The window asked for, in seconds.
        secs: u64,
        /// The largest accepted.
        max_secs: u64,
    },
    /// `crit` names a member this implementation does not understand (RFC 7515 §4.1.11).
    #[error("critical header member {name:?} is not understood")]
    UnknownCritical {
        /// The member name (truncated to 64 characters).
        name: String,
    },
    /// `b64: false` without `b64` listed in `crit` (RFC 7797 §6).
    #[error("b64:false must be listed in crit (RFC 7797 §6)")]
    UnencodedPayloadNotCritical,
    /// An unencoded (`b64: false`) attached payload contains `.` (RFC 7797 §5.2), or is not
    /// valid in a compact serialization.
    #[error("an unencoded attached payload must not contain '.' (RFC 7797 §5.2)")]
    UnencodedPayloadContainsDot,
    /// A detached JWS was verified as attached, or an attached one as detached.
    #[error("expected a {expected} JWS")]
    WrongPayloadMode {
        /// `"detached"` or `"attached"`.
        expected: &'static str,
    },
    /// The signature does not verify. Opaque by design.
    #[error("signature verification failed")]
    BadSignature,
    /// The JWS carries no `x5c`, so no certificate can be validated.
    #[error("the JWS has no x5c certificate chain")]
    MissingCertificateChain,
    /// `x5t#S256`, `kid` or the caller's pin does not match `x5c[0]`.
    #[error("{what} does not match the signer certificate x5c[0]")]
    CertificateMismatch {
        /// `"x5t#S256"`, `"kid"` or `"pinned thumbprint"`.
        what: &'static str,
    },
    /// The certificate given for signing does not hold the signer's public key.
    #[error("the signer certificate does not hold the signing key's public key")]
    CertificateKeyMismatch,
    /// An `x5c` entry is not a certificate kavach can use.
    #[error("x5c[{index}]: {source}")]
    Certificate {
        /// Position in `x5c`.
        index: usize,
        /// Why it was refused.
        #[source]
        source: kavach_pki::Error,
    },
    /// The signer's certificate chain did not validate.
    #[error("signer certificate chain refused {when}: {source}")]
    Chain {
        /// At which time the check failed.
        when: ChainCheckTime,
        /// Why.
        #[source]
        source: kavach_pki::Error,
    },
    /// The policy requires `ts` and the JWS has none.
    #[error("the JWS has no \"ts\" signing time (required by the strict policy)")]
    MissingTimestamp,
    /// The policy requires `jti` and the JWS has none.
    #[error("the JWS has no \"jti\" (required by the strict policy)")]
    MissingJti,
    /// `ts` lies outside the accepted window around the verification time.
    #[error(
        "signing time {} is outside ±{window_secs} s of {}",
        rfc3339_millis(.signed_at),
        rfc3339_millis(.now)
    )]
    TimestampOutsideWindow {
        /// The signing time the JWS claims.
        signed_at: SystemTime,
        /// The verification time.
        now: SystemTime,
        /// The window, in seconds either side.
        window_secs: u64,
    },
    /// The `jti` was already seen inside the window: a replay.
    #[error("jti already seen inside the window (replay)")]
    Replay,
    /// The replay cache is full of unexpired entries (all signers together); the JWS is refused
    /// rather than risk forgetting one.
    #[error("replay cache full ({capacity} unexpired entries)")]
    ReplayCacheFull {
        /// The cache's capacity.
        capacity: usize,
    },
    /// The signer already holds its whole share of the replay cache in unexpired entries; its
    /// JWS is refused rather than risk forgetting one, while other signers are still accepted.
    #[error("replay cache share of signer {signer} full ({share} unexpired entries)")]
    ReplaySignerShareFull {
        /// The SHA-256 thumbprint of the signer certificate.
        signer: kavach_keys::Sha256Thumbprint,
        /// The most entries one signer may hold.
        share: usize,
    },
    /// A JWK cannot be used to verify signatures: `use` is not `sig`, or `key_ops` lacks `verify`.
    #[error("JWK is not a signature verification key: {reason}")]
    JwkNotForVerification {
        /// Which member says so.
        reason: &'static str,
    },
    /// A key operation failed (signing in an HSM, key parsing).
    #[error(transparent)]
    Key(#[from] kavach_keys::Error),
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Rng,
}

impl Error {
    /// A stable code for this error, for logs and the command line (e.g. `KVC-JWS-SIG`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "KVC-JWS-MALFORMED",
            Self::TooLarge { .. } => "KVC-JWS-TOO-LARGE",
            Self::DuplicateHeaderMember { .. } => "KVC-JWS-DUPLICATE-MEMBER",
            Self::InvalidHeaderMember { .. } => "KVC-JWS-HEADER",
            Self::MissingHeaderMember { .. } => "KVC-JWS-HEADER-MISSING",
            Self::AlgorithmNone => "KVC-JWS-ALG-NONE",
            Self::UnsupportedAlgorithm { .. } | Self::UnsupportedSignatureScheme(_) => "KVC-JWS-ALG-UNSUPPORTED",
            Self::AlgorithmKeyMismatch { .. } | Self::AlgorithmNotAllowed { .. } | Self::NoAlgorithmAllowed => {
                "KVC-JWS-ALG-KEY"
            }
            Self::InvalidPolicy | Self::InvalidWindow { .. } => "KVC-JWS-CONFIG",
            Self::UnknownCritical { .. } => "KVC-JWS-CRIT",
            Self::UnencodedPayloadNotCritical => "KVC-JWS-B64-CRIT",
            Self::UnencodedPayloadContainsDot => "KVC-JWS-B64-DOT",
            Self::WrongPayloadMode { .. } => "KVC-JWS-PAYLOAD-MODE",
            Self::BadSignature => "KVC-SIG-001",
            Self::MissingCertificateChain => "KVC-JWS-NO-X5C",
            Self::CertificateMismatch { .. } => "KVC-JWS-CERT-MISMATCH",
            Self::CertificateKeyMismatch => "KVC-JWS-CERT-KEY",
            Self::Certificate { .. } => "KVC-JWS-X5C",
            Self::Chain { source, .. } => source.code(),
            Self::MissingTimestamp => "KVC-JWS-NO-TS",
            Self::MissingJti => "KVC-JWS-NO-JTI",
            Self::TimestampOutsideWindow { .. } => "KVC-JWS-TS-WINDOW",
            Self::Replay => "KVC-REPLAY-001",
            Self::ReplayCacheFull { .. } => "KVC-JWS-REPLAY-FULL",
            Self::ReplaySignerShareFull { .. } => "KVC-JWS-REPLAY-SIGNER",
            Self::JwkNotForVerification { .. } => "KVC-JWS-JWK-USE",
            Self::Key(kavach_keys::Error::BadSignature) => "KVC-SIG-001",
            Self::Key(_) => "KVC-JWS-KEY",
            Self::Rng => "KVC-JWS-RNG",
        }
    }

    /// True when the input cannot be used as given — the command line's exit status 2 — rather
    /// than refused by a check (signature, policy, certificate, freshness, replay: exit 1).
    ///
    /// Exactly these variants: [`Error::Malformed`] and [`Error::TooLarge`] (input that does
    /// not parse or is over a size limit), [`Error::Key`] (a key that cannot be parsed or used),
    /// [`Error::CertificateKeyMismatch`] (a signer certificate that does not hold the signing
    /// key), [`Error::NoAlgorithmAllowed`], [`Error::InvalidPolicy`] and
    /// [`Error::InvalidWindow`] (a verifier configured with values it cannot use), and
    /// [`Error::Rng`] (a local failure, not a verdict on the input). Every other variant is a
    /// refusal.
    pub fn is_malformed_input(&self) -> bool {
        match self {
            Self::Malformed { .. }
            | Self::TooLarge { .. }
            | Self::Key(_)
            | Self::Rng
            | Self::CertificateKeyMismatch
            | Self::NoAlgorithmAllowed
            | Self::InvalidPolicy
            | Self::InvalidWindow { .. } => true,
            Self::DuplicateHeaderMember { .. }
            | Self::InvalidHeaderMember { .. }
            | Self::MissingHeaderMember { .. }
            | Self::AlgorithmNone
            | Self::UnsupportedAlgorithm { .. }
            | Self::UnsupportedSignatureScheme(_)
            | Self::AlgorithmKeyMismatch { .. }
            | Self::AlgorithmNotAllowed { .. }
            | Self::UnknownCritical { .. }
            | Self::UnencodedPayloadNotCritical
            | Self::UnencodedPayloadContainsDot
            | Self::WrongPayloadMode { .. }
            | Self::BadSignature
            | Self::MissingCertificateChain
            | Self::CertificateMismatch { .. }
            | Self::Certificate { .. }
            | Self::Chain { .. }
            | Self::MissingTimestamp
            | Self::MissingJti
            | Self::TimestampOutsideWindow { .. }
            | Self::Replay
            | Self::ReplayCacheFull { .. }
            | Self::ReplaySignerShareFull { .. }
            | Self::JwkNotForVerification { .. } => false,
        }
    }

    pub(crate) fn malformed(part: Part, reason: &'static str) -> Self {
        Self::Malformed { part, reason }
    }
}

/// Truncates an attacker-controlled string before it goes into an error.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// Result alias of kavach-jws.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// `t` as RFC 3339 UTC with milliseconds, as kavach writes `ts` (`2026-11-23T19:00:00.123Z`,
/// truncated); a time before 1970 in whole seconds (kavach-pki's [`kavach_pki::rfc3339`]).
fn rfc3339_millis(t: &SystemTime) -> String {
    let seconds = kavach_pki::rfc3339(*t);
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => format!("{}.{:03}Z", seconds.trim_end_matches('Z'), d.subsec_millis()),
        Err(_) => seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_input_and_refusals_are_told_apart() {
        let malformed = Error::malformed(Part::Header, "not base64url");
        let too_large = Error::TooLarge {
            what: "JWS",
            len: 11,
            max: 10,
        };
        assert!(malformed.is_malformed_input());
        assert!(too_large.is_malformed_input());
        assert_eq!(too_large.to_string(), "JWS is 11 bytes, more than the 10 allowed");
        for refusal in [
            Error::BadSignature,
            Error::AlgorithmNone,
            Error::Replay,
            Error::MissingJti,
        ] {
            assert!(!refusal.is_malformed_input(), "{refusal:?}");
        }
    }

    #[test]
    fn a_timestamp_outside_the_window_names_both_times_in_rfc3339() {
        use std::time::Duration;
        let e = Error::TimestampOutsideWindow {
            signed_at: UNIX_EPOCH + Duration::from_millis(1_795_460_400_123),
            now: UNIX_EPOCH - Duration::from_secs(1),
            window_secs: 300,
        };
        assert_eq!(
            e.to_string(),
            "signing time 2026-11-23T19:00:00.123Z is outside ±300 s of 1969-12-31T23:59:59Z"
        );
    }
}

//! Why a platform API call (WIRE.md §5, §5b) or a relayed platform certificate (rule 26) was
//! refused.

use crate::error::MessageError;

/// A refusal by the platform APIs.
///
/// Every failure of a signature, a certificate chain, a freshness window, a replay check or an
/// audience is the one opaque [`PlatformApiError::Refused`]: an attacker learns nothing about
/// which check failed. No variant carries a value taken from the input; fields and members are
/// named by their schema names only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformApiError {
    /// The body, a string or a list is larger than its cap.
    #[error("{what} is larger than the {max} allowed")]
    TooLarge {
        /// What was too large (schema name).
        what: &'static str,
        /// The cap (bytes or elements).
        max: usize,
    },
    /// The body is not the JSON the API defines (syntax, duplicate members, a missing or
    /// unknown member, a wrong type, a value outside its grammar).
    #[error("member {field:?} is malformed: {rule}")]
    Malformed {
        /// The member (schema name).
        field: &'static str,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A signature, certificate chain, freshness window, replay check or audience did not
    /// verify. Deliberately without detail.
    #[error("refused")]
    Refused,
    /// A verified answer does not match the request it answers (`env`, `domainUri`, `req`,
    /// `digitalId`, `deviceCode`, `status`, `timestamp`).
    #[error("the verified answer does not match the request in {member:?}")]
    Mismatch {
        /// The member that differs (schema name).
        member: &'static str,
    },
    /// The platform holds no encryption certificate for the requested `domainUri`.
    #[error("no encryption certificate is configured for this domainUri")]
    UnknownDomain,
    /// The device holds no platform entry for the relayed `env` and `domainUri` (rule 26).
    #[error("no platform entry for this env and domainUri")]
    UnknownPlatform,
    /// None of the relayed certificates is valid for encryption under the platform entry.
    #[error("no valid platform encryption certificate")]
    NoValidCertificate,
    /// A deregistration names a `deviceCode` the platform does not hold (for this provider).
    #[error("unknown deviceCode")]
    UnknownDevice,
    /// A bounded table is full.
    #[error("{what} is full")]
    Full {
        /// Which table.
        what: &'static str,
    },
    /// A configuration value given by the caller is unusable.
    #[error("configuration refused: {what}")]
    Configuration {
        /// What is wrong.
        what: &'static str,
    },
    /// Signing the answer, or drawing random bytes, failed on this side.
    #[error("internal failure: {what}")]
    Internal {
        /// What failed.
        what: &'static str,
    },
}

impl PlatformApiError {
    /// A stable code for logs (`KVC-PLAT-*`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "KVC-PLAT-TOO-LARGE",
            Self::Malformed { .. } => "KVC-PLAT-MALFORMED",
            Self::Refused => "KVC-PLAT-REFUSED",
            Self::Mismatch { .. } => "KVC-PLAT-MISMATCH",
            Self::UnknownDomain => "KVC-PLAT-UNKNOWN-DOMAIN",
            Self::UnknownPlatform => "KVC-PLAT-UNKNOWN-PLATFORM",
            Self::NoValidCertificate => "KVC-PLAT-NO-CERTIFICATE",
            Self::UnknownDevice => "KVC-PLAT-UNKNOWN-DEVICE",
            Self::Full { .. } => "KVC-PLAT-FULL",
            Self::Configuration { .. } => "KVC-PLAT-CONFIG",
            Self::Internal { .. } => "KVC-PLAT-INTERNAL",
        }
    }

    /// True for input that does not match its schema ([`PlatformApiError::TooLarge`],
    /// [`PlatformApiError::Malformed`]).
    pub fn is_malformed_input(&self) -> bool {
        matches!(self, Self::TooLarge { .. } | Self::Malformed { .. })
    }
}

impl From<MessageError> for PlatformApiError {
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::TooLarge { what, max, .. } => Self::TooLarge { what, max },
            MessageError::TooMany { what, max, .. } => Self::TooLarge { what, max },
            MessageError::Json(json) => Self::Malformed {
                field: "JSON",
                rule: json.reason(),
            },
            MessageError::Missing { field } => Self::Malformed {
                field,
                rule: "required",
            },
            MessageError::UnknownMember { within } => Self::Malformed {
                field: within,
                rule: "has a member the schema does not define",
            },
            MessageError::WrongType { field, expected } => Self::Malformed { field, rule: expected },
            MessageError::Grammar { field, rule } => Self::Malformed { field, rule },
            _ => Self::Malformed {
                field: "body",
                rule: "not a platform API body",
            },
        }
    }
}

/// Result of the platform APIs.
pub type Result<T, E = PlatformApiError> = core::result::Result<T, E>;

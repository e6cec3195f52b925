//! Purposes: what an end-entity certificate is being validated for.
//!
//! The rules are exactly the purpose table of `shared/design/CLI.md`; path validation applies
//! them to the end entity (`verify::purpose`), on top of the path's RFC 5280 checks. Parsing a
//! purpose name ([`core::str::FromStr`]) lives beside [`crate::Error::UnknownPurpose`], so that
//! this module, which the error type names, depends on nothing else in the crate.

use core::fmt;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};

/// anyExtendedKeyUsage (RFC 5280 §4.2.1.12).
pub(crate) const ANY_EXTENDED_KEY_USAGE: ObjectIdentifier = const_oid::db::rfc5280::ANY_EXTENDED_KEY_USAGE;

/// What an end-entity certificate is validated for (the `--purpose` of `kavach cert verify`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// `tls-server`: a TLS server certificate.
    TlsServer,
    /// `tls-client`: a TLS client certificate.
    TlsClient,
    /// `encryption`: a certificate whose key data is encrypted (or agreed) to; never a
    /// signing-only certificate.
    Encryption,
    /// `signing`: a certificate whose key signs requests and documents.
    Signing,
    /// `device`: a biometric device's certificate.
    Device,
    /// `ftm`: a device's FTM (secure chip) certificate.
    Ftm,
    /// `code-signing`: a release-signing certificate.
    CodeSigning,
    /// `ca`: a CA certificate.
    Ca,
    /// `any`: only the path's RFC 5280 checks.
    Any,
}

impl Purpose {
    /// Every purpose, in the order of CLI.md's table.
    pub const ALL: [Purpose; 9] = [
        Self::TlsServer,
        Self::TlsClient,
        Self::Encryption,
        Self::Signing,
        Self::Device,
        Self::Ftm,
        Self::CodeSigning,
        Self::Ca,
        Self::Any,
    ];

    /// The CLI name (`tls-server`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TlsServer => "tls-server",
            Self::TlsClient => "tls-client",
            Self::Encryption => "encryption",
            Self::Signing => "signing",
            Self::Device => "device",
            Self::Ftm => "ftm",
            Self::CodeSigning => "code-signing",
            Self::Ca => "ca",
            Self::Any => "any",
        }
    }

    /// The extendedKeyUsage this purpose asks for, if it asks for one.
    pub(crate) fn required_eku(self) -> Option<ObjectIdentifier> {
        match self {
            Self::TlsServer => Some(ID_KP_SERVER_AUTH),
            Self::TlsClient | Self::Device => Some(ID_KP_CLIENT_AUTH),
            Self::CodeSigning => Some(ID_KP_CODE_SIGNING),
            _ => None,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::error::Error;

    #[test]
    fn purpose_names_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(p.as_str().parse::<Purpose>().unwrap(), p);
            assert_eq!(p.to_string(), p.as_str());
        }
        assert!(matches!("tls".parse::<Purpose>(), Err(Error::UnknownPurpose(_))));
        assert!(matches!("".parse::<Purpose>(), Err(Error::UnknownPurpose(_))));
    }
}

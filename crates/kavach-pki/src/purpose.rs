//! Purposes: what an end-entity certificate is being validated for.
//!
//! The rules are exactly the purpose table of `shared/design/CLI.md`; they are applied to the
//! end entity in [`check_end_entity`], on top of the path's RFC 5280 checks.

use core::{fmt, str::FromStr};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use x509_cert::ext::pkix::KeyUsages;

use crate::cert::Certificate;
use crate::error::{Error, Result};

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

impl FromStr for Purpose {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::UnknownPurpose(s.chars().take(64).collect()))
    }
}

/// Applies CLI.md's purpose table to the end entity `cert`.
pub(crate) fn check_end_entity(cert: &Certificate, purpose: Purpose) -> Result<()> {
    let fail = |reason: &'static str| Error::PurposeMismatch {
        subject: cert.subject(),
        purpose,
        reason,
    };
    let ku = cert.key_usage().map(|k| k.0);
    let has = |u: KeyUsages| ku.is_some_and(|k| k.contains(u));
    let eku = cert.extended_key_usage();
    // "absent, or contains X": an EKU extension without X refuses. anyExtendedKeyUsage is not
    // X (CA/Browser Forum BR §7.1.2.7.10 forbids it in subscriber certificates, and
    // x509-limbo's webpki::eku cases expect it refused), so it does not satisfy.
    let eku_allows = |oid: ObjectIdentifier| eku.is_none_or(|list| list.contains(&oid));
    match purpose {
        Purpose::TlsServer => {
            if ku.is_some()
                && !(has(KeyUsages::DigitalSignature)
                    || has(KeyUsages::KeyEncipherment)
                    || has(KeyUsages::KeyAgreement))
            {
                return Err(fail(
                    "keyUsage has none of digitalSignature, keyEncipherment, keyAgreement",
                ));
            }
            if !eku_allows(ID_KP_SERVER_AUTH) {
                return Err(fail("extendedKeyUsage lacks serverAuth"));
            }
        }
        Purpose::TlsClient => {
            if ku.is_some() && !(has(KeyUsages::DigitalSignature) || has(KeyUsages::KeyAgreement)) {
                return Err(fail("keyUsage has neither digitalSignature nor keyAgreement"));
            }
            if !eku_allows(ID_KP_CLIENT_AUTH) {
                return Err(fail("extendedKeyUsage lacks clientAuth"));
            }
        }
        Purpose::Encryption => {
            if !(has(KeyUsages::KeyEncipherment) || has(KeyUsages::KeyAgreement) || has(KeyUsages::DataEncipherment)) {
                return Err(fail(
                    "keyUsage must be present with keyEncipherment, keyAgreement or dataEncipherment",
                ));
            }
        }
        Purpose::Signing => {
            if !has(KeyUsages::DigitalSignature) {
                return Err(fail("keyUsage must be present with digitalSignature"));
            }
        }
        Purpose::Device => {
            if !has(KeyUsages::DigitalSignature) {
                return Err(fail("keyUsage must be present with digitalSignature"));
            }
            if !eku_allows(ID_KP_CLIENT_AUTH) {
                return Err(fail("extendedKeyUsage lacks clientAuth"));
            }
        }
        Purpose::Ftm => {
            if !has(KeyUsages::DigitalSignature) {
                return Err(fail("keyUsage must be present with digitalSignature"));
            }
        }
        Purpose::CodeSigning => {
            if ku.is_some() && !has(KeyUsages::DigitalSignature) {
                return Err(fail("keyUsage lacks digitalSignature"));
            }
            if !eku.is_some_and(|list| list.contains(&ID_KP_CODE_SIGNING)) {
                return Err(fail("extendedKeyUsage must contain codeSigning"));
            }
        }
        Purpose::Ca => {
            if !cert.is_ca() {
                return Err(fail("basicConstraints cA must be true"));
            }
            if !has(KeyUsages::KeyCertSign) {
                return Err(fail("keyUsage must be present with keyCertSign"));
            }
        }
        Purpose::Any => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

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

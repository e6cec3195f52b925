//! CLI.md's purpose table applied to the end entity, on top of the path's RFC 5280 checks.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use x509_cert::ext::pkix::KeyUsages;

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::purpose::Purpose;

/// Applies CLI.md's purpose table to the end entity `cert`.
pub(crate) fn check_end_entity(cert: &Certificate, purpose: Purpose) -> Result<()> {
    let fail = |reason: &'static str| Error::PurposeMismatch {
        subject: cert.subject().to_string(),
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

//! Issuance: self-signed roots, intermediates, end-entity certificates per [`Purpose`],
//! certificates from a PKCS#10 request, and CRLs — signed by any [`kavach_keys::Signer`], so a
//! CA key may live in this process or in a PKCS#11 token.
//!
//! The functions at this level cover the common cases in one call:
//!
//! | function | makes |
//! |---|---|
//! | [`issue_root`] | a self-signed root CA (basicConstraints CA critical, optional pathLen; keyUsage keyCertSign, cRLSign critical) |
//! | [`issue_intermediate`] | an intermediate CA under an [`Issuer`] |
//! | [`issue_end_entity`] | an end-entity certificate for one [`Purpose`], keyUsage and extendedKeyUsage as in the table below |
//! | [`issue_from_csr`] | the same, for the key of a [`CertificateRequest`] whose proof of possession verified |
//! | [`create_csr`] | a PKCS#10 request signed by a [`Signer`] |
//! | [`create_csr_with_challenge_password`] | the same, bound to one enrollment by a challengePassword |
//! | [`issue_crl`] | a v2 CRL with a CRL number and authorityKeyIdentifier |
//!
//! End-entity profiles (CLI.md's purpose table, issued as narrowly as the purpose allows):
//!
//! | purpose | keyUsage (critical) | extendedKeyUsage |
//! |---|---|---|
//! | `tls-server` | digitalSignature, plus keyEncipherment for RSA keys | serverAuth |
//! | `tls-client` | digitalSignature | clientAuth |
//! | `encryption` | keyEncipherment (RSA) or keyAgreement (EC) only | — |
//! | `signing` | digitalSignature only | — |
//! | `device` | digitalSignature | clientAuth |
//! | `ftm` | digitalSignature | — |
//! | `code-signing` | digitalSignature | codeSigning |
//!
//! Every certificate is X.509 v3 with a random positive 20-byte serial number (RFC 5280
//! §4.1.2.2: positive, at most 20 octets; CA/Browser Forum BR §7.1: at least 64 random bits),
//! a subjectKeyIdentifier (RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits), an
//! authorityKeyIdentifier naming the issuer's key identifier (absent on self-signed roots, as
//! §4.2.1.1 allows), and a signature that is verified with the signer's public key before the
//! certificate is returned (a faulty token cannot hand out a certificate that never verifies).
//! [`CertificateProfile`] is the builder underneath, for any other combination.
//!
//! What a caller must still do: keep serial numbers unique per issuer if it replaces the
//! random ones (it cannot here), and publish CRLs before their `nextUpdate` passes.

pub(crate) mod crl;
mod csr;
mod input;
mod profile;
pub(crate) mod sign;

use kavach_keys::{PublicKey, Signer};

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::purpose::Purpose;

pub use self::crl::{RevokedEntry, issue_crl};
pub use self::csr::{CertificateRequest, MAX_CHALLENGE_PASSWORD_LEN, create_csr, create_csr_with_challenge_password};
pub use self::input::{BACKDATE, DistinguishedName, Issuer, SubjectAltName, Validity};
pub use self::profile::{CertificateProfile, Criticality};
pub use crate::limits::{
    MAX_CRL_DISTRIBUTION_POINTS, MAX_CRL_ENTRIES, MAX_CSR_LEN, MAX_DISTINGUISHED_NAME_LEN, MAX_SUBJECT_ALT_NAMES,
};
pub use x509_cert::ext::pkix::crl::CrlReason;

/// Issues a self-signed root CA certificate for `signer`'s key: basicConstraints cA=true
/// (critical) with `path_len` as pathLenConstraint, keyUsage keyCertSign + cRLSign (critical),
/// subjectKeyIdentifier.
pub fn issue_root(
    signer: &dyn Signer,
    subject: &DistinguishedName,
    validity: Validity,
    path_len: Option<u8>,
) -> Result<Certificate> {
    CertificateProfile::new(subject.clone(), signer.public_key(), validity)
        .with_ca(path_len)
        .self_sign(signer)
}

/// Issues an intermediate CA certificate for `subject_key` under `issuer`, with the same
/// extensions as [`issue_root`] plus an authorityKeyIdentifier. Refused when the issuer's own
/// pathLenConstraint is 0 (it may sign no further CA).
pub fn issue_intermediate(
    issuer: &Issuer<'_>,
    subject_key: &PublicKey,
    subject: &DistinguishedName,
    validity: Validity,
    path_len: Option<u8>,
) -> Result<Certificate> {
    if let Some((_, Some(0))) = issuer.certificate.basic_constraints() {
        return Err(Error::IssuerCannotIssue {
            subject: issuer.certificate.subject().to_string(),
            reason: "its pathLenConstraint is 0, so it may not issue a CA certificate",
        });
    }
    CertificateProfile::new(subject.clone(), subject_key, validity)
        .with_ca(path_len)
        .issue(issuer)
}

/// Issues an end-entity certificate for `subject_key` and `purpose` under `issuer` (the
/// module's table gives keyUsage and extendedKeyUsage), with basicConstraints cA=false
/// (critical) and `sans` as subjectAltName.
///
/// Refused: [`Purpose::Ca`] and [`Purpose::Any`] (use [`issue_intermediate`], or
/// [`CertificateProfile`] for a certificate with no usage restriction), `encryption` for an
/// Ed25519 key (it can neither encrypt nor agree keys), and `tls-server` without any SAN (a
/// TLS client checks the server name against subjectAltName only, RFC 6125 §6.4.4).
pub fn issue_end_entity(
    issuer: &Issuer<'_>,
    subject_key: &PublicKey,
    subject: &DistinguishedName,
    validity: Validity,
    purpose: Purpose,
    sans: &[SubjectAltName],
) -> Result<Certificate> {
    check_sans_for(purpose, sans)?;
    CertificateProfile::new(subject.clone(), subject_key, validity)
        .with_end_entity(purpose)?
        .with_subject_alt_names(sans)?
        .issue(issuer)
}

/// A TLS server is named through subjectAltName only (RFC 6125 §6.4.4; CLI.md `--name`), so a
/// `tls-server` certificate without one could never be used.
fn check_sans_for(purpose: Purpose, sans: &[SubjectAltName]) -> Result<()> {
    if purpose == Purpose::TlsServer && sans.is_empty() {
        return Err(Error::InvalidIssuanceInput {
            what: "subjectAltName",
            reason: "a tls-server certificate needs at least one DNS name or IP address",
        });
    }
    Ok(())
}

/// Issues an end-entity certificate for the key of `request` after verifying its proof of
/// possession (the request's signature with its own key; [`Error::BadProofOfPossession`]
/// otherwise). The subject is the request's subject; the subjectAltNames are `sans`, chosen
/// by the CA — names the request asks for are not copied, since a CA vouches only for names it
/// has checked. Same refusals as [`issue_end_entity`].
pub fn issue_from_csr(
    issuer: &Issuer<'_>,
    request: &CertificateRequest,
    validity: Validity,
    purpose: Purpose,
    sans: &[SubjectAltName],
) -> Result<Certificate> {
    let key = request.verify_proof_of_possession()?;
    check_sans_for(purpose, sans)?;
    if request.subject_is_empty() {
        return Err(Error::InvalidIssuanceInput {
            what: "certificate request",
            reason: "empty subject",
        });
    }
    CertificateProfile::new(request.subject_name(), &key, validity)
        .with_end_entity(purpose)?
        .with_subject_alt_names(sans)?
        .issue(issuer)
}

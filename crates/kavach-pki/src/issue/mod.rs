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
mod profile;
mod sign;

use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use kavach_keys::{PublicKey, Signer};

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::limits::{MAX_DNS_LABEL_LEN, MAX_DNS_NAME_LEN};
use crate::purpose::Purpose;

pub use self::crl::{RevokedEntry, issue_crl};
pub use self::csr::{CertificateRequest, create_csr};
pub use self::profile::CertificateProfile;
pub use crate::limits::{
    MAX_CRL_DISTRIBUTION_POINTS, MAX_CRL_ENTRIES, MAX_CSR_LEN, MAX_DISTINGUISHED_NAME_LEN, MAX_SUBJECT_ALT_NAMES,
};
pub use x509_cert::ext::pkix::crl::CrlReason;

/// A distinguished name for a certificate subject, parsed from an RFC 4514 string such as
/// `CN=Partner Encryption,O=Partner,C=IN` (most significant attribute last, as RFC 4514 writes
/// them). `C` is encoded as PrintableString, the others as UTF8String (RFC 5280 §4.1.2.6).
#[derive(Clone, PartialEq, Eq)]
pub struct DistinguishedName(x509_cert::name::Name);

impl DistinguishedName {
    /// Parses an RFC 4514 string. The name must not be empty (kavach issues no certificate
    /// whose identity lives only in subjectAltName).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidDistinguishedName {
            input: s.chars().take(128).collect(),
            reason,
        };
        if s.len() > MAX_DISTINGUISHED_NAME_LEN {
            return Err(bad("too long"));
        }
        if s.trim().is_empty() {
            return Err(bad("empty"));
        }
        let name =
            x509_cert::name::Name::from_str(s).map_err(|_| bad("not an RFC 4514 name with known attribute types"))?;
        if name.is_empty() {
            return Err(bad("empty"));
        }
        // Refuse empty attribute values (`CN=`): RFC 5280 §4.1.2.4 names compare by value,
        // and an empty one identifies nothing.
        if name.iter().any(|atv| atv.value.value().is_empty()) {
            return Err(bad("empty attribute value"));
        }
        Ok(Self(name))
    }

    /// The parsed name.
    pub fn as_name(&self) -> &x509_cert::name::Name {
        &self.0
    }

    /// A name already built (test fixtures re-encode attribute values).
    #[cfg(feature = "testing")]
    pub(crate) fn from_name(name: x509_cert::name::Name) -> Self {
        Self(name)
    }

    /// The subject name of `certificate`.
    pub fn of_subject(certificate: &Certificate) -> Self {
        Self(certificate.inner().tbs_certificate().subject().clone())
    }
}

impl FromStr for DistinguishedName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl core::fmt::Display for DistinguishedName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

impl core::fmt::Debug for DistinguishedName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "DistinguishedName({})", self.0)
    }
}

/// How long before "now" [`Validity::starting_now`] sets notBefore, so that a relying party
/// whose clock is a little behind the issuer's accepts a certificate issued a moment ago.
pub const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// The validity period of a certificate to be issued: notBefore and notAfter, inclusive
/// (RFC 5280 §4.1.2.5), at one-second resolution (sub-second parts are dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    not_before: SystemTime,
    not_after: SystemTime,
}

impl Validity {
    /// A period from `not_before` to `not_after`; fails unless `not_before < not_after` and
    /// both lie in 1970..=9999 (what X.509 `Time` can hold).
    pub fn new(not_before: SystemTime, not_after: SystemTime) -> Result<Self> {
        let bad = |reason| Error::InvalidIssuanceInput {
            what: "validity",
            reason,
        };
        if not_before >= not_after {
            return Err(bad("notBefore is not before notAfter"));
        }
        for t in [not_before, not_after] {
            der::DateTime::from_system_time(t).map_err(|_| bad("time outside 1970..=9999"))?;
        }
        Ok(Self { not_before, not_after })
    }

    /// From [`BACKDATE`] before now until `lifetime` after now.
    pub fn starting_now(lifetime: Duration) -> Result<Self> {
        let now = SystemTime::now();
        let not_after = now.checked_add(lifetime).ok_or(Error::InvalidIssuanceInput {
            what: "validity",
            reason: "lifetime overflows the clock",
        })?;
        Self::new(now.checked_sub(BACKDATE).unwrap_or(now), not_after)
    }

    /// From [`BACKDATE`] before now for `days` days.
    pub fn days_from_now(days: u32) -> Result<Self> {
        Self::starting_now(Duration::from_secs(u64::from(days) * 86_400))
    }

    /// notBefore.
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// notAfter.
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }
}

/// One subjectAltName entry to issue: a DNS name or an IP address (RFC 5280 §4.2.1.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SubjectAltName {
    /// A `dNSName`: LDH labels, optionally a leading `*.` wildcard label.
    Dns(String),
    /// An `iPAddress` (4 or 16 octets).
    Ip(IpAddr),
}

impl SubjectAltName {
    /// Parses `s` as an IP address, else as a DNS name (checked for RFC 1034 preferred
    /// syntax with an optional leading `*.`; at most 253 characters, labels of 1..=63).
    pub fn parse(s: &str) -> Result<Self> {
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(Self::Ip(ip));
        }
        check_dns_name(s)?;
        Ok(Self::Dns(s.to_ascii_lowercase()))
    }

    /// A DNS entry; same checks as [`SubjectAltName::parse`].
    pub fn dns(name: &str) -> Result<Self> {
        check_dns_name(name)?;
        Ok(Self::Dns(name.to_ascii_lowercase()))
    }
}

impl FromStr for SubjectAltName {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

fn check_dns_name(name: &str) -> Result<()> {
    let bad = |reason| Error::InvalidIssuanceInput {
        what: "subjectAltName dNSName",
        reason,
    };
    // RFC 1035 §2.3.4: 255 octets on the wire, 253 characters in text.
    if name.is_empty() || name.len() > MAX_DNS_NAME_LEN {
        return Err(bad("length must be 1..=253"));
    }
    let rest = name.strip_prefix("*.").unwrap_or(name);
    for label in rest.split('.') {
        if label.is_empty() || label.len() > MAX_DNS_LABEL_LEN {
            return Err(bad("every label must be 1..=63 characters"));
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad("labels may hold only letters, digits and '-'"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label may not start or end with '-'"));
        }
    }
    Ok(())
}

/// A CA that signs: its certificate and the key that signs for it.
///
/// Every issuing function checks, before signing, that the signer's public key is the
/// certificate's key, that the certificate is a CA (basicConstraints cA=true), and that it
/// has a keyUsage extension allowing keyCertSign (certificates) or cRLSign (CRLs): a CA
/// without keyUsage is refused, as validation refuses it (STRICTER.md S15).
#[derive(Clone, Copy)]
pub struct Issuer<'a> {
    /// The CA certificate.
    pub certificate: &'a Certificate,
    /// The CA's private key (in this process or in a token).
    pub signer: &'a dyn Signer,
}

impl core::fmt::Debug for Issuer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Issuer")
            .field("certificate", &self.certificate.subject())
            .field("signer", &self.signer.public_key().kind())
            .finish()
    }
}

/// What an issuer is about to sign (which keyUsage bit it needs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssuerUse {
    Certificate,
    Crl,
}

impl<'a> Issuer<'a> {
    /// An issuer, after checking that `signer` holds the key of `certificate` and that
    /// `certificate` is a CA allowed to sign certificates.
    pub fn new(certificate: &'a Certificate, signer: &'a dyn Signer) -> Result<Self> {
        let issuer = Self { certificate, signer };
        issuer.check(IssuerUse::Certificate)?;
        Ok(issuer)
    }

    pub(crate) fn check(&self, usage: IssuerUse) -> Result<()> {
        let subject = || self.certificate.subject();
        let key = self.certificate.public_key()?;
        if key != self.signer.public_key() {
            return Err(Error::IssuerKeyMismatch { subject: subject() });
        }
        if !self.certificate.is_ca() {
            return Err(Error::IssuerCannotIssue {
                subject: subject(),
                reason: "it is not a CA (basicConstraints cA is not true)",
            });
        }
        // RFC 5280 §4.2.1.3: a CA certificate whose key signs certificates or CRLs carries
        // keyUsage; validation refuses such an issuer without it (STRICTER.md S15), so nothing
        // is issued under one.
        let Some(ku) = self.certificate.key_usage() else {
            return Err(Error::IssuerCannotIssue {
                subject: subject(),
                reason: "it is a CA certificate without keyUsage (RFC 5280 4.2.1.3)",
            });
        };
        match usage {
            IssuerUse::Certificate if !ku.key_cert_sign() => Err(Error::IssuerCannotIssue {
                subject: subject(),
                reason: "its keyUsage lacks keyCertSign",
            }),
            IssuerUse::Crl if !ku.crl_sign() => Err(Error::IssuerCannotIssue {
                subject: subject(),
                reason: "its keyUsage lacks cRLSign",
            }),
            _ => Ok(()),
        }
    }
}

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
        .ca(path_len)
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
            subject: issuer.certificate.subject(),
            reason: "its pathLenConstraint is 0, so it may not issue a CA certificate",
        });
    }
    CertificateProfile::new(subject.clone(), subject_key, validity)
        .ca(path_len)
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
        .end_entity(purpose)?
        .subject_alt_names(sans)?
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
        .end_entity(purpose)?
        .subject_alt_names(sans)?
        .issue(issuer)
}

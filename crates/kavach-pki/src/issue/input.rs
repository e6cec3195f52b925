//! What an issuance is made from: the subject's [`DistinguishedName`], the [`Validity`], the
//! [`SubjectAltName`] entries, and the [`Issuer`] (a CA certificate with the key that signs for
//! it). The issuing functions of [`crate::issue`] and [`super::CertificateProfile`] take them.

use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use kavach_keys::Signer;

use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::limits::{MAX_DISTINGUISHED_NAME_LEN, MAX_DNS_LABEL_LEN, MAX_DNS_NAME_LEN};

/// A distinguished name for a certificate subject, parsed from an RFC 4514 string such as
/// `CN=Partner Encryption,O=Partner,C=IN` (most significant attribute last, as RFC 4514 writes
/// them). `C` is encoded as PrintableString, the others as UTF8String (RFC 5280 §4.1.2.6).
#[derive(Clone, PartialEq, Eq)]
pub struct DistinguishedName(pub(super) x509_cert::name::Name);

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
        let subject = || self.certificate.subject().to_string();
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

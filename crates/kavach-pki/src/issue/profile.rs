//! [`CertificateProfile`]: what goes into one certificate, and the TBSCertificate assembly.

use const_oid::AssociatedOid;
use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode};
use kavach_keys::{KeyFamily, PublicKey, Signer};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    NameConstraints, SubjectAltName as X509SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use super::input::{DistinguishedName, Issuer, IssuerUse, SubjectAltName, Validity};
use super::sign;
use crate::cert::Certificate;
use crate::error::{Error, Result};
use crate::limits::{MAX_CRL_DISTRIBUTION_POINTS, MAX_SUBJECT_ALT_NAMES};
use crate::purpose::Purpose;

/// Whether an extension is marked critical (RFC 5280 §4.2): a relying party that does not
/// recognise a critical extension must refuse the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Criticality {
    /// `critical` = TRUE.
    Critical,
    /// `critical` = FALSE (the DEFAULT, which DER leaves out).
    NonCritical,
}

impl Criticality {
    /// True for [`Criticality::Critical`]: the value of the extension's `critical` field.
    pub(crate) const fn is_critical(self) -> bool {
        matches!(self, Self::Critical)
    }
}

/// Everything that goes into one certificate except the issuer: subject, key, validity and
/// extensions. Build it, then [`CertificateProfile::issue`] it under an [`Issuer`] or
/// [`CertificateProfile::self_sign`] it.
///
/// [`CertificateProfile::new`] starts with no basicConstraints, keyUsage or extendedKeyUsage;
/// [`CertificateProfile::with_ca`] and [`CertificateProfile::with_end_entity`] set the usual ones; the
/// other methods override single extensions (tests use them to make deliberately odd
/// certificates). subjectKeyIdentifier and authorityKeyIdentifier are always written.
#[derive(Clone, Debug)]
pub struct CertificateProfile {
    subject: DistinguishedName,
    subject_key: PublicKey,
    validity: Validity,
    basic_constraints: Option<(BasicConstraints, Criticality)>,
    key_usage: Option<KeyUsage>,
    extended_key_usage: Vec<ObjectIdentifier>,
    sans: Vec<SubjectAltName>,
    crl_distribution_points: Vec<String>,
    /// Written critical when set; only `kavach_pki::testing` sets it (name-constraint tests).
    name_constraints: Option<NameConstraints>,
}

impl CertificateProfile {
    /// A profile for `subject_key` named `subject`, valid for `validity`, with no
    /// basicConstraints, keyUsage, extendedKeyUsage or subjectAltName yet.
    pub fn new(subject: DistinguishedName, subject_key: &PublicKey, validity: Validity) -> Self {
        Self {
            subject,
            subject_key: subject_key.clone(),
            validity,
            basic_constraints: None,
            key_usage: None,
            extended_key_usage: Vec::new(),
            sans: Vec::new(),
            crl_distribution_points: Vec::new(),
            name_constraints: None,
        }
    }

    /// A CA: basicConstraints cA=true with `path_len` (critical, RFC 5280 §4.2.1.9) and keyUsage
    /// keyCertSign + cRLSign (critical, §4.2.1.3).
    pub fn with_ca(mut self, path_len: Option<u8>) -> Self {
        self.basic_constraints = Some((
            BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
            Criticality::Critical,
        ));
        self.key_usage = Some(KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign));
        self
    }

    /// An end entity for `purpose`: basicConstraints cA=false (critical), keyUsage (critical)
    /// and extendedKeyUsage as the module table says for the subject key's family.
    ///
    /// Refused: [`Purpose::Ca`], [`Purpose::Any`], and `encryption` for an Ed25519 key.
    pub fn with_end_entity(mut self, purpose: Purpose) -> Result<Self> {
        let (key_usage, eku) = end_entity_usage(purpose, self.subject_key.kind().family())?;
        self.basic_constraints = Some((
            BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            Criticality::Critical,
        ));
        self.key_usage = Some(key_usage);
        self.extended_key_usage = eku;
        Ok(self)
    }

    /// Sets basicConstraints explicitly (`None` leaves the extension out).
    pub fn with_basic_constraints(mut self, constraints: Option<BasicConstraints>, criticality: Criticality) -> Self {
        self.basic_constraints = constraints.map(|c| (c, criticality));
        self
    }

    /// Sets keyUsage explicitly (`None` leaves the extension out; an empty set is refused at
    /// issuance, RFC 5280 §4.2.1.3).
    pub fn with_key_usage(mut self, key_usage: Option<KeyUsage>) -> Self {
        self.key_usage = key_usage;
        self
    }

    /// Sets the extendedKeyUsage purposes (empty leaves the extension out).
    pub fn with_extended_key_usage(mut self, purposes: &[ObjectIdentifier]) -> Self {
        self.extended_key_usage = purposes.to_vec();
        self
    }

    /// Sets the subjectAltName entries (at most [`MAX_SUBJECT_ALT_NAMES`]; empty leaves the
    /// extension out).
    pub fn with_subject_alt_names(mut self, sans: &[SubjectAltName]) -> Result<Self> {
        if sans.len() > MAX_SUBJECT_ALT_NAMES {
            return Err(Error::InvalidIssuanceInput {
                what: "subjectAltName",
                reason: "too many entries",
            });
        }
        self.sans = sans.to_vec();
        Ok(self)
    }

    /// Adds a CRL distribution point URI (RFC 5280 §4.2.1.13), at most
    /// [`MAX_CRL_DISTRIBUTION_POINTS`].
    pub fn with_crl_distribution_point(mut self, uri: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidIssuanceInput {
            what: "CRL distribution point",
            reason,
        };
        if self.crl_distribution_points.len() >= MAX_CRL_DISTRIBUTION_POINTS {
            return Err(bad("too many distribution points"));
        }
        if !uri.is_ascii() || !uri.contains(':') || uri.len() > 2048 {
            return Err(bad("not an absolute ASCII URI of at most 2048 characters"));
        }
        self.crl_distribution_points.push(uri.to_owned());
        Ok(self)
    }

    /// Sets a nameConstraints extension (written critical, RFC 5280 §4.2.1.10); for the test
    /// PKI's name-constraint helper.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn with_name_constraints(mut self, name_constraints: NameConstraints) -> Self {
        self.name_constraints = Some(name_constraints);
        self
    }

    /// Issues the certificate under `issuer`, after checking the issuer (see [`Issuer`]).
    pub fn issue(&self, issuer: &Issuer<'_>) -> Result<Certificate> {
        issuer.check(IssuerUse::Certificate)?;
        self.issue_unchecked(issuer.certificate, issuer.signer)
    }

    /// Issues the certificate self-signed by `signer`, whose public key must be the subject key.
    pub fn self_sign(&self, signer: &dyn Signer) -> Result<Certificate> {
        if signer.public_key() != &self.subject_key {
            return Err(Error::InvalidIssuanceInput {
                what: "self-signed certificate",
                reason: "the signer's key is not the subject key",
            });
        }
        self.assemble(self.subject.as_name(), None, signer)
    }

    /// Issues under `issuer_cert` with `signer` without checking that the issuer may issue
    /// (for tests that need deliberately broken chains).
    pub(crate) fn issue_unchecked(&self, issuer_cert: &Certificate, signer: &dyn Signer) -> Result<Certificate> {
        let issuer_key_id = key_identifier_of(issuer_cert)?;
        self.assemble(
            issuer_cert.inner().tbs_certificate().subject(),
            Some(issuer_key_id),
            signer,
        )
    }

    fn assemble(&self, issuer: &Name, issuer_key_id: Option<Vec<u8>>, signer: &dyn Signer) -> Result<Certificate> {
        const WHAT: &str = "certificate";
        let enc = |source| Error::Der { what: WHAT, source };
        let spki = SubjectPublicKeyInfoOwned::from_der(self.subject_key.spki_der()).map_err(enc)?;
        let ski = subject_key_identifier(&spki);

        let mut extensions = Vec::with_capacity(8);
        if let Some((bc, criticality)) = &self.basic_constraints {
            extensions.push(extension(bc, criticality.is_critical())?);
        }
        if let Some(ku) = &self.key_usage {
            if ku.0.is_empty() {
                return Err(Error::InvalidIssuanceInput {
                    what: "keyUsage",
                    reason: "no bit set (RFC 5280 §4.2.1.3)",
                });
            }
            extensions.push(extension(ku, true)?);
        }
        if !self.extended_key_usage.is_empty() {
            extensions.push(extension(&ExtendedKeyUsage(self.extended_key_usage.clone()), false)?);
        }
        if !self.sans.is_empty() {
            let names = self
                .sans
                .iter()
                .map(|san| match san {
                    SubjectAltName::Dns(d) => Ia5String::new(d).map(GeneralName::DnsName).map_err(enc),
                    SubjectAltName::Ip(ip) => Ok(GeneralName::from(*ip)),
                })
                .collect::<Result<Vec<_>>>()?;
            // The subject is never empty here, so subjectAltName is not critical (§4.2.1.6).
            extensions.push(extension(&X509SubjectAltName(names), false)?);
        }
        if let Some(nc) = &self.name_constraints {
            extensions.push(extension(nc, true)?);
        }
        extensions.push(extension(&SubjectKeyIdentifier(octets(&ski)?), false)?);
        if let Some(key_id) = issuer_key_id {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(octets(&key_id)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            extensions.push(extension(&aki, false)?);
        }
        if !self.crl_distribution_points.is_empty() {
            let points = self
                .crl_distribution_points
                .iter()
                .map(|uri| {
                    Ok(DistributionPoint {
                        distribution_point: Some(DistributionPointName::FullName(vec![
                            GeneralName::UniformResourceIdentifier(Ia5String::new(uri).map_err(enc)?),
                        ])),
                        reasons: None,
                        crl_issuer: None,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            extensions.push(extension(&CrlDistributionPoints(points), false)?);
        }

        let signature_algorithm = sign::signer_algorithm(signer)?;
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: random_serial()?,
            signature: signature_algorithm.clone(),
            issuer: issuer.clone(),
            validity: x509_cert::time::Validity::new(
                time(self.validity.not_before())?,
                time(self.validity.not_after())?,
            ),
            subject: self.subject.as_name().clone(),
            subject_public_key_info: spki,
            extensions: Some(extensions),
        };
        let tbs_der = tbs.to_der().map_err(enc)?;
        let signed = sign::sign(signer, &tbs_der, WHAT)?;
        if signed.algorithm != signature_algorithm {
            // The signer changed its algorithm between the two calls.
            return Err(Error::Signing {
                what: WHAT,
                source: kavach_keys::Error::SigningFailed,
            });
        }
        let der = CertificateOut {
            tbs_certificate: tbs,
            signature_algorithm: signed.algorithm,
            signature: signed.signature,
        }
        .to_der()
        .map_err(enc)?;
        Certificate::from_der(&der)
    }
}

/// TBSCertificate (RFC 5280 §4.1) as kavach writes it: always v3, no unique identifiers
/// (§4.1.2.8: "CAs conforming to this profile MUST NOT generate certificates with unique
/// identifiers").
#[derive(der::Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: Version,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: x509_cert::time::Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(der::Sequence)]
struct CertificateOut {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: der::asn1::BitString,
}

/// keyUsage and extendedKeyUsage of an end entity for `purpose`.
fn end_entity_usage(purpose: Purpose, family: KeyFamily) -> Result<(KeyUsage, Vec<ObjectIdentifier>)> {
    let ds = KeyUsage(KeyUsages::DigitalSignature.into());
    Ok(match purpose {
        Purpose::TlsServer => {
            let ku = if family == KeyFamily::Rsa {
                KeyUsage(KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment)
            } else {
                ds
            };
            (ku, vec![ID_KP_SERVER_AUTH])
        }
        Purpose::TlsClient | Purpose::Device => (ds, vec![ID_KP_CLIENT_AUTH]),
        Purpose::Encryption => match family {
            KeyFamily::Rsa => (KeyUsage(KeyUsages::KeyEncipherment.into()), Vec::new()),
            KeyFamily::Ec => (KeyUsage(KeyUsages::KeyAgreement.into()), Vec::new()),
            _ => {
                return Err(Error::PurposeNotIssuable {
                    purpose,
                    reason: "for a key that can neither encrypt nor agree keys",
                });
            }
        },
        Purpose::Signing | Purpose::Ftm => (ds, Vec::new()),
        Purpose::CodeSigning => (ds, vec![ID_KP_CODE_SIGNING]),
        _ => {
            return Err(Error::PurposeNotIssuable {
                purpose,
                reason: "as an end entity (issue a CA with issue_intermediate)",
            });
        }
    })
}

fn extension<T: AssociatedOid + Encode>(value: &T, critical: bool) -> Result<Extension> {
    let enc = |source| Error::Der {
        what: "certificate extension",
        source,
    };
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(enc)?).map_err(enc)?,
    })
}

fn octets(bytes: &[u8]) -> Result<OctetString> {
    OctetString::new(bytes).map_err(|source| Error::Der {
        what: "key identifier",
        source,
    })
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING's bytes.
pub(crate) fn subject_key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

/// The key identifier an issued certificate's authorityKeyIdentifier names: the issuer's
/// subjectKeyIdentifier when it has one (§4.2.1.1: "MUST be the value of the
/// subjectKeyIdentifier"), else computed from its key by method (1).
pub(crate) fn key_identifier_of(issuer: &Certificate) -> Result<Vec<u8>> {
    let tbs = issuer.inner().tbs_certificate();
    if let Some((_, ski)) = tbs
        .get_extension::<SubjectKeyIdentifier>()
        .map_err(|source| Error::Der {
            what: "subjectKeyIdentifier",
            source,
        })?
    {
        return Ok(ski.0.as_bytes().to_vec());
    }
    Ok(subject_key_identifier(tbs.subject_public_key_info()))
}

/// A random serial number: 20 bytes from the OS RNG with the top bit cleared (positive) and
/// the first byte nonzero (exactly 20 octets, never zero), RFC 5280 §4.1.2.2.
pub(crate) fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|_| Error::Signing {
        what: "serial number",
        source: kavach_keys::Error::Rng,
    })?;
    bytes[0] &= 0x7f;
    if bytes[0] == 0 {
        bytes[0] = 0x01;
    }
    SerialNumber::new(&bytes).map_err(|source| Error::Der {
        what: "serial number",
        source,
    })
}

/// RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
pub(crate) fn time(t: std::time::SystemTime) -> Result<Time> {
    der::DateTime::from_system_time(t)
        .map(Time::from)
        .map_err(|source| Error::Der { what: "time", source })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn serials_are_positive_twenty_octets_and_differ() {
        let a = random_serial().unwrap();
        let b = random_serial().unwrap();
        assert_eq!(a.as_bytes().len(), 20);
        assert!(a.as_bytes()[0] & 0x80 == 0 && a.as_bytes()[0] != 0);
        assert_ne!(a, b);
    }

    #[test]
    fn times_switch_to_generalized_time_in_2050() {
        let y2049 = std::time::UNIX_EPOCH + std::time::Duration::from_secs(2_524_607_999); // 2049-12-31T23:59:59Z
        assert!(matches!(time(y2049).unwrap(), Time::UtcTime(_)));
        let y2050 = y2049 + std::time::Duration::from_secs(1);
        assert!(matches!(time(y2050).unwrap(), Time::GeneralTime(_)));
    }

    #[test]
    fn encryption_is_narrow_and_ed25519_cannot_encrypt() {
        let (ku, eku) = end_entity_usage(Purpose::Encryption, KeyFamily::Rsa).unwrap();
        assert!(ku.key_encipherment() && !ku.digital_signature() && eku.is_empty());
        let (ku, _) = end_entity_usage(Purpose::Encryption, KeyFamily::Ec).unwrap();
        assert!(ku.key_agreement() && !ku.digital_signature() && !ku.key_encipherment());
        assert!(matches!(
            end_entity_usage(Purpose::Encryption, KeyFamily::Ed25519),
            Err(Error::PurposeNotIssuable { .. })
        ));
        assert!(end_entity_usage(Purpose::Ca, KeyFamily::Ec).is_err());
        assert!(end_entity_usage(Purpose::Any, KeyFamily::Ec).is_err());
    }
}

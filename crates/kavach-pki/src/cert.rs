//! [`Certificate`]: an X.509 v3 certificate, parsed once at the boundary.
//!
//! A `Certificate` exists only if its DER decoded under RFC 5280's structure (x509-cert 0.3,
//! strict DER), with no trailing bytes, within [`MAX_CERTIFICATE_LEN`], and with the structural
//! rules of §4.1 that do not depend on a path: extensions and unique identifiers only in the
//! version that allows them, no extension twice, and every extension this crate acts on
//! decodable. Path-dependent rules (validity, constraints, signatures) are checked by
//! [`crate::Validator`].

use std::sync::Arc;
use std::time::SystemTime;

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280 as oids;
use der::{Decode, Encode};
use kavach_keys::{PublicKey, Sha256Thumbprint};
use x509_cert::certificate::Version;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, NameConstraints, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::der::{der_err, first_inner_tlv};
use crate::error::{Error, Result};
use crate::limits::{MAX_BUNDLE_CERTIFICATES, MAX_CERTIFICATE_LEN};
use crate::name::prepared::NameKey;
use crate::time::unix_seconds;

/// Extensions decoded once at parse time, so that validation does not decode them again.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) basic_constraints: Option<BasicConstraints>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) eku: Option<Vec<ObjectIdentifier>>,
    pub(crate) san: Option<Vec<GeneralName>>,
    pub(crate) san_critical: bool,
    pub(crate) name_constraints: Option<NameConstraints>,
    pub(crate) ski: Option<Vec<u8>>,
    /// authorityKeyIdentifier present (with or without a keyIdentifier).
    pub(crate) aki_present: bool,
    pub(crate) aki: Option<Vec<u8>>,
    /// authorityKeyIdentifier carries authorityCertIssuer or authorityCertSerialNumber.
    pub(crate) aki_issuer_serial: bool,
    /// OIDs of the known extensions marked critical.
    pub(crate) critical: Vec<ObjectIdentifier>,
    /// Full names of the cRLDistributionPoints, when the extension is present.
    pub(crate) crl_dp_names: Option<Vec<GeneralName>>,
    /// Critical extensions this crate does not process (rejected during validation).
    pub(crate) unknown_critical: Vec<ObjectIdentifier>,
}

struct Inner {
    der: Vec<u8>,
    /// Byte range of the raw `tbsCertificate` TLV inside `der` (what the signature covers).
    tbs: core::ops::Range<usize>,
    cert: x509_cert::Certificate,
    /// `None` when kavach-keys does not support the key; [`Certificate::public_key`] reports why.
    public_key: Option<PublicKey>,
    /// The subject and issuer prepared for comparison (RFC 5280 §7.1), once.
    subject_key: NameKey,
    issuer_key: NameKey,
    /// The validity bounds, Unix seconds (negative before 1970).
    not_before: i64,
    not_after: i64,
    sha256: [u8; 32],
    ext: Parsed,
}

/// An X.509 certificate (RFC 5280), parsed and structurally checked; cheap to clone (the DER
/// and the parsed form are shared).
#[derive(Clone)]
pub struct Certificate(Arc<Inner>);

impl core::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject().to_string())
            .field("issuer", &self.issuer().to_string())
            .field("serial", &self.serial_hex())
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    /// Equal when the DER is byte-for-byte equal.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.der == other.0.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Parses one DER certificate.
    ///
    /// Refuses: more than [`MAX_CERTIFICATE_LEN`] bytes, anything that is not strict DER of an
    /// RFC 5280 `Certificate`, trailing bytes, extensions or unique identifiers in a v1
    /// certificate (and extensions in v2; RFC 5280 §4.1.2.1, §4.1.2.8-9), an empty or duplicate
    /// extension list entry (§4.2: "MUST NOT include more than one instance"), and a known
    /// extension whose value does not decode. An unsupported public key does not fail here: it
    /// fails when the key is used ([`Certificate::public_key`]).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        const WHAT: &str = "certificate";
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(Error::TooLarge {
                what: WHAT,
                len: der.len(),
                max: MAX_CERTIFICATE_LEN,
            });
        }
        // Validity times before 1970 are read here (the `der` crate cannot hold them) and
        // decoded by x509-cert as 1970-01-01 (crate::time).
        let validity = crate::time::certificate_validity(der);
        let patched = validity.as_ref().and_then(|v| crate::time::pre_epoch_validity(der, v));
        // `from_der` refuses trailing data after the outer SEQUENCE.
        let cert = x509_cert::Certificate::from_der(patched.as_deref().unwrap_or(der)).map_err(der_err(WHAT))?;
        let (not_before, not_after) = match &validity {
            Some(v) => (v.times[0].2, v.times[1].2),
            None => {
                let v = cert.tbs_certificate().validity();
                (
                    unix_seconds(v.not_before.to_system_time()),
                    unix_seconds(v.not_after.to_system_time()),
                )
            }
        };
        let tbs = first_inner_tlv(der, WHAT)?;
        let t = cert.tbs_certificate();
        let malformed = |reason| Error::Malformed { what: WHAT, reason };
        match t.version() {
            Version::V1 => {
                if t.extensions().is_some() {
                    return Err(malformed("extensions in a v1 certificate"));
                }
                if t.issuer_unique_id().is_some() || t.subject_unique_id().is_some() {
                    return Err(malformed("unique identifiers in a v1 certificate"));
                }
            }
            Version::V2 => {
                if t.extensions().is_some() {
                    return Err(malformed("extensions in a v2 certificate"));
                }
            }
            Version::V3 => {}
        }
        // RFC 5280 §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as
        // the signature field in the sequence tbsCertificate".
        if cert.signature_algorithm() != t.signature() {
            return Err(Error::SignatureAlgorithmMismatch {
                what: WHAT,
                subject: t.subject().to_string(),
            });
        }
        let ext = parse_extensions(t.extensions().map(Vec::as_slice).unwrap_or(&[]), WHAT)?;
        let (subject_key, issuer_key) = (NameKey::of(t.subject()), NameKey::of(t.issuer()));
        let spki_der = t.subject_public_key_info().to_der().map_err(der_err(WHAT))?;
        let public_key = PublicKey::from_spki_der(&spki_der).ok();
        let sha256 = *Sha256Thumbprint::of_der(der).as_bytes();
        Ok(Self(Arc::new(Inner {
            der: der.to_vec(),
            tbs,
            cert,
            public_key,
            subject_key,
            issuer_key,
            not_before,
            not_after,
            sha256,
            ext,
        })))
    }

    /// Parses a PEM text holding exactly one `CERTIFICATE` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut blocks = crate::der::pem_blocks(pem, "PEM certificate")?;
        if blocks.len() != 1 {
            return Err(Error::Malformed {
                what: "PEM certificate",
                reason: "expected exactly one PEM block",
            });
        }
        let block = blocks.remove(0);
        if block.label != "CERTIFICATE" {
            return Err(Error::UnexpectedPemLabel {
                label: block.label,
                expected: "CERTIFICATE",
            });
        }
        Self::from_der(&block.der)
    }

    /// Parses a bundle of certificates, in order: PEM text with any number of `CERTIFICATE`
    /// and `PKCS7` blocks; one DER certificate or several concatenated; or a DER PKCS#7/P7B
    /// `SignedData` (degenerate or not; BER indefinite lengths as Java tools write them are
    /// read). Any other PEM label is refused, and an empty bundle is an error; at most
    /// [`crate::MAX_BUNDLE_LEN`] bytes and [`crate::MAX_BUNDLE_CERTIFICATES`] certificates.
    pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<Self>> {
        crate::bundle::read(bytes, &BUNDLE, Self::from_der)
    }

    /// The exact DER this certificate was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The certificate as a PEM `CERTIFICATE` block.
    pub fn to_pem(&self) -> String {
        kavach_keys::encoding::pem_encode("CERTIFICATE", &self.0.der)
    }

    /// The parsed structure, read-only, for callers that need a field this type has no
    /// accessor for. Its validity times are x509-cert's, which cannot be before 1970: such a
    /// time reads 1970-01-01T00:00:00Z there; [`Certificate::not_before`] and
    /// [`Certificate::not_after`] give the real ones (and [`Certificate::der`] the real bytes).
    pub fn inner(&self) -> &x509_cert::Certificate {
        &self.0.cert
    }

    /// The subject, borrowed; its [`Display`](core::fmt::Display) is the RFC 4514 string
    /// (`subject().to_string()` when text is needed).
    pub fn subject(&self) -> &Name {
        self.0.cert.tbs_certificate().subject()
    }

    /// The issuer, borrowed; its [`Display`](core::fmt::Display) is the RFC 4514 string.
    pub fn issuer(&self) -> &Name {
        self.0.cert.tbs_certificate().issuer()
    }

    /// The serial number as lowercase hex of its DER INTEGER content.
    pub fn serial_hex(&self) -> String {
        kavach_keys::encoding::hex_lower(self.serial_bytes())
    }

    /// The content octets of the serial number INTEGER.
    pub(crate) fn serial_bytes(&self) -> &[u8] {
        self.0.cert.tbs_certificate().serial_number().as_bytes()
    }

    /// The subject public key, or why kavach cannot use it ([`Error::UnsupportedPublicKey`]).
    pub fn public_key(&self) -> Result<&PublicKey> {
        match &self.0.public_key {
            Some(k) => Ok(k),
            None => {
                // Parse again only on this failure path to get kavach-keys' reason.
                let source = self
                    .0
                    .cert
                    .tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .map_err(|e| Error::Der {
                        what: "SubjectPublicKeyInfo",
                        source: e,
                    })
                    .and_then(|d| {
                        PublicKey::from_spki_der(&d).err().ok_or(Error::Malformed {
                            what: "SubjectPublicKeyInfo",
                            reason: "key parses on the second attempt only",
                        })
                    })?;
                Err(Error::UnsupportedPublicKey {
                    subject: self.subject().to_string(),
                    source,
                })
            }
        }
    }

    /// SHA-256 of the DER (the `x5t#S256` thumbprint).
    pub fn sha256_thumbprint(&self) -> Sha256Thumbprint {
        Sha256Thumbprint(self.0.sha256)
    }

    /// SHA-1 of the DER, lowercase hex: the key under which MOSIP stores certificates.
    pub fn sha1_thumbprint_hex(&self) -> String {
        crate::thumbprint::sha1_hex(&self.0.der)
    }

    /// notBefore (before `UNIX_EPOCH` for a time before 1970).
    pub fn not_before(&self) -> SystemTime {
        crate::time::system_time(self.0.not_before)
    }

    /// notAfter (before `UNIX_EPOCH` for a time before 1970).
    pub fn not_after(&self) -> SystemTime {
        crate::time::system_time(self.0.not_after)
    }

    /// The validity bounds as Unix seconds, floored (negative before 1970).
    pub(crate) fn validity_seconds(&self) -> (i64, i64) {
        (self.0.not_before, self.0.not_after)
    }

    /// The keyUsage extension, when present.
    pub fn key_usage(&self) -> Option<KeyUsage> {
        self.0.ext.key_usage
    }

    /// The extendedKeyUsage purposes, when the extension is present.
    pub fn extended_key_usage(&self) -> Option<&[ObjectIdentifier]> {
        self.0.ext.eku.as_deref()
    }

    /// The subjectAltName entries, when the extension is present.
    pub fn subject_alt_names(&self) -> Option<&[GeneralName]> {
        self.0.ext.san.as_deref()
    }

    /// basicConstraints: `Some((ca, path_len))` when the extension is present.
    pub fn basic_constraints(&self) -> Option<(bool, Option<u8>)> {
        self.0
            .ext
            .basic_constraints
            .as_ref()
            .map(|b| (b.ca, b.path_len_constraint))
    }

    /// True when basicConstraints is present with cA=true.
    pub fn is_ca(&self) -> bool {
        self.0.ext.basic_constraints.as_ref().is_some_and(|b| b.ca)
    }

    /// True when subject and issuer names are equal (a self-issued certificate, RFC 5280 §3.2),
    /// compared per RFC 5280 §7.1 (case, insignificant space and string type do not count).
    pub fn is_self_issued(&self) -> bool {
        self.0.subject_key == self.0.issuer_key
    }

    pub(crate) fn tbs_der(&self) -> &[u8] {
        &self.0.der[self.0.tbs.clone()]
    }
    /// The subject prepared for comparison (RFC 5280 §7.1).
    pub(crate) fn subject_key(&self) -> &NameKey {
        &self.0.subject_key
    }
    /// The issuer prepared for comparison (RFC 5280 §7.1).
    pub(crate) fn issuer_key(&self) -> &NameKey {
        &self.0.issuer_key
    }
    pub(crate) fn sha256(&self) -> &[u8; 32] {
        &self.0.sha256
    }
    pub(crate) fn ext(&self) -> &Parsed {
        &self.0.ext
    }
}

impl TryFrom<&[u8]> for Certificate {
    type Error = Error;
    fn try_from(der: &[u8]) -> Result<Self> {
        Self::from_der(der)
    }
}

/// A certificate bundle, for [`crate::bundle::read`].
const BUNDLE: crate::bundle::Kind = crate::bundle::Kind {
    bundle: "certificate bundle",
    pem_bundle: "PEM certificate bundle",
    pem_label: "CERTIFICATE",
    pem_expected: "CERTIFICATE or PKCS7",
    pkcs7_field: crate::pkcs7::certificates,
    items: "certificates",
    item: "certificate",
    max_items: MAX_BUNDLE_CERTIFICATES,
};

/// Decodes the extensions this crate acts on and lists the unknown critical ones.
fn parse_extensions(exts: &[x509_cert::ext::Extension], what: &'static str) -> Result<Parsed> {
    let mut p = Parsed::default();
    let malformed = |reason| Error::Malformed { what, reason };
    for (i, e) in exts.iter().enumerate() {
        // RFC 5280 §4.2: at most one instance of a given extension. The list is bounded by the
        // certificate size cap; this quadratic scan is over at most a few thousand entries.
        if exts[..i].iter().any(|o| o.extn_id == e.extn_id) {
            return Err(malformed("duplicate extension"));
        }
        let value = e.extn_value.as_bytes();
        if e.critical {
            p.critical.push(e.extn_id);
        }
        let d = |name: &'static str| move |source| Error::Der { what: name, source };
        match e.extn_id {
            oids::ID_CE_BASIC_CONSTRAINTS => {
                p.basic_constraints = Some(BasicConstraints::from_der(value).map_err(d("basicConstraints"))?);
            }
            oids::ID_CE_KEY_USAGE => {
                let ku = KeyUsage::from_der(value).map_err(d("keyUsage"))?;
                // RFC 5280 §4.2.1.3: "at least one of the bits MUST be set to 1".
                if ku.0.is_empty() {
                    return Err(malformed("keyUsage with no bit set"));
                }
                p.key_usage = Some(ku);
            }
            oids::ID_CE_EXT_KEY_USAGE => {
                let eku = ExtendedKeyUsage::from_der(value).map_err(d("extendedKeyUsage"))?;
                // KeyPurposeId SEQUENCE SIZE (1..MAX) (RFC 5280 §4.2.1.12).
                if eku.0.is_empty() {
                    return Err(malformed("empty extendedKeyUsage"));
                }
                p.eku = Some(eku.0);
            }
            oids::ID_CE_SUBJECT_ALT_NAME => {
                let san = SubjectAltName::from_der(value).map_err(d("subjectAltName"))?;
                // GeneralNames ::= SEQUENCE SIZE (1..MAX) (RFC 5280 §4.2.1.6).
                if san.0.is_empty() {
                    return Err(malformed("empty subjectAltName"));
                }
                p.san = Some(san.0);
                p.san_critical = e.critical;
            }
            oids::ID_CE_NAME_CONSTRAINTS => {
                let nc = NameConstraints::from_der(value).map_err(d("nameConstraints"))?;
                // RFC 5280 §4.2.1.10: "either the permittedSubtrees field or the
                // excludedSubtrees MUST be present"; both are SIZE (1..MAX).
                let empty = |s: &Option<Vec<_>>| s.as_ref().is_some_and(Vec::is_empty);
                if (nc.permitted_subtrees.is_none() && nc.excluded_subtrees.is_none())
                    || empty(&nc.permitted_subtrees)
                    || empty(&nc.excluded_subtrees)
                {
                    return Err(malformed("empty nameConstraints"));
                }
                crate::name::constraints::validate_name_constraints(&nc).map_err(malformed)?;
                p.name_constraints = Some(nc);
            }
            oids::ID_CE_SUBJECT_KEY_IDENTIFIER => {
                let ski = SubjectKeyIdentifier::from_der(value).map_err(d("subjectKeyIdentifier"))?;
                p.ski = Some(ski.0.as_bytes().to_vec());
            }
            oids::ID_CE_AUTHORITY_KEY_IDENTIFIER => {
                let aki = AuthorityKeyIdentifier::from_der(value).map_err(d("authorityKeyIdentifier"))?;
                p.aki_present = true;
                p.aki_issuer_serial = aki.authority_cert_issuer.is_some() || aki.authority_cert_serial_number.is_some();
                p.aki = aki.key_identifier.map(|k| k.as_bytes().to_vec());
            }
            oids::ID_PE_AUTHORITY_INFO_ACCESS => {
                // Not acted on, but a malformed one is a malformed certificate.
                x509_cert::ext::pkix::AuthorityInfoAccessSyntax::from_der(value).map_err(d("authorityInfoAccess"))?;
                if e.critical {
                    p.unknown_critical.push(e.extn_id);
                }
            }
            oids::ID_CE_CRL_DISTRIBUTION_POINTS => {
                let dps =
                    x509_cert::ext::pkix::CrlDistributionPoints::from_der(value).map_err(d("cRLDistributionPoints"))?;
                let mut names = Vec::new();
                for dp in dps.0 {
                    if let Some(x509_cert::ext::pkix::name::DistributionPointName::FullName(n)) = dp.distribution_point
                    {
                        names.extend(n);
                    }
                }
                // Processed (CRL scope), so a critical one is accepted (§4.2.1.13: SHOULD be
                // non-critical).
                p.crl_dp_names = Some(names);
            }
            // policyConstraints: a non-critical one is not acted on (no policy processing; its
            // criticality is the CA's profile, RFC 5280 §4.2.1.11, not a path rule); a
            // critical one falls to the unknown critical extensions below.
            oid if e.critical && !is_known_ignorable(oid) => p.unknown_critical.push(oid),
            _ => {}
        }
    }
    Ok(p)
}

/// Extensions that may be critical and that this crate accepts without acting on them.
///
/// None: a critical certificatePolicies, policyConstraints, policyMappings or
/// inhibitAnyPolicy asks for RFC 5280 §6.1 policy processing, which kavach does not implement,
/// so such a certificate is refused (fail closed, STYLE.md rule 7).
fn is_known_ignorable(_oid: ObjectIdentifier) -> bool {
    false
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(
            Certificate::from_der(b"\x30\x03\x02\x01"),
            Err(Error::Der { .. })
        ));
        assert!(matches!(Certificate::from_der(&[]), Err(Error::Der { .. })));
        let big = vec![0u8; MAX_CERTIFICATE_LEN + 1];
        assert!(matches!(Certificate::from_der(&big), Err(Error::TooLarge { .. })));
        assert!(Certificate::parse_bundle(b"").is_err());
        assert!(Certificate::parse_bundle(b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n").is_err());
    }
}

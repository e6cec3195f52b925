//! [`Crl`]: an X.509 v2 certificate revocation list (RFC 5280 §5), parsed once.
//!
//! Parsing refuses what RFC 5280 says a conforming CRL cannot be: a CRL without the
//! cRLNumber extension or with a critical one (§5.2.3: "CRL issuers MUST include this
//! extension", "non-critical") — except in a v1 CRL —, an explicit version other than v2,
//! a v1 CRL (no version field, §5.1.2.1: accepted, as conforming validators do) with CRL or
//! entry extensions, duplicate extensions, trailing data. A CRL with
//! a critical extension kavach does not process (unknown ones) or that is indirect parses, but
//! can never vouch for a certificate (§5.2: "MUST NOT use that CRL to determine the status of
//! certificates"). A delta CRL (one carrying deltaCRLIndicator, critical or not: §5.2.4 makes it
//! critical, and a CRL that carries it is a delta whatever the flag says) parses but never
//! vouches either: kavach does not combine deltas with their base. A complete CRL with a
//! `removeFromCRL` entry is refused as malformed: that reason only has meaning in delta CRLs
//! (§5.3.1), and honouring it would silently un-revoke the serial.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use const_oid::db::rfc5280 as oids;
use der::Decode;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{CrlNumber, CrlReason};
use x509_cert::name::Name;

use crate::der::first_inner_tlv;
use crate::error::{Error, Result};
use crate::limits::{MAX_BUNDLE_CRLS, MAX_CRL_LEN};
use crate::name::prepared::NameKey;

/// The scope of a CRL from its issuingDistributionPoint (RFC 5280 §5.2.5).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    pub(crate) only_user: bool,
    pub(crate) only_ca: bool,
    /// Distribution point full names, when the IDP names any.
    pub(crate) dp_names: Option<Vec<GeneralName>>,
}

struct Inner {
    der: Vec<u8>,
    tbs: core::ops::Range<usize>,
    crl: CertificateList,
    /// The issuer prepared for comparison (RFC 5280 §7.1).
    issuer_key: NameKey,
    /// Serial numbers listed, each with whether its reason is certificateHold (§5.3.1: a hold
    /// may be released by a later CRL).
    revoked: HashMap<Vec<u8>, bool>,
    scope: Scope,
    /// Why this CRL can never vouch (unsupported critical extension, indirect, partial), if so.
    unusable: Option<&'static str>,
    sha256: [u8; 32],
}

/// A certificate revocation list; cheap to clone.
#[derive(Clone)]
pub struct Crl(Arc<Inner>);

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer().to_string())
            .field("revoked", &self.0.revoked.len())
            .finish_non_exhaustive()
    }
}

const WHAT: &str = "CRL";

/// A CRL bundle, for [`crate::bundle::read`].
const BUNDLE: crate::bundle::Kind = crate::bundle::Kind {
    bundle: "CRL bundle",
    pem_bundle: "PEM CRL bundle",
    pem_label: "X509 CRL",
    pem_expected: "X509 CRL or PKCS7",
    pkcs7_field: crate::pkcs7::crls,
    items: "CRLs",
    item: "CRL",
    max_items: MAX_BUNDLE_CRLS,
};

impl Crl {
    /// Parses one DER CRL (see the module documentation for what is refused).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_CRL_LEN {
            return Err(Error::TooLarge {
                what: WHAT,
                len: der.len(),
                max: MAX_CRL_LEN,
            });
        }
        let tbs = first_inner_tlv(der, WHAT)?;
        // RFC 5280 §5.1.2.1: a v1 CRL leaves the version out (x509-cert 0.3 requires the
        // field, so it decodes a copy with `INTEGER 0` put in; the signature still covers the
        // original bytes).
        let tbs_content = tbs
            .start
            .saturating_add(crate::der::header_len(der.get(tbs.clone()).unwrap_or(&[])));
        let v1 = der.get(tbs_content) == Some(&0x30);
        let crl = if v1 {
            if !crate::der::is_single_tlv(der) {
                return Err(Error::Malformed {
                    what: WHAT,
                    reason: "trailing data after the CRL",
                });
            }
            let mut inner = crate::der::VERSION_V1.to_vec();
            inner.extend_from_slice(der.get(tbs_content..tbs.end).unwrap_or(&[]));
            let mut body = crate::der::tlv(0x30, &inner);
            body.extend_from_slice(der.get(tbs.end..).unwrap_or(&[]));
            CertificateList::from_der(&crate::der::tlv(0x30, &body))
        } else {
            CertificateList::from_der(der)
        }
        .map_err(|source| Error::Der { what: WHAT, source })?;
        let malformed = |reason| Error::Malformed { what: WHAT, reason };
        let t = &crl.tbs_cert_list;
        if v1 {
            // §5.1.2.1: without a version, no CRL or entry extensions (§5.1: "if present,
            // version MUST be v2").
            if t.crl_extensions.is_some() {
                return Err(malformed("extensions in a v1 CRL"));
            }
            if t.revoked_certificates
                .iter()
                .flatten()
                .any(|e| e.crl_entry_extensions.is_some())
            {
                return Err(malformed("entry extensions in a v1 CRL"));
            }
        } else if t.version != x509_cert::certificate::Version::V2 {
            // A version field that is present must say v2 (§5.1.2.1).
            return Err(malformed("not a v2 CRL"));
        }
        // RFC 5280 §5.1.1.2: the same identifier inside and outside the signed part.
        if crl.signature_algorithm != t.signature {
            return Err(Error::SignatureAlgorithmMismatch {
                what: WHAT,
                subject: t.issuer.to_string(),
            });
        }
        if let Some(next) = t.next_update
            && next.to_system_time() < t.this_update.to_system_time()
        {
            return Err(malformed("nextUpdate before thisUpdate"));
        }
        let mut unusable = None;
        let mut scope = Scope::default();
        let mut has_number = false;
        let mut is_delta = false;
        let exts = t.crl_extensions.as_deref().unwrap_or(&[]);
        for (i, e) in exts.iter().enumerate() {
            if exts[..i].iter().any(|o| o.extn_id == e.extn_id) {
                return Err(malformed("duplicate extension"));
            }
            let value = e.extn_value.as_bytes();
            match e.extn_id {
                oids::ID_CE_CRL_NUMBER => {
                    if e.critical {
                        return Err(malformed("critical cRLNumber"));
                    }
                    CrlNumber::from_der(value).map_err(|source| Error::Der {
                        what: "cRLNumber",
                        source,
                    })?;
                    has_number = true;
                }
                oids::ID_CE_ISSUING_DISTRIBUTION_POINT => {
                    let idp = IssuingDistributionPoint::from_der(value).map_err(|source| Error::Der {
                        what: "issuingDistributionPoint",
                        source,
                    })?;
                    if idp.only_contains_user_certs && idp.only_contains_ca_certs {
                        return Err(malformed(
                            "issuingDistributionPoint limits to both user and CA certificates",
                        ));
                    }
                    scope.only_user = idp.only_contains_user_certs;
                    scope.only_ca = idp.only_contains_ca_certs;
                    if idp.indirect_crl {
                        unusable = Some("indirect CRL");
                    } else if idp.only_some_reasons.is_some() {
                        unusable = Some("CRL covers only some reasons");
                    } else if idp.only_contains_attribute_certs {
                        unusable = Some("CRL covers only attribute certificates");
                    }
                    match idp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => scope.dp_names = Some(names),
                        Some(DistributionPointName::NameRelativeToCRLIssuer(_)) => {
                            unusable = Some("distribution point relative to the CRL issuer");
                        }
                        None => {}
                    }
                }
                oids::ID_CE_DELTA_CRL_INDICATOR => is_delta = true,
                oids::ID_CE_AUTHORITY_KEY_IDENTIFIER | oids::ID_CE_ISSUER_ALT_NAME if !e.critical => {}
                _ if e.critical => unusable = Some("unsupported critical CRL extension"),
                _ => {}
            }
        }
        // A v1 CRL has no extensions, so no cRLNumber either.
        if !has_number && !v1 {
            return Err(malformed("missing cRLNumber"));
        }
        if is_delta {
            // Set last: it wins over any other reason, so the error names what the CRL is.
            unusable = Some("delta CRL");
        }
        let mut revoked = HashMap::new();
        for entry in t.revoked_certificates.as_deref().unwrap_or(&[]) {
            let mut remove = false;
            let mut hold = false;
            let entry_exts = entry.crl_entry_extensions.as_deref().unwrap_or(&[]);
            for (i, e) in entry_exts.iter().enumerate() {
                if entry_exts[..i].iter().any(|o| o.extn_id == e.extn_id) {
                    return Err(malformed("duplicate CRL entry extension"));
                }
                match e.extn_id {
                    oids::ID_CE_CRL_REASONS => {
                        let reason = CrlReason::from_der(e.extn_value.as_bytes()).map_err(|source| Error::Der {
                            what: "reasonCode",
                            source,
                        })?;
                        // removeFromCRL only has meaning in delta CRLs (§5.3.1).
                        remove = reason == CrlReason::RemoveFromCRL;
                        hold = reason == CrlReason::CertificateHold;
                        if remove && !is_delta {
                            return Err(malformed("removeFromCRL entry in a complete CRL"));
                        }
                    }
                    oids::ID_CE_CERTIFICATE_ISSUER => unusable = Some("CRL entry names another certificate issuer"),
                    _ if e.critical => unusable = Some("unsupported critical CRL entry extension"),
                    _ => {}
                }
            }
            if !remove {
                revoked.insert(entry.serial_number.as_bytes().to_vec(), hold);
            }
        }
        let issuer_key = NameKey::of(&t.issuer);
        Ok(Self(Arc::new(Inner {
            der: der.to_vec(),
            tbs,
            crl,
            issuer_key,
            revoked,
            scope,
            unusable,
            sha256: *kavach_keys::Sha256Thumbprint::of_der(der).as_bytes(),
        })))
    }

    /// Parses a PEM text holding exactly one `X509 CRL` block.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut blocks = crate::der::pem_blocks(pem, "PEM CRL")?;
        if blocks.len() != 1 {
            return Err(Error::Malformed {
                what: "PEM CRL",
                reason: "expected exactly one PEM block",
            });
        }
        let block = blocks.remove(0);
        if block.label != "X509 CRL" {
            return Err(Error::UnexpectedPemLabel {
                label: block.label,
                expected: "X509 CRL",
            });
        }
        Self::from_der(&block.der)
    }

    /// Parses CRLs: PEM text with `X509 CRL` (and `PKCS7`) blocks, concatenated DER CRLs, or a
    /// PKCS#7 bundle's `crls`. An input with no CRL is an error; at most
    /// [`crate::MAX_BUNDLE_LEN`] bytes and [`crate::MAX_BUNDLE_CRLS`] CRLs.
    pub fn parse_bundle(bytes: &[u8]) -> Result<Vec<Self>> {
        crate::bundle::read(bytes, &BUNDLE, Self::from_der)
    }

    /// The exact DER this CRL was parsed from.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The parsed structure, read-only.
    pub fn inner(&self) -> &CertificateList {
        &self.0.crl
    }

    /// The issuer, borrowed; its [`Display`](core::fmt::Display) is the RFC 4514 string
    /// (`issuer().to_string()` when text is needed).
    pub fn issuer(&self) -> &Name {
        &self.0.crl.tbs_cert_list.issuer
    }

    /// thisUpdate.
    pub fn this_update(&self) -> SystemTime {
        self.0.crl.tbs_cert_list.this_update.to_system_time()
    }

    /// nextUpdate, when present.
    pub fn next_update(&self) -> Option<SystemTime> {
        self.0.crl.tbs_cert_list.next_update.map(|t| t.to_system_time())
    }

    /// True when a certificate with this serial number (content octets, as in
    /// [`crate::Certificate::serial_hex`]) is listed.
    pub fn lists_serial(&self, serial: &[u8]) -> bool {
        self.0.revoked.contains_key(serial)
    }

    /// How this CRL lists `serial`: `None` when it does not, `Some(true)` when on hold
    /// (certificateHold), `Some(false)` for every other reason.
    pub(crate) fn listing(&self, serial: &[u8]) -> Option<bool> {
        self.0.revoked.get(serial).copied()
    }

    /// Number of revoked entries.
    pub fn revoked_count(&self) -> usize {
        self.0.revoked.len()
    }

    pub(crate) fn tbs_der(&self) -> &[u8] {
        &self.0.der[self.0.tbs.clone()]
    }
    pub(crate) fn issuer_key(&self) -> &NameKey {
        &self.0.issuer_key
    }
    pub(crate) fn scope(&self) -> &Scope {
        &self.0.scope
    }
    pub(crate) fn unusable(&self) -> Option<&'static str> {
        self.0.unusable
    }
    pub(crate) fn sha256(&self) -> &[u8; 32] {
        &self.0.sha256
    }
}

impl TryFrom<&[u8]> for Crl {
    type Error = Error;
    fn try_from(der: &[u8]) -> Result<Self> {
        Self::from_der(der)
    }
}

//! CRL issuance (RFC 5280 §5): v2 CRLs with thisUpdate, nextUpdate, revoked serial numbers
//! with their revocation dates (and reasons), a CRL number and an authorityKeyIdentifier.

use std::time::SystemTime;

use const_oid::AssociatedOid;
use der::Encode;
use der::asn1::{OctetString, Uint};
use x509_cert::certificate::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber};
use x509_cert::serial_number::SerialNumber;

use super::input::{Issuer, IssuerUse};
use super::profile::{key_identifier_of, time};
use super::sign;
use crate::cert::Certificate;
use crate::crl::Crl;
use crate::error::{Error, Result};
use crate::limits::MAX_CRL_ENTRIES;

/// One revoked certificate to list on a CRL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedEntry {
    serial: SerialNumber,
    revocation_date: SystemTime,
    reason: Option<CrlReason>,
}

impl RevokedEntry {
    /// `certificate` revoked at `revocation_date`, with no reason code.
    pub fn new(certificate: &Certificate, revocation_date: SystemTime) -> Self {
        Self {
            serial: certificate.inner().tbs_certificate().serial_number().clone(),
            revocation_date,
            reason: None,
        }
    }

    /// The certificate with serial number `serial` (big-endian, positive, at most 20 octets)
    /// revoked at `revocation_date`.
    pub fn from_serial(serial: &[u8], revocation_date: SystemTime) -> Result<Self> {
        let serial = SerialNumber::new(serial).map_err(|source| Error::Der {
            what: "serial number",
            source,
        })?;
        Ok(Self {
            serial,
            revocation_date,
            reason: None,
        })
    }

    /// The same entry with a reasonCode entry extension (RFC 5280 §5.3.1).
    pub fn with_reason(mut self, reason: CrlReason) -> Self {
        self.reason = Some(reason);
        self
    }
}

/// Issues a v2 CRL signed by `issuer`, valid from `this_update` to `next_update`, listing
/// `revoked`, with CRL number `crl_number` (RFC 5280 §5.2.3: monotonically increasing per
/// issuer; the caller keeps the counter) and an authorityKeyIdentifier naming the issuer's key.
///
/// The issuer must be a CA whose keyUsage, when present, allows cRLSign. An empty `revoked`
/// leaves revokedCertificates out, as §5.1.2.6 requires.
pub fn issue_crl(
    issuer: &Issuer<'_>,
    revoked: &[RevokedEntry],
    this_update: SystemTime,
    next_update: SystemTime,
    crl_number: u64,
) -> Result<Crl> {
    Crl::from_der(&crl_der(
        issuer,
        revoked,
        this_update,
        next_update,
        crl_number,
        Vec::new(),
    )?)
}

/// The DER of the CRL [`issue_crl`] makes, with `extra` CRL extensions after its own (tests use
/// them to make CRLs kavach must refuse or never trust).
pub(crate) fn crl_der(
    issuer: &Issuer<'_>,
    revoked: &[RevokedEntry],
    this_update: SystemTime,
    next_update: SystemTime,
    crl_number: u64,
    extra: Vec<Extension>,
) -> Result<Vec<u8>> {
    const WHAT: &str = "CRL";
    let enc = |source| Error::Der { what: WHAT, source };
    issuer.check(IssuerUse::Crl)?;
    if next_update <= this_update {
        return Err(Error::InvalidIssuanceInput {
            what: "CRL",
            reason: "nextUpdate is not after thisUpdate",
        });
    }
    if revoked.len() > MAX_CRL_ENTRIES {
        return Err(Error::InvalidIssuanceInput {
            what: "CRL",
            reason: "too many revoked entries",
        });
    }
    let entries = revoked
        .iter()
        .map(|entry| {
            Ok(RevokedCert {
                serial_number: entry.serial.clone(),
                revocation_date: time(entry.revocation_date)?,
                crl_entry_extensions: match entry.reason {
                    Some(reason) => Some(vec![extension(&reason)?]),
                    None => None,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(key_identifier_of(issuer.certificate)?).map_err(enc)?),
        authority_cert_issuer: None,
        authority_cert_serial_number: None,
    };
    let number = CrlNumber(Uint::new(&crl_number.to_be_bytes()).map_err(enc)?);
    let tbs = TbsCertList {
        version: Version::V2,
        signature: sign::signer_algorithm(issuer.signer)?,
        issuer: issuer.certificate.inner().tbs_certificate().subject().clone(),
        this_update: time(this_update)?,
        next_update: Some(time(next_update)?),
        revoked_certificates: if entries.is_empty() { None } else { Some(entries) },
        crl_extensions: Some([vec![extension(&aki)?, extension(&number)?], extra].concat()),
    };
    let tbs_der = tbs.to_der().map_err(enc)?;
    let signed = sign::sign(issuer.signer, &tbs_der, WHAT)?;
    CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signed.algorithm,
        signature: signed.signature,
    }
    .to_der()
    .map_err(enc)
}

/// The DER of a CRL with no version field (v1), for tests: built as v2 and with the version
/// INTEGER taken out of the signed part before signing; entries without extensions, and CRL
/// extensions only when `with_extensions`.
#[cfg(feature = "testing")]
pub(crate) fn crl_v1_der(
    issuer: &Issuer<'_>,
    revoked: &[RevokedEntry],
    this_update: SystemTime,
    next_update: SystemTime,
    with_extensions: bool,
) -> Result<Vec<u8>> {
    use der::Decode;
    const WHAT: &str = "CRL";
    let enc = |source| Error::Der { what: WHAT, source };
    let plain: Vec<RevokedEntry> = revoked
        .iter()
        .map(|e| RevokedEntry {
            reason: None,
            ..e.clone()
        })
        .collect();
    let v2 = crl_der(issuer, &plain, this_update, next_update, 1, Vec::new())?;
    let parsed: CertificateList = CertificateList::from_der(&v2).map_err(enc)?;
    let mut tbs = parsed.tbs_cert_list;
    tbs.version = Version::V1;
    if !with_extensions {
        tbs.crl_extensions = None;
    }
    let with_version = tbs.to_der().map_err(enc)?;
    let content = &with_version[crate::der::header_len(&with_version)..];
    let without = content
        .strip_prefix(&crate::der::VERSION_V1[..])
        .ok_or(Error::InvalidIssuanceInput {
            what: WHAT,
            reason: "version v1 is not encoded as INTEGER 0",
        })?;
    let tbs_der = crate::der::tlv(0x30, without);
    let signed = sign::sign(issuer.signer, &tbs_der, WHAT)?;
    let mut body = tbs_der;
    body.extend(signed.algorithm.to_der().map_err(enc)?);
    body.extend(signed.signature.to_der().map_err(enc)?);
    Ok(crate::der::tlv(0x30, &body))
}

/// A non-critical extension (every CRL and CRL entry extension kavach writes is non-critical,
/// RFC 5280 §5.2.1, §5.2.3, §5.3.1).
fn extension<T: AssociatedOid + Encode>(value: &T) -> Result<Extension> {
    let enc = |source| Error::Der {
        what: "CRL extension",
        source,
    };
    Ok(Extension {
        extn_id: T::OID,
        critical: false,
        extn_value: OctetString::new(value.to_der().map_err(enc)?).map_err(enc)?,
    })
}

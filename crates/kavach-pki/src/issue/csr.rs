//! PKCS#10 certificate requests (RFC 2986): creation with a [`Signer`], parsing, and the
//! proof-of-possession check a CA makes before issuing.

use der::{Decode, Encode, Tagged};
use kavach_keys::{PublicKey, Signer};
use x509_cert::name::Name;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use super::input::DistinguishedName;
use super::sign;
use crate::error::{Error, Result};
use crate::limits::MAX_CSR_LEN;

const WHAT: &str = "certificate request";

/// A PKCS#10 `CertificationRequest`, parsed (strict DER, size-capped) but not yet verified:
/// [`CertificateRequest::verify_proof_of_possession`] checks its signature.
#[derive(Clone)]
pub struct CertificateRequest {
    der: Vec<u8>,
    request: CertReq,
    /// Byte range of `certificationRequestInfo` inside `der` (what the signature covers).
    info: core::ops::Range<usize>,
}

impl core::fmt::Debug for CertificateRequest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CertificateRequest")
            .field("subject", &self.request.info.subject.to_string())
            .finish_non_exhaustive()
    }
}

impl CertificateRequest {
    /// Parses a DER `CertificationRequest` (at most [`MAX_CSR_LEN`] bytes, no trailing data,
    /// version v1).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > MAX_CSR_LEN {
            return Err(Error::TooLarge {
                what: WHAT,
                len: der.len(),
                max: MAX_CSR_LEN,
            });
        }
        let request = CertReq::from_der(der).map_err(|source| Error::Der { what: WHAT, source })?;
        let info = crate::der::first_inner_tlv(der, WHAT)?;
        Ok(Self {
            der: der.to_vec(),
            request,
            info,
        })
    }

    /// Parses a PEM text holding exactly one `CERTIFICATE REQUEST` block (OpenSSL's
    /// `NEW CERTIFICATE REQUEST` label is read too).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let mut blocks = crate::der::pem_blocks(pem, "PEM certificate request")?;
        if blocks.len() != 1 {
            return Err(Error::Malformed {
                what: "PEM certificate request",
                reason: "expected exactly one PEM block",
            });
        }
        let block = blocks.remove(0);
        if block.label != "CERTIFICATE REQUEST" && block.label != "NEW CERTIFICATE REQUEST" {
            return Err(Error::UnexpectedPemLabel {
                label: block.label,
                expected: "CERTIFICATE REQUEST",
            });
        }
        Self::from_der(&block.der)
    }

    /// Parses PEM or DER, whichever `bytes` holds.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if kavach_keys::encoding::looks_like_pem(bytes) {
            let text = core::str::from_utf8(bytes).map_err(|_| Error::Malformed {
                what: "PEM certificate request",
                reason: "not UTF-8 text",
            })?;
            Self::from_pem(text)
        } else {
            Self::from_der(bytes)
        }
    }

    /// The exact DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM `CERTIFICATE REQUEST`.
    pub fn to_pem(&self) -> String {
        kavach_keys::encoding::pem_encode("CERTIFICATE REQUEST", &self.der)
    }

    /// The parsed structure, read-only.
    pub fn inner(&self) -> &CertReq {
        &self.request
    }

    /// The requested subject, borrowed; its [`Display`](core::fmt::Display) is the RFC 4514
    /// string (`subject().to_string()` when text is needed).
    pub fn subject(&self) -> &Name {
        &self.request.info.subject
    }

    /// The challengePassword attribute (PKCS#9), when the request carries exactly one with one
    /// UTF8String or PrintableString value; `Ok(None)` without one. Refused: the attribute given
    /// twice or with other than one value, or a value of another string type (the challenge is
    /// compared as bytes, so one spelling only). The request's signature covers the attribute:
    /// check [`Self::verify_proof_of_possession`] before trusting it.
    pub fn challenge_password(&self) -> Result<Option<String>> {
        let malformed = |reason| Error::Malformed {
            what: "challengePassword",
            reason,
        };
        let mut found = None;
        for attribute in self.request.info.attributes.iter() {
            if attribute.oid != CHALLENGE_PASSWORD {
                continue;
            }
            if found.is_some() {
                return Err(malformed("the attribute appears twice"));
            }
            let mut values = attribute.values.iter();
            let (Some(value), None) = (values.next(), values.next()) else {
                return Err(malformed("expected exactly one value"));
            };
            let text = match value.tag() {
                der::Tag::Utf8String | der::Tag::PrintableString => core::str::from_utf8(value.value())
                    .map_err(|_| malformed("not UTF-8"))?
                    .to_owned(),
                _ => return Err(malformed("not a UTF8String or PrintableString")),
            };
            found = Some(text);
        }
        Ok(found)
    }

    pub(crate) fn subject_name(&self) -> DistinguishedName {
        DistinguishedName(self.request.info.subject.clone())
    }

    pub(crate) fn subject_is_empty(&self) -> bool {
        self.request.info.subject.is_empty()
    }

    /// Verifies the request's signature with the public key it carries (the proof that the
    /// requester holds the private key, RFC 2986 §3) and returns that key.
    ///
    /// Errors: [`Error::UnsupportedPublicKey`] for a key kavach does not support,
    /// [`Error::UnsupportedSignatureAlgorithm`] / [`Error::InvalidSignatureAlgorithmParameters`]
    /// for an algorithm it does not verify or that does not fit the key, and the opaque
    /// [`Error::BadProofOfPossession`] when the signature does not verify.
    pub fn verify_proof_of_possession(&self) -> Result<PublicKey> {
        let spki = self
            .request
            .info
            .public_key
            .to_der()
            .map_err(|source| Error::Der { what: WHAT, source })?;
        let key = PublicKey::from_spki_der(&spki).map_err(|source| Error::UnsupportedPublicKey {
            subject: self.subject().to_string(),
            source,
        })?;
        let algorithm = crate::algorithm::signature_algorithm(&self.request.algorithm)?;
        let signature = self.request.signature.as_bytes().ok_or(Error::Malformed {
            what: WHAT,
            reason: "signature BIT STRING has unused bits",
        })?;
        key.verify(algorithm, &self.der[self.info.clone()], signature)
            .map_err(|_| Error::BadProofOfPossession)?;
        Ok(key)
    }
}

impl TryFrom<&[u8]> for CertificateRequest {
    type Error = Error;
    fn try_from(der: &[u8]) -> Result<Self> {
        Self::from_der(der)
    }
}

/// Creates a PKCS#10 request for `signer`'s key named `subject`, signed by `signer` (no
/// attributes: the CA decides extensions and names).
pub fn create_csr(signer: &dyn Signer, subject: &DistinguishedName) -> Result<CertificateRequest> {
    build_csr(signer, subject, None)
}

/// Creates a PKCS#10 request like [`create_csr`] carrying `challenge` in a challengePassword
/// attribute (PKCS#9, RFC 2985 §5.4.1, as a UTF8String): what binds a request to one enrollment
/// (EST, RFC 7030 §3.5; kavach's device enrollment, WIRE.md §6.3 rule 11). Refused: an empty
/// challenge or one longer than [`MAX_CHALLENGE_PASSWORD_LEN`] bytes (PKCS#9's upper bound).
pub fn create_csr_with_challenge_password(
    signer: &dyn Signer,
    subject: &DistinguishedName,
    challenge: &str,
) -> Result<CertificateRequest> {
    build_csr(signer, subject, Some(challenge))
}

/// The longest challengePassword (PKCS#9 `pkcs-9-ub-challengePassword`, RFC 2985).
pub const MAX_CHALLENGE_PASSWORD_LEN: usize = 255;

/// PKCS#9 challengePassword, 1.2.840.113549.1.9.7.
const CHALLENGE_PASSWORD: const_oid::ObjectIdentifier = const_oid::db::rfc2985::PKCS_9_AT_CHALLENGE_PASSWORD;

fn build_csr(signer: &dyn Signer, subject: &DistinguishedName, challenge: Option<&str>) -> Result<CertificateRequest> {
    let enc = |source| Error::Der { what: WHAT, source };
    let mut attributes = x509_cert::attr::Attributes::new();
    if let Some(challenge) = challenge {
        if challenge.is_empty() || challenge.len() > MAX_CHALLENGE_PASSWORD_LEN {
            return Err(Error::InvalidIssuanceInput {
                what: "challengePassword",
                reason: "must be 1 to 255 bytes",
            });
        }
        let value = der::Any::encode_from(&der::asn1::Utf8StringRef::new(challenge).map_err(enc)?).map_err(enc)?;
        let mut values = der::asn1::SetOfVec::new();
        values.insert(value).map_err(enc)?;
        attributes
            .insert(x509_cert::attr::Attribute {
                oid: CHALLENGE_PASSWORD,
                values,
            })
            .map_err(enc)?;
    }
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.as_name().clone(),
        public_key: spki::SubjectPublicKeyInfoOwned::from_der(signer.public_key().spki_der()).map_err(enc)?,
        attributes,
    };
    let info_der = info.to_der().map_err(enc)?;
    let signed = sign::sign(signer, &info_der, WHAT)?;
    let der = CertReq {
        info,
        algorithm: signed.algorithm,
        signature: signed.signature,
    }
    .to_der()
    .map_err(enc)?;
    CertificateRequest::from_der(&der)
}

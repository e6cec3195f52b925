//! The one error type of kavach-pki.
//!
//! Parse errors say which structure was malformed and why. Path-validation errors name the
//! certificate (by subject) and the rule that failed, so that `kavach cert verify` can print a
//! reason a person can act on. A signature that does not verify is reported without detail
//! beyond which certificate or CRL carried it: the verification primitive itself is opaque.
//!
//! When every candidate path fails, the path builder reports the most useful failure, by a
//! crate-internal rank (the idea of rustls-webpki's `Error::rank`, `src/error.rs`): a failure
//! found deep in a path that otherwise chained to a trust anchor says more than "unknown
//! issuer".

use std::time::SystemTime;

use const_oid::ObjectIdentifier;

use crate::purpose::Purpose;

/// Everything that can go wrong in kavach-pki.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- parsing -----
    /// The input is larger than this crate reads for such an object.
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge {
        /// What was being read (`certificate`, `CRL`, `certificate bundle`).
        what: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The largest length allowed, in bytes.
        max: usize,
    },
    /// The DER of an object does not decode.
    #[error("malformed {what}: {source}")]
    Der {
        /// What was being decoded.
        what: &'static str,
        /// The decoder's error (kind and position).
        #[source]
        source: der::Error,
    },
    /// An object decodes but breaks a structural rule of RFC 5280.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being checked.
        what: &'static str,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// The PEM framing of a certificate, CRL, certificate request or bundle is broken (no
    /// block, a block without its END line, invalid base64...; the PEM reader is
    /// `kavach_keys::encoding::pem_blocks`).
    #[error("malformed {what}: {reason}")]
    Pem {
        /// What was being read (`PEM certificate`, `PEM certificate bundle`, `PEM CRL`...).
        what: &'static str,
        /// What is wrong with its framing.
        reason: &'static str,
    },
    /// A PEM block with a label this function does not read.
    #[error("unexpected PEM label {label:?} (expected {expected})")]
    UnexpectedPemLabel {
        /// The label found.
        label: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A bundle that holds no certificate (or no CRL).
    #[error("no {what} found in the input")]
    Empty {
        /// What was looked for.
        what: &'static str,
    },
    /// More objects than this crate reads at once (in one bundle, one trust domain, one
    /// path-building call).
    #[error("{count} {what}, more than the {max} allowed")]
    TooMany {
        /// What was counted (`certificates`, `trust anchors`...).
        what: &'static str,
        /// How many: the exact number when it was known before reading them (trust anchors,
        /// supplied intermediates); `max + 1` when reading stopped at the first one too many
        /// (bundles).
        count: usize,
        /// The largest number allowed.
        max: usize,
    },
    /// The certificate's public key is of a kind kavach does not support.
    #[error("certificate {subject}: unsupported public key: {source}")]
    UnsupportedPublicKey {
        /// Subject of the certificate.
        subject: String,
        /// Why kavach-keys refused the key.
        #[source]
        source: kavach_keys::Error,
    },
    /// A signature algorithm kavach does not verify.
    #[error("unsupported signature algorithm {oid}")]
    UnsupportedSignatureAlgorithm {
        /// The algorithm's OID.
        oid: ObjectIdentifier,
    },
    /// A signature algorithm whose parameters are malformed or not allowed (e.g. RSASSA-PSS
    /// whose MGF1 hash differs from the message hash).
    #[error("invalid signature algorithm parameters: {reason}")]
    InvalidSignatureAlgorithmParameters {
        /// What is wrong with them.
        reason: &'static str,
    },
    /// A purpose name that is not one of the table in CLI.md.
    #[error("unknown purpose {0:?}")]
    UnknownPurpose(String),
    /// A server name that is neither a DNS name nor an IP address.
    #[error("invalid server name {0:?}")]
    InvalidServerName(String),

    // ----- trust stores -----
    /// A trust domain with no trust anchor fails closed.
    #[error("trust domain {domain:?} has no trust anchor")]
    EmptyTrustStore {
        /// Name of the trust domain.
        domain: String,
    },

    // ----- path validation -----
    /// No chain from the certificate to a trust anchor of the domain could be built.
    #[error("certificate {subject}: no path to a trust anchor of {domain:?} (issuer {issuer} not found)")]
    UnknownIssuer {
        /// Subject of the certificate whose issuer is missing.
        subject: String,
        /// Its issuer name.
        issuer: String,
        /// The trust domain.
        domain: String,
    },
    /// A signature on a certificate or CRL does not verify with its issuer's key.
    #[error("{what} of {subject}: signature does not verify")]
    BadSignature {
        /// `certificate` or `CRL`.
        what: &'static str,
        /// Subject of the certificate (or issuer of the CRL).
        subject: String,
    },
    /// The signature algorithm inside the signed part differs from the outer one
    /// (RFC 5280 §4.1.1.2, §5.1.1.2); refused when parsing.
    #[error("{what} of {subject}: signatureAlgorithm differs from the signed signature field")]
    SignatureAlgorithmMismatch {
        /// `certificate` or `CRL`.
        what: &'static str,
        /// Subject of the certificate (or issuer of the CRL).
        subject: String,
    },
    /// The certificate had expired at the validation time.
    #[error(
        "certificate {subject} expired at {} (validation time {})",
        crate::time::rfc3339(*.not_after),
        crate::time::rfc3339(*.time)
    )]
    Expired {
        /// Subject of the certificate.
        subject: String,
        /// Its notAfter.
        not_after: SystemTime,
        /// The validation time.
        time: SystemTime,
    },
    /// The certificate was not yet valid at the validation time.
    #[error(
        "certificate {subject} not valid before {} (validation time {})",
        crate::time::rfc3339(*.not_before),
        crate::time::rfc3339(*.time)
    )]
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Its notBefore.
        not_before: SystemTime,
        /// The validation time.
        time: SystemTime,
    },
    /// An issuer in the path is not a CA (basicConstraints absent or cA=false).
    #[error("certificate {subject} is not a CA but issues {child}")]
    NotCa {
        /// Subject of the would-be issuer.
        subject: String,
        /// Subject of the certificate it would issue.
        child: String,
    },
    /// An end-entity certificate that is a CA certificate where the purpose wants a leaf.
    #[error("certificate {subject} is a CA certificate, not an end entity")]
    CaUsedAsEndEntity {
        /// Subject of the certificate.
        subject: String,
    },
    /// A pathLenConstraint is exceeded.
    #[error("certificate {subject}: pathLenConstraint {path_len} exceeded")]
    PathLenExceeded {
        /// Subject of the constraining CA.
        subject: String,
        /// Its pathLenConstraint.
        path_len: u8,
    },
    /// An issuer's keyUsage lacks keyCertSign.
    #[error("certificate {subject}: keyUsage lacks keyCertSign")]
    MissingKeyCertSign {
        /// Subject of the issuer.
        subject: String,
    },
    /// A CA certificate (basicConstraints cA=true) in the path — trust anchor, intermediate, or
    /// the end entity itself — has no keyUsage extension: RFC 5280 §4.2.1.3 "Conforming CAs
    /// MUST include this extension" in certificates whose keys verify signatures on
    /// certificates or CRLs (STRICTER.md S15).
    #[error("certificate {subject}: CA certificate without keyUsage")]
    MissingKeyUsage {
        /// Subject of the issuer.
        subject: String,
    },
    /// A CA whose keyUsage lacks cRLSign signed a CRL.
    #[error("certificate {subject}: keyUsage lacks cRLSign")]
    MissingCrlSign {
        /// Subject of the CRL issuer.
        subject: String,
    },
    /// A name in a certificate is outside the name constraints of a CA above it.
    #[error("certificate {subject}: name {name} is outside the name constraints of {constrained_by}")]
    NameConstraintViolation {
        /// Subject of the certificate.
        subject: String,
        /// The offending name.
        name: String,
        /// Subject of the CA whose constraint it breaks.
        constrained_by: String,
    },
    /// A critical extension this crate does not process (RFC 5280 §4.2).
    #[error("certificate {subject}: unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Subject of the certificate.
        subject: String,
        /// The extension's OID.
        oid: ObjectIdentifier,
    },
    /// A certificate breaks an RFC 5280 profile rule checked during validation
    /// (e.g. an empty subject without a critical subjectAltName).
    #[error("certificate {subject}: {reason}")]
    ProfileViolation {
        /// Subject of the certificate.
        subject: String,
        /// The rule it breaks.
        reason: ProfileRule,
    },
    /// The certificate's key does not meet the key policy.
    #[error("certificate {subject}: key {key} refused by the key policy")]
    KeyPolicy {
        /// Subject of the certificate.
        subject: String,
        /// The key's kind (e.g. `RSA-1024`).
        key: String,
    },
    /// The end entity does not fit the purpose (CLI.md purpose table).
    #[error("certificate {subject} is not valid for {purpose}: {reason}")]
    PurposeMismatch {
        /// Subject of the end entity (or of the CA whose EKU forbids it).
        subject: String,
        /// The purpose asked for.
        purpose: Purpose,
        /// Which rule failed.
        reason: &'static str,
    },
    /// The end entity is not valid for the server name.
    #[error("certificate {subject} is not valid for name {name}")]
    NameMismatch {
        /// Subject of the end entity.
        subject: String,
        /// The name asked for.
        name: String,
    },
    /// The certificate is revoked by a current CRL of its issuer.
    #[error("certificate {subject} (serial {serial}) is revoked")]
    Revoked {
        /// Subject of the certificate.
        subject: String,
        /// Its serial number in hex.
        serial: String,
    },
    /// CRLs were supplied but none of them covers the end entity (CLI.md: refused).
    #[error("certificate {subject}: revocation status unknown (no current CRL of its issuer)")]
    RevocationStatusUnknown {
        /// Subject of the certificate.
        subject: String,
    },
    /// The chain is longer than allowed.
    #[error("chain longer than the maximum depth {max}")]
    MaxDepthExceeded {
        /// The maximum number of intermediates.
        max: usize,
    },
    /// Path building ran out of budget (see `verify::Budget`).
    #[error("path building budget exhausted: {what}")]
    BudgetExceeded {
        /// Which budget ran out.
        what: &'static str,
    },

    // ----- issuance (issue/) -----
    /// An RFC 4514 name that does not parse, or is empty.
    #[error("invalid distinguished name {input:?}: {reason}")]
    InvalidDistinguishedName {
        /// The input (first 128 characters).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An input to issuance that cannot go into a certificate or CRL (validity, SAN, URI...).
    #[error("cannot issue: {what}: {reason}")]
    InvalidIssuanceInput {
        /// Which input.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The issuer certificate may not sign what was asked (not a CA, keyUsage, pathLen 0).
    #[error("issuer {subject} cannot issue this: {reason}")]
    IssuerCannotIssue {
        /// Subject of the issuer certificate.
        subject: String,
        /// Why not.
        reason: &'static str,
    },
    /// The signer's public key is not the key of the issuer certificate.
    #[error("the signer's key is not the key of issuer certificate {subject}")]
    IssuerKeyMismatch {
        /// Subject of the issuer certificate.
        subject: String,
    },
    /// The signer failed, or made a signature its own public key does not verify.
    #[error("signing the {what} failed: {source}")]
    Signing {
        /// What was being signed.
        what: &'static str,
        /// The signer's (or the self-check's) error.
        #[source]
        source: kavach_keys::Error,
    },
    /// A key operation outside signing failed (e.g. generating the keys of the demo PKI).
    #[error("{context}: {source}")]
    Key {
        /// What kavach was doing.
        context: &'static str,
        /// The key layer's error.
        #[source]
        source: kavach_keys::Error,
    },
    /// No end-entity certificate of this purpose can be issued for this key or at all.
    #[error("cannot issue a {purpose} certificate {reason}")]
    PurposeNotIssuable {
        /// The purpose asked for.
        purpose: Purpose,
        /// Why not.
        reason: &'static str,
    },
    /// A PKCS#10 request whose signature does not verify with its own key. Opaque by design.
    #[error("certificate request: proof of possession failed")]
    BadProofOfPossession,
}

/// The profile rule an [`Error::ProfileViolation`] names: one variant per rule that path
/// validation checks beyond the §6.1 algorithm (all `KVC-PKI-PROFILE`). Match on these, not on
/// the text; the text ([`ProfileRule::as_str`], also its `Display`) is the sentence the CLI
/// prints after the subject and does not change for a given variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileRule {
    /// The certificate is not X.509 v3 (RFC 5280 §4.1.2.1; CA/Browser Forum BR §7.1.1; STRICTER.md S14).
    NotV3,
    /// The serial number is negative (RFC 5280 §4.1.2.2: "a positive integer"); not checked on trust anchors.
    NegativeSerial,
    /// The serial number is zero (RFC 5280 §4.1.2.2); not checked on trust anchors.
    ZeroSerial,
    /// The serial number is longer than 20 octets (RFC 5280 §4.1.2.2); not checked on trust anchors.
    SerialTooLong,
    /// The issuer is an empty name (RFC 5280 §4.1.2.4: "MUST contain a non-empty distinguished name").
    EmptyIssuer,
    /// The authorityKeyIdentifier is marked critical (RFC 5280 §4.2.1.1: "MUST mark this extension as non-critical").
    CriticalAuthorityKeyIdentifier,
    /// The authorityKeyIdentifier has no keyIdentifier (RFC 5280 §4.2.1.1).
    AuthorityKeyIdentifierWithoutKeyIdentifier,
    /// The authorityKeyIdentifier carries authorityCertIssuer / authorityCertSerialNumber (CA/Browser Forum BR §7.1.2.11.1).
    AuthorityKeyIdentifierWithIssuerAndSerial,
    /// A self-issued trust anchor whose authorityKeyIdentifier differs from its own subjectKeyIdentifier (x509-limbo `webpki::aki::root-with-aki-ski-mismatch`).
    SelfSignedAuthorityKeyIdentifierMismatch,
    /// A certificate that is neither self-issued nor a trust anchor has no authorityKeyIdentifier (RFC 5280 §4.2.1.1).
    MissingAuthorityKeyIdentifier,
    /// The subjectKeyIdentifier is marked critical (RFC 5280 §4.2.1.2: "MUST mark this extension as non-critical").
    CriticalSubjectKeyIdentifier,
    /// keyUsage asserts keyCertSign without basicConstraints cA=true (RFC 5280 §4.2.1.3, §4.2.1.9; STRICTER.md S3).
    KeyCertSignWithoutCa,
    /// An issuer in the path has no subjectKeyIdentifier (RFC 5280 §4.2.1.2: "MUST appear in all conforming CA certificates").
    CaWithoutSubjectKeyIdentifier,
    /// An issuer in the path has an empty subject (RFC 5280 §4.1.2.6).
    CaWithEmptySubject,
    /// An issuer's nameConstraints is not marked critical (RFC 5280 §4.2.1.10; STRICTER.md S13).
    NonCriticalNameConstraints,
    /// The end entity has an empty subject and no subjectAltName (RFC 5280 §4.2.1.6).
    EmptySubjectWithoutSubjectAltName,
    /// The end entity has an empty subject and a non-critical subjectAltName (RFC 5280 §4.2.1.6: then "MUST mark the subjectAltName extension as critical").
    EmptySubjectWithNonCriticalSubjectAltName,
    /// The end entity has a subject and a critical subjectAltName (RFC 5280 §4.2.1.6; CA/Browser Forum BR §7.1.2.7.12).
    CriticalSubjectAltNameWithSubject,
    /// nameConstraints in a certificate that is not a CA (RFC 5280 §4.2.1.10: "MUST be used only in a CA certificate").
    NameConstraintsInEndEntity,
}

impl ProfileRule {
    /// Every rule, in the order validation checks them.
    pub const ALL: [Self; 19] = [
        Self::NotV3,
        Self::NegativeSerial,
        Self::ZeroSerial,
        Self::SerialTooLong,
        Self::EmptyIssuer,
        Self::CriticalAuthorityKeyIdentifier,
        Self::AuthorityKeyIdentifierWithoutKeyIdentifier,
        Self::AuthorityKeyIdentifierWithIssuerAndSerial,
        Self::SelfSignedAuthorityKeyIdentifierMismatch,
        Self::MissingAuthorityKeyIdentifier,
        Self::CriticalSubjectKeyIdentifier,
        Self::KeyCertSignWithoutCa,
        Self::CaWithoutSubjectKeyIdentifier,
        Self::CaWithEmptySubject,
        Self::NonCriticalNameConstraints,
        Self::EmptySubjectWithoutSubjectAltName,
        Self::EmptySubjectWithNonCriticalSubjectAltName,
        Self::CriticalSubjectAltNameWithSubject,
        Self::NameConstraintsInEndEntity,
    ];

    /// The rule as a sentence fragment, e.g. `keyCertSign without basicConstraints cA`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotV3 => "not an X.509 v3 certificate",
            Self::NegativeSerial => "negative serial number",
            Self::ZeroSerial => "zero serial number",
            Self::SerialTooLong => "serial number longer than 20 octets",
            Self::EmptyIssuer => "empty issuer name",
            Self::CriticalAuthorityKeyIdentifier => "critical authorityKeyIdentifier",
            Self::AuthorityKeyIdentifierWithoutKeyIdentifier => "authorityKeyIdentifier without keyIdentifier",
            Self::AuthorityKeyIdentifierWithIssuerAndSerial => "authorityKeyIdentifier with issuer and serial number",
            Self::SelfSignedAuthorityKeyIdentifierMismatch => {
                "self-signed certificate whose authorityKeyIdentifier is not its own key"
            }
            Self::MissingAuthorityKeyIdentifier => "missing authorityKeyIdentifier",
            Self::CriticalSubjectKeyIdentifier => "critical subjectKeyIdentifier",
            Self::KeyCertSignWithoutCa => "keyCertSign without basicConstraints cA",
            Self::CaWithoutSubjectKeyIdentifier => "CA certificate without subjectKeyIdentifier",
            Self::CaWithEmptySubject => "CA certificate with an empty subject",
            Self::NonCriticalNameConstraints => "non-critical nameConstraints",
            Self::EmptySubjectWithoutSubjectAltName => "empty subject without subjectAltName",
            Self::EmptySubjectWithNonCriticalSubjectAltName => "empty subject with a non-critical subjectAltName",
            Self::CriticalSubjectAltNameWithSubject => "critical subjectAltName with a non-empty subject",
            Self::NameConstraintsInEndEntity => "nameConstraints in an end-entity certificate",
        }
    }
}

impl core::fmt::Display for ProfileRule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A stable code for this error (`KVC-PKI-…`), printed by the CLI and usable in logs and
    /// tests; it never changes for a given variant.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "KVC-PKI-TOO-LARGE",
            Self::Der { .. } | Self::Malformed { .. } => "KVC-PKI-MALFORMED",
            Self::Pem { .. } | Self::UnexpectedPemLabel { .. } => "KVC-PKI-PEM",
            Self::Empty { .. } => "KVC-PKI-EMPTY",
            Self::TooMany { .. } => "KVC-PKI-TOO-MANY",
            Self::UnsupportedPublicKey { .. } => "KVC-PKI-UNSUPPORTED-KEY",
            Self::UnsupportedSignatureAlgorithm { .. } => "KVC-PKI-UNSUPPORTED-SIGALG",
            Self::InvalidSignatureAlgorithmParameters { .. } => "KVC-PKI-BAD-SIGALG-PARAMS",
            Self::UnknownPurpose(_) => "KVC-PKI-UNKNOWN-PURPOSE",
            Self::InvalidServerName(_) => "KVC-PKI-BAD-SERVER-NAME",
            Self::EmptyTrustStore { .. } => "KVC-PKI-EMPTY-TRUST-STORE",
            Self::UnknownIssuer { .. } => "KVC-PKI-UNKNOWN-ISSUER",
            Self::BadSignature { .. } => "KVC-PKI-BAD-SIGNATURE",
            Self::SignatureAlgorithmMismatch { .. } => "KVC-PKI-SIGALG-MISMATCH",
            Self::Expired { .. } => "KVC-PKI-EXPIRED",
            Self::NotYetValid { .. } => "KVC-PKI-NOT-YET-VALID",
            Self::NotCa { .. } => "KVC-PKI-NOT-CA",
            Self::CaUsedAsEndEntity { .. } => "KVC-PKI-CA-AS-END-ENTITY",
            Self::PathLenExceeded { .. } => "KVC-PKI-PATHLEN",
            Self::MissingKeyCertSign { .. } => "KVC-PKI-NO-KEYCERTSIGN",
            Self::MissingKeyUsage { .. } => "KVC-PKI-NO-KEYUSAGE",
            Self::MissingCrlSign { .. } => "KVC-PKI-NO-CRLSIGN",
            Self::NameConstraintViolation { .. } => "KVC-PKI-NAME-CONSTRAINT",
            Self::UnknownCriticalExtension { .. } => "KVC-PKI-UNKNOWN-CRITICAL-EXT",
            Self::ProfileViolation { .. } => "KVC-PKI-PROFILE",
            Self::KeyPolicy { .. } => "KVC-PKI-KEY-POLICY",
            Self::PurposeMismatch { .. } => "KVC-PKI-PURPOSE",
            Self::NameMismatch { .. } => "KVC-PKI-NAME-MISMATCH",
            Self::Revoked { .. } => "KVC-PKI-REVOKED",
            Self::RevocationStatusUnknown { .. } => "KVC-PKI-REVOCATION-UNKNOWN",
            Self::MaxDepthExceeded { .. } => "KVC-PKI-MAX-DEPTH",
            Self::BudgetExceeded { .. } => "KVC-PKI-BUDGET",
            Self::InvalidDistinguishedName { .. } => "KVC-PKI-BAD-NAME",
            Self::InvalidIssuanceInput { .. } => "KVC-PKI-ISSUANCE-INPUT",
            Self::IssuerCannotIssue { .. } => "KVC-PKI-ISSUER-CANNOT-ISSUE",
            Self::IssuerKeyMismatch { .. } => "KVC-PKI-ISSUER-KEY-MISMATCH",
            Self::Key { .. } => "KVC-PKI-KEY",
            Self::Signing { .. } => "KVC-PKI-SIGNING",
            Self::PurposeNotIssuable { .. } => "KVC-PKI-PURPOSE-NOT-ISSUABLE",
            Self::BadProofOfPossession => "KVC-PKI-CSR-POP",
        }
    }

    /// True when the input could not be read as the object it should be — its size, count,
    /// framing, encoding or structure — rather than read and refused by a check: the command
    /// line's exit status 2 (a malformed file) as opposed to 1 (a refusal).
    ///
    /// Exactly these variants: [`Error::TooLarge`], [`Error::TooMany`], [`Error::Der`],
    /// [`Error::Malformed`], [`Error::Pem`], [`Error::UnexpectedPemLabel`] and [`Error::Empty`].
    /// Every other variant — an unsupported key or algorithm, a bad value of an argument, a
    /// path-validation failure, an issuance failure — is not.
    ///
    /// `kavach` itself decides by what it was doing: every error of reading a file is exit 2,
    /// every error of validating is exit 1 (a flood of intermediates handed to `cert verify`,
    /// [`Error::TooMany`], is refused with 1).
    pub fn is_malformed_input(&self) -> bool {
        match self {
            Self::TooLarge { .. }
            | Self::TooMany { .. }
            | Self::Der { .. }
            | Self::Malformed { .. }
            | Self::Pem { .. }
            | Self::UnexpectedPemLabel { .. }
            | Self::Empty { .. } => true,
            Self::UnsupportedPublicKey { .. }
            | Self::UnsupportedSignatureAlgorithm { .. }
            | Self::InvalidSignatureAlgorithmParameters { .. }
            | Self::UnknownPurpose(_)
            | Self::InvalidServerName(_)
            | Self::EmptyTrustStore { .. }
            | Self::UnknownIssuer { .. }
            | Self::BadSignature { .. }
            | Self::SignatureAlgorithmMismatch { .. }
            | Self::Expired { .. }
            | Self::NotYetValid { .. }
            | Self::NotCa { .. }
            | Self::CaUsedAsEndEntity { .. }
            | Self::PathLenExceeded { .. }
            | Self::MissingKeyCertSign { .. }
            | Self::MissingKeyUsage { .. }
            | Self::MissingCrlSign { .. }
            | Self::NameConstraintViolation { .. }
            | Self::UnknownCriticalExtension { .. }
            | Self::ProfileViolation { .. }
            | Self::KeyPolicy { .. }
            | Self::PurposeMismatch { .. }
            | Self::NameMismatch { .. }
            | Self::Revoked { .. }
            | Self::RevocationStatusUnknown { .. }
            | Self::MaxDepthExceeded { .. }
            | Self::BudgetExceeded { .. }
            | Self::InvalidDistinguishedName { .. }
            | Self::InvalidIssuanceInput { .. }
            | Self::IssuerCannotIssue { .. }
            | Self::IssuerKeyMismatch { .. }
            | Self::Signing { .. }
            | Self::Key { .. }
            | Self::PurposeNotIssuable { .. }
            | Self::BadProofOfPossession => false,
        }
    }

    /// How useful this error is as the reason a whole validation failed, when several candidate
    /// paths failed differently: higher is more useful and wins.
    ///
    /// Same idea as rustls-webpki's `Error::rank` (`src/error.rs`): budget exhaustion outranks
    /// everything (the answer is "unknown", not "invalid"); failures of the end entity itself
    /// (purpose, name, revocation, validity) come next since no other path can fix them; then
    /// failures on a path that reached a trust anchor; "unknown issuer" is the least specific.
    /// Every variant is listed (no catch-all), so a new one must be ranked where it is added;
    /// the rest (parsing, issuance, a CRL issuer without cRLSign...) rank 50.
    pub(crate) fn rank(&self) -> u32 {
        match self {
            Self::BudgetExceeded { .. } => 1000,
            Self::Revoked { .. } => 300,
            Self::NameMismatch { .. } | Self::PurposeMismatch { .. } => 250,
            Self::RevocationStatusUnknown { .. } => 240,
            Self::Expired { .. } | Self::NotYetValid { .. } => 230,
            Self::KeyPolicy { .. } | Self::UnknownCriticalExtension { .. } | Self::ProfileViolation { .. } => 220,
            Self::NameConstraintViolation { .. } => 210,
            Self::PathLenExceeded { .. }
            | Self::NotCa { .. }
            | Self::MissingKeyCertSign { .. }
            | Self::MissingKeyUsage { .. } => 200,
            Self::CaUsedAsEndEntity { .. } => 200,
            Self::BadSignature { .. }
            | Self::SignatureAlgorithmMismatch { .. }
            | Self::UnsupportedSignatureAlgorithm { .. }
            | Self::InvalidSignatureAlgorithmParameters { .. } => 150,
            Self::MaxDepthExceeded { .. } => 120,
            Self::UnsupportedPublicKey { .. } => 110,
            Self::UnknownIssuer { .. } => 0,
            Self::TooLarge { .. }
            | Self::TooMany { .. }
            | Self::Der { .. }
            | Self::Malformed { .. }
            | Self::Pem { .. }
            | Self::UnexpectedPemLabel { .. }
            | Self::Empty { .. }
            | Self::UnknownPurpose(_)
            | Self::InvalidServerName(_)
            | Self::EmptyTrustStore { .. }
            | Self::MissingCrlSign { .. }
            | Self::InvalidDistinguishedName { .. }
            | Self::InvalidIssuanceInput { .. }
            | Self::IssuerCannotIssue { .. }
            | Self::IssuerKeyMismatch { .. }
            | Self::Signing { .. }
            | Self::Key { .. }
            | Self::PurposeNotIssuable { .. }
            | Self::BadProofOfPossession => 50,
        }
    }
}

/// Result alias of kavach-pki.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Parses a purpose's CLI name (`tls-server`, …; [`Purpose::as_str`]); anything else is
/// [`Error::UnknownPurpose`]. Implemented here rather than in `purpose.rs` so that the module
/// this error type names depends on nothing else in the crate (no module cycle).
impl core::str::FromStr for Purpose {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| Error::UnknownPurpose(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn malformed_input_and_refusals_are_told_apart() {
        let malformed = Error::Malformed {
            what: "certificate",
            reason: "v1 with extensions",
        };
        let too_many = Error::TooMany {
            what: "certificates",
            count: 1025,
            max: 1024,
        };
        assert!(malformed.is_malformed_input());
        assert!(too_many.is_malformed_input());
        assert_eq!(too_many.to_string(), "1025 certificates, more than the 1024 allowed");
        let too_large = Error::TooLarge {
            what: "certificate",
            len: 11,
            max: 10,
        };
        assert_eq!(
            too_large.to_string(),
            "certificate is 11 bytes, more than the 10 allowed"
        );
        for refusal in [
            Error::Revoked {
                subject: "CN=leaf".into(),
                serial: "01".into(),
            },
            Error::UnknownIssuer {
                subject: "CN=leaf".into(),
                issuer: "CN=ca".into(),
                domain: "partner".into(),
            },
            Error::BudgetExceeded { what: "signatures" },
        ] {
            assert!(!refusal.is_malformed_input(), "{refusal:?}");
        }
    }

    #[test]
    fn validity_errors_write_times_as_rfc3339() {
        let at = |secs| crate::time::system_time(secs);
        let expired = Error::Expired {
            subject: "CN=leaf".into(),
            not_after: at(-631_152_000),
            time: at(1_795_460_400),
        };
        assert_eq!(
            expired.to_string(),
            "certificate CN=leaf expired at 1950-01-01T00:00:00Z (validation time 2026-11-23T19:00:00Z)"
        );
        let not_yet = Error::NotYetValid {
            subject: "CN=leaf".into(),
            not_before: at(253_402_300_799),
            time: at(0),
        };
        assert_eq!(
            not_yet.to_string(),
            "certificate CN=leaf not valid before 9999-12-31T23:59:59Z (validation time 1970-01-01T00:00:00Z)"
        );
    }

    #[test]
    fn profile_rules_print_the_sentences_they_always_printed() {
        // The texts of the former `reason: &'static str`, so CLI output stays as it was.
        let expected = [
            (ProfileRule::NotV3, "not an X.509 v3 certificate"),
            (ProfileRule::NegativeSerial, "negative serial number"),
            (ProfileRule::ZeroSerial, "zero serial number"),
            (ProfileRule::SerialTooLong, "serial number longer than 20 octets"),
            (ProfileRule::EmptyIssuer, "empty issuer name"),
            (
                ProfileRule::CriticalAuthorityKeyIdentifier,
                "critical authorityKeyIdentifier",
            ),
            (
                ProfileRule::AuthorityKeyIdentifierWithoutKeyIdentifier,
                "authorityKeyIdentifier without keyIdentifier",
            ),
            (
                ProfileRule::AuthorityKeyIdentifierWithIssuerAndSerial,
                "authorityKeyIdentifier with issuer and serial number",
            ),
            (
                ProfileRule::SelfSignedAuthorityKeyIdentifierMismatch,
                "self-signed certificate whose authorityKeyIdentifier is not its own key",
            ),
            (
                ProfileRule::MissingAuthorityKeyIdentifier,
                "missing authorityKeyIdentifier",
            ),
            (
                ProfileRule::CriticalSubjectKeyIdentifier,
                "critical subjectKeyIdentifier",
            ),
            (
                ProfileRule::KeyCertSignWithoutCa,
                "keyCertSign without basicConstraints cA",
            ),
            (
                ProfileRule::CaWithoutSubjectKeyIdentifier,
                "CA certificate without subjectKeyIdentifier",
            ),
            (ProfileRule::CaWithEmptySubject, "CA certificate with an empty subject"),
            (ProfileRule::NonCriticalNameConstraints, "non-critical nameConstraints"),
            (
                ProfileRule::EmptySubjectWithoutSubjectAltName,
                "empty subject without subjectAltName",
            ),
            (
                ProfileRule::EmptySubjectWithNonCriticalSubjectAltName,
                "empty subject with a non-critical subjectAltName",
            ),
            (
                ProfileRule::CriticalSubjectAltNameWithSubject,
                "critical subjectAltName with a non-empty subject",
            ),
            (
                ProfileRule::NameConstraintsInEndEntity,
                "nameConstraints in an end-entity certificate",
            ),
        ];
        assert_eq!(expected.map(|(rule, _)| rule), ProfileRule::ALL);
        for (rule, text) in expected {
            assert_eq!(rule.to_string(), text);
            let e = Error::ProfileViolation {
                subject: "CN=leaf".into(),
                reason: rule,
            };
            assert_eq!(e.to_string(), format!("certificate CN=leaf: {text}"));
            assert_eq!(e.code(), "KVC-PKI-PROFILE");
        }
    }

    #[test]
    fn broken_certificate_pem_names_the_certificate_not_a_key() {
        let text = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let e = crate::der::pem_blocks(text, "PEM certificate bundle").unwrap_err();
        assert_eq!(e.code(), "KVC-PKI-PEM");
        let message = e.to_string();
        assert!(message.starts_with("malformed PEM certificate bundle: "), "{message}");
        assert!(!message.contains("key"), "{message}");
    }
}

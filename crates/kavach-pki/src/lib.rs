//! kavach-pki: X.509 certificates, trust domains, RFC 5280 path validation and issuance.
//!
//! This crate decides whom every other kavach layer trusts: the TLS peers, the encryption
//! certificate a partner seals to, the signer of a request, a device's FTM chip.
//!
//! # Validation
//!
//! 1. Parse once at the boundary: [`Certificate::from_der`], [`Certificate::from_pem`],
//!    [`Certificate::parse_bundle`] (PEM, DER, PKCS#7/P7B as MOSIP emits them) and
//!    [`Crl::from_der`] / [`Crl::parse_bundle`]. What parses is structurally sound (strict DER,
//!    size-capped, no duplicate extension, extensions only in v3, the signature algorithm
//!    inside and outside the signed part equal).
//! 2. Put the anchors of one trust domain (`AUTH`, `DEVICE`, `FTM`, `PARTNER`, …) in a
//!    [`TrustDomain`]; an empty one is an error.
//! 3. Keep one [`Validator`] for the process (it is `Send + Sync`; share it in an `Arc`) and
//!    call [`Validator::verify`] with [`ValidationOptions`]: the [`Purpose`] (CLI.md's table),
//!    the time, optionally a [`ServerName`], CRLs, a [`KeyPolicy`] and a maximum depth, each
//!    set by a consuming `with_*` method (the workspace's convention for every options type:
//!    `with_*` setters, plain-noun getters, private fields, enums rather than `bool` modes).
//! 4. Act only on the returned [`VerifiedPath`]; on failure, [`Error::code`] is a stable code
//!    and the message names the certificate and the rule.
//!
//! What [`Validator::verify`] checks (RFC 5280 §6.1 and the rules documented on each item):
//! signatures (RSA PKCS#1 v1.5 and PSS with their parameters checked, ECDSA P-256/P-384,
//! Ed25519), name chaining with AKI/SKI ordering, validity of every
//! certificate at the given time, basicConstraints and pathLenConstraint, keyUsage present
//! with keyCertSign on every CA, name constraints (DNS, IP, email, directoryName, URI;
//! unprocessable forms refused; DNS ones also on the end entity's host-name CN when it has no
//! dNSName — see `STRICTER.md` for every rule beyond RFC 5280 §6.1), unknown
//! critical extensions, CRL revocation (CLI.md: once any CRL is given, the end entity must be
//! covered by a current CRL of its issuer), the key policy on every certificate, the purpose
//! on the end entity and the server name against subjectAltName only (never the CN). Path
//! building is bounded by a budget ([`MAX_SIGNATURE_CHECKS`], [`MAX_PATH_BUILDING_CALLS`],
//! [`MAX_NAME_CONSTRAINT_COMPARISONS`]) and reports the most useful failure (ranked like
//! rustls-webpki's `Error::rank`: budget exhaustion first, "unknown issuer" last).
//!
//! What a caller must still do: choose the trust domain that fits the use (a `DEVICE` anchor
//! must not vouch for a partner); supply CRLs when revocation matters (without any, none is
//! checked); and fetch fresh CRLs before their nextUpdate.
//!
//! ```no_run
//! use std::time::SystemTime;
//! use kavach_pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator};
//!
//! # fn main() -> Result<(), kavach_pki::Error> {
//! let roots = Certificate::parse_bundle(&std::fs::read("root-ca.pem").unwrap_or_default())?;
//! let chain = Certificate::parse_bundle(&std::fs::read("chain.pem").unwrap_or_default())?;
//! let domain = TrustDomain::new("PARTNER", roots)?;
//! let validator = Validator::new();
//! let options = ValidationOptions::new(Purpose::Encryption, SystemTime::now());
//! let path = validator.verify(&domain, &chain[0], &chain[1..], &options)?;
//! println!("sealing to {}", path.end_entity().subject());
//! # Ok(())
//! # }
//! ```
//!
//! # Issuance
//!
//! See [`issue`]: roots, intermediates, end entities per purpose, certificates from a CSR and
//! CRLs, signed by any [`kavach_keys::Signer`].
//!
//! # x509-cert in the API
//!
//! x509-cert 0.3 is a public dependency: names ([`Certificate::subject`],
//! [`Certificate::issuer`], [`Crl::issuer`], [`issue::CertificateRequest::subject`],
//! [`issue::DistinguishedName::as_name`] return `&x509_cert::name::Name`, whose `Display` is
//! the RFC 4514 string), [`KeyUsage`] / [`KeyUsages`], [`GeneralName`] (subjectAltName and
//! name constraints), `BasicConstraints` and `CrlReason` in the issuance inputs, and the parsed
//! structures behind [`Certificate::inner`], [`Crl::inner`] and
//! [`issue::CertificateRequest::inner`]. Through it, `der` 0.8 ([`Error::Der`]'s source) and
//! `const-oid` 0.10 ([`ObjectIdentifier`]) are public too. The crate re-exports
//! [`x509_cert`] so that callers name these types at the version it was built with; a new major
//! version of x509-cert is a new major version of kavach-pki.
//!
//! # Features
//!
//! - `demo`: the `demo` module, the demo PKI of `kavach pki init` and the examples — for demos
//!   and tests, never for production trust (off by default).
//! - `testing`: the `testing` module, the throwaway test PKI of the workspace's tests (off by
//!   default; enabled as a dev-dependency feature).
//!
//! The `internal` module (hidden from the documentation) holds hooks for kavach's own fuzz
//! targets and tests: not part of the API, no semver promise.
#![forbid(unsafe_code)]

mod algorithm;
mod bundle;
mod cert;
mod crl;
#[cfg(feature = "demo")]
pub mod demo;
mod der;
mod error;
#[doc(hidden)]
pub mod internal;
pub mod issue;
mod limits;
mod name;
mod pkcs7;
mod policy;
mod purpose;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod thumbprint;
mod time;
mod verify;

pub use cert::Certificate;
pub use const_oid::ObjectIdentifier;
pub use crl::Crl;
pub use error::{Error, ProfileRule, Result};
pub use limits::{
    DEFAULT_CERTIFICATE_CACHE, DEFAULT_CERTIFICATE_CACHE_BYTES, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_SIGNATURE_CACHE,
    MAX_BUNDLE_CERTIFICATES, MAX_BUNDLE_CRLS, MAX_BUNDLE_LEN, MAX_CERTIFICATE_LEN, MAX_CRL_LEN, MAX_ISSUER_CANDIDATES,
    MAX_NAME_CONSTRAINT_COMPARISONS, MAX_PATH_BUILDING_CALLS, MAX_PATH_INTERMEDIATES, MAX_SIGNATURE_CHECKS,
    MAX_SUPPLIED_INTERMEDIATES, MAX_TRUST_DOMAIN_CERTIFICATES,
};
pub use name::{DnsName, ServerName};
pub use policy::{DEFAULT_MIN_RSA_BITS, KeyCurve, KeyPolicy, MIN_RSA_BITS_FLOOR};
pub use purpose::Purpose;
pub use store::TrustDomain;
pub use time::rfc3339;
pub use verify::{ValidationOptions, Validator, VerifiedPath, Work};
/// x509-cert 0.3, a public dependency of this crate (see "x509-cert in the API" above): the
/// version whose types [`Certificate::subject`], [`Certificate::inner`], [`KeyUsage`],
/// [`GeneralName`] and the issuance inputs use, with its `der` and `spki` re-exports.
pub use x509_cert;
pub use x509_cert::ext::pkix::name::GeneralName;
pub use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

//! kavach-pki: X.509 certificates, trust domains, RFC 5280 path validation and issuance.
#![forbid(unsafe_code)]

mod algorithm;
mod cert;
mod crl;
mod error;
pub mod issue;
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

pub use algorithm::signature_algorithm;
pub use cert::{Certificate, MAX_BUNDLE_CERTIFICATES, MAX_BUNDLE_LEN, MAX_CERTIFICATE_LEN};
pub use const_oid::ObjectIdentifier;
pub use crl::{Crl, MAX_BUNDLE_CRLS, MAX_CRL_LEN};
pub use error::{Error, Result};
pub use name::{DnsName, ServerName};
pub use policy::{DEFAULT_MIN_RSA_BITS, KeyPolicy, MIN_RSA_BITS_FLOOR};
pub use purpose::Purpose;
pub use store::{MAX_TRUST_DOMAIN_CERTIFICATES, TrustDomain};
pub use verify::{
    DEFAULT_CERTIFICATE_CACHE, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_SIGNATURE_CACHE, MAX_NAME_CONSTRAINT_COMPARISONS,
    MAX_PATH_BUILDING_CALLS, MAX_PATH_INTERMEDIATES, MAX_SIGNATURE_CHECKS, ValidationOptions, Validator, VerifiedPath,
};
pub use x509_cert::ext::pkix::name::GeneralName;
pub use x509_cert::ext::pkix::{KeyUsage, KeyUsages};

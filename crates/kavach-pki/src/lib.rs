//! kavach-pki: X.509 certificates, trust domains, RFC 5280 path validation and issuance.
#![forbid(unsafe_code)]

mod cert;
mod crl;
mod error;
pub mod issue;
#[cfg(feature = "testing")]
pub mod testing;
mod pkcs7;
mod purpose;
mod thumbprint;

pub use cert::{Certificate, MAX_BUNDLE_CERTIFICATES, MAX_BUNDLE_LEN, MAX_CERTIFICATE_LEN};
pub use crl::{Crl, MAX_BUNDLE_CRLS, MAX_CRL_LEN};
pub use error::{Error, Result};
pub use purpose::Purpose;
pub use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
pub use const_oid::ObjectIdentifier;

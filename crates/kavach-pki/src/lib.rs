//! kavach-pki: X.509 certificates, trust domains, RFC 5280 path validation and issuance.
#![forbid(unsafe_code)]

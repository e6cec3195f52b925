//! Every bound kavach-pki puts on what it reads and on the work one validation does, in one
//! place. The public ones are re-exported at the crate root (issuance ones in
//! [`crate::issue`]); each doc says where the value comes from.
//!
//! This module is a leaf: it depends on no other module of the crate.

// ---------------------------------------------------------------------------------------------
// Parsing: certificates, CRLs, bundles.
// ---------------------------------------------------------------------------------------------

/// Largest DER certificate read: 64 KiB.
///
/// Real certificates are 0.5–10 KB; even CDN certificates carrying hundreds of subjectAltNames
/// stay well under 32 KB. TLS 1.3 would allow up to 2^24-1 bytes per entry (RFC 8446 §4.4.2),
/// far more than any legitimate certificate, so like OpenSSL's default `max_cert_list`-style
/// limits we bound memory and decoder work per certificate instead of trusting the peer.
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// Largest DER CRL read: 16 MiB. The largest public CAs' CRLs are a few MB (and CAs such as
/// Let's Encrypt shard theirs to keep each small); a MOSIP deployment's CA revokes far fewer.
/// The number of revoked entries walked is bounded by this size (each entry is ≥ 15 bytes).
pub const MAX_CRL_LEN: usize = 16 * 1024 * 1024;

/// Largest bundle (PEM text, DER sequence or PKCS#7) of certificates or CRLs read by
/// [`crate::Certificate::parse_bundle`] and [`crate::Crl::parse_bundle`]: 16 MiB, so that one CRL
/// of [`MAX_CRL_LEN`] fits in a bundle. Mozilla's whole root store as one PEM file is about
/// 220 KB.
pub const MAX_BUNDLE_LEN: usize = 16 * 1024 * 1024;

const _: () = assert!(MAX_CRL_LEN <= MAX_BUNDLE_LEN && MAX_CERTIFICATE_LEN <= MAX_BUNDLE_LEN);

/// Most certificates in one bundle; the same bound as kavach-keys' `MAX_PEM_BLOCKS`, whose doc
/// says why (far beyond any real chain or trust store file).
pub const MAX_BUNDLE_CERTIFICATES: usize = kavach_keys::encoding::MAX_PEM_BLOCKS;

/// Most CRLs in one bundle: the same bound as certificates in a bundle.
pub const MAX_BUNDLE_CRLS: usize = MAX_BUNDLE_CERTIFICATES;

/// Deepest nesting of indefinite-length BER walked in a PKCS#7 bundle. A P7B nests four levels
/// down to its certificates (ContentInfo, [0], SignedData, [0]); 16 leaves room and bounds
/// recursion on hostile input.
pub(crate) const MAX_BER_DEPTH: usize = 16;

/// Most elements read from one constructed BER value of a PKCS#7 bundle (and most TLVs split
/// from a DER sequence): the same bound as a bundle's certificate count
/// ([`MAX_BUNDLE_CERTIFICATES`]).
pub(crate) const MAX_BER_ELEMENTS: usize = MAX_BUNDLE_CERTIFICATES;

// ---------------------------------------------------------------------------------------------
// Names.
// ---------------------------------------------------------------------------------------------

/// Longest DNS name: 253 characters in text form (RFC 1035 §2.3.4: 255 octets on the wire).
pub(crate) const MAX_DNS_NAME_LEN: usize = 253;

/// Longest DNS label (RFC 1035 §2.3.4).
pub(crate) const MAX_DNS_LABEL_LEN: usize = 63;

/// Longest trust domain name kept (names are labels such as `PARTNER`).
pub(crate) const MAX_DOMAIN_NAME_LEN: usize = 128;

// ---------------------------------------------------------------------------------------------
// Trust domains and validation.
// ---------------------------------------------------------------------------------------------

/// Most certificates (anchors plus intermediates) in one trust domain: the bundle bound
/// ([`MAX_BUNDLE_CERTIFICATES`]), far above any real trust store (Mozilla's has ~150 roots).
pub const MAX_TRUST_DOMAIN_CERTIFICATES: usize = MAX_BUNDLE_CERTIFICATES;

/// Default most intermediates between the end entity and the trust anchor, not counting
/// self-issued ones (RFC 5280 §6.1.4 (l)): 6, mozilla::pkix's and rustls-webpki's
/// `MAX_SUB_CA_COUNT`. Real PKIs (and MOSIP's ROOT → CA → partner) use one to three.
pub const DEFAULT_MAX_CHAIN_DEPTH: usize = 6;

/// Most intermediates in a path, self-issued ones included: the default depth plus room for two
/// key-rollover (self-issued) certificates. No option raises it.
pub const MAX_PATH_INTERMEDIATES: usize = DEFAULT_MAX_CHAIN_DEPTH + 2;

/// Most signatures checked (certificate and CRL signatures, cached or not) in one validation.
///
/// Taken from the remediation of Go's CVE-2018-16875, as rustls-webpki does
/// (`src/verify_cert.rs`, `Budget::default`): 100 is far above what any real chain needs.
pub const MAX_SIGNATURE_CHECKS: usize = 100;

/// Most path-building steps (candidate issuers considered) in one validation.
///
/// Taken from mozilla::pkix (NSS `lib/mozpkix/lib/pkixbuild.cpp`, `MAX_PATH_BUILDING_CALLS`),
/// as rustls-webpki does.
pub const MAX_PATH_BUILDING_CALLS: usize = 200_000;

/// Most name-constraint comparisons (one name against one subtree) in one validation.
///
/// Taken from Go crypto/x509's default (`verify.go`, `maxConstraintComparisons`), as
/// rustls-webpki does; x509-limbo `pathological::nc-dos-*` exceed it.
pub const MAX_NAME_CONSTRAINT_COMPARISONS: usize = 250_000;

/// Most intermediates considered as issuers of one certificate (candidates sharing its issuer
/// name, after removing duplicates; those whose subjectKeyIdentifier matches its
/// authorityKeyIdentifier first). Key rollover and cross-certification give a real name two or
/// three certificates; a name shared by more ends the validation with
/// [`crate::Error::BudgetExceeded`] once the first ones fail, instead of exploring every order
/// of them.
pub const MAX_ISSUER_CANDIDATES: usize = 8;

/// Most intermediates accepted with a certificate from a peer (a TLS certificate message, a JWS
/// `x5c`, `kavach cert verify --untrusted`): more is refused with [`crate::Error::TooMany`]
/// before any work. Real chains carry one to four.
pub const MAX_SUPPLIED_INTERMEDIATES: usize = 16;

/// Default capacity of the parsed-certificate cache (entries): a server's partners' chains.
pub const DEFAULT_CERTIFICATE_CACHE: usize = 4096;

/// Default bound of the parsed-certificate cache in DER bytes held: 16 MiB (with the parsed
/// form, a few times that in memory). Peers choose the certificates cached, so the cache is
/// bounded by size as well as by entries (4,096 certificates of up to 64 KiB would be 256 MiB).
pub const DEFAULT_CERTIFICATE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// Default capacity of the verified-signature cache (entries of 64 bytes each).
pub const DEFAULT_SIGNATURE_CACHE: usize = 16_384;

// ---------------------------------------------------------------------------------------------
// Issuance (re-exported in `crate::issue`).
// ---------------------------------------------------------------------------------------------

/// Largest DER certificate request read: 64 KiB, the same bound as a certificate
/// ([`MAX_CERTIFICATE_LEN`]); a request is a certificate's subject, key and a few
/// attributes, so real ones are far smaller.
pub const MAX_CSR_LEN: usize = 64 * 1024;

/// Longest RFC 4514 string [`crate::issue::DistinguishedName::parse`] reads: names of real
/// certificates are a few hundred bytes; RFC 5280 Appendix A's upper bounds (e.g. 64 characters
/// for a common name) keep a dozen attributes under 1 KiB, so 4 KiB leaves ample room.
pub const MAX_DISTINGUISHED_NAME_LEN: usize = 4096;

/// Most subjectAltName entries one certificate is issued with (an issuance-side sanity bound;
/// the largest public certificates carry a few hundred).
pub const MAX_SUBJECT_ALT_NAMES: usize = 1024;

/// Most CRL distribution point URIs one certificate is issued with (issuance-side sanity
/// bound; real certificates name one or two).
pub const MAX_CRL_DISTRIBUTION_POINTS: usize = 16;

/// Most entries one issued CRL lists: an issuance-side bound that keeps a CRL under a few
/// megabytes (an entry is about 40 bytes) and so under what relying parties will read.
pub const MAX_CRL_ENTRIES: usize = 65_536;

//! A throwaway test PKI for the workspace's tests (cargo feature `testing`; use it as a
//! dev-dependency: `kavach-pki = { workspace = true, features = ["testing"] }`).
//!
//! [`TestPki::rsa`] and [`TestPki::p256`] are built once per test process, lazily: a root, an
//! intermediate under it, and one end entity per issuable [`Purpose`] under the intermediate,
//! each with its private key. RSA keys come from a fixed pool of twelve pre-generated
//! RSA-2048 keys ([`rsa_pool_key`], committed beside this file), so no test pays for RSA key
//! generation; P-256 keys are generated (cheap).
//!
//! Helpers issue extra certificates from the same CA keys in a few milliseconds: expired, not
//! yet valid, another keyUsage or extendedKeyUsage, or anything a [`CertificateProfile`] can
//! express, signed by the intermediate without the issuer checks (so tests can also build
//! deliberately broken chains), and CRLs.
//!
//! Never use any of this outside tests: the keys are public.

use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::Ia5String;
use kavach_keys::{KeyKind, PrivateKey, PublicKey, Signer};
use x509_cert::ext::pkix::NameConstraints;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;

use crate::issue::{
    CertificateProfile, Criticality, DistinguishedName, Issuer, RevokedEntry, SubjectAltName, Validity, issue_crl,
    issue_end_entity, issue_intermediate, issue_root,
};
use crate::{Certificate, Crl, Error, KeyUsage, Purpose, Result};

/// The pre-generated RSA-2048 keys (PKCS#8 PEM, public test keys).
const RSA_POOL_PEM: &str = include_str!("testing/rsa-pool.pem");

/// Number of keys in the RSA pool.
pub const RSA_POOL_SIZE: usize = 12;

/// One day.
const DAY: Duration = Duration::from_secs(86_400);

/// The end-entity purposes the test PKI issues a certificate for, in CLI.md's table order.
pub const LEAF_PURPOSES: [Purpose; 7] = [
    Purpose::TlsServer,
    Purpose::TlsClient,
    Purpose::Encryption,
    Purpose::Signing,
    Purpose::Device,
    Purpose::Ftm,
    Purpose::CodeSigning,
];

/// The DNS name in the test TLS server certificate (besides `localhost`, `127.0.0.1`, `::1`).
pub const TLS_SERVER_NAME: &str = "server.kavach.test";

/// The DNS name in the test TLS client certificate.
pub const TLS_CLIENT_NAME: &str = "client.kavach.test";

/// RSA pool key number `index` (0..[`RSA_POOL_SIZE`]), parsed afresh (a [`PrivateKey`] is not
/// `Clone`); fails for an index outside the pool.
pub fn rsa_pool_key(index: usize) -> Result<PrivateKey> {
    let blocks = kavach_keys::encoding::pem_blocks(RSA_POOL_PEM).map_err(|source| Error::Key {
        context: "reading the test key pool",
        source,
    })?;
    let block = blocks.get(index).ok_or(Error::InvalidIssuanceInput {
        what: "RSA pool index",
        reason: "outside the pool",
    })?;
    PrivateKey::from_pkcs8_der(&block.der).map_err(|source| Error::Signing {
        what: "test key pool",
        source,
    })
}

/// The key family of a test PKI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TestAlgorithm {
    /// RSA-2048 keys from the pool, signing with RSASSA-PKCS1-v1_5 SHA-256 (what MOSIP's CAs use).
    Rsa2048,
    /// P-256 keys, signing with ECDSA SHA-256.
    P256,
}

impl TestAlgorithm {
    fn label(self) -> &'static str {
        match self {
            Self::Rsa2048 => "RSA",
            Self::P256 => "P-256",
        }
    }
}

/// A certificate and its private key.
#[derive(Clone, Debug)]
pub struct TestEntity {
    /// The certificate.
    pub certificate: Certificate,
    /// Its private key (shared).
    pub key: Arc<PrivateKey>,
}

impl TestEntity {
    /// The key as a [`Signer`].
    pub fn signer(&self) -> &dyn Signer {
        self.key.as_ref()
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }
}

/// A root -> intermediate -> end-entity test PKI of one key family.
#[derive(Debug)]
pub struct TestPki {
    algorithm: TestAlgorithm,
    root: TestEntity,
    intermediate: TestEntity,
    leaves: Vec<(Purpose, TestEntity)>,
}

static RSA: LazyLock<TestPki> = LazyLock::new(|| build_or_panic(TestAlgorithm::Rsa2048));
static P256: LazyLock<TestPki> = LazyLock::new(|| build_or_panic(TestAlgorithm::P256));

fn build_or_panic(algorithm: TestAlgorithm) -> TestPki {
    match TestPki::build(algorithm) {
        Ok(pki) => pki,
        // A test-support fixture that cannot be built is a broken build: stop loudly.
        Err(e) => panic!("building the {} test PKI failed: {e}", algorithm.label()),
    }
}

fn new_key(algorithm: TestAlgorithm, pool_index: usize) -> Result<PrivateKey> {
    match algorithm {
        TestAlgorithm::Rsa2048 => rsa_pool_key(pool_index)?
            .with_signature_algorithm(kavach_keys::SignatureAlgorithm::RS256)
            .map_err(|source| Error::Signing {
                what: "test key",
                source,
            }),
        TestAlgorithm::P256 => PrivateKey::generate(KeyKind::P256)
            .and_then(|k| {
                k.with_signature_algorithm(kavach_keys::SignatureAlgorithm::Ecdsa {
                    hash: kavach_keys::HashAlgorithm::Sha256,
                    encoding: kavach_keys::EcdsaEncoding::Der,
                })
            })
            .map_err(|source| Error::Signing {
                what: "test key",
                source,
            }),
    }
}

fn dn(s: &str) -> Result<DistinguishedName> {
    DistinguishedName::parse(s)
}

/// Validity from one day ago until `days` days from now (end entities).
fn days_around_now(days: u32) -> Result<Validity> {
    let now = SystemTime::now();
    Validity::new(now - DAY, now + DAY * days)
}

/// How far back the test CAs' validity starts: far enough that end entities issued for a past
/// window (see [`TestPki::expired`]) validate at a time inside that window.
const CA_BACKDATE_DAYS: u32 = 400;

/// Validity of a test CA: from [`CA_BACKDATE_DAYS`] ago until `days` days from now.
fn ca_validity(days: u32) -> Result<Validity> {
    let now = SystemTime::now();
    Validity::new(now - DAY * CA_BACKDATE_DAYS, now + DAY * days)
}

impl TestPki {
    /// The RSA-2048 test PKI (built on first use).
    pub fn rsa() -> &'static TestPki {
        &RSA
    }

    /// The P-256 test PKI (built on first use).
    pub fn p256() -> &'static TestPki {
        &P256
    }

    /// The test PKI of `algorithm`.
    pub fn get(algorithm: TestAlgorithm) -> &'static TestPki {
        match algorithm {
            TestAlgorithm::Rsa2048 => Self::rsa(),
            TestAlgorithm::P256 => Self::p256(),
        }
    }

    fn build(algorithm: TestAlgorithm) -> Result<Self> {
        let label = algorithm.label();
        let root_key = Arc::new(new_key(algorithm, 0)?);
        let root_cert = issue_root(
            root_key.as_ref(),
            &dn(&format!("CN=Kavach Test Root {label},O=Kavach Test,C=IN"))?,
            ca_validity(3650)?,
            None,
        )?;
        let root = TestEntity {
            certificate: root_cert,
            key: root_key,
        };
        let int_key = Arc::new(new_key(algorithm, 1)?);
        let int_cert = issue_intermediate(
            &Issuer::new(&root.certificate, root.signer())?,
            int_key.public_key(),
            &dn(&format!("CN=Kavach Test Intermediate {label},O=Kavach Test,C=IN"))?,
            ca_validity(1825)?,
            Some(0),
        )?;
        let intermediate = TestEntity {
            certificate: int_cert,
            key: int_key,
        };
        let mut leaves = Vec::with_capacity(LEAF_PURPOSES.len());
        for (i, purpose) in LEAF_PURPOSES.into_iter().enumerate() {
            let key = Arc::new(new_key(algorithm, 2 + i)?);
            let cert = issue_end_entity(
                &Issuer::new(&intermediate.certificate, intermediate.signer())?,
                key.public_key(),
                &dn(&format!("CN=Kavach Test {purpose} {label},O=Kavach Test,C=IN"))?,
                days_around_now(365)?,
                purpose,
                &default_sans(purpose)?,
            )?;
            leaves.push((purpose, TestEntity { certificate: cert, key }));
        }
        Ok(Self {
            algorithm,
            root,
            intermediate,
            leaves,
        })
    }

    /// The key family.
    pub fn algorithm(&self) -> TestAlgorithm {
        self.algorithm
    }

    /// The self-signed root (the trust anchor).
    pub fn root(&self) -> &TestEntity {
        &self.root
    }

    /// The intermediate CA (pathLen 0) that issues the end entities.
    pub fn intermediate(&self) -> &TestEntity {
        &self.intermediate
    }

    /// The end entity for `purpose`; `None` for [`Purpose::Ca`] and [`Purpose::Any`] (use
    /// [`TestPki::intermediate`]).
    pub fn leaf(&self, purpose: Purpose) -> Option<&TestEntity> {
        self.leaves.iter().find(|(p, _)| *p == purpose).map(|(_, e)| e)
    }

    /// Every end entity with its purpose.
    pub fn leaves(&self) -> impl Iterator<Item = (Purpose, &TestEntity)> {
        self.leaves.iter().map(|(p, e)| (*p, e))
    }

    /// `[root]`, for a trust domain.
    pub fn trust_anchors(&self) -> Vec<Certificate> {
        vec![self.root.certificate.clone()]
    }

    /// `[intermediate]`, the untrusted intermediates of every end entity.
    pub fn intermediates(&self) -> Vec<Certificate> {
        vec![self.intermediate.certificate.clone()]
    }

    /// The intermediate as an [`Issuer`].
    pub fn issuer(&self) -> Issuer<'_> {
        Issuer {
            certificate: &self.intermediate.certificate,
            signer: self.intermediate.signer(),
        }
    }

    /// The root as an [`Issuer`].
    pub fn root_issuer(&self) -> Issuer<'_> {
        Issuer {
            certificate: &self.root.certificate,
            signer: self.root.signer(),
        }
    }

    /// A profile for an extra end entity of `purpose`, with the key of this PKI's leaf for that
    /// purpose (no key generation), the leaf's SANs, and a validity of one day ago to a year
    /// from now; change it, then [`TestPki::issue`] it. `Ca` and `Any` get the signing leaf's
    /// key and no usage extensions.
    pub fn leaf_profile(&self, purpose: Purpose, subject: &str) -> Result<CertificateProfile> {
        let key_purpose = if LEAF_PURPOSES.contains(&purpose) {
            purpose
        } else {
            Purpose::Signing
        };
        let key = self
            .leaf(key_purpose)
            .map(TestEntity::public_key)
            .ok_or(Error::PurposeNotIssuable {
                purpose,
                reason: "in the test PKI",
            })?;
        let profile = CertificateProfile::new(dn(subject)?, key, days_around_now(365)?);
        if LEAF_PURPOSES.contains(&purpose) {
            profile
                .with_end_entity(purpose)?
                .with_subject_alt_names(&default_sans(purpose)?)
        } else {
            Ok(profile)
        }
    }

    /// Issues `profile` under the intermediate, without the issuer checks.
    pub fn issue(&self, profile: &CertificateProfile) -> Result<Certificate> {
        profile.issue_unchecked(&self.intermediate.certificate, self.intermediate.signer())
    }

    /// Issues `profile` under the root, without the issuer checks (e.g. an end entity directly
    /// under the root, or a second intermediate that breaks the intermediate's pathLen 0).
    pub fn issue_by_root(&self, profile: &CertificateProfile) -> Result<Certificate> {
        profile.issue_unchecked(&self.root.certificate, self.root.signer())
    }

    /// A CA for `key` under the root whose critical nameConstraints extension holds the
    /// dNSName subtrees `permitted` and `excluded` (RFC 5280 §4.2.1.10), for name-constraint
    /// tests (the issuance API writes no nameConstraints). Each name is a host name; at least
    /// one list is not empty.
    pub fn dns_constrained_ca(
        &self,
        subject: &str,
        key: &PublicKey,
        permitted: &[&str],
        excluded: &[&str],
    ) -> Result<Certificate> {
        let bad = |reason| Error::InvalidIssuanceInput {
            what: "nameConstraints",
            reason,
        };
        let dns_names = |names: &[&str]| -> Result<Vec<GeneralName>> {
            names
                .iter()
                .map(|n| {
                    if !crate::name::server::is_valid_dns_name(n, false) {
                        return Err(bad("not a host name"));
                    }
                    let base = Ia5String::new(n).map_err(|_| bad("not a host name"))?;
                    Ok(GeneralName::DnsName(base))
                })
                .collect()
        };
        self.constrained_ca(subject, key, &dns_names(permitted)?, &dns_names(excluded)?)
    }

    /// A CA for `key` under the root whose critical nameConstraints extension holds the
    /// subtrees `permitted` and `excluded` of any name form (directoryName, iPAddress as
    /// address and mask, ...), for name-constraint tests. At least one list is not empty.
    pub fn constrained_ca(
        &self,
        subject: &str,
        key: &PublicKey,
        permitted: &[GeneralName],
        excluded: &[GeneralName],
    ) -> Result<Certificate> {
        let subtrees = |names: &[GeneralName]| {
            (!names.is_empty()).then(|| {
                names
                    .iter()
                    .map(|base| GeneralSubtree {
                        base: base.clone(),
                        minimum: 0,
                        maximum: None,
                    })
                    .collect::<Vec<_>>()
            })
        };
        let nc = NameConstraints {
            permitted_subtrees: subtrees(permitted),
            excluded_subtrees: subtrees(excluded),
        };
        if nc.permitted_subtrees.is_none() && nc.excluded_subtrees.is_none() {
            return Err(Error::InvalidIssuanceInput {
                what: "nameConstraints",
                reason: "no subtree",
            });
        }
        let profile = CertificateProfile::new(dn(subject)?, key, days_around_now(365)?)
            .with_ca(None)
            .with_name_constraints(nc);
        self.issue_by_root(&profile)
    }

    /// Issues `profile` under `issuer` (any certificate) signed by `signer`, without checks:
    /// for chains through an end entity, a wrong key, and other attacks.
    pub fn issue_under(
        &self,
        profile: &CertificateProfile,
        issuer: &Certificate,
        signer: &dyn Signer,
    ) -> Result<Certificate> {
        profile.issue_unchecked(issuer, signer)
    }

    /// An end entity for `purpose` that expired a day ago (valid for the 30 days before, when
    /// the CAs were already valid).
    pub fn expired(&self, purpose: Purpose) -> Result<Certificate> {
        let now = SystemTime::now();
        self.issue_with_validity(purpose, "Expired", Validity::new(now - 31 * DAY, now - DAY)?)
    }

    /// An end entity for `purpose` that becomes valid a day from now.
    pub fn not_yet_valid(&self, purpose: Purpose) -> Result<Certificate> {
        let now = SystemTime::now();
        self.issue_with_validity(purpose, "Not Yet Valid", Validity::new(now + DAY, now + 31 * DAY)?)
    }

    /// An end entity for `purpose` valid exactly over `validity`.
    pub fn issue_with_validity(&self, purpose: Purpose, label: &str, validity: Validity) -> Result<Certificate> {
        let subject = self.extra_subject(purpose, label);
        let key = self.key_for(purpose)?;
        let profile = CertificateProfile::new(dn(&subject)?, key, validity)
            .with_end_entity(purpose)?
            .with_subject_alt_names(&default_sans(purpose)?)?;
        self.issue(&profile)
    }

    /// An end entity for `purpose` whose keyUsage is replaced by `key_usage` (`None`: absent).
    pub fn issue_with_key_usage(&self, purpose: Purpose, key_usage: Option<KeyUsage>) -> Result<Certificate> {
        let profile = self
            .leaf_profile(purpose, &self.extra_subject(purpose, "Odd KU"))?
            .with_key_usage(key_usage);
        self.issue(&profile)
    }

    /// An end entity for `purpose` whose extendedKeyUsage is replaced by `eku` (empty: absent).
    pub fn issue_with_extended_key_usage(&self, purpose: Purpose, eku: &[ObjectIdentifier]) -> Result<Certificate> {
        let profile = self
            .leaf_profile(purpose, &self.extra_subject(purpose, "Odd EKU"))?
            .with_extended_key_usage(eku);
        self.issue(&profile)
    }

    /// A CRL of the intermediate, current (thisUpdate an hour ago, nextUpdate in a week),
    /// revoking `revoked` as of an hour ago.
    pub fn crl(&self, revoked: &[&Certificate]) -> Result<Crl> {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let entries: Vec<RevokedEntry> = revoked.iter().map(|c| RevokedEntry::new(c, now - hour)).collect();
        issue_crl(&self.issuer(), &entries, now - hour, now + 7 * DAY, 1)
    }

    /// The DER of a CRL of the intermediate like [`TestPki::crl`]'s (thisUpdate an hour ago,
    /// nextUpdate in a week), listing `revoked`, with extra CRL extensions
    /// `(identifier, criticality, DER value)` after its own — for CRLs kavach must refuse or never
    /// trust (a delta CRL whose deltaCRLIndicator is non-critical, ...).
    pub fn crl_der_with_extensions(
        &self,
        revoked: &[RevokedEntry],
        extensions: &[(ObjectIdentifier, Criticality, Vec<u8>)],
    ) -> Result<Vec<u8>> {
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let extra = extensions
            .iter()
            .map(|(oid, critical, value)| {
                Ok(x509_cert::ext::Extension {
                    extn_id: *oid,
                    critical: critical.is_critical(),
                    extn_value: der::asn1::OctetString::new(value.clone()).map_err(|source| Error::Der {
                        what: "CRL extension",
                        source,
                    })?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        crate::issue::crl::crl_der(&self.issuer(), revoked, now - hour, now + 7 * DAY, 1, extra)
    }

    fn key_for(&self, purpose: Purpose) -> Result<&PublicKey> {
        self.leaf(purpose)
            .map(TestEntity::public_key)
            .ok_or(Error::PurposeNotIssuable {
                purpose,
                reason: "in the test PKI",
            })
    }

    fn extra_subject(&self, purpose: Purpose, label: &str) -> String {
        format!(
            "CN=Kavach Test {purpose} {label} {},O=Kavach Test,C=IN",
            self.algorithm.label()
        )
    }
}

/// A DirectoryString choice (X.520), for [`reencode_attribute`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringType {
    /// PrintableString (only the PrintableString characters re-encode).
    Printable,
    /// UTF8String.
    Utf8,
    /// BMPString (UTF-16, big-endian; only BMP characters).
    Bmp,
    /// TeletexString, written as ISO 8859-1 (only Latin-1 characters), as OpenSSL reads it.
    Teletex,
}

/// `name` with the value of every `attribute` re-encoded as a BMPString (UTF-16, big-endian)
/// — the same name to RFC 5280 §7.1, different bytes — for name-comparison tests.
pub fn reencode_as_bmp_string(name: &DistinguishedName, attribute: ObjectIdentifier) -> Result<DistinguishedName> {
    reencode_attribute(name, attribute, StringType::Bmp)
}

/// `name` with the value of every `attribute` re-encoded as `to` — the same name to RFC 5280
/// §7.1, different bytes — for name-comparison tests. Refused when a value is not a readable
/// string or does not fit `to`.
pub fn reencode_attribute(
    name: &DistinguishedName,
    attribute: ObjectIdentifier,
    to: StringType,
) -> Result<DistinguishedName> {
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::name::{RdnSequence, RelativeDistinguishedName};
    let enc = |source| Error::Der {
        what: "re-encoded name",
        source,
    };
    let unfit = || Error::InvalidIssuanceInput {
        what: "re-encoded name",
        reason: "attribute value does not fit the string type",
    };
    let mut rdns = RdnSequence::default();
    for rdn in name.as_name().iter_rdn() {
        let mut atvs = Vec::with_capacity(rdn.len());
        for atv in rdn.iter() {
            let value = if atv.oid == attribute {
                let text = crate::name::constraints::attribute_text(&atv.value).ok_or(Error::InvalidIssuanceInput {
                    what: "re-encoded name",
                    reason: "attribute value is not a readable string",
                })?;
                let (tag, bytes) = match to {
                    StringType::Printable => {
                        der::asn1::PrintableStringRef::new(&text).map_err(|_| unfit())?;
                        (der::Tag::PrintableString, text.into_bytes())
                    }
                    StringType::Utf8 => (der::Tag::Utf8String, text.into_bytes()),
                    StringType::Bmp => {
                        if text.chars().any(|c| u32::from(c) > 0xFFFF) {
                            return Err(unfit());
                        }
                        (
                            der::Tag::BmpString,
                            text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
                        )
                    }
                    StringType::Teletex => {
                        let latin1: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect();
                        (der::Tag::TeletexString, latin1.ok_or_else(unfit)?)
                    }
                };
                der::Any::new(tag, bytes).map_err(enc)?
            } else {
                atv.value.clone()
            };
            atvs.push(AttributeTypeAndValue { oid: atv.oid, value });
        }
        rdns.push(RelativeDistinguishedName::try_from(atvs).map_err(enc)?);
    }
    // Through DER: x509-cert builds a Name from an RdnSequence only under its `hazmat` feature.
    use der::{Decode, Encode};
    let name = x509_cert::name::Name::from_der(&rdns.to_der().map_err(enc)?).map_err(enc)?;
    Ok(DistinguishedName::from_name(name))
}

/// `name` with the value of every `attribute` replaced by `value` as a UTF8String, written as
/// given (RFC 4514 parsing trims leading and trailing spaces; name-comparison tests need them).
pub fn replace_attribute(
    name: &DistinguishedName,
    attribute: ObjectIdentifier,
    value: &str,
) -> Result<DistinguishedName> {
    use x509_cert::attr::AttributeTypeAndValue;
    use x509_cert::name::{RdnSequence, RelativeDistinguishedName};
    let enc = |source| Error::Der {
        what: "re-encoded name",
        source,
    };
    let mut rdns = RdnSequence::default();
    for rdn in name.as_name().iter_rdn() {
        let mut atvs = Vec::with_capacity(rdn.len());
        for atv in rdn.iter() {
            let value = if atv.oid == attribute {
                der::Any::new(der::Tag::Utf8String, value.as_bytes()).map_err(enc)?
            } else {
                atv.value.clone()
            };
            atvs.push(AttributeTypeAndValue { oid: atv.oid, value });
        }
        rdns.push(RelativeDistinguishedName::try_from(atvs).map_err(enc)?);
    }
    use der::{Decode, Encode};
    let name = x509_cert::name::Name::from_der(&rdns.to_der().map_err(enc)?).map_err(enc)?;
    Ok(DistinguishedName::from_name(name))
}

/// The certificates of a path-building flood (issue 8, item 1): an attacker's own CA
/// certificates, none of them chaining to a trust anchor, and a signing end entity under them
/// whose key the attacker holds (so it can sign a JWS carrying them all in `x5c`).
pub struct IssuerFlood {
    /// The end entity, for [`Purpose::Signing`], issued under the first name.
    pub leaf: Certificate,
    /// The end entity's private key.
    pub leaf_key: PrivateKey,
    /// The CA certificates: `per_name` for each name, each with its own key.
    pub cas: Vec<Certificate>,
}

impl IssuerFlood {
    /// A flood over `names`: certificate `j` of name `i` has subject `names[i]`, a key of its
    /// own, and issuer `names[(i + 1) % names.len()]`, so with one name every CA is self-issued
    /// (`CN=X` by `CN=X`) and with two they form an `A`-by-`B`, `B`-by-`A` mesh. The end entity
    /// is issued under `names[0]` by a key no CA certificate holds, so no path exists. P-256
    /// keys are generated for each certificate (about a millisecond per hundred).
    pub fn build(names: &[&str], per_name: usize) -> Result<Self> {
        if names.is_empty() {
            return Err(Error::InvalidIssuanceInput {
                what: "flood",
                reason: "no name",
            });
        }
        let validity = || days_around_now(365);
        let p256 = || {
            PrivateKey::generate(KeyKind::P256).map_err(|source| Error::Key {
                context: "generating a flood key",
                source,
            })
        };
        // A self-signed stand-in per name gives its key identifier to what it signs.
        let mut stand_ins = Vec::with_capacity(names.len());
        for name in names {
            let key = p256()?;
            let cert = CertificateProfile::new(dn(name)?, key.public_key(), validity()?)
                .with_ca(None)
                .self_sign(&key)?;
            stand_ins.push((cert, key));
        }
        let mut cas = Vec::with_capacity(names.len() * per_name);
        for (i, name) in names.iter().enumerate() {
            let (issuer, issuer_key) = &stand_ins[(i + 1) % names.len()];
            for _ in 0..per_name {
                let key = p256()?;
                let profile = CertificateProfile::new(dn(name)?, key.public_key(), validity()?).with_ca(None);
                cas.push(profile.issue_unchecked(issuer, issuer_key)?);
            }
        }
        let leaf_key = p256()?;
        let (issuer, issuer_key) = &stand_ins[0];
        let leaf = CertificateProfile::new(dn("CN=Flood Signer,O=Kavach Test")?, leaf_key.public_key(), validity()?)
            .with_end_entity(Purpose::Signing)?
            .issue_unchecked(issuer, issuer_key)?;
        Ok(Self { leaf, leaf_key, cas })
    }
}

/// The SANs the test PKI gives a leaf of `purpose`.
fn default_sans(purpose: Purpose) -> Result<Vec<SubjectAltName>> {
    Ok(match purpose {
        Purpose::TlsServer => vec![
            SubjectAltName::dns(TLS_SERVER_NAME)?,
            SubjectAltName::dns("localhost")?,
            SubjectAltName::Ip(std::net::Ipv4Addr::LOCALHOST.into()),
            SubjectAltName::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
        ],
        Purpose::TlsClient => vec![SubjectAltName::dns(TLS_CLIENT_NAME)?],
        _ => Vec::new(),
    })
}

/// `certificate` with its validity replaced by `not_before` / `not_after` — each the text of
/// an X.509 `Time`, `YYMMDDHHMMSSZ` (written as UTCTime) or `YYYYMMDDHHMMSSZ`
/// (GeneralizedTime) — and signed again by `signer` (its issuer's key): kavach's issuance API
/// writes no time before 1970, which the `der` crate cannot hold, and tests of the whole RFC
/// 5280 time range need such certificates.
pub fn with_validity_text(
    certificate: &Certificate,
    signer: &dyn Signer,
    not_before: &str,
    not_after: &str,
) -> Result<Certificate> {
    let bad = |reason| Error::InvalidIssuanceInput {
        what: "validity text",
        reason,
    };
    let der = certificate.der();
    let validity = crate::time::certificate_validity(der).ok_or(bad("certificate validity not found"))?;
    let time = |text: &str| match text.len() {
        13 => Ok(crate::der::tlv(crate::time::TAG_UTC_TIME, text.as_bytes())),
        15 => Ok(crate::der::tlv(crate::time::TAG_GENERALIZED_TIME, text.as_bytes())),
        _ => Err(bad("not YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ")),
    };
    let mut new_validity = time(not_before)?;
    new_validity.extend(time(not_after)?);
    let new_validity = crate::der::tlv(0x30, &new_validity);
    // Both times have 2-byte headers (short content), and so has the validity SEQUENCE.
    let start = validity.times[0].0.start - 4;
    let end = validity.times[1].0.end;
    let tbs = first_tlv_range(der)?;
    let tbs_content_start = tbs.start + crate::der::header_len(&der[tbs.clone()]);
    let mut content = der[tbs_content_start..start].to_vec();
    content.extend(&new_validity);
    content.extend(&der[end..tbs.end]);
    let tbs_der = crate::der::tlv(0x30, &content);
    let signed = crate::issue::sign::sign(signer, &tbs_der, "certificate")?;
    use der::Encode;
    let enc = |source| Error::Der {
        what: "certificate",
        source,
    };
    let mut body = tbs_der;
    body.extend(signed.algorithm.to_der().map_err(enc)?);
    body.extend(signed.signature.to_der().map_err(enc)?);
    Certificate::from_der(&crate::der::tlv(0x30, &body))
}

/// The range of the first inner TLV (the tbsCertificate) of a certificate's DER.
fn first_tlv_range(der: &[u8]) -> Result<core::ops::Range<usize>> {
    crate::der::first_inner_tlv(der, "certificate")
}

/// The DER of a CRL without its version field — an X.509 v1 CRL (RFC 5280 §5.1.2.1) — signed
/// by `issuer`, listing `revoked` (their reason codes dropped: a v1 CRL has no entry
/// extensions). With `with_extensions`, the CRL still carries the authorityKeyIdentifier and
/// cRLNumber kavach writes, which a v1 CRL may not (for tests of that refusal).
pub fn v1_crl_der(
    issuer: &Issuer<'_>,
    revoked: &[RevokedEntry],
    this_update: SystemTime,
    next_update: SystemTime,
    with_extensions: bool,
) -> Result<Vec<u8>> {
    crate::issue::crl::crl_v1_der(issuer, revoked, this_update, next_update, with_extensions)
}

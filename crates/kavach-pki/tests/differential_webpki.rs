//! Differential test of kavach-pki's path validation against rustls-webpki (ring provider).
//!
//! proptest draws random chains — depth (0 to 3 intermediates), pathLenConstraint, validity
//! windows (expired, not yet valid, and the one-second edges), keyUsage on the CAs and the end
//! entity, extendedKeyUsage on every certificate, issuer/subject name chaining, subjectAltName
//! against the requested name, basicConstraints, and the key types and signature algorithms —
//! and builds them with kavach-pki's issuance API from a small pool of pre-made keys (RSA from
//! the test PKI's pool, so no RSA key is generated). Each chain is validated by kavach
//! (`Purpose::TlsServer` with a name, or `TlsClient` with or without one) and by webpki
//! (`EndEntityCert::verify_for_usage` with `KeyUsage::server_auth()` / `client_auth()`, then
//! `verify_is_valid_for_subject_name`) with the same anchor, intermediates and time.
//!
//! What is asserted:
//! - when webpki refuses, kavach refuses (kavach never accepts what webpki refuses);
//! - when both accept, they built the same path (end entity, intermediates, anchor);
//! - when kavach refuses and webpki accepts, kavach's error matches one of the rules of
//!   [`STRICTER`], each documented in `crates/kavach-pki/STRICTER.md`;
//! - kavach's verdict equals a model of its documented rules (so an "agreement" cannot hide a
//!   rule both get wrong in the same direction), and a second, warm-cache validation gives the
//!   same verdict as the first;
//! - at least a quarter of the cases are invalid in each dimension, and the outcome classes are
//!   not empty.
//!
//! Counts are printed on stderr (agree-accept, agree-reject, kavach-stricter by rule).
//! `KAVACH_DIFF_CASES` overrides the number of cases and `KAVACH_DIFF_SEED` the seed (hex, 32
//! bytes); by default the run is deterministic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use const_oid::ObjectIdentifier;
use const_oid::db::rfc5280::{ANY_EXTENDED_KEY_USAGE, ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use kavach_keys::{
    EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, PssSaltLength, PublicKey, SignatureAlgorithm, Signer,
};
use kavach_pki::issue::{CertificateProfile, Criticality, DistinguishedName, SubjectAltName, Validity, issue_root};
use kavach_pki::testing::{TestPki, rsa_pool_key};
use kavach_pki::{
    Certificate, Error, KeyUsage, KeyUsages, ProfileRule, Purpose, ServerName, TrustDomain, ValidationOptions,
    Validator,
};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_cert::ext::pkix::BasicConstraints;

/// Cases per run: about 15 s in the dev profile on 2 shared cores (deps at opt-level 2).
const DEFAULT_CASES: usize = 1000;

/// The default seed (any fixed 32 bytes): the run is reproducible unless `KAVACH_DIFF_SEED`.
const DEFAULT_SEED: [u8; 32] = *b"kavach differential vs webpki 01";

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// A deliberately weak RSA-1024 key (public test key: kavach-keys refuses to load keys this
/// small, so a tiny [`Signer`] on the `rsa` crate signs with it).
const WEAK_RSA_1024_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAK02pxvoAyc8Krp6
39CZ5gS8mixmjchO2gEzI/QYvSlnVTFw9TNfHm0gJWfx1jjqMfjjPJSdQlWzjoVh
Dl0uFylkqQEQvD4GRTp0ScZbSEXP6Bp7jtqdpDQaQlNvZEYf7+rRZtvd25tt79Ll
s8SnIzDHm45DJGn9ieXVlmXZvKhvAgMBAAECgYBRNVxnowFHddf6kf05Cc5jziDi
TDqQ/RcMlPN4T9jv/nhcs77iFOho9TdUYnezO2mubKtMaeZd088wDW70lNVaVviQ
aweuXkl+J4PR8GmC8ozdZ+lVz4lNcu9bvoMqM2bEZGaE8u8s0qzy2cEnH+dNdRku
VmVmu9FN0JHLUt8UQQJBAN/8N1QhM2a3Papjs/TSHO7/jWrT6bEJhDok39lvSSym
dGZosNgw9+CfQ4zvpHoDgu8gKTPYE35XpYjP3AwZnFECQQDF+KlhOP++CH5BRo69
naQBBTZkeXCGf4z/OApoSqpYV62dNXIt8OTS5yr14qmS7wK1hFB75VT4Z9gBMY02
toi/AkA+pXJsK2UPA41RzNUWUnYZOoy5JlAkXf8HrCyXyhJzVJMV2Y4syXVq8+CW
2KfuIHFMpHghsfuxyJ3Z6BkpoTghAkB2ITTg4KQp/uNni/SszJ4KRdP5DEXK292E
hSogpT0UTe04+6VQKIhCGNKXulK5bIlPSs7Dv0p+l2ha/fhnh2/9AkAOosAaWROE
Oqgz+NoZMVErFb17PkmqkupQ0Flep+ZwRBpoNH+VJIpOwo4tRz5dxlmirVNVCsr2
+2hKp/jbb5Ic
-----END PRIVATE KEY-----";

/// Its public key.
const WEAK_RSA_1024_SPKI: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCtNqcb6AMnPCq6et/QmeYEvJos
Zo3ITtoBMyP0GL0pZ1UxcPUzXx5tICVn8dY46jH44zyUnUJVs46FYQ5dLhcpZKkB
ELw+BkU6dEnGW0hFz+gae47anaQ0GkJTb2RGH+/q0Wbb3dubbe/S5bPEpyMwx5uO
QyRp/Ynl1ZZl2byobwIDAQAB
-----END PUBLIC KEY-----";

/// RSASSA-PKCS1-v1_5 SHA-256 with the weak key.
struct WeakRsaSigner {
    key: rsa::PrivateKey,
    public: PublicKey,
}

impl Signer for WeakRsaSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RS256
    }
    fn public_key(&self) -> &PublicKey {
        &self.public
    }
    fn sign(&self, message: &[u8]) -> kavach_keys::Result<Vec<u8>> {
        use rsa::sha2::{Digest, Sha256};
        let digest = Sha256::digest(message);
        self.key
            .sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|_| kavach_keys::Error::SigningFailed)
    }
}

/// The signature algorithm (and key type) a CA signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Alg {
    Rs256,
    Rs384,
    Rs512,
    Ps256,
    Ps384,
    Es256,
    P256Sha384,
    Es384,
    P384Sha256,
    Ed25519,
    /// RSA-1024 (refused by both: kavach's key policy, ring's 2048-bit minimum).
    WeakRsa1024,
    /// ECDSA P-256 with SHA-512: kavach verifies it (RFC 5758 §3.2), webpki's ring provider
    /// has no such algorithm. Not drawn by the generator; see
    /// `ecdsa_with_sha512_is_decided_by_kavach_only`.
    P256Sha512,
}

/// The algorithms both implementations support (ring's list in webpki 0.103).
const GOOD_ALGS: [Alg; 10] = [
    Alg::Rs256,
    Alg::Rs384,
    Alg::Rs512,
    Alg::Ps256,
    Alg::Ps384,
    Alg::Es256,
    Alg::P256Sha384,
    Alg::Es384,
    Alg::P384Sha256,
    Alg::Ed25519,
];

/// Key positions in the pool: root, up to three intermediates, the end entity, and a spare
/// "wrong" key.
const POSITIONS: usize = 6;
/// The pool position of the key that signs where the issuer's key should have.
const WRONG_KEY_POSITION: usize = 5;

static POOL: LazyLock<HashMap<(Alg, usize), Box<dyn Signer>>> = LazyLock::new(|| {
    let ecdsa = |hash| SignatureAlgorithm::Ecdsa {
        hash,
        encoding: EcdsaEncoding::Der,
    };
    let pss = |hash: HashAlgorithm| SignatureAlgorithm::RsaPss {
        hash,
        salt: PssSaltLength::Exactly(hash.output_len() as u16),
    };
    let mut pool: HashMap<(Alg, usize), Box<dyn Signer>> = HashMap::new();
    for pos in 0..POSITIONS {
        for alg in GOOD_ALGS {
            let key = match alg {
                Alg::Rs256 => rsa_pool_key(pos)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::RS256),
                Alg::Rs384 => rsa_pool_key(pos)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha384)),
                Alg::Rs512 => rsa_pool_key(pos)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::RsaPkcs1v15(HashAlgorithm::Sha512)),
                Alg::Ps256 => rsa_pool_key(pos)
                    .unwrap()
                    .with_signature_algorithm(pss(HashAlgorithm::Sha256)),
                Alg::Ps384 => rsa_pool_key(pos)
                    .unwrap()
                    .with_signature_algorithm(pss(HashAlgorithm::Sha384)),
                Alg::Es256 => PrivateKey::generate(KeyKind::P256)
                    .unwrap()
                    .with_signature_algorithm(ecdsa(HashAlgorithm::Sha256)),
                Alg::P256Sha384 => PrivateKey::generate(KeyKind::P256)
                    .unwrap()
                    .with_signature_algorithm(ecdsa(HashAlgorithm::Sha384)),
                Alg::Es384 => PrivateKey::generate(KeyKind::P384)
                    .unwrap()
                    .with_signature_algorithm(ecdsa(HashAlgorithm::Sha384)),
                Alg::P384Sha256 => PrivateKey::generate(KeyKind::P384)
                    .unwrap()
                    .with_signature_algorithm(ecdsa(HashAlgorithm::Sha256)),
                Alg::Ed25519 => PrivateKey::generate(KeyKind::Ed25519)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::Ed25519),
                Alg::WeakRsa1024 | Alg::P256Sha512 => unreachable!("not in GOOD_ALGS"),
            };
            pool.insert((alg, pos), Box::new(key.unwrap()));
        }
        pool.insert((Alg::WeakRsa1024, pos), Box::new(weak_signer()));
        let p256_sha512 = PrivateKey::generate(KeyKind::P256)
            .unwrap()
            .with_signature_algorithm(ecdsa(HashAlgorithm::Sha512))
            .unwrap();
        pool.insert((Alg::P256Sha512, pos), Box::new(p256_sha512));
    }
    pool
});

fn weak_signer() -> WeakRsaSigner {
    use rsa::pkcs8::DecodePrivateKey;
    WeakRsaSigner {
        key: rsa::PrivateKey::from_pkcs8_pem(WEAK_RSA_1024_PKCS8).unwrap(),
        public: PublicKey::from_pem(WEAK_RSA_1024_SPKI).unwrap(),
    }
}

fn signer(alg: Alg, pos: usize) -> &'static dyn Signer {
    POOL.get(&(alg, pos)).unwrap().as_ref()
}

/// The key of the end entity (only its public half is used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EeKey {
    Rsa2048,
    P256,
    P384,
    Ed25519,
    /// RSA-1024: refused by kavach's key policy; webpki does not look at the end entity's key
    /// while validating the path (STRICTER.md S10).
    WeakRsa1024,
}

impl EeKey {
    fn public_key(self, pos: usize) -> &'static PublicKey {
        let alg = match self {
            Self::Rsa2048 => Alg::Rs256,
            Self::P256 => Alg::Es256,
            Self::P384 => Alg::Es384,
            Self::Ed25519 => Alg::Ed25519,
            Self::WeakRsa1024 => Alg::WeakRsa1024,
        };
        signer(alg, pos).public_key()
    }
}

// ---------------------------------------------------------------------------------------------
// The case: what each certificate of the chain looks like
// ---------------------------------------------------------------------------------------------

/// A validity window relative to the validation time `T`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// T - 10 days .. T + 365 days.
    Normal,
    /// notAfter = T exactly (valid: both bounds are inclusive).
    LastSecond,
    /// notBefore = T exactly (valid).
    FirstSecond,
    /// Expired a day before T.
    Expired,
    /// notAfter = T - 1 s.
    ExpiredBySecond,
    /// Valid from a day after T.
    NotYetValid,
    /// notBefore = T + 1 s.
    NotYetValidBySecond,
}

const BAD_WINDOWS: [Window; 4] = [
    Window::Expired,
    Window::ExpiredBySecond,
    Window::NotYetValid,
    Window::NotYetValidBySecond,
];

impl Window {
    fn invalid(self) -> bool {
        BAD_WINDOWS.contains(&self)
    }
    fn validity(self, t: SystemTime) -> Validity {
        let s = Duration::from_secs(1);
        let day = Duration::from_secs(86_400);
        let (nb, na) = match self {
            Self::Normal => (t - 10 * day, t + 365 * day),
            Self::LastSecond => (t - 10 * day, t),
            Self::FirstSecond => (t, t + 10 * day),
            Self::Expired => (t - 30 * day, t - day),
            Self::ExpiredBySecond => (t - 30 * day, t - s),
            Self::NotYetValid => (t + day, t + 30 * day),
            Self::NotYetValidBySecond => (t + s, t + 30 * day),
        };
        Validity::new(nb, na).unwrap()
    }
}

/// basicConstraints of a CA certificate (root or intermediate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bc {
    /// cA=true, critical (with the case's pathLenConstraint).
    Critical,
    /// cA=true, not critical: both accept (the criticality is the CA's profile, not a §6.1
    /// rule; STRICTER.md S9, withdrawn). Drawn on cases whose basicConstraints are otherwise
    /// valid.
    NonCritical,
    /// cA=false.
    NotCa,
    /// No basicConstraints.
    Absent,
}

/// basicConstraints of the end entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EeBc {
    CriticalFalse,
    NonCriticalFalse,
    Absent,
    /// cA=true: a CA certificate used as a TLS end entity (both refuse).
    CaTrue,
}

/// keyUsage of a CA certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CaKu {
    CertAndCrlSign,
    CertSignOnly,
    CertSignAndDigitalSignature,
    /// No keyUsage extension (S15).
    Absent,
    /// No keyCertSign (S1).
    DigitalSignatureAndCrlSign,
    /// No keyCertSign (S1).
    CrlSignOnly,
}

const GOOD_CA_KU: [CaKu; 3] = [
    CaKu::CertAndCrlSign,
    CaKu::CertSignOnly,
    CaKu::CertSignAndDigitalSignature,
];
const BAD_CA_KU: [CaKu; 3] = [CaKu::Absent, CaKu::DigitalSignatureAndCrlSign, CaKu::CrlSignOnly];

impl CaKu {
    fn key_usage(self) -> Option<KeyUsage> {
        use KeyUsages::*;
        Some(KeyUsage(match self {
            Self::CertAndCrlSign => KeyCertSign | CRLSign,
            Self::CertSignOnly => KeyCertSign.into(),
            Self::CertSignAndDigitalSignature => KeyCertSign | DigitalSignature,
            Self::Absent => return None,
            Self::DigitalSignatureAndCrlSign => DigitalSignature | CRLSign,
            Self::CrlSignOnly => CRLSign.into(),
        }))
    }
    fn invalid(self) -> bool {
        BAD_CA_KU.contains(&self)
    }
}

/// keyUsage of the end entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EeKu {
    Absent,
    Ds,
    DsKe,
    Ke,
    Ka,
    DsKa,
    DsNr,
    DataEnc,
    Nr,
    /// digitalSignature + keyCertSign in a certificate that is not a CA (S3 unless cA=true).
    DsKeyCertSign,
}

impl EeKu {
    fn key_usage(self) -> Option<KeyUsage> {
        use KeyUsages::*;
        Some(KeyUsage(match self {
            Self::Absent => return None,
            Self::Ds => DigitalSignature.into(),
            Self::DsKe => DigitalSignature | KeyEncipherment,
            Self::Ke => KeyEncipherment.into(),
            Self::Ka => KeyAgreement.into(),
            Self::DsKa => DigitalSignature | KeyAgreement,
            Self::DsNr => DigitalSignature | NonRepudiation,
            Self::DataEnc => DataEncipherment.into(),
            Self::Nr => NonRepudiation.into(),
            Self::DsKeyCertSign => DigitalSignature | KeyCertSign,
        }))
    }

    /// CLI.md's purpose table: tls-server needs digitalSignature, keyEncipherment or
    /// keyAgreement; tls-client digitalSignature or keyAgreement (when keyUsage is present).
    fn fits(self, purpose: Purpose) -> bool {
        let Some(KeyUsage(ku)) = self.key_usage() else {
            return true;
        };
        let has = |u: KeyUsages| ku.contains(u);
        match purpose {
            Purpose::TlsServer => {
                has(KeyUsages::DigitalSignature) || has(KeyUsages::KeyEncipherment) || has(KeyUsages::KeyAgreement)
            }
            _ => has(KeyUsages::DigitalSignature) || has(KeyUsages::KeyAgreement),
        }
    }
}

const EE_KUS: [EeKu; 10] = [
    EeKu::Absent,
    EeKu::Ds,
    EeKu::DsKe,
    EeKu::Ke,
    EeKu::Ka,
    EeKu::DsKa,
    EeKu::DsNr,
    EeKu::DataEnc,
    EeKu::Nr,
    EeKu::DsKeyCertSign,
];

/// An extendedKeyUsage extension (or none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Eku {
    Absent,
    Server,
    Client,
    Both,
    /// codeSigning only.
    Other,
    ServerOther,
    ClientOther,
    /// anyExtendedKeyUsage only.
    Any,
    ServerAny,
    ClientAny,
}

const ALL_EKUS: [Eku; 10] = [
    Eku::Absent,
    Eku::Server,
    Eku::Client,
    Eku::Both,
    Eku::Other,
    Eku::ServerOther,
    Eku::ClientOther,
    Eku::Any,
    Eku::ServerAny,
    Eku::ClientAny,
];

impl Eku {
    fn oids(self) -> Vec<ObjectIdentifier> {
        let (s, c, o, a) = (
            ID_KP_SERVER_AUTH,
            ID_KP_CLIENT_AUTH,
            ID_KP_CODE_SIGNING,
            ANY_EXTENDED_KEY_USAGE,
        );
        match self {
            Self::Absent => vec![],
            Self::Server => vec![s],
            Self::Client => vec![c],
            Self::Both => vec![s, c],
            Self::Other => vec![o],
            Self::ServerOther => vec![s, o],
            Self::ClientOther => vec![c, o],
            Self::Any => vec![a],
            Self::ServerAny => vec![s, a],
            Self::ClientAny => vec![c, a],
        }
    }

    /// The end entity's rule (CLI.md: absent, or contains the purpose's EKU; kavach also
    /// refuses anyExtendedKeyUsage in a TLS end entity, S4).
    fn fits_end_entity(self, purpose: Purpose) -> bool {
        let oids = self.oids();
        oids.is_empty() || (oids.contains(&required_eku(purpose)) && !oids.contains(&ANY_EXTENDED_KEY_USAGE))
    }

    /// An intermediate's rule (kavach and webpki alike): absent, or contains the purpose's EKU;
    /// anyExtendedKeyUsage does not stand in for it.
    fn fits_intermediate(self, purpose: Purpose) -> bool {
        let oids = self.oids();
        oids.is_empty() || oids.contains(&required_eku(purpose))
    }
}

fn required_eku(purpose: Purpose) -> ObjectIdentifier {
    if purpose == Purpose::TlsServer {
        ID_KP_SERVER_AUTH
    } else {
        ID_KP_CLIENT_AUTH
    }
}

/// A break in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Defect {
    None,
    /// Certificate `at` names an issuer (a decoy with the issuer's key) that is nowhere.
    IssuerName {
        at: usize,
    },
    /// The same, the decoy's name differing from the real issuer's only in letter case: the
    /// real issuer's name matches per RFC 5280 §7.1, so the chain is valid (kavach accepts,
    /// webpki compares bytes and refuses: STRICTER.md L1). Drawn on cases whose chaining is
    /// otherwise intact.
    IssuerNameCase {
        at: usize,
    },
    /// Certificate `at` is signed by another key of the same type as its issuer's.
    WrongKey {
        at: usize,
    },
    /// Intermediate `at` is not supplied.
    MissingIntermediate {
        at: usize,
    },
}

/// The name a caller asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefName {
    Dns,
    Ipv4,
    Ipv6,
}

const HOST: &str = "host.example.com";
const IPV4: Ipv4Addr = Ipv4Addr::new(10, 1, 2, 3);
const IPV6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);

impl RefName {
    fn text(self) -> String {
        match self {
            Self::Dns => HOST.to_owned(),
            Self::Ipv4 => IPV4.to_string(),
            Self::Ipv6 => IPV6.to_string(),
        }
    }
}

/// A subjectAltName entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum San {
    Dns(&'static str),
    Ip(IpAddr),
}

const SAN_CHOICES: [San; 12] = [
    San::Dns(HOST),
    San::Dns("*.example.com"),
    San::Dns("other.example.com"),
    San::Dns("*.host.example.com"),
    San::Dns("example.com"),
    San::Dns("host.example.org"),
    San::Dns("10.1.2.3"),
    San::Ip(IpAddr::V4(IPV4)),
    San::Ip(IpAddr::V4(Ipv4Addr::new(10, 1, 2, 4))),
    San::Ip(IpAddr::V6(IPV6)),
    San::Ip(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2))),
    // IPv4-mapped IPv6 of 10.1.2.3: not the IPv4 address.
    San::Ip(IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x0a01, 0x0203))),
];

impl San {
    /// RFC 6125: exact DNS match, or `*.` covering exactly one label; IP addresses byte for byte.
    fn matches(self, name: RefName) -> bool {
        match (self, name) {
            (Self::Dns(d), RefName::Dns) => d == HOST || d == "*.example.com",
            (Self::Ip(IpAddr::V4(a)), RefName::Ipv4) => a == IPV4,
            (Self::Ip(IpAddr::V6(a)), RefName::Ipv6) => a == IPV6,
            _ => false,
        }
    }
    fn issuance(self) -> SubjectAltName {
        match self {
            Self::Dns(d) => SubjectAltName::dns(d).unwrap(),
            Self::Ip(ip) => SubjectAltName::Ip(ip),
        }
    }
}

/// One generated chain. Index 0 is the root, 1..=k the intermediates (1 under the root), k+1
/// the end entity; per-CA vectors have k+1 entries.
#[derive(Clone, Debug)]
struct Case {
    purpose: Purpose,
    k: usize,
    algs: Vec<Alg>,
    ee_key: EeKey,
    windows: Vec<Window>,
    bc: Vec<Bc>,
    path_len: Vec<Option<u8>>,
    ca_ku: Vec<CaKu>,
    ca_eku: Vec<Eku>,
    ee_bc: EeBc,
    ee_ku: EeKu,
    ee_eku: Eku,
    defect: Defect,
    sans: Vec<San>,
    name: Option<RefName>,
}

// ---------------------------------------------------------------------------------------------
// Dimensions and the model of kavach's documented rules
// ---------------------------------------------------------------------------------------------

const DIMS: [&str; 8] = [
    "pathLen",
    "validity",
    "keyUsage",
    "extendedKeyUsage",
    "name chaining",
    "subjectAltName",
    "key type",
    "basicConstraints",
];
const D_PATHLEN: usize = 0;
const D_VALIDITY: usize = 1;
const D_KU: usize = 2;
const D_EKU: usize = 3;
const D_CHAIN: usize = 4;
const D_SAN: usize = 5;
const D_KEY: usize = 6;
const D_BC: usize = 7;

impl Case {
    fn n(&self) -> usize {
        self.k + 2
    }

    fn ca_is_ca(&self, c: usize) -> bool {
        matches!(self.bc[c], Bc::Critical | Bc::NonCritical)
    }

    /// Which dimensions are invalid under kavach's documented rules (CLI.md, RFC 5280 as
    /// STRICTER.md states them).
    fn invalid_dims(&self) -> [bool; 8] {
        let mut d = [false; 8];
        let k = self.k;
        // pathLenConstraint of CA c: intermediates below it = k - c.
        d[D_PATHLEN] = (0..=k).any(|c| self.ca_is_ca(c) && self.path_len[c].is_some_and(|n| k - c > usize::from(n)));
        d[D_VALIDITY] = self.windows.iter().any(|w| w.invalid());
        let ee_is_ca = self.ee_bc == EeBc::CaTrue;
        d[D_KU] = self.ca_ku.iter().any(|ku| ku.invalid())
            || !self.ee_ku.fits(self.purpose)
            || (self.ee_ku == EeKu::DsKeyCertSign && !ee_is_ca);
        d[D_EKU] = !self.ee_eku.fits_end_entity(self.purpose)
            || self.ca_eku[0] != Eku::Absent
            || (1..=k).any(|c| !self.ca_eku[c].fits_intermediate(self.purpose));
        d[D_CHAIN] = !matches!(self.defect, Defect::None | Defect::IssuerNameCase { .. });
        d[D_SAN] = self.name.is_some_and(|name| !self.sans.iter().any(|s| s.matches(name)));
        d[D_KEY] = self.ee_key == EeKey::WeakRsa1024 || self.algs.contains(&Alg::WeakRsa1024);
        d[D_BC] = self.bc.iter().any(|b| !matches!(b, Bc::Critical | Bc::NonCritical)) || ee_is_ca;
        d
    }
}

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/// What proptest draws: whether the case is clean (20 %), breaks exactly one dimension (25 %,
/// so that each stricter rule shows up alone) or each dimension with probability 0.55; the
/// depth; the purpose; and a seed for the details.
#[derive(Clone, Debug)]
struct Plan {
    clean: bool,
    broken: [bool; 8],
    k: usize,
    server: bool,
    client_checks_name: bool,
    detail_seed: u64,
}

fn plan_strategy() -> impl Strategy<Value = Plan> {
    let broken = prop_oneof![
        25 => (0..DIMS.len()).prop_map(|d| {
            let mut b = [false; 8];
            b[d] = true;
            b
        }),
        55 => prop::array::uniform8(prop::bool::weighted(0.55)),
    ];
    (
        prop::bool::weighted(0.2),
        broken,
        0..=3usize,
        prop::bool::weighted(0.65),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(|(clean, broken, k, server, client_checks_name, detail_seed)| Plan {
            clean,
            broken,
            k,
            server,
            client_checks_name,
            detail_seed,
        })
}

/// Small deterministic chooser for the details of a plan (SplitMix64).
struct Pick(u64);

impl Pick {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len())]
    }
}

fn case_from_plan(plan: &Plan) -> Case {
    let mut r = Pick(plan.detail_seed);
    let broken = |d: usize| !plan.clean && plan.broken[d];
    let purpose = if plan.server {
        Purpose::TlsServer
    } else {
        Purpose::TlsClient
    };
    let mut k = plan.k;
    if broken(D_PATHLEN) && k == 0 {
        k = 1 + r.below(3);
    }

    // Key types and signature algorithms.
    let mut algs: Vec<Alg> = (0..=k).map(|_| r.pick(&GOOD_ALGS)).collect();
    let mut ee_key = r.pick(&[EeKey::Rsa2048, EeKey::P256, EeKey::P384, EeKey::Ed25519]);
    if broken(D_KEY) {
        if r.chance(50) {
            ee_key = EeKey::WeakRsa1024;
        } else {
            algs[r.below(k + 1)] = Alg::WeakRsa1024;
        }
    }

    // Validity.
    let mut windows: Vec<Window> = (0..k + 2)
        .map(|_| {
            if r.chance(80) {
                Window::Normal
            } else {
                r.pick(&[Window::LastSecond, Window::FirstSecond])
            }
        })
        .collect();
    if broken(D_VALIDITY) {
        let count = 1 + usize::from(r.chance(20));
        for _ in 0..count {
            windows[r.below(k + 2)] = r.pick(&BAD_WINDOWS);
        }
    }

    // basicConstraints.
    let mut bc = vec![Bc::Critical; k + 1];
    let mut ee_bc = r.pick(&[
        EeBc::CriticalFalse,
        EeBc::CriticalFalse,
        EeBc::NonCriticalFalse,
        EeBc::Absent,
    ]);
    if broken(D_BC) {
        match r.below(4) {
            0 if k > 0 => bc[1 + r.below(k)] = Bc::NotCa,
            1 if k > 0 => bc[1 + r.below(k)] = Bc::Absent,
            2 => bc[0] = r.pick(&[Bc::NotCa, Bc::Absent]),
            _ => ee_bc = EeBc::CaTrue,
        }
    } else if r.chance(15) {
        bc[r.below(k + 1)] = Bc::NonCritical;
    }

    // pathLenConstraint: CA c has k - c intermediates below it.
    let mut path_len: Vec<Option<u8>> = (0..=k)
        .map(|c| {
            let below = (k - c) as u8;
            match r.below(4) {
                0 | 1 => None,
                2 => Some(below),
                _ => Some(below + r.below(3) as u8),
            }
        })
        .collect();
    if broken(D_PATHLEN) {
        // k >= 1 here; CAs 0..k have at least one intermediate below.
        let c = r.below(k);
        path_len[c] = Some(r.below(k - c) as u8);
    }

    // keyUsage.
    let good_ee_ku: Vec<EeKu> = EE_KUS
        .into_iter()
        .filter(|ku| ku.fits(purpose) && *ku != EeKu::DsKeyCertSign)
        .collect();
    let bad_ee_ku: Vec<EeKu> = EE_KUS
        .into_iter()
        .filter(|ku| !ku.fits(purpose) || *ku == EeKu::DsKeyCertSign)
        .collect();
    let mut ca_ku: Vec<CaKu> = (0..=k).map(|_| r.pick(&GOOD_CA_KU)).collect();
    let mut ee_ku = r.pick(&good_ee_ku);
    if broken(D_KU) {
        if r.chance(50) {
            ca_ku[r.below(k + 1)] = r.pick(&BAD_CA_KU);
        } else {
            ee_ku = r.pick(&bad_ee_ku);
        }
    }

    // extendedKeyUsage.
    let good_ee_eku: Vec<Eku> = ALL_EKUS.into_iter().filter(|e| e.fits_end_entity(purpose)).collect();
    let bad_ee_eku: Vec<Eku> = ALL_EKUS.into_iter().filter(|e| !e.fits_end_entity(purpose)).collect();
    let good_ca_eku: Vec<Eku> = ALL_EKUS
        .into_iter()
        .filter(|e| *e != Eku::Absent && e.fits_intermediate(purpose))
        .collect();
    let bad_ca_eku: Vec<Eku> = ALL_EKUS.into_iter().filter(|e| !e.fits_intermediate(purpose)).collect();
    let mut ca_eku: Vec<Eku> = (0..=k)
        .map(|c| {
            if c == 0 || r.chance(80) {
                Eku::Absent
            } else {
                r.pick(&good_ca_eku)
            }
        })
        .collect();
    let mut ee_eku = r.pick(&good_ee_eku);
    if broken(D_EKU) {
        match r.below(3) {
            0 => ca_eku[0] = r.pick(&[Eku::Both, Eku::Server, Eku::Client, Eku::Other]),
            1 if k > 0 => ca_eku[1 + r.below(k)] = r.pick(&bad_ca_eku),
            _ => ee_eku = r.pick(&bad_ee_eku),
        }
    }

    // Name chaining.
    let mut defect = Defect::None;
    if broken(D_CHAIN) {
        let at = 1 + r.below(k + 1);
        defect = match r.below(3) {
            0 => Defect::IssuerName { at },
            1 => Defect::WrongKey { at },
            _ if k > 0 => Defect::MissingIntermediate { at: 1 + r.below(k) },
            _ => Defect::IssuerName { at },
        };
    } else if r.chance(15) {
        defect = Defect::IssuerNameCase { at: 1 + r.below(k + 1) };
    }

    // subjectAltName and the requested name.
    let mut name = if purpose == Purpose::TlsServer || plan.client_checks_name {
        Some(r.pick(&[RefName::Dns, RefName::Dns, RefName::Dns, RefName::Ipv4, RefName::Ipv6]))
    } else {
        None
    };
    if broken(D_SAN) && name.is_none() {
        name = Some(RefName::Dns);
    }
    let mut sans: Vec<San> = Vec::new();
    for _ in 0..r.below(3) {
        let s = r.pick(&SAN_CHOICES);
        if name.is_none_or(|n| !s.matches(n)) && !sans.contains(&s) {
            sans.push(s);
        }
    }
    if let Some(n) = name {
        if !broken(D_SAN) {
            let matching: Vec<San> = SAN_CHOICES.into_iter().filter(|s| s.matches(n)).collect();
            let s = r.pick(&matching);
            sans.insert(r.below(sans.len() + 1), s);
        }
    } else if r.chance(50) {
        sans.push(San::Dns(HOST));
    }

    Case {
        purpose,
        k,
        algs,
        ee_key,
        windows,
        bc,
        path_len,
        ca_ku,
        ca_eku,
        ee_bc,
        ee_ku,
        ee_eku,
        defect,
        sans,
        name,
    }
}

// ---------------------------------------------------------------------------------------------
// Building the chain with kavach's issuance API
// ---------------------------------------------------------------------------------------------

struct Chain {
    root: Certificate,
    /// The intermediates handed to both validators (end-entity side first).
    supplied: Vec<Certificate>,
    ee: Certificate,
}

fn subject(case: &Case, i: usize) -> String {
    if i == 0 {
        "CN=Diff Root,O=Kavach Diff,C=IN".to_owned()
    } else if i == case.n() - 1 {
        "CN=Diff End Entity,O=Kavach Diff,C=IN".to_owned()
    } else {
        format!("CN=Diff Intermediate {i},O=Kavach Diff,C=IN")
    }
}

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

fn ca_profile(case: &Case, c: usize, key: &PublicKey, t: SystemTime) -> CertificateProfile {
    let bc = |ca, criticality| {
        (
            Some(BasicConstraints {
                ca,
                path_len_constraint: if ca { case.path_len[c] } else { None },
            }),
            criticality,
        )
    };
    let (constraints, criticality) = match case.bc[c] {
        Bc::Critical => bc(true, Criticality::Critical),
        Bc::NonCritical => bc(true, Criticality::NonCritical),
        Bc::NotCa => bc(false, Criticality::Critical),
        Bc::Absent => (None, Criticality::NonCritical),
    };
    CertificateProfile::new(dn(&subject(case, c)), key, case.windows[c].validity(t))
        .with_basic_constraints(constraints, criticality)
        .with_key_usage(case.ca_ku[c].key_usage())
        .with_extended_key_usage(&case.ca_eku[c].oids())
}

fn ee_profile(case: &Case, key: &PublicKey, t: SystemTime) -> CertificateProfile {
    let ee = case.n() - 1;
    let (constraints, criticality) = match case.ee_bc {
        EeBc::CriticalFalse => (Some(false), Criticality::Critical),
        EeBc::NonCriticalFalse => (Some(false), Criticality::NonCritical),
        EeBc::Absent => (None, Criticality::NonCritical),
        EeBc::CaTrue => (Some(true), Criticality::Critical),
    };
    let sans: Vec<SubjectAltName> = case.sans.iter().map(|s| s.issuance()).collect();
    CertificateProfile::new(dn(&subject(case, ee)), key, case.windows[ee].validity(t))
        .with_basic_constraints(
            constraints.map(|ca| BasicConstraints {
                ca,
                path_len_constraint: None,
            }),
            criticality,
        )
        .with_key_usage(case.ee_ku.key_usage())
        .with_extended_key_usage(&case.ee_eku.oids())
        .with_subject_alt_names(&sans)
        .unwrap()
}

fn build_chain(case: &Case, t: SystemTime) -> Chain {
    let issuing = TestPki::p256(); // only its unchecked-issuance helper is used
    let n = case.n();
    let root_signer = signer(case.algs[0], 0);
    let root = ca_profile(case, 0, root_signer.public_key(), t)
        .self_sign(root_signer)
        .unwrap();
    let mut certs = vec![root];
    for i in 1..n {
        let is_ee = i == n - 1;
        let profile = if is_ee {
            ee_profile(case, case.ee_key.public_key(i), t)
        } else {
            ca_profile(case, i, signer(case.algs[i], i).public_key(), t)
        };
        let issuer_alg = case.algs[i - 1];
        let issuer_signer = signer(issuer_alg, i - 1);
        let decoy = |name: String| issue_root(issuer_signer, &dn(&name), Window::Normal.validity(t), None).unwrap();
        let cert = match case.defect {
            Defect::IssuerName { at } if at == i => {
                let d = decoy(subject(case, i - 1).replace("Kavach Diff", "Kavach Decoy"));
                issuing.issue_under(&profile, &d, issuer_signer)
            }
            Defect::IssuerNameCase { at } if at == i => {
                let d = decoy(subject(case, i - 1).replace("Kavach Diff", "KAVACH DIFF"));
                issuing.issue_under(&profile, &d, issuer_signer)
            }
            Defect::WrongKey { at } if at == i => {
                let wrong_alg = if matches!(issuer_alg, Alg::WeakRsa1024 | Alg::P256Sha512) {
                    Alg::Rs256
                } else {
                    issuer_alg
                };
                issuing.issue_under(&profile, &certs[i - 1], signer(wrong_alg, WRONG_KEY_POSITION))
            }
            _ => issuing.issue_under(&profile, &certs[i - 1], issuer_signer),
        };
        certs.push(cert.unwrap());
    }
    let ee = certs.pop().unwrap();
    let root = certs.remove(0);
    let mut supplied: Vec<Certificate> = Vec::new();
    for (idx, c) in certs.into_iter().enumerate().rev() {
        if case.defect != (Defect::MissingIntermediate { at: idx + 1 }) {
            supplied.push(c);
        }
    }
    Chain { root, supplied, ee }
}

// ---------------------------------------------------------------------------------------------
// The two validators
// ---------------------------------------------------------------------------------------------

/// A validated path as DER certificates: end entity first, trust anchor last.
type DerPath = Vec<Vec<u8>>;

fn kavach_verdict(validator: &Validator, case: &Case, chain: &Chain, t: SystemTime) -> Result<DerPath, Error> {
    let domain = TrustDomain::new("DIFF", vec![chain.root.clone()])?;
    let name = case.name.map(|n| ServerName::parse(&n.text()).unwrap());
    let mut options = ValidationOptions::new(case.purpose, t);
    if let Some(n) = &name {
        options = options.with_server_name(n);
    }
    let path = validator.verify(&domain, &chain.ee, &chain.supplied, &options)?;
    Ok(path.chain().iter().map(|c| c.der().to_vec()).collect())
}

/// webpki's error, reduced to its variant name.
fn webpki_label(e: &webpki::Error) -> String {
    let s = format!("{e:?}");
    s.split([' ', '(', '{']).next().unwrap_or_default().to_owned()
}

fn webpki_verdict(case: &Case, chain: &Chain, t: u64) -> Result<DerPath, webpki::Error> {
    let root_der = CertificateDer::from(chain.root.der());
    let anchor = webpki::anchor_from_trusted_cert(&root_der)?;
    let ee_der = CertificateDer::from(chain.ee.der());
    let ee = webpki::EndEntityCert::try_from(&ee_der)?;
    let intermediates: Vec<CertificateDer<'_>> = chain.supplied.iter().map(|c| CertificateDer::from(c.der())).collect();
    let usage = if case.purpose == Purpose::TlsServer {
        webpki::KeyUsage::server_auth()
    } else {
        webpki::KeyUsage::client_auth()
    };
    let anchors = [anchor];
    let verified = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        UnixTime::since_unix_epoch(Duration::from_secs(t)),
        usage,
        None,
        None,
    )?;
    let mut path: DerPath = vec![chain.ee.der().to_vec()];
    path.extend(verified.intermediate_certificates().map(|c| c.der().to_vec()));
    // webpki's anchor is a subject and key; the anchor certificate is the only one given.
    path.push(chain.root.der().to_vec());
    if let Some(name) = case.name {
        let server_name = match name {
            RefName::Dns => rustls_pki_types::ServerName::try_from(HOST).unwrap(),
            RefName::Ipv4 => rustls_pki_types::ServerName::IpAddress(IpAddr::V4(IPV4).into()),
            RefName::Ipv6 => rustls_pki_types::ServerName::IpAddress(IpAddr::V6(IPV6).into()),
        };
        ee.verify_is_valid_for_subject_name(&server_name)?;
    }
    Ok(path)
}

// ---------------------------------------------------------------------------------------------
// Where kavach is stricter: each rule is documented in crates/kavach-pki/STRICTER.md
// ---------------------------------------------------------------------------------------------

/// The subjects of the chain, as kavach's errors name them.
struct Subjects {
    root: String,
    ee: String,
}

/// A documented kavach rule that webpki does not apply: its id in STRICTER.md and how to
/// recognise kavach's error for it.
struct Rule {
    id: &'static str,
    matches: fn(&Error, &Subjects) -> bool,
}

/// The allow-list: a case that webpki accepts and kavach refuses must fail with one of these.
const STRICTER: &[Rule] = &[
    Rule {
        id: "S1 CA keyUsage without keyCertSign",
        matches: |e, _| matches!(e, Error::MissingKeyCertSign { .. }),
    },
    Rule {
        id: "S2 end-entity keyUsage does not fit the TLS purpose",
        matches: |e, s| {
            matches!(e, Error::PurposeMismatch { subject, reason, .. } if *subject == s.ee && (
                *reason == "keyUsage has none of digitalSignature, keyEncipherment, keyAgreement"
                || *reason == "keyUsage has neither digitalSignature nor keyAgreement"))
        },
    },
    Rule {
        id: "S3 keyCertSign in a certificate that is not a CA",
        matches: |e, _| {
            matches!(
                e,
                Error::ProfileViolation {
                    reason: ProfileRule::KeyCertSignWithoutCa,
                    ..
                }
            )
        },
    },
    Rule {
        id: "S4 anyExtendedKeyUsage in a TLS end entity",
        matches: |e, s| {
            matches!(e, Error::PurposeMismatch { subject, reason, .. }
                if *subject == s.ee && *reason == "anyExtendedKeyUsage in a TLS end-entity certificate")
        },
    },
    Rule {
        id: "S5 TLS trust anchor with extendedKeyUsage",
        matches: |e, s| {
            matches!(e, Error::PurposeMismatch { subject, reason, .. }
                if *subject == s.root && *reason == "a TLS trust anchor with extendedKeyUsage")
        },
    },
    Rule {
        id: "S6 trust anchor outside its validity",
        matches: |e, s| matches!(e, Error::Expired { subject, .. } | Error::NotYetValid { subject, .. } if *subject == s.root),
    },
    Rule {
        id: "S7 trust anchor's pathLenConstraint",
        matches: |e, s| matches!(e, Error::PathLenExceeded { subject, .. } if *subject == s.root),
    },
    Rule {
        id: "S8 trust anchor that is not a CA",
        matches: |e, s| matches!(e, Error::NotCa { subject, .. } if *subject == s.root),
    },
    Rule {
        id: "S10 end-entity key refused by the key policy",
        matches: |e, s| matches!(e, Error::KeyPolicy { subject, .. } if *subject == s.ee),
    },
    Rule {
        id: "S15 CA certificate without keyUsage",
        matches: |e, s| matches!(e, Error::MissingKeyUsage { subject } if *subject != s.ee),
    },
];

fn stricter_rule(e: &Error, s: &Subjects) -> Option<&'static str> {
    STRICTER.iter().find(|r| (r.matches)(e, s)).map(|r| r.id)
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

fn seed() -> [u8; 32] {
    match std::env::var("KAVACH_DIFF_SEED") {
        Ok(hex_seed) => {
            let bytes = hex::decode(hex_seed.trim()).expect("KAVACH_DIFF_SEED: 64 hex digits");
            bytes.try_into().expect("KAVACH_DIFF_SEED: 32 bytes")
        }
        Err(_) => DEFAULT_SEED,
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    agree_accept: usize,
    agree_reject: usize,
    stricter: BTreeMap<String, usize>,
    /// kavach accepts what webpki refuses where RFC 5280 says so (STRICTER.md L1).
    lenient: usize,
    webpki_reasons: BTreeMap<String, usize>,
    invalid: [usize; 8],
    depth: [usize; 4],
    failures: Vec<String>,
}

#[test]
fn kavach_agrees_with_webpki_on_random_chains() {
    let cases: usize = std::env::var("KAVACH_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let t = UNIX_EPOCH + Duration::from_secs(secs);
    let started = std::time::Instant::now();

    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &seed()));
    let strategy = plan_strategy();
    // One validator for the whole run: every case is validated twice, the second time warm.
    let validator = Validator::new();
    let mut tally = Tally::default();

    for _ in 0..cases {
        let plan = strategy.new_tree(&mut runner).unwrap().current();
        let case = case_from_plan(&plan);
        let chain = build_chain(&case, t);
        let subjects = Subjects {
            root: chain.root.subject().to_string(),
            ee: chain.ee.subject().to_string(),
        };
        let dims = case.invalid_dims();
        let model_valid = !dims.iter().any(|d| *d);
        tally.cases += 1;
        tally.depth[case.k] += 1;
        for (i, d) in dims.iter().enumerate() {
            tally.invalid[i] += usize::from(*d);
        }

        let ours = kavach_verdict(&validator, &case, &chain, t);
        let warm = kavach_verdict(&validator, &case, &chain, t);
        let theirs = webpki_verdict(&case, &chain, secs);

        let code = |r: &Result<DerPath, Error>| r.as_ref().err().map(Error::code);
        if code(&ours) != code(&warm) {
            tally.failures.push(format!(
                "warm verdict {:?} differs from cold {:?}: {case:?}",
                warm, ours
            ));
        }
        if ours.is_ok() != model_valid {
            tally.failures.push(format!(
                "kavach {} but the model of its rules says {} (invalid: {:?}): kavach {:?}; {case:?}",
                if ours.is_ok() { "accepts" } else { "refuses" },
                if model_valid { "valid" } else { "invalid" },
                DIMS.iter()
                    .zip(dims)
                    .filter(|(_, d)| *d)
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>(),
                ours.as_ref().err(),
            ));
        }
        if let Err(e) = &theirs {
            *tally.webpki_reasons.entry(webpki_label(e)).or_default() += 1;
        }
        match (&ours, &theirs) {
            (Ok(ours), Ok(theirs)) => {
                tally.agree_accept += 1;
                if ours != theirs {
                    tally
                        .failures
                        .push(format!("both accept but built different paths: {case:?}"));
                }
            }
            (Err(_), Err(_)) => tally.agree_reject += 1,
            (Err(e), Ok(_)) => match stricter_rule(e, &subjects) {
                Some(rule) => *tally.stricter.entry(format!("{rule} [{}]", e.code())).or_default() += 1,
                None => tally.failures.push(format!(
                    "kavach refuses ({e}) what webpki accepts, under no documented rule: {case:?}"
                )),
            },
            // STRICTER.md L1: RFC 5280 §7.1 name comparison; webpki compares names as bytes.
            (Ok(_), Err(w))
                if matches!(case.defect, Defect::IssuerNameCase { .. }) && webpki_label(w) == "UnknownIssuer" =>
            {
                tally.lenient += 1;
            }
            (Ok(_), Err(w)) => tally.failures.push(format!(
                "kavach ACCEPTS what webpki refuses ({}): {case:?}",
                webpki_label(w)
            )),
        }
    }

    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\ndifferential vs rustls-webpki: {} cases in {:.1} s (depth 0/1/2/3 intermediates: {:?})",
        tally.cases,
        started.elapsed().as_secs_f64(),
        tally.depth
    );
    let _ = writeln!(err, "  agree-accept:   {}", tally.agree_accept);
    let _ = writeln!(err, "  agree-reject:   {}", tally.agree_reject);
    let stricter_total: usize = tally.stricter.values().sum();
    let _ = writeln!(err, "  kavach-stricter: {stricter_total}");
    for (rule, n) in &tally.stricter {
        let _ = writeln!(err, "    {n:5}  {rule}");
    }
    let _ = writeln!(err, "  kavach-accepts (L1, RFC 5280 7.1 names): {}", tally.lenient);
    let _ = writeln!(err, "  disagreements outside the allow-list: {}", tally.failures.len());
    let _ = writeln!(err, "  invalid per dimension (of {}):", tally.cases);
    for (name, n) in DIMS.iter().zip(tally.invalid) {
        let _ = writeln!(
            err,
            "    {name:18} {n:5} ({:.0}%)",
            100.0 * n as f64 / tally.cases as f64
        );
    }
    let _ = writeln!(err, "  webpki refusals by error: {:?}", tally.webpki_reasons);
    drop(err);

    if !tally.failures.is_empty() {
        let shown: Vec<&String> = tally.failures.iter().take(12).collect();
        panic!(
            "{} disagreement(s); the first ones:\n{}",
            tally.failures.len(),
            shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n\n")
        );
    }
    for (name, n) in DIMS.iter().zip(tally.invalid) {
        assert!(
            n * 4 >= tally.cases,
            "only {n} of {} cases are invalid in {name}: the generator must break each dimension in at least a quarter",
            tally.cases
        );
    }
    assert!(
        tally.agree_accept * 10 >= tally.cases,
        "too few valid chains: {}",
        tally.agree_accept
    );
    assert!(
        tally.agree_reject * 4 >= tally.cases,
        "too few agreed refusals: {}",
        tally.agree_reject
    );
    assert!(stricter_total > 0, "no case exercised a stricter rule");
    assert!(tally.lenient > 0, "no case exercised RFC 5280 7.1 name comparison (L1)");
}

/// Every rule of the allow-list is documented in STRICTER.md under its id.
#[test]
fn every_stricter_rule_is_documented() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/STRICTER.md")).unwrap();
    for rule in STRICTER {
        let (id, title) = rule.id.split_once(' ').unwrap();
        assert!(
            doc.contains(&format!("### {id}: {title}")),
            "STRICTER.md lacks the heading `### {id}: {title}`"
        );
    }
    assert!(
        doc.contains("### L1: names compared per RFC 5280 §7.1"),
        "STRICTER.md lacks the heading `### L1: names compared per RFC 5280 §7.1`"
    );
}

// ---------------------------------------------------------------------------------------------
// Pinned single cases
// ---------------------------------------------------------------------------------------------

/// A valid two-CA chain for tls-server with the name in its SAN; tests change one thing.
fn base_case() -> Case {
    Case {
        purpose: Purpose::TlsServer,
        k: 1,
        algs: vec![Alg::Es256, Alg::Es256],
        ee_key: EeKey::P256,
        windows: vec![Window::Normal; 3],
        bc: vec![Bc::Critical; 2],
        path_len: vec![None, Some(0)],
        ca_ku: vec![CaKu::CertAndCrlSign; 2],
        ca_eku: vec![Eku::Absent; 2],
        ee_bc: EeBc::CriticalFalse,
        ee_ku: EeKu::Ds,
        ee_eku: Eku::Server,
        defect: Defect::None,
        sans: vec![San::Dns(HOST)],
        name: Some(RefName::Dns),
    }
}

fn both_verdicts(case: &Case) -> (Result<DerPath, Error>, Result<DerPath, webpki::Error>) {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let t = UNIX_EPOCH + Duration::from_secs(secs);
    let chain = build_chain(case, t);
    (
        kavach_verdict(&Validator::new(), case, &chain, t),
        webpki_verdict(case, &chain, secs),
    )
}

#[test]
fn base_case_is_accepted_by_both() {
    let (ours, theirs) = both_verdicts(&base_case());
    assert!(ours.is_ok(), "{ours:?}");
    assert!(theirs.is_ok(), "{theirs:?}");
}

/// Regression (found by this test's generator): an intermediate whose extendedKeyUsage is
/// anyExtendedKeyUsage without the purpose's own EKU (`[anyExtendedKeyUsage]`, or
/// `[clientAuth, anyExtendedKeyUsage]` for tls-server) was accepted by kavach. webpki refuses
/// (`RequiredEkuNotFound`: it matches EKUs exactly on every certificate), and so does
/// `openssl verify -purpose sslserver` ("unsuitable certificate purpose").
#[test]
fn intermediate_with_any_eku_instead_of_the_purpose_is_refused_like_webpki() {
    for (purpose, eku) in [
        (Purpose::TlsServer, Eku::Any),
        (Purpose::TlsServer, Eku::ClientAny),
        (Purpose::TlsClient, Eku::Any),
        (Purpose::TlsClient, Eku::ServerAny),
    ] {
        let mut case = base_case();
        case.purpose = purpose;
        case.ee_eku = Eku::Both;
        case.ca_eku[1] = eku;
        let (ours, theirs) = both_verdicts(&case);
        assert!(
            matches!(theirs, Err(webpki::Error::RequiredEkuNotFoundContext(_))),
            "{purpose} {eku:?}: webpki {theirs:?}"
        );
        assert!(
            ours.is_err(),
            "{purpose}, intermediate EKU {eku:?}: kavach accepts what webpki refuses"
        );
    }
}

/// STRICTER.md S15: a CA (the root or the intermediate) without keyUsage. webpki ignores
/// keyUsage and accepts; kavach refuses with `MissingKeyUsage` naming that CA, which the
/// allow-list maps to S15.
#[test]
fn ca_without_key_usage_is_refused_by_kavach_only() {
    for c in [0, 1] {
        let mut case = base_case();
        case.ca_ku[c] = CaKu::Absent;
        assert!(case.invalid_dims()[D_KU], "the model counts it invalid");
        let (ours, theirs) = both_verdicts(&case);
        assert!(theirs.is_ok(), "CA {c}: webpki {theirs:?}");
        let err = ours.unwrap_err();
        assert_eq!(err.code(), "KVC-PKI-NO-KEYUSAGE", "CA {c}: {err}");
        let ca_name = if c == 0 {
            "CN=Diff Root"
        } else {
            "CN=Diff Intermediate 1"
        };
        assert!(
            matches!(&err, Error::MissingKeyUsage { subject } if subject.contains(ca_name)),
            "CA {c}: {err} (expected {ca_name})"
        );
    }
}

/// ECDSA P-256 with SHA-512 (RFC 5758 §3.2) is an algorithm kavach verifies and webpki's ring
/// provider does not have: webpki cannot decide (an unsupported-algorithm error, not a verdict
/// on the chain), kavach accepts a valid chain signed so. STRICTER.md, "Algorithms".
#[test]
fn ecdsa_with_sha512_is_decided_by_kavach_only() {
    let mut case = base_case();
    case.algs[0] = Alg::P256Sha512;
    let (ours, theirs) = both_verdicts(&case);
    assert!(ours.is_ok(), "{ours:?}");
    assert!(
        matches!(
            theirs,
            Err(webpki::Error::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
                | webpki::Error::UnsupportedSignatureAlgorithmContext(_))
        ),
        "{theirs:?}"
    );
    // The same chain with a wrong signature is refused by kavach.
    case.defect = Defect::WrongKey { at: 1 };
    let (ours, _) = both_verdicts(&case);
    assert!(matches!(ours, Err(Error::BadSignature { .. })), "{ours:?}");
}

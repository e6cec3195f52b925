//! Issuance: roots, intermediates, end entities per purpose, issuer checks, inputs; the
//! certificates are checked field by field, by signature, and by the OpenSSL CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use const_oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_CODE_SIGNING, ID_KP_SERVER_AUTH};
use der::{Decode, Encode};
use kavach_keys::{
    EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, PssSaltLength, PublicKey, SignatureAlgorithm, Signer,
};
use kavach_pki::issue::{
    CertificateProfile, DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_intermediate,
    issue_root,
};
use kavach_pki::{Certificate, Error, KeyUsages, Purpose};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};

/// Two RSA keys per test binary, reused by every RSA test (key generation is slow).
static RSA_ROOT: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::generate(KeyKind::Rsa { bits: 2048 })
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::RS256)
        .unwrap()
});
static RSA_LEAF: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap());

/// The RSA root's key again, set to sign with `algorithm`.
fn rsa_root_key_with(algorithm: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&RSA_ROOT.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(algorithm)
        .unwrap()
}

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

fn year() -> Validity {
    Validity::days_from_now(365).unwrap()
}

fn ext<'a, T: der::Decode<'a> + const_oid::AssociatedOid>(cert: &'a Certificate) -> Option<(bool, T)> {
    cert.inner().tbs_certificate().get_extension::<T>().unwrap()
}

fn tbs_der(cert: &Certificate) -> Vec<u8> {
    cert.inner().tbs_certificate().to_der().unwrap()
}

fn sig_bytes(cert: &Certificate) -> Vec<u8> {
    cert.inner().signature().raw_bytes().to_vec()
}

/// RFC 5280 §4.2.1.2 method 1, computed independently of the crate.
fn sha1_key_id(key: &PublicKey) -> Vec<u8> {
    use sha1::Digest;
    let spki = spki::SubjectPublicKeyInfoOwned::from_der(key.spki_der()).unwrap();
    sha1::Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

#[test]
fn rsa_root_is_a_v3_self_signed_ca_with_critical_constraints() {
    let root = issue_root(&*RSA_ROOT, &dn("CN=Test Root,O=Kavach,C=IN"), year(), Some(1)).unwrap();
    let tbs = root.inner().tbs_certificate();
    assert_eq!(tbs.version(), x509_cert::Version::V3);
    assert_eq!(root.subject().to_string(), "CN=Test Root,O=Kavach,C=IN");
    assert_eq!(root.issuer().to_string(), root.subject().to_string());
    let (critical, bc) = ext::<BasicConstraints>(&root).unwrap();
    assert!(critical && bc.ca && bc.path_len_constraint == Some(1));
    let (critical, ku) = ext::<KeyUsage>(&root).unwrap();
    assert!(critical);
    assert_eq!(ku.0, KeyUsages::KeyCertSign | KeyUsages::CRLSign);
    let (critical, ski) = ext::<SubjectKeyIdentifier>(&root).unwrap();
    assert!(!critical);
    assert_eq!(ski.0.as_bytes(), sha1_key_id(RSA_ROOT.public_key()).as_slice());
    assert!(
        ext::<AuthorityKeyIdentifier>(&root).is_none(),
        "a self-signed root carries no AKI"
    );
    // sha256WithRSAEncryption with NULL parameters, inside and outside the signed part.
    assert_eq!(
        root.inner().signature_algorithm().oid,
        const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION
    );
    assert_eq!(tbs.signature(), root.inner().signature_algorithm());
    RSA_ROOT
        .public_key()
        .verify(SignatureAlgorithm::RS256, &tbs_der(&root), &sig_bytes(&root))
        .unwrap();
}

#[test]
fn serial_numbers_are_random_positive_and_at_most_twenty_octets() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..16 {
        let c = issue_root(&key, &dn("CN=Serial"), year(), None).unwrap();
        let serial = c.inner().tbs_certificate().serial_number().as_bytes().to_vec();
        assert!(!serial.is_empty() && serial.len() <= 20);
        assert_eq!(serial[0] & 0x80, 0, "positive");
        assert!(serial.iter().any(|&b| b != 0), "nonzero");
        assert!(seen.insert(serial), "serials differ");
    }
}

#[test]
fn ecdsa_signers_in_either_encoding_produce_der_signatures() {
    for (kind, hash, oid) in [
        (
            KeyKind::P256,
            HashAlgorithm::Sha256,
            const_oid::db::rfc5912::ECDSA_WITH_SHA_256,
        ),
        (
            KeyKind::P384,
            HashAlgorithm::Sha384,
            const_oid::db::rfc5912::ECDSA_WITH_SHA_384,
        ),
    ] {
        for encoding in [EcdsaEncoding::Fixed, EcdsaEncoding::Der] {
            let alg = SignatureAlgorithm::Ecdsa { hash, encoding };
            let key = PrivateKey::generate(kind)
                .unwrap()
                .with_signature_algorithm(alg)
                .unwrap();
            let root = issue_root(&key, &dn("CN=EC Root"), year(), None).unwrap();
            assert_eq!(root.inner().signature_algorithm().oid, oid);
            assert!(
                root.inner().signature_algorithm().parameters.is_none(),
                "RFC 5758: parameters absent"
            );
            let der_alg = SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            };
            key.public_key()
                .verify(der_alg, &tbs_der(&root), &sig_bytes(&root))
                .unwrap();
        }
    }
}

#[test]
fn pss_and_ed25519_signers_issue_verifiable_certificates() {
    let pss = rsa_root_key_with(SignatureAlgorithm::PS256);
    let root = issue_root(&pss, &dn("CN=PSS Root"), year(), None).unwrap();
    let alg = root.inner().signature_algorithm();
    assert_eq!(alg.oid, const_oid::db::rfc5912::ID_RSASSA_PSS);
    assert!(alg.parameters.is_some(), "explicit RSASSA-PSS-params");
    pss.public_key()
        .verify(SignatureAlgorithm::PS256, &tbs_der(&root), &sig_bytes(&root))
        .unwrap();
    // Salt length 20 must be written as such, and verify only with that length.
    let pss20 = rsa_root_key_with(SignatureAlgorithm::RsaPss {
        hash: HashAlgorithm::Sha384,
        salt: PssSaltLength::Exactly(20),
    });
    let root20 = issue_root(&pss20, &dn("CN=PSS Root 20"), year(), None).unwrap();
    let exact = SignatureAlgorithm::RsaPss {
        hash: HashAlgorithm::Sha384,
        salt: PssSaltLength::Exactly(20),
    };
    pss20
        .public_key()
        .verify(exact, &tbs_der(&root20), &sig_bytes(&root20))
        .unwrap();

    let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let root = issue_root(&ed, &dn("CN=Ed Root"), year(), None).unwrap();
    assert_eq!(
        root.inner().signature_algorithm().oid,
        const_oid::db::rfc8410::ID_ED_25519
    );
    ed.public_key()
        .verify(SignatureAlgorithm::Ed25519, &tbs_der(&root), &sig_bytes(&root))
        .unwrap();
}

#[test]
fn intermediates_carry_path_len_and_name_their_issuer_key() {
    let root = issue_root(&*RSA_ROOT, &dn("CN=Root"), year(), None).unwrap();
    let int_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let issuer = Issuer::new(&root, &*RSA_ROOT).unwrap();
    let int = issue_intermediate(&issuer, int_key.public_key(), &dn("CN=Intermediate"), year(), Some(0)).unwrap();
    assert_eq!(int.issuer().to_string(), "CN=Root");
    assert_eq!(int.basic_constraints(), Some((true, Some(0))));
    let (_, aki) = ext::<AuthorityKeyIdentifier>(&int).unwrap();
    let (_, root_ski) = ext::<SubjectKeyIdentifier>(&root).unwrap();
    assert_eq!(aki.key_identifier.unwrap(), root_ski.0);
    assert!(aki.authority_cert_issuer.is_none() && aki.authority_cert_serial_number.is_none());
    assert_eq!(int.public_key().unwrap(), int_key.public_key());
    RSA_ROOT
        .public_key()
        .verify(SignatureAlgorithm::RS256, &tbs_der(&int), &sig_bytes(&int))
        .unwrap();

    // A CA with pathLen 0 may not issue another CA.
    let int_issuer = Issuer::new(&int, &int_key).unwrap();
    let other = PrivateKey::generate(KeyKind::P256).unwrap();
    let err = issue_intermediate(&int_issuer, other.public_key(), &dn("CN=Too Deep"), year(), None).unwrap_err();
    assert!(matches!(err, Error::IssuerCannotIssue { .. }), "{err}");
    assert_eq!(err.code(), "KVC-PKI-ISSUER-CANNOT-ISSUE");
}

/// (purpose, RSA keyUsage, EC keyUsage, extendedKeyUsage) — the module table.
fn expected_profile(purpose: Purpose) -> (Vec<KeyUsages>, Vec<KeyUsages>, Vec<const_oid::ObjectIdentifier>) {
    use KeyUsages::*;
    match purpose {
        Purpose::TlsServer => (
            vec![DigitalSignature, KeyEncipherment],
            vec![DigitalSignature],
            vec![ID_KP_SERVER_AUTH],
        ),
        Purpose::TlsClient => (vec![DigitalSignature], vec![DigitalSignature], vec![ID_KP_CLIENT_AUTH]),
        Purpose::Encryption => (vec![KeyEncipherment], vec![KeyAgreement], vec![]),
        Purpose::Signing | Purpose::Ftm => (vec![DigitalSignature], vec![DigitalSignature], vec![]),
        Purpose::Device => (vec![DigitalSignature], vec![DigitalSignature], vec![ID_KP_CLIENT_AUTH]),
        Purpose::CodeSigning => (vec![DigitalSignature], vec![DigitalSignature], vec![ID_KP_CODE_SIGNING]),
        _ => unreachable!(),
    }
}

#[test]
fn end_entities_get_exactly_the_usages_of_their_purpose() {
    let root = issue_root(&*RSA_ROOT, &dn("CN=Root"), year(), None).unwrap();
    let issuer = Issuer::new(&root, &*RSA_ROOT).unwrap();
    let ec = PrivateKey::generate(KeyKind::P256).unwrap();
    let sans = [SubjectAltName::parse("svc.example").unwrap()];
    for purpose in [
        Purpose::TlsServer,
        Purpose::TlsClient,
        Purpose::Encryption,
        Purpose::Signing,
        Purpose::Device,
        Purpose::Ftm,
        Purpose::CodeSigning,
    ] {
        let (rsa_ku, ec_ku, eku) = expected_profile(purpose);
        for (key, ku) in [(RSA_LEAF.public_key(), rsa_ku), (ec.public_key(), ec_ku)] {
            let cert = issue_end_entity(&issuer, key, &dn("CN=Leaf"), year(), purpose, &sans).unwrap();
            let (critical, got) = ext::<KeyUsage>(&cert).unwrap();
            assert!(critical, "{purpose}: keyUsage critical");
            let mut want = flagset_empty().0;
            for u in ku.iter().copied() {
                want |= u;
            }
            assert_eq!(got.0, want, "{purpose} {:?}", key.kind());
            assert_eq!(
                cert.extended_key_usage().map(<[_]>::to_vec).unwrap_or_default(),
                eku,
                "{purpose}"
            );
            let (critical, bc) = ext::<BasicConstraints>(&cert).unwrap();
            assert!(
                critical && !bc.ca && bc.path_len_constraint.is_none(),
                "{purpose}: CA:FALSE critical"
            );
            assert!(!cert.is_ca());
        }
    }
}

fn flagset_empty() -> x509_cert::ext::pkix::KeyUsage {
    KeyUsage(Default::default())
}

#[test]
fn subject_alt_names_hold_dns_and_ip_entries() {
    use x509_cert::ext::pkix::name::GeneralName;
    let root = issue_root(&*RSA_ROOT, &dn("CN=Root"), year(), None).unwrap();
    let issuer = Issuer::new(&root, &*RSA_ROOT).unwrap();
    let sans: Vec<SubjectAltName> = ["api.example.org", "*.svc.example.org", "10.1.2.3", "::1"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    let cert = issue_end_entity(
        &issuer,
        RSA_LEAF.public_key(),
        &dn("CN=api"),
        year(),
        Purpose::TlsServer,
        &sans,
    )
    .unwrap();
    let got = cert.subject_alt_names().unwrap();
    assert_eq!(got.len(), 4);
    assert!(matches!(&got[0], GeneralName::DnsName(d) if d.as_str() == "api.example.org"));
    assert!(matches!(&got[1], GeneralName::DnsName(d) if d.as_str() == "*.svc.example.org"));
    assert!(matches!(&got[2], GeneralName::IpAddress(o) if o.as_bytes() == [10, 1, 2, 3]));
    assert!(matches!(&got[3], GeneralName::IpAddress(o) if o.as_bytes().len() == 16));
}

#[test]
fn refusals_are_typed() {
    let root = issue_root(&*RSA_ROOT, &dn("CN=Root"), year(), None).unwrap();
    let issuer = Issuer::new(&root, &*RSA_ROOT).unwrap();
    let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let leaf = |purpose, key: &PublicKey, sans: &[SubjectAltName]| {
        issue_end_entity(&issuer, key, &dn("CN=x"), year(), purpose, sans).unwrap_err()
    };
    assert!(matches!(
        leaf(Purpose::Encryption, ed.public_key(), &[]),
        Error::PurposeNotIssuable { .. }
    ));
    assert!(matches!(
        leaf(Purpose::Ca, ed.public_key(), &[]),
        Error::PurposeNotIssuable { .. }
    ));
    assert!(matches!(
        leaf(Purpose::Any, ed.public_key(), &[]),
        Error::PurposeNotIssuable { .. }
    ));
    let err = leaf(Purpose::TlsServer, RSA_LEAF.public_key(), &[]);
    assert!(
        matches!(
            err,
            Error::InvalidIssuanceInput {
                what: "subjectAltName",
                ..
            }
        ),
        "{err}"
    );

    // An end entity cannot issue.
    let ee = issue_end_entity(&issuer, ed.public_key(), &dn("CN=ee"), year(), Purpose::Signing, &[]).unwrap();
    assert!(matches!(Issuer::new(&ee, &ed), Err(Error::IssuerCannotIssue { .. })));
    // The signer must hold the issuer certificate's key.
    assert!(matches!(Issuer::new(&root, &ed), Err(Error::IssuerKeyMismatch { .. })));
    // A CA whose keyUsage lacks keyCertSign cannot issue.
    let crl_only = CertificateProfile::new(dn("CN=CRL signer"), ed.public_key(), year())
        .with_ca(None)
        .with_key_usage(Some(KeyUsage(KeyUsages::CRLSign.into())))
        .issue(&issuer)
        .unwrap();
    let err = Issuer::new(&crl_only, &ed).unwrap_err();
    assert!(matches!(err, Error::IssuerCannotIssue { reason, .. } if reason.contains("keyCertSign")));
    // A profile with an empty keyUsage is refused (RFC 5280 §4.2.1.3).
    let err = CertificateProfile::new(dn("CN=x"), ed.public_key(), year())
        .with_key_usage(Some(flagset_empty()))
        .issue(&issuer)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidIssuanceInput { what: "keyUsage", .. }));
    // Self-signing needs the subject's own key.
    let err = CertificateProfile::new(dn("CN=x"), ed.public_key(), year())
        .self_sign(&*RSA_ROOT)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidIssuanceInput { .. }));
}

#[test]
fn bad_names_validities_and_sans_are_refused() {
    for bad in ["", "   ", "CN=", "nonsense", "XYZ=1", "CN=a,", &"CN=a".repeat(2000)] {
        let err = DistinguishedName::parse(bad).unwrap_err();
        assert!(matches!(err, Error::InvalidDistinguishedName { .. }), "{bad:?}: {err}");
        assert_eq!(err.code(), "KVC-PKI-BAD-NAME");
    }
    assert_eq!(dn("CN=a\\,b,O=c").to_string(), "CN=a\\,b,O=c");

    let now = SystemTime::now();
    assert!(Validity::new(now, now).is_err());
    assert!(Validity::new(now, now - Duration::from_secs(1)).is_err());
    assert!(Validity::new(SystemTime::UNIX_EPOCH - Duration::from_secs(1), now).is_err());
    let v = Validity::days_from_now(1).unwrap();
    assert!(v.not_before() < now && v.not_after() > now);

    for bad in [
        "",
        "-a.example",
        "a..b",
        "a_b.example",
        "exa mple",
        "*",
        "a.*.example",
        &"a".repeat(64),
    ] {
        assert!(SubjectAltName::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        SubjectAltName::parse("Foo.Example").unwrap(),
        SubjectAltName::Dns("foo.example".into())
    );
}

#[test]
fn validity_is_written_with_utctime_before_2050_and_generalizedtime_after() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let nb = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000); // 2033
    let na = SystemTime::UNIX_EPOCH + Duration::from_secs(2_600_000_000); // 2052
    let c = issue_root(&key, &dn("CN=Long"), Validity::new(nb, na).unwrap(), None).unwrap();
    let v = c.inner().tbs_certificate().validity();
    assert!(matches!(v.not_before, x509_cert::time::Time::UtcTime(_)));
    assert!(matches!(v.not_after, x509_cert::time::Time::GeneralTime(_)));
    assert_eq!(c.not_before(), nb);
    assert_eq!(c.not_after(), na);
}

/// A stand-in for a token-held key: only the `Signer` trait is visible to issuance.
struct TokenSigner {
    inner: PrivateKey,
    corrupt: bool,
}

impl Signer for TokenSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        self.inner.algorithm()
    }
    fn public_key(&self) -> &PublicKey {
        self.inner.public_key()
    }
    fn sign(&self, message: &[u8]) -> kavach_keys::Result<Vec<u8>> {
        let mut sig = self.inner.sign(message)?;
        if self.corrupt {
            sig[5] ^= 1;
        }
        Ok(sig)
    }
}

#[test]
fn any_signer_can_be_the_ca_and_a_faulty_one_is_caught() {
    let good = TokenSigner {
        inner: PrivateKey::generate(KeyKind::P384).unwrap(),
        corrupt: false,
    };
    let root = issue_root(&good, &dn("CN=Token Root"), year(), None).unwrap();
    let issuer = Issuer::new(&root, &good).unwrap();
    let leaf = PrivateKey::generate(KeyKind::P256).unwrap();
    issue_end_entity(
        &issuer,
        leaf.public_key(),
        &dn("CN=Token Leaf"),
        year(),
        Purpose::Signing,
        &[],
    )
    .unwrap();

    let bad = TokenSigner {
        inner: PrivateKey::generate(KeyKind::P256).unwrap(),
        corrupt: true,
    };
    let err = issue_root(&bad, &dn("CN=Broken Token"), year(), None).unwrap_err();
    assert!(matches!(err, Error::Signing { .. }), "{err}");
}

fn write(dir: &Path, name: &str, certs: &[&Certificate]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, certs.iter().map(|c| c.to_pem()).collect::<String>()).unwrap();
    path
}

fn openssl_verify(
    openssl: &Path,
    dir: &Path,
    root: &Certificate,
    int: &Certificate,
    leaf: &Certificate,
    purpose: &str,
) {
    let root_p = write(dir, "root.pem", &[root]);
    let int_p = write(dir, "int.pem", &[int]);
    let leaf_p = write(dir, "leaf.pem", &[leaf]);
    let out = Command::new(openssl)
        .args(["verify", "-x509_strict", "-purpose", purpose, "-CAfile"])
        .arg(&root_p)
        .arg("-untrusted")
        .arg(&int_p)
        .arg(&leaf_p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl verify -purpose {purpose} refused {}: {}{}",
        leaf.subject(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = Command::new(openssl)
        .args(["x509", "-text", "-noout", "-in"])
        .arg(&leaf_p)
        .output()
        .unwrap();
    assert!(text.status.success());
}

#[test]
fn openssl_accepts_issued_chains_of_every_key_type() {
    let Some(openssl) = kavach_testkit::program("openssl_accepts_issued_chains_of_every_key_type", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pss = rsa_root_key_with(SignatureAlgorithm::PS256);
    let p384 = PrivateKey::generate(KeyKind::P384).unwrap();
    let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let cas: [(&str, &dyn Signer); 4] = [("rsa", &*RSA_ROOT), ("pss", &pss), ("p384", &p384), ("ed25519", &ed)];
    let int_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let ec_leaf = PrivateKey::generate(KeyKind::P256).unwrap();
    for (label, ca) in cas {
        let root = issue_root(ca, &dn(&format!("CN={label} Root,O=Kavach,C=IN")), year(), None).unwrap();
        let int = issue_intermediate(
            &Issuer::new(&root, ca).unwrap(),
            int_key.public_key(),
            &dn(&format!("CN={label} Intermediate")),
            year(),
            Some(0),
        )
        .unwrap();
        let int_issuer = Issuer::new(&int, &int_key).unwrap();
        let sans = [SubjectAltName::parse("localhost").unwrap()];
        for (purpose, ossl) in [
            (Purpose::TlsServer, "sslserver"),
            (Purpose::TlsClient, "sslclient"),
            (Purpose::Encryption, "any"),
            (Purpose::Signing, "any"),
            (Purpose::Device, "sslclient"),
            (Purpose::CodeSigning, "any"), // OpenSSL 3.0 has no codesign purpose
        ] {
            for key in [RSA_LEAF.public_key(), ec_leaf.public_key()] {
                let leaf = issue_end_entity(&int_issuer, key, &dn("CN=Leaf"), year(), purpose, &sans).unwrap();
                openssl_verify(&openssl, dir.path(), &root, &int, &leaf, ossl);
            }
        }
    }
}

#[test]
fn openssl_refuses_a_leaf_used_beyond_its_purpose() {
    let Some(openssl) = kavach_testkit::program("openssl_refuses_a_leaf_used_beyond_its_purpose", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = issue_root(&*RSA_ROOT, &dn("CN=Root"), year(), None).unwrap();
    let issuer = Issuer::new(&root, &*RSA_ROOT).unwrap();
    let leaf = issue_end_entity(
        &issuer,
        RSA_LEAF.public_key(),
        &dn("CN=Client"),
        year(),
        Purpose::TlsClient,
        &[],
    )
    .unwrap();
    let root_p = write(dir.path(), "root.pem", &[&root]);
    let leaf_p = write(dir.path(), "leaf.pem", &[&leaf]);
    let out = Command::new(openssl)
        .args(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile"])
        .arg(&root_p)
        .arg(&leaf_p)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a clientAuth-only leaf must not pass as a TLS server"
    );
}

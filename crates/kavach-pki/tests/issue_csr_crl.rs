//! PKCS#10 requests (creation, proof of possession, issuance from them, OpenSSL interop) and
//! CRL issuance (parsed back, checked field by field, accepted by OpenSSL).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use der::{Decode, Encode};
use kavach_keys::{KeyKind, PrivateKey, SignatureAlgorithm, Signer};
use kavach_pki::issue::{
    CertificateProfile, CertificateRequest, CrlReason, DistinguishedName, Issuer, MAX_CSR_LEN, RevokedEntry,
    SubjectAltName, Validity, create_csr, create_csr_with_challenge_password, issue_crl, issue_end_entity,
    issue_from_csr, issue_root,
};
use kavach_pki::{Certificate, Crl, Error, KeyUsage, KeyUsages, Purpose};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, SubjectKeyIdentifier};

fn dn(s: &str) -> DistinguishedName {
    DistinguishedName::parse(s).unwrap()
}

fn year() -> Validity {
    Validity::days_from_now(365).unwrap()
}

struct Ca {
    key: PrivateKey,
    cert: Certificate,
}

static CA: LazyLock<Ca> = LazyLock::new(|| {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let cert = issue_root(&key, &dn("CN=CSR Test CA,O=Kavach,C=IN"), year(), None).unwrap();
    Ca { key, cert }
});

fn issuer() -> Issuer<'static> {
    Issuer::new(&CA.cert, &CA.key).unwrap()
}

static RSA: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap());

fn rsa_with(alg: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&RSA.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(alg)
        .unwrap()
}

#[test]
fn csr_proof_of_possession_verifies_for_every_key_type() {
    let keys = [
        PrivateKey::generate(KeyKind::P256).unwrap(),
        PrivateKey::generate(KeyKind::P384).unwrap(),
        PrivateKey::generate(KeyKind::Ed25519).unwrap(),
        rsa_with(SignatureAlgorithm::RS256),
        rsa_with(SignatureAlgorithm::PS256),
    ];
    for key in &keys {
        let csr = create_csr(key, &dn("CN=Requester,O=Partner,C=IN")).unwrap();
        assert_eq!(csr.subject().to_string(), "CN=Requester,O=Partner,C=IN");
        assert_eq!(&csr.verify_proof_of_possession().unwrap(), key.public_key());
        // PEM round trip.
        let again = CertificateRequest::from_pem(&csr.to_pem()).unwrap();
        assert_eq!(again.der(), csr.der());
        assert_eq!(
            CertificateRequest::parse(csr.to_pem().as_bytes()).unwrap().der(),
            csr.der()
        );
    }
}

#[test]
fn csr_with_a_flipped_signature_bit_fails_proof_of_possession() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let csr = create_csr(&key, &dn("CN=Requester")).unwrap();
    let mut der = csr.der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let tampered = CertificateRequest::from_der(&der).unwrap();
    let err = tampered.verify_proof_of_possession().unwrap_err();
    assert!(matches!(err, Error::BadProofOfPossession));
    assert_eq!(err.code(), "KVC-PKI-CSR-POP");
    let err = issue_from_csr(&issuer(), &tampered, year(), Purpose::Signing, &[]).unwrap_err();
    assert!(matches!(err, Error::BadProofOfPossession));
}

#[test]
fn csr_whose_subject_was_changed_after_signing_fails_proof_of_possession() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let csr = create_csr(&key, &dn("CN=Alice")).unwrap();
    let der = csr.der().to_vec();
    let pos = der.windows(5).position(|w| w == b"Alice").unwrap();
    let mut tampered = der.clone();
    tampered[pos..pos + 5].copy_from_slice(b"Mallo");
    let tampered = CertificateRequest::from_der(&tampered).unwrap();
    assert_eq!(tampered.subject().to_string(), "CN=Mallo");
    assert!(matches!(
        tampered.verify_proof_of_possession(),
        Err(Error::BadProofOfPossession)
    ));
}

#[test]
fn csr_for_a_key_signed_by_another_key_fails_proof_of_possession() {
    // A request that names the victim's public key but is signed by the attacker's key.
    let victim = PrivateKey::generate(KeyKind::P256).unwrap();
    let attacker = PrivateKey::generate(KeyKind::P256)
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::Ecdsa {
            hash: kavach_keys::HashAlgorithm::Sha256,
            encoding: kavach_keys::EcdsaEncoding::Der,
        })
        .unwrap();
    let csr = create_csr(&victim, &dn("CN=Victim")).unwrap();
    let mut req = x509_cert::request::CertReq::from_der(csr.der()).unwrap();
    let info = req.info.to_der().unwrap();
    req.signature = der::asn1::BitString::from_bytes(&attacker.sign(&info).unwrap()).unwrap();
    let forged = CertificateRequest::from_der(&req.to_der().unwrap()).unwrap();
    assert!(matches!(
        forged.verify_proof_of_possession(),
        Err(Error::BadProofOfPossession)
    ));
    assert!(matches!(
        issue_from_csr(&issuer(), &forged, year(), Purpose::TlsClient, &[]),
        Err(Error::BadProofOfPossession)
    ));
}

#[test]
fn issuing_from_a_csr_uses_its_key_and_subject_and_the_cas_names() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let csr = create_csr(&key, &dn("CN=api.partner.example,O=Partner,C=IN")).unwrap();
    let sans = [SubjectAltName::parse("api.partner.example").unwrap()];
    let cert = issue_from_csr(&issuer(), &csr, year(), Purpose::TlsServer, &sans).unwrap();
    assert_eq!(cert.subject().to_string(), "CN=api.partner.example,O=Partner,C=IN");
    assert_eq!(cert.issuer().to_string(), CA.cert.subject().to_string());
    assert_eq!(cert.public_key().unwrap(), key.public_key());
    assert_eq!(cert.subject_alt_names().unwrap().len(), 1);
    // tls-server without names is refused; encryption with an Ed25519 request is refused.
    assert!(matches!(
        issue_from_csr(&issuer(), &csr, year(), Purpose::TlsServer, &[]),
        Err(Error::InvalidIssuanceInput { .. })
    ));
    let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let ed_csr = create_csr(&ed, &dn("CN=ed")).unwrap();
    assert!(matches!(
        issue_from_csr(&issuer(), &ed_csr, year(), Purpose::Encryption, &[]),
        Err(Error::PurposeNotIssuable { .. })
    ));
}

#[test]
fn malformed_csrs_are_typed_errors() {
    assert!(matches!(
        CertificateRequest::from_der(b"garbage"),
        Err(Error::Der { .. })
    ));
    assert!(matches!(CertificateRequest::from_der(&[]), Err(Error::Der { .. })));
    assert!(matches!(
        CertificateRequest::from_der(&vec![0x30; MAX_CSR_LEN + 1]),
        Err(Error::TooLarge { .. })
    ));
    assert!(matches!(
        CertificateRequest::from_pem(&CA.cert.to_pem()),
        Err(Error::UnexpectedPemLabel { .. })
    ));
    assert!(CertificateRequest::from_pem("not pem").is_err());
    // Trailing bytes after a valid request.
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let mut der = create_csr(&key, &dn("CN=x")).unwrap().der().to_vec();
    der.push(0);
    assert!(CertificateRequest::from_der(&der).is_err());
}

#[test]
fn openssl_verifies_our_csrs_and_we_issue_from_openssls() {
    let Some(openssl) = kavach_testkit::program("openssl_verifies_our_csrs_and_we_issue_from_openssls", "openssl")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Ours, checked by `openssl req -verify`.
    for key in [
        PrivateKey::generate(KeyKind::P256).unwrap(),
        rsa_with(SignatureAlgorithm::PS256),
    ] {
        let csr = create_csr(&key, &dn("CN=Ours,O=Kavach,C=IN")).unwrap();
        let path = dir.path().join("ours.csr");
        std::fs::write(&path, csr.to_pem()).unwrap();
        let out = Command::new(&openssl)
            .args(["req", "-verify", "-noout", "-in"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // OpenSSL's, for EC, RSA PKCS#1 v1.5 and RSA-PSS (salt 32).
    let key_path = dir.path().join("rsa.key");
    std::fs::write(&key_path, RSA.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let ec_args: &[&str] = &[
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
    ];
    let cases: [(&str, Vec<String>); 3] = [
        (
            "ec",
            ec_args
                .iter()
                .map(|s| s.to_string())
                .chain([dir.path().join("ec.key").display().to_string()])
                .collect(),
        ),
        (
            "rsa",
            vec!["-key".into(), key_path.display().to_string(), "-sha256".into()],
        ),
        (
            "pss",
            vec![
                "-key".into(),
                key_path.display().to_string(),
                "-sha256".into(),
                "-sigopt".into(),
                "rsa_padding_mode:pss".into(),
                "-sigopt".into(),
                "rsa_pss_saltlen:32".into(),
            ],
        ),
    ];
    for (label, args) in cases {
        let out = Command::new(&openssl)
            .args([
                "req",
                "-new",
                "-subj",
                &format!("/C=IN/O=OpenSSL/CN={label}"),
                "-outform",
                "DER",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csr = CertificateRequest::from_der(&out.stdout).unwrap();
        assert_eq!(csr.subject().to_string(), format!("CN={label},O=OpenSSL,C=IN"));
        let cert = issue_from_csr(&issuer(), &csr, year(), Purpose::Signing, &[]).unwrap();
        assert_eq!(cert.subject().to_string(), csr.subject().to_string());
    }
}

#[test]
fn crls_parse_back_with_every_field() {
    let int_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let int = CertificateProfile::new(dn("CN=CRL Issuer"), int_key.public_key(), year())
        .with_ca(Some(0))
        .issue(&issuer())
        .unwrap();
    let int_issuer = Issuer::new(&int, &int_key).unwrap();
    let leaf_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let leaves: Vec<Certificate> = (0..3)
        .map(|i| {
            issue_end_entity(
                &int_issuer,
                leaf_key.public_key(),
                &dn(&format!("CN=Leaf {i}")),
                year(),
                Purpose::Signing,
                &[],
            )
            .unwrap()
        })
        .collect();
    let now = SystemTime::UNIX_EPOCH
        + Duration::from_secs(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        );
    let this_update = now - Duration::from_secs(3600);
    let next_update = now + Duration::from_secs(7 * 86_400);
    let revoked = [
        RevokedEntry::new(&leaves[0], this_update).with_reason(CrlReason::KeyCompromise),
        RevokedEntry::new(&leaves[1], this_update - Duration::from_secs(60)),
    ];
    let crl = issue_crl(&int_issuer, &revoked, this_update, next_update, 42).unwrap();

    let again = Crl::from_der(crl.der()).unwrap();
    assert_eq!(again.issuer().to_string(), "CN=CRL Issuer");
    assert_eq!(again.this_update(), this_update);
    assert_eq!(again.next_update(), Some(next_update));
    assert_eq!(again.revoked_count(), 2);
    let serial = |c: &Certificate| c.inner().tbs_certificate().serial_number().as_bytes().to_vec();
    assert!(again.lists_serial(&serial(&leaves[0])));
    assert!(again.lists_serial(&serial(&leaves[1])));
    assert!(!again.lists_serial(&serial(&leaves[2])));

    let tbs = &again.inner().tbs_cert_list;
    assert_eq!(tbs.version, x509_cert::Version::V2);
    let exts = tbs.crl_extensions.as_ref().unwrap();
    let number = exts
        .iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_CRL_NUMBER)
        .unwrap();
    assert!(!number.critical);
    assert_eq!(
        CrlNumber::from_der(number.extn_value.as_bytes()).unwrap().0.as_bytes(),
        &[42]
    );
    let aki = exts
        .iter()
        .find(|e| e.extn_id == const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER)
        .unwrap();
    let aki = AuthorityKeyIdentifier::from_der(aki.extn_value.as_bytes()).unwrap();
    let (_, ski) = int
        .inner()
        .tbs_certificate()
        .get_extension::<SubjectKeyIdentifier>()
        .unwrap()
        .unwrap();
    assert_eq!(aki.key_identifier.unwrap(), ski.0);
    let entries = tbs.revoked_certificates.as_ref().unwrap();
    assert_eq!(entries[0].revocation_date.to_system_time(), this_update);
    let reason = entries[0].crl_entry_extensions.as_ref().unwrap();
    assert_eq!(reason[0].extn_id, const_oid::db::rfc5280::ID_CE_CRL_REASONS);
    assert_eq!(
        CrlReason::from_der(reason[0].extn_value.as_bytes()).unwrap(),
        CrlReason::KeyCompromise
    );
    assert!(entries[1].crl_entry_extensions.is_none());

    // The signature verifies with the issuer's key (ECDSA DER).
    let tbs_der = tbs.to_der().unwrap();
    let der_alg = SignatureAlgorithm::Ecdsa {
        hash: kavach_keys::HashAlgorithm::Sha256,
        encoding: kavach_keys::EcdsaEncoding::Der,
    };
    int_key
        .public_key()
        .verify(der_alg, &tbs_der, again.inner().signature.raw_bytes())
        .unwrap();

    // An empty CRL leaves revokedCertificates out.
    let empty = issue_crl(&int_issuer, &[], this_update, next_update, 43).unwrap();
    assert!(empty.inner().tbs_cert_list.revoked_certificates.is_none());
    assert_eq!(empty.revoked_count(), 0);
}

#[test]
fn crl_refusals_are_typed() {
    let now = SystemTime::now();
    let week = Duration::from_secs(7 * 86_400);
    let err = issue_crl(&issuer(), &[], now, now, 1).unwrap_err();
    assert!(matches!(err, Error::InvalidIssuanceInput { .. }));
    // A CA without cRLSign cannot sign a CRL.
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let no_crl_sign = CertificateProfile::new(dn("CN=No CRL"), key.public_key(), year())
        .with_ca(None)
        .with_key_usage(Some(KeyUsage(KeyUsages::KeyCertSign.into())))
        .issue(&issuer())
        .unwrap();
    let err = issue_crl(
        &Issuer {
            certificate: &no_crl_sign,
            signer: &key,
        },
        &[],
        now,
        now + week,
        1,
    )
    .unwrap_err();
    assert!(matches!(err, Error::IssuerCannotIssue { reason, .. } if reason.contains("cRLSign")));
    // Serial numbers for entries must be positive and at most 20 octets.
    assert!(RevokedEntry::from_serial(&[0x01; 21], now).is_err());
    assert!(RevokedEntry::from_serial(&[0x01, 0x02], now).is_ok());
}

#[test]
fn openssl_verifies_issued_crls() {
    let Some(openssl) = kavach_testkit::program("openssl_verifies_issued_crls", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let rsa_ca_key = rsa_with(SignatureAlgorithm::RS256);
    let rsa_ca = issue_root(&rsa_ca_key, &dn("CN=RSA CRL CA"), year(), None).unwrap();
    for (cert, key) in [
        (&CA.cert, &CA.key as &dyn Signer),
        (&rsa_ca, &rsa_ca_key as &dyn Signer),
    ] {
        let iss = Issuer::new(cert, key).unwrap();
        let leaf_key = PrivateKey::generate(KeyKind::P256).unwrap();
        let leaf = issue_end_entity(
            &iss,
            leaf_key.public_key(),
            &dn("CN=Revoked"),
            year(),
            Purpose::Signing,
            &[],
        )
        .unwrap();
        let now = SystemTime::now();
        let crl = issue_crl(
            &iss,
            &[RevokedEntry::new(&leaf, now)],
            now,
            now + Duration::from_secs(86_400),
            7,
        )
        .unwrap();
        let crl_path = dir.path().join("crl.der");
        let ca_path = dir.path().join("ca.pem");
        let leaf_path = dir.path().join("leaf.pem");
        std::fs::write(&crl_path, crl.der()).unwrap();
        std::fs::write(&ca_path, cert.to_pem()).unwrap();
        std::fs::write(&leaf_path, leaf.to_pem()).unwrap();
        let out = Command::new(&openssl)
            .args(["crl", "-inform", "DER", "-noout", "-in"])
            .arg(&crl_path)
            .arg("-CAfile")
            .arg(&ca_path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("verify OK"), "{text}");
        // And OpenSSL sees the leaf as revoked through it.
        let pem_crl = dir.path().join("crl.pem");
        std::fs::write(&pem_crl, kavach_keys::encoding::pem_encode("X509 CRL", crl.der())).unwrap();
        let out = Command::new(&openssl)
            .args(["verify", "-crl_check", "-CAfile"])
            .arg(&ca_path)
            .arg("-CRLfile")
            .arg(&pem_crl)
            .arg(&leaf_path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success() && text.contains("revoked"), "{text}");
    }
}

#[test]
fn csr_challenge_password_round_trips_and_is_covered_by_the_signature() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let csr = create_csr_with_challenge_password(&key, &dn("CN=Device"), "AAECAwQFBgcICQoLDA0ODw").unwrap();
    assert_eq!(
        csr.challenge_password().unwrap().as_deref(),
        Some("AAECAwQFBgcICQoLDA0ODw")
    );
    assert_eq!(&csr.verify_proof_of_possession().unwrap(), key.public_key());
    assert_eq!(
        create_csr(&key, &dn("CN=Device"))
            .unwrap()
            .challenge_password()
            .unwrap(),
        None
    );
    // Changing one byte of the challenge keeps the DER valid and breaks the proof.
    let mut der = csr.der().to_vec();
    let at = der.windows(4).position(|w| w == b"AAEC").unwrap();
    der[at] = b'B';
    let tampered = CertificateRequest::from_der(&der).unwrap();
    assert_eq!(
        tampered.challenge_password().unwrap().as_deref(),
        Some("BAECAwQFBgcICQoLDA0ODw")
    );
    assert!(matches!(
        tampered.verify_proof_of_possession(),
        Err(Error::BadProofOfPossession)
    ));
}

#[test]
fn csr_challenge_password_refuses_empty_and_oversized_values() {
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    for bad in [String::new(), "x".repeat(256)] {
        assert!(matches!(
            create_csr_with_challenge_password(&key, &dn("CN=Device"), &bad),
            Err(Error::InvalidIssuanceInput { .. })
        ));
    }
}

#[test]
fn csr_challenge_password_written_by_openssl_is_read() {
    let Some(openssl) = kavach_testkit::program("csr_challenge_password_written_by_openssl_is_read", "openssl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("req.cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name=dn\nattributes=attrs\nprompt=no\n[dn]\nCN=Device\n[attrs]\nchallengePassword=s3cret-challenge\n",
    )
    .unwrap();
    let out = Command::new(&openssl)
        .args([
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
        ])
        .arg(dir.path().join("k.pem"))
        .args(["-outform", "DER", "-config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csr = CertificateRequest::from_der(&out.stdout).unwrap();
    assert_eq!(csr.challenge_password().unwrap().as_deref(), Some("s3cret-challenge"));
    csr.verify_proof_of_possession().unwrap();
}

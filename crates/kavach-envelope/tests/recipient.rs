//! Sealing takes a kavach-pki proof for the `encryption` purpose, and nothing else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use kavach_envelope::{Error, Recipient, jwe, mosip, sbi, stream};
use kavach_pki::testing::TestPki;
use kavach_pki::{KeyUsage, KeyUsages, Purpose};

#[test]
fn encryption_paths_make_recipients() {
    for pki in [TestPki::rsa(), TestPki::p256()] {
        let leaf = pki.leaf(Purpose::Encryption).unwrap();
        let r = common::recipient(pki);
        assert_eq!(r.thumbprint(), &leaf.certificate.sha256_thumbprint());
        assert_eq!(r.public_key(), leaf.certificate.public_key().unwrap());
    }
}

#[test]
fn a_signing_path_is_refused() {
    for pki in [TestPki::rsa(), TestPki::p256()] {
        let signing = pki.leaf(Purpose::Signing).unwrap();
        let path = common::verify(pki, &signing.certificate, Purpose::Signing).unwrap();
        assert!(matches!(
            Recipient::from_verified(&path),
            Err(Error::WrongPurpose {
                purpose: Purpose::Signing
            })
        ));
    }
}

#[test]
fn an_any_purpose_path_is_refused() {
    let pki = TestPki::rsa();
    let enc = pki.leaf(Purpose::Encryption).unwrap();
    let path = common::verify(pki, &enc.certificate, Purpose::Any).unwrap();
    assert!(matches!(
        Recipient::from_verified(&path),
        Err(Error::WrongPurpose { .. })
    ));
}

#[test]
fn an_rsa_certificate_without_key_encipherment_is_refused() {
    // dataEncipherment alone passes the `encryption` purpose, but RSA-OAEP wraps keys.
    let pki = TestPki::rsa();
    let cert = pki
        .issue_with_key_usage(Purpose::Encryption, Some(KeyUsage(KeyUsages::DataEncipherment.into())))
        .unwrap();
    let path = common::verify(pki, &cert, Purpose::Encryption).unwrap();
    assert!(matches!(
        Recipient::from_verified(&path),
        Err(Error::RecipientKeyUsage {
            needed: "keyEncipherment",
            ..
        })
    ));
}

#[test]
fn an_ec_certificate_without_key_agreement_is_refused() {
    let pki = TestPki::p256();
    let cert = pki
        .issue_with_key_usage(Purpose::Encryption, Some(KeyUsage(KeyUsages::KeyEncipherment.into())))
        .unwrap();
    let path = common::verify(pki, &cert, Purpose::Encryption).unwrap();
    assert!(matches!(
        Recipient::from_verified(&path),
        Err(Error::RecipientKeyUsage {
            needed: "keyAgreement",
            ..
        })
    ));
}

#[test]
fn every_format_round_trips_through_the_proof() {
    let keys = common::all_keys();
    let rsa = common::rsa_recipient();
    let ec = common::ec_recipient();
    let m = mosip::seal(&rsa, b"mosip", None).unwrap();
    assert_eq!(mosip::open(&m, &keys, None).unwrap().plaintext().as_bytes(), b"mosip");
    let m = mosip::seal(&rsa, b"aad", Some(b"ctx")).unwrap();
    assert_eq!(
        mosip::open(&m, &keys, Some(b"ctx")).unwrap().plaintext().as_bytes(),
        b"aad"
    );
    for r in [&rsa, &ec] {
        let j = jwe::seal(r, b"jwe").unwrap();
        assert_eq!(jwe::open(&j, &keys).unwrap().plaintext().as_bytes(), b"jwe");
        let mut sealed = Vec::new();
        stream::seal_stream(r, &b"stream"[..], &mut sealed).unwrap();
        let mut out = Vec::new();
        stream::open_stream(&keys, &sealed[..], &mut out).unwrap();
        assert_eq!(out, b"stream");
    }
    let s = sbi::seal(&rsa, "2026-11-23T19:00:00.123Z", "txn-0000000000000001", b"bio").unwrap();
    let d = sbi::open(&s, &keys, "2026-11-23T19:00:00.123Z", "txn-0000000000000001").unwrap();
    assert_eq!(d.as_bytes(), b"bio");
    assert!(matches!(
        sbi::seal(&ec, "2026-11-23T19:00:00.123Z", "txn-0000000000000001", b"bio"),
        Err(Error::UnsupportedRecipientKey { .. })
    ));
    assert!(matches!(
        mosip::seal(&ec, b"x", None),
        Err(Error::UnsupportedRecipientKey { .. })
    ));
}

//! Issued certificates through the validator: every purpose of the shared test PKI
//! (`kavach_pki::testing`) validates for itself and is refused for what it is not; the extra
//! certificates the helpers issue fail for the reason they are named after.
#![cfg(feature = "testing")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use kavach_keys::{KeyKind, PrivateKey};
use kavach_pki::issue::{DistinguishedName, Validity, create_csr, issue_from_csr};
use kavach_pki::testing::{LEAF_PURPOSES, RSA_POOL_SIZE, TLS_SERVER_NAME, TestAlgorithm, TestPki, rsa_pool_key};
use kavach_pki::{
    Certificate, Crl, Error, KeyUsage, KeyUsages, Purpose, ServerName, TrustDomain, ValidationOptions, Validator,
};

fn pkis() -> [&'static TestPki; 2] {
    [TestPki::rsa(), TestPki::p256()]
}

fn domain(pki: &TestPki) -> TrustDomain {
    TrustDomain::new("TEST", pki.trust_anchors()).unwrap()
}

fn check(pki: &TestPki, cert: &Certificate, options: &ValidationOptions<'_>) -> Result<Vec<String>, Error> {
    Validator::new()
        .verify(&domain(pki), cert, &pki.intermediates(), options)
        .map(|p| p.chain().iter().map(|c| c.subject().to_string()).collect())
}

fn now(purpose: Purpose) -> ValidationOptions<'static> {
    ValidationOptions::new(purpose, SystemTime::now())
}

#[test]
fn every_test_leaf_validates_for_its_purpose_through_the_intermediate() {
    for pki in pkis() {
        for (purpose, leaf) in pki.leaves() {
            let path = check(pki, &leaf.certificate, &now(purpose)).unwrap_or_else(|e| panic!("{purpose}: {e}"));
            assert_eq!(
                path,
                [
                    leaf.certificate.subject().to_string(),
                    pki.intermediate().certificate.subject().to_string(),
                    pki.root().certificate.subject().to_string()
                ]
            );
        }
        assert_eq!(pki.leaves().count(), LEAF_PURPOSES.len());
        // The intermediate validates as a CA.
        let ca = Validator::new()
            .verify(&domain(pki), &pki.intermediate().certificate, &[], &now(Purpose::Ca))
            .unwrap();
        assert_eq!(ca.chain().len(), 2);
    }
}

#[test]
fn encryption_and_signing_certificates_are_not_interchangeable() {
    for pki in pkis() {
        let enc = &pki.leaf(Purpose::Encryption).unwrap().certificate;
        let sig = &pki.leaf(Purpose::Signing).unwrap().certificate;
        let err = check(pki, enc, &now(Purpose::Signing)).unwrap_err();
        assert!(matches!(err, Error::PurposeMismatch { .. }), "{err}");
        let err = check(pki, sig, &now(Purpose::Encryption)).unwrap_err();
        assert!(matches!(err, Error::PurposeMismatch { .. }), "{err}");
        let client = &pki.leaf(Purpose::TlsClient).unwrap().certificate;
        assert!(check(pki, client, &now(Purpose::TlsServer)).is_err());
    }
}

#[test]
fn tls_server_leaf_matches_its_names_only() {
    for pki in pkis() {
        let server = &pki.leaf(Purpose::TlsServer).unwrap().certificate;
        for ok in [TLS_SERVER_NAME, "localhost", "127.0.0.1", "::1"] {
            let name = ServerName::parse(ok).unwrap();
            check(pki, server, &now(Purpose::TlsServer).with_server_name(&name)).unwrap();
        }
        let other = ServerName::parse("evil.kavach.test").unwrap();
        let err = check(pki, server, &now(Purpose::TlsServer).with_server_name(&other)).unwrap_err();
        assert!(matches!(err, Error::NameMismatch { .. }), "{err}");
    }
}

#[test]
fn expired_and_not_yet_valid_helpers_fail_on_time() {
    for pki in pkis() {
        let expired = pki.expired(Purpose::Signing).unwrap();
        assert!(matches!(
            check(pki, &expired, &now(Purpose::Signing)),
            Err(Error::Expired { .. })
        ));
        let early = pki.not_yet_valid(Purpose::Encryption).unwrap();
        assert!(matches!(
            check(pki, &early, &now(Purpose::Encryption)),
            Err(Error::NotYetValid { .. })
        ));
        // Both are fine at a time inside their validity.
        let inside = expired.not_before() + Duration::from_secs(86_400);
        check(pki, &expired, &ValidationOptions::new(Purpose::Signing, inside)).unwrap();
    }
}

#[test]
fn key_usage_and_eku_helpers_change_what_validates() {
    let pki = TestPki::p256();
    let no_ku = pki.issue_with_key_usage(Purpose::Signing, None).unwrap();
    assert!(no_ku.key_usage().is_none());
    assert!(matches!(
        check(pki, &no_ku, &now(Purpose::Signing)),
        Err(Error::PurposeMismatch { .. })
    ));
    let nr_only = pki
        .issue_with_key_usage(Purpose::Signing, Some(KeyUsage(KeyUsages::NonRepudiation.into())))
        .unwrap();
    assert!(matches!(
        check(pki, &nr_only, &now(Purpose::Signing)),
        Err(Error::PurposeMismatch { .. })
    ));
    let client_eku = pki
        .issue_with_extended_key_usage(Purpose::TlsServer, &[const_oid::db::rfc5280::ID_KP_CLIENT_AUTH])
        .unwrap();
    assert!(matches!(
        check(pki, &client_eku, &now(Purpose::TlsServer)),
        Err(Error::PurposeMismatch { .. })
    ));
}

#[test]
fn crls_from_the_helper_revoke_exactly_the_listed_certificates() {
    for pki in pkis() {
        let revoked = &pki.leaf(Purpose::Signing).unwrap().certificate;
        let kept = &pki.leaf(Purpose::Encryption).unwrap().certificate;
        let crl = pki.crl(&[revoked]).unwrap();
        let crls = [Crl::from_der(crl.der()).unwrap()];
        let err = check(pki, revoked, &now(Purpose::Signing).with_crls(&crls)).unwrap_err();
        assert!(matches!(err, Error::Revoked { .. }), "{err}");
        check(pki, kept, &now(Purpose::Encryption).with_crls(&crls)).unwrap();
    }
}

#[test]
fn a_leaf_issued_from_a_csr_validates() {
    let pki = TestPki::rsa();
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let csr = create_csr(
        &key,
        &DistinguishedName::parse("CN=From CSR,O=Kavach Test,C=IN").unwrap(),
    )
    .unwrap();
    let cert = issue_from_csr(
        &pki.issuer(),
        &csr,
        Validity::days_from_now(30).unwrap(),
        Purpose::Encryption,
        &[],
    )
    .unwrap();
    check(pki, &cert, &now(Purpose::Encryption)).unwrap();
    assert!(check(pki, &cert, &now(Purpose::Signing)).is_err());
}

#[test]
fn an_end_entity_cannot_act_as_an_issuer_even_when_the_helper_signs_with_it() {
    let pki = TestPki::p256();
    let signing = pki.leaf(Purpose::Signing).unwrap();
    let profile = pki.leaf_profile(Purpose::Encryption, "CN=Under A Leaf").unwrap();
    let bad = pki
        .issue_under(&profile, &signing.certificate, signing.signer())
        .unwrap();
    let mut inter = pki.intermediates();
    inter.push(signing.certificate.clone());
    let err = Validator::new()
        .verify(&domain(pki), &bad, &inter, &now(Purpose::Encryption))
        .unwrap_err();
    assert!(matches!(err, Error::NotCa { .. }), "{err}");
}

#[test]
fn the_rsa_pool_holds_distinct_rsa_2048_keys() {
    let mut seen = Vec::new();
    for i in 0..RSA_POOL_SIZE {
        let key = rsa_pool_key(i).unwrap();
        assert_eq!(key.kind(), KeyKind::Rsa { bits: 2048 });
        let spki = kavach_keys::Signer::public_key(&key).spki_der().to_vec();
        assert!(!seen.contains(&spki), "key {i} repeats");
        seen.push(spki);
    }
    assert!(rsa_pool_key(RSA_POOL_SIZE).is_err());
    assert_eq!(TestPki::get(TestAlgorithm::P256).algorithm(), TestAlgorithm::P256);
}

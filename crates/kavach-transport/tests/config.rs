//! Configurations kavach refuses to build, and the TLS scheme each kind of kavach key signs
//! with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::SystemTime;

use kavach_keys::{EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, SignatureAlgorithm};
use kavach_pki::testing::{TestPki, rsa_pool_key};
use kavach_pki::{Purpose, TrustDomain, Validator};
use kavach_transport::tls::{
    APPROVED_CIPHER_SUITES, ClientAuth, CrlStore, Error, PkiClientVerifier, SharedClock, TlsServerConfig,
    TlsSigningKey, restrict_provider, ring_provider,
};
use rustls::SignatureScheme;

fn clock() -> SharedClock {
    Arc::new(SystemTime::now)
}

fn verifier() -> Arc<PkiClientVerifier> {
    let domain = TrustDomain::new("PARTNER", TestPki::p256().trust_anchors()).unwrap();
    Arc::new(
        PkiClientVerifier::new(
            Arc::new(Validator::new()),
            vec![domain],
            clock(),
            ClientAuth::Required,
            &ring_provider(),
        )
        .unwrap(),
    )
}

#[test]
fn verifier_without_a_trust_domain_is_refused() {
    let err = PkiClientVerifier::new(
        Arc::new(Validator::new()),
        Vec::new(),
        clock(),
        ClientAuth::Required,
        &ring_provider(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::NoTrustDomain), "{err}");
}

#[test]
fn server_key_of_another_certificate_is_refused() {
    let pki = TestPki::p256();
    let leaf = pki.leaf(Purpose::TlsServer).unwrap();
    let other_key = pki.leaf(Purpose::TlsClient).unwrap().key.clone();
    let err = TlsServerConfig::builder(ring_provider(), verifier(), vec![leaf.certificate.clone()], other_key)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::KeyMismatch { .. }), "{err}");
    assert_eq!(err.code(), "KVC-TLS-KEY-MISMATCH");
}

#[test]
fn empty_server_chain_is_refused() {
    let key = TestPki::p256().leaf(Purpose::TlsServer).unwrap().key.clone();
    let err = TlsServerConfig::builder(ring_provider(), verifier(), Vec::new(), key)
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::EmptyChain), "{err}");
}

#[test]
fn provider_without_approved_suites_is_refused_and_ring_keeps_only_approved_ones() {
    let mut bare = (*ring_provider()).clone();
    bare.cipher_suites.clear();
    assert!(matches!(restrict_provider(&bare), Err(Error::NoApprovedCipherSuite)));
    let restricted = restrict_provider(&ring_provider()).unwrap();
    assert!(!restricted.cipher_suites.is_empty());
    for s in &restricted.cipher_suites {
        assert!(APPROVED_CIPHER_SUITES.contains(&s.suite()), "{:?}", s.suite());
    }
}

#[test]
fn crl_store_reload_is_seen_through_every_handle() {
    let pki = TestPki::p256();
    let store = CrlStore::default();
    let other_handle = store.clone();
    assert!(store.current().is_empty());
    other_handle.reload(vec![pki.crl(&[]).unwrap()]).unwrap();
    assert_eq!(store.current().len(), 1);
}

fn key(kind: KeyKind, algorithm: SignatureAlgorithm) -> Arc<PrivateKey> {
    Arc::new(
        PrivateKey::generate(kind)
            .unwrap()
            .with_signature_algorithm(algorithm)
            .unwrap(),
    )
}

#[test]
fn each_kavach_key_signs_with_its_one_tls_scheme() {
    let der = |hash| SignatureAlgorithm::Ecdsa {
        hash,
        encoding: EcdsaEncoding::Der,
    };
    let cases: Vec<(Arc<PrivateKey>, SignatureScheme)> = vec![
        (
            key(KeyKind::P256, der(HashAlgorithm::Sha256)),
            SignatureScheme::ECDSA_NISTP256_SHA256,
        ),
        (
            key(KeyKind::P384, der(HashAlgorithm::Sha384)),
            SignatureScheme::ECDSA_NISTP384_SHA384,
        ),
        (
            key(KeyKind::Ed25519, SignatureAlgorithm::Ed25519),
            SignatureScheme::ED25519,
        ),
        (
            Arc::new(
                rsa_pool_key(0)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::PS256)
                    .unwrap(),
            ),
            SignatureScheme::RSA_PSS_SHA256,
        ),
        (
            Arc::new(
                rsa_pool_key(0)
                    .unwrap()
                    .with_signature_algorithm(SignatureAlgorithm::RS256)
                    .unwrap(),
            ),
            SignatureScheme::RSA_PKCS1_SHA256,
        ),
    ];
    for (key, scheme) in cases {
        assert_eq!(TlsSigningKey::new(key).unwrap().scheme(), scheme);
    }
}

#[test]
fn ecdsa_key_in_fixed_encoding_or_with_a_foreign_hash_is_refused() {
    let fixed = key(KeyKind::P256, SignatureAlgorithm::ES256);
    assert!(matches!(TlsSigningKey::new(fixed), Err(Error::UnsupportedKey { .. })));
    let p256_sha384 = key(
        KeyKind::P256,
        SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha384,
            encoding: EcdsaEncoding::Der,
        },
    );
    assert!(matches!(
        TlsSigningKey::new(p256_sha384),
        Err(Error::UnsupportedKey { .. })
    ));
}

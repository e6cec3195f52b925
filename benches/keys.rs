//! Criterion benchmarks of kavach-keys software keys: sign and verify per algorithm, RSA-OAEP
//! decryption and P-256 ECDH.
//!
//! Run: `cargo bench --bench keys -- --warm-up-time 1 --measurement-time 3`
//! (figures recorded in BENCHMARKS.md under "kavach-keys").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kavach::keys::{Decrypter, KeyKind, PrivateKey, SignatureAlgorithm, Signer, ecdh_p256_ephemeral};

/// A message of the size of a typical JWS signing input (protected header + small payload).
const MSG: &[u8] = &[0x5A; 256];

fn key(kind: KeyKind, algorithm: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::generate(kind)
        .unwrap()
        .with_signature_algorithm(algorithm)
        .unwrap()
}

fn sign_verify(c: &mut Criterion) {
    let rsa = PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap();
    let rsa_der = rsa.to_pkcs8_der().unwrap();
    let rsa_with = |alg| {
        PrivateKey::from_pkcs8_der(&rsa_der)
            .unwrap()
            .with_signature_algorithm(alg)
            .unwrap()
    };
    let keys = [
        ("ES256", key(KeyKind::P256, SignatureAlgorithm::ES256)),
        ("ES384", key(KeyKind::P384, SignatureAlgorithm::ES384)),
        ("RS256-2048", rsa_with(SignatureAlgorithm::RS256)),
        ("PS256-2048", rsa_with(SignatureAlgorithm::PS256)),
        ("Ed25519", key(KeyKind::Ed25519, SignatureAlgorithm::Ed25519)),
    ];
    let mut group = c.benchmark_group("keys");
    for (name, key) in &keys {
        let alg = key.algorithm();
        let public = Signer::public_key(key);
        let sig = key.sign(MSG).unwrap();
        public.verify(alg, MSG, &sig).unwrap();
        group.bench_function(format!("sign/{name}"), |b| b.iter(|| key.sign(black_box(MSG)).unwrap()));
        group.bench_function(format!("verify/{name}"), |b| {
            b.iter(|| public.verify(alg, black_box(MSG), black_box(&sig)).unwrap())
        });
    }

    // RSA-OAEP-2048 (SHA-256, MGF1-SHA-256) decryption of a 32-byte content key.
    let ct = Signer::public_key(&rsa)
        .encrypt_rsa_oaep_sha256(None, &[7u8; 32])
        .unwrap();
    group.bench_function("decrypt/RSA-OAEP-2048-SHA256", |b| {
        b.iter(|| rsa.decrypt_rsa_oaep_sha256(None, black_box(&ct)).unwrap())
    });

    // ECDH P-256: the recipient's static-key agreement, and the sender's ephemeral one
    // (key generation included).
    let recipient = PrivateKey::generate(KeyKind::P256).unwrap();
    let (ephemeral, _) = ecdh_p256_ephemeral(Signer::public_key(&recipient)).unwrap();
    group.bench_function("ecdh/P-256-static", |b| {
        b.iter(|| recipient.ecdh_p256(black_box(&ephemeral)).unwrap())
    });
    group.bench_function("ecdh/P-256-ephemeral", |b| {
        b.iter(|| ecdh_p256_ephemeral(black_box(Signer::public_key(&recipient))).unwrap())
    });
    group.finish();
}

criterion_group!(benches, sign_verify);
criterion_main!(benches);

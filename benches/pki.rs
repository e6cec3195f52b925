//! Criterion benchmarks of kavach-pki path validation against rustls-webpki (ring provider) on
//! the same 3-certificate chains in the same run: root → intermediate → TLS server leaf, checked
//! for tls-server with the server name, at the same time.
//!
//! Chains: RSA-2048 root and intermediate (RSASSA-PKCS1-v1_5 SHA-256) with a P-256 leaf; and
//! all-P-256 (ECDSA SHA-256).
//!
//! Per iteration both sides start from the DER bytes a server receives (leaf and intermediate),
//! as a TLS server does on every handshake:
//! - `kavach-cold`: `Certificate::from_der` of both, then `Validator::verify` with caches
//!   disabled (`Validator::with_cache_capacity(0, 0)`): every signature is verified;
//! - `kavach-warm`: `Validator::parse_certificate` (parsed-certificate cache) of both, then
//!   `verify` through the same `Validator`, whose signature cache already holds the chain;
//!   validity, purpose, name, constraints and the anchor's membership still run;
//! - `kavach-warm-preparsed`: the warm `verify` alone on already parsed certificates (what a
//!   caller that keeps `Certificate`s pays);
//! - `webpki-cold` / `webpki-warm`: `EndEntityCert::try_from` of the leaf, `verify_for_usage`
//!   (`KeyUsage::server_auth()`, intermediates as DER) and `verify_is_valid_for_subject_name`.
//!   webpki has no cache, so its warm run is the same code measured again.
//!
//! Trust-domain construction (kavach `TrustDomain`, webpki `TrustAnchor`) is outside the timed
//! loop for both.
//!
//! Run: `cargo bench --bench pki -- --warm-up-time 1 --measurement-time 5`
//! (figures recorded in BENCHMARKS.md under "kavach-pki").
//!
//! The `flood` group times the path-building floods of issue 8 (item 1), each refused: 1,024
//! self-made same-name CAs supplied by a peer, the same 1,024 as a trust domain's own
//! intermediates, nine (a JWS `x5c`), and the worst case the limits admit — a two-name mesh of
//! `MAX_SUPPLIED_INTERMEDIATES` CAs that spends the whole path-building budget. The good
//! 3-certificate chain cold is the peer in the same run. Run: `cargo bench --bench pki -- flood`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use kavach::keys::{EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, SignatureAlgorithm, Signer};
use kavach::pki::issue::{
    DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_intermediate, issue_root,
};
use kavach::pki::testing::{IssuerFlood, rsa_pool_key};
use kavach::pki::{
    Certificate, MAX_SUPPLIED_INTERMEDIATES, Purpose, ServerName, TrustDomain, ValidationOptions, Validator,
};
use rustls_pki_types::{CertificateDer, UnixTime};

const HOST: &str = "host.example.com";

struct Chain {
    name: &'static str,
    root: Certificate,
    intermediate: Certificate,
    leaf: Certificate,
}

fn p256() -> PrivateKey {
    PrivateKey::generate(KeyKind::P256)
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        })
        .unwrap()
}

fn rsa(index: usize) -> PrivateKey {
    rsa_pool_key(index)
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::RS256)
        .unwrap()
}

fn chain(name: &'static str, root_key: &PrivateKey, int_key: &PrivateKey) -> Chain {
    let dn = |s: &str| DistinguishedName::parse(s).unwrap();
    let validity = Validity::days_from_now(365).unwrap();
    let root = issue_root(root_key, &dn("CN=Bench Root,O=Kavach Bench,C=IN"), validity, None).unwrap();
    let intermediate = issue_intermediate(
        &Issuer::new(&root, root_key).unwrap(),
        Signer::public_key(int_key),
        &dn("CN=Bench Intermediate,O=Kavach Bench,C=IN"),
        validity,
        Some(0),
    )
    .unwrap();
    let leaf_key = p256();
    let leaf = issue_end_entity(
        &Issuer::new(&intermediate, int_key).unwrap(),
        Signer::public_key(&leaf_key),
        &dn("CN=host.example.com,O=Kavach Bench,C=IN"),
        validity,
        Purpose::TlsServer,
        &[SubjectAltName::dns(HOST).unwrap()],
    )
    .unwrap();
    Chain {
        name,
        root,
        intermediate,
        leaf,
    }
}

fn validate(c: &mut Criterion) {
    let chains = [chain("rsa2048-p256", &rsa(0), &rsa(1)), chain("p256", &p256(), &p256())];
    let now = SystemTime::now();
    let name = ServerName::parse(HOST).unwrap();
    let mut group = c.benchmark_group("pki");
    for chain in &chains {
        let leaf_der = chain.leaf.der().to_vec();
        let int_der = chain.intermediate.der().to_vec();

        // ----- kavach -----
        let domain = TrustDomain::new("BENCH", vec![chain.root.clone()]).unwrap();
        let options = ValidationOptions::new(Purpose::TlsServer, now).with_server_name(&name);

        let cold = Validator::with_cache_capacity(0, 0);
        group.bench_function(format!("{}/kavach-cold", chain.name), |b| {
            b.iter(|| {
                let leaf = Certificate::from_der(black_box(&leaf_der)).unwrap();
                let int = Certificate::from_der(black_box(&int_der)).unwrap();
                cold.verify(&domain, &leaf, &[int], &options).unwrap()
            })
        });
        assert_eq!(cold.cached_signatures(), 0, "the cold validator must not cache");

        let warm = Validator::new();
        warm.verify(
            &domain,
            &chain.leaf,
            std::slice::from_ref(&chain.intermediate),
            &options,
        )
        .unwrap();
        assert_eq!(
            warm.cached_signatures(),
            2,
            "leaf and intermediate signatures are cached"
        );
        group.bench_function(format!("{}/kavach-warm", chain.name), |b| {
            b.iter(|| {
                let leaf = warm.parse_certificate(black_box(&leaf_der)).unwrap();
                let int = warm.parse_certificate(black_box(&int_der)).unwrap();
                warm.verify(&domain, &leaf, &[int], &options).unwrap()
            })
        });
        let intermediates = [chain.intermediate.clone()];
        group.bench_function(format!("{}/kavach-warm-preparsed", chain.name), |b| {
            b.iter(|| {
                warm.verify(&domain, black_box(&chain.leaf), &intermediates, &options)
                    .unwrap()
            })
        });

        // ----- rustls-webpki (ring) -----
        let root_der = CertificateDer::from(chain.root.der().to_vec());
        let anchors = [webpki::anchor_from_trusted_cert(&root_der).unwrap().to_owned()];
        let webpki_intermediates = [CertificateDer::from(int_der.clone())];
        let time = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap());
        let server_name = rustls_pki_types::ServerName::try_from(HOST).unwrap();
        let webpki_once = || {
            let leaf = CertificateDer::from(black_box(&leaf_der[..]));
            let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                &webpki_intermediates,
                time,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            )
            .unwrap();
            ee.verify_is_valid_for_subject_name(&server_name).unwrap();
        };
        webpki_once();
        group.bench_function(format!("{}/webpki-cold", chain.name), |b| b.iter(webpki_once));
        group.bench_function(format!("{}/webpki-warm", chain.name), |b| b.iter(webpki_once));
    }
    group.finish();
}

fn flood(c: &mut Criterion) {
    let now = SystemTime::now();
    let good = chain("p256", &p256(), &p256());
    let domain = TrustDomain::new("BENCH", vec![good.root.clone()]).unwrap();
    let options = ValidationOptions::new(Purpose::Signing, now);
    let tls = ValidationOptions::new(Purpose::TlsServer, now);
    let same_name = IssuerFlood::build(&["CN=X"], 1024).unwrap();
    let nine = IssuerFlood::build(&["CN=X"], 9).unwrap();
    let mesh = IssuerFlood::build(&["CN=Mesh A", "CN=Mesh B"], MAX_SUPPLIED_INTERMEDIATES / 2).unwrap();
    let polluted = domain.clone().with_intermediates(same_name.cas.clone());
    let validator = Validator::new();
    let mut group = c.benchmark_group("flood");
    group.bench_function("good-chain-cold", |b| {
        let cold = Validator::with_cache_capacity(0, 0);
        let intermediates = [good.intermediate.clone()];
        b.iter(|| cold.verify(&domain, &good.leaf, &intermediates, &tls).unwrap())
    });
    group.bench_function("same-name-1024-supplied", |b| {
        b.iter(|| {
            validator
                .verify(&domain, &same_name.leaf, &same_name.cas, &options)
                .unwrap_err()
        })
    });
    group.bench_function("same-name-1024-in-domain", |b| {
        b.iter(|| validator.verify(&polluted, &same_name.leaf, &[], &options).unwrap_err())
    });
    group.bench_function("same-name-9-supplied", |b| {
        b.iter(|| validator.verify(&domain, &nine.leaf, &nine.cas, &options).unwrap_err())
    });
    group.sample_size(10);
    group.bench_function("mesh-16-supplied-full-budget", |b| {
        b.iter(|| validator.verify(&domain, &mesh.leaf, &mesh.cas, &options).unwrap_err())
    });
    group.finish();
}

criterion_group!(benches, validate, flood);
criterion_main!(benches);

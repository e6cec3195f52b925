//! Criterion benchmarks of kavach-jws: sign and verify per second for ES256, PS256 and
//! RS256 (RSA-2048), verification including the kavach-pki validation of a 3-certificate `x5c`
//! (leaf, intermediate, root) at the signing time and at the verification time. Before the
//! criterion groups it runs `openssl speed -seconds 3 ecdsap256 rsa2048` and prints OpenSSL's
//! summary, so both sets of figures come from the same run.
//!
//! Run: `cargo bench --bench jws -- --warm-up-time 1 --measurement-time 3`
//! (figures recorded in BENCHMARKS.md under "kavach-jws").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::SystemTime;

use criterion::Criterion;
use kavach::keys::{PrivateKey, SignatureAlgorithm};
use kavach::pki::testing::TestPki;
use kavach::pki::{Certificate, Purpose, TrustDomain, Validator};
use kavach_jws::{CompactJws, JwsVerifier, ReplayCache, ReplayKey, SignOptions, sign};

/// A request body of a typical partner-exchange size (an encrypted envelope as text).
const BODY: &[u8] = &[0x5A; 1024];

/// Accepts every jti: each iteration verifies the same JWS, which a real replay cache would
/// refuse after the first. (The in-memory cache costs one hash-map insert per verification.)
struct AcceptAll;
impl ReplayCache for AcceptAll {
    fn check_and_record(&self, _: ReplayKey, _: SystemTime, _: SystemTime) -> kavach_jws::Result<()> {
        Ok(())
    }
}

fn openssl_reference() {
    match Command::new("openssl")
        .args(["speed", "-seconds", "3", "ecdsap256", "rsa2048"])
        .output()
    {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            println!("== openssl speed -seconds 3 ecdsap256 rsa2048 (same run) ==");
            for line in text.lines().filter(|l| {
                l.contains("sign")
                    || l.starts_with("rsa 2048")
                    || l.contains("256 bits ecdsa")
                    || l.starts_with("version")
            }) {
                println!("{line}");
            }
        }
        Ok(out) => println!("openssl speed failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => println!("openssl not run: {e}"),
    }
}

fn jws_key(pki: &TestPki, alg: SignatureAlgorithm) -> PrivateKey {
    let leaf = pki.leaf(Purpose::Signing).unwrap();
    PrivateKey::from_pkcs8_der(&leaf.key.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(alg)
        .unwrap()
}

fn x5c(pki: &TestPki) -> Vec<Certificate> {
    vec![
        pki.leaf(Purpose::Signing).unwrap().certificate.clone(),
        pki.intermediate().certificate.clone(),
        pki.root().certificate.clone(),
    ]
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("ES256", TestPki::p256(), SignatureAlgorithm::ES256),
        ("PS256-2048", TestPki::rsa(), SignatureAlgorithm::PS256),
        ("RS256-2048", TestPki::rsa(), SignatureAlgorithm::RS256),
    ];
    let mut group = c.benchmark_group("jws");
    for (name, pki, alg) in cases {
        let key = jws_key(pki, alg);
        let options = SignOptions::new().detached().certificate_chain(x5c(pki));
        group.bench_function(format!("sign detached {name} (x5c of 3)"), |b| {
            b.iter(|| sign(&key, black_box(BODY), &options).unwrap())
        });

        let jws = CompactJws::parse(sign(&key, BODY, &options).unwrap().as_str()).unwrap();
        let domain = TrustDomain::new("bench", pki.trust_anchors()).unwrap();
        let warm = JwsVerifier::new(Arc::new(Validator::new()), domain.clone()).replay_cache(Arc::new(AcceptAll));
        group.bench_function(format!("verify detached {name} + chain (warm validator caches)"), |b| {
            b.iter(|| warm.verify_detached(black_box(&jws), BODY).unwrap())
        });
        // No cache: every verification parses the three certificates and checks both
        // certificate signatures twice (at ts and now), as for a signer seen for the first time.
        let cold =
            JwsVerifier::new(Arc::new(Validator::with_cache_capacity(0, 0)), domain).replay_cache(Arc::new(AcceptAll));
        group.bench_function(format!("verify detached {name} + chain (no validator cache)"), |b| {
            b.iter(|| cold.verify_detached(black_box(&jws), BODY).unwrap())
        });
        // Parsing alone (header JSON, x5c base64), for scale.
        group.bench_function(format!("parse {name} (x5c of 3)"), |b| {
            b.iter(|| CompactJws::parse(black_box(jws.as_str())).unwrap())
        });
    }
    group.finish();
}

fn main() {
    openssl_reference();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}

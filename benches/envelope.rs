//! Criterion benchmarks of kavach-envelope: seal and open of 1 KiB, 64 KiB, 1 MiB and 16 MiB
//! payloads for MOSIP `VER_R2` (RSA-2048) and JWE (`RSA-OAEP-256` and `ECDH-ES+A256KW` with
//! `A256GCM`), the streaming format, and the bare AES-256-GCM under them (`hazmat`).
//!
//! In the same run it measures OpenSSL's `openssl speed -seconds 3 -bytes 16384 -aead -evp
//! aes-256-gcm` and, with a direct timed loop, kavach's 16 MiB binary `VER_R2` seal throughput
//! (bytes in; envelope bytes out) and the base64url text form beside it, and prints their
//! ratio to OpenSSL's 16 KiB figure (the target is at least 50%).
//!
//! Run: `cargo bench --bench envelope -- --warm-up-time 1 --measurement-time 3`
//! (figures recorded in BENCHMARKS.md under "kavach-envelope").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput};
use kavach::pki::testing::TestPki;
use kavach::pki::{Purpose, TrustDomain, ValidationOptions, Validator};
use kavach_envelope::hazmat::{self, GcmIv};
use kavach_envelope::{Limits, Recipient, jwe, mosip, stream};
use kavach_keys::MemoryKeyStore;

const SIZES: [(usize, &str); 4] = [
    (1 << 10, "1KiB"),
    (64 << 10, "64KiB"),
    (1 << 20, "1MiB"),
    (16 << 20, "16MiB"),
];

/// OpenSSL's AES-256-GCM throughput on 16 KiB blocks, in bytes per second.
fn openssl_reference() -> Option<f64> {
    let out = Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            "3",
            "-bytes",
            "16384",
            "-aead",
            "-evp",
            "aes-256-gcm",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    println!("== openssl speed -seconds 3 -bytes 16384 -aead -evp aes-256-gcm (same run) ==");
    let version = Command::new("openssl").arg("version").output().ok()?;
    print!("{}", String::from_utf8_lossy(&version.stdout));
    let line = text.lines().find(|l| l.starts_with("AES-256-GCM"))?;
    println!("{line}");
    let kbytes: f64 = line.split_whitespace().last()?.trim_end_matches('k').parse().ok()?;
    Some(kbytes * 1000.0)
}

fn recipient(pki: &TestPki) -> Recipient {
    let leaf = pki.leaf(Purpose::Encryption).unwrap();
    let domain = TrustDomain::new("bench", pki.trust_anchors()).unwrap();
    let path = Validator::new()
        .verify(
            &domain,
            &leaf.certificate,
            &pki.intermediates(),
            &ValidationOptions::new(Purpose::Encryption, SystemTime::now()),
        )
        .unwrap();
    Recipient::from_verified(&path).unwrap()
}

fn keys() -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, pki) in [TestPki::rsa(), TestPki::p256()].into_iter().enumerate() {
        let leaf = pki.leaf(Purpose::Encryption).unwrap();
        let key: Arc<kavach::keys::PrivateKey> = leaf.key.clone();
        s.insert(format!("k{i}"), key, Some(leaf.certificate.der())).unwrap();
    }
    s
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31)).collect()
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

/// Median time of `runs` calls of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn benches(c: &mut Criterion, rsa: &Recipient, ec: &Recipient, store: &MemoryKeyStore) {
    for (size, name) in SIZES {
        let data = payload(size);
        let mut g = c.benchmark_group(format!("envelope/{name}"));
        g.throughput(Throughput::Bytes(size as u64));
        if size >= 1 << 20 {
            g.sample_size(10);
        }
        g.bench_function(BenchmarkId::new("aes256gcm-seal", name), |b| {
            let key = [7u8; 32];
            let iv = GcmIv::Standard([1u8; 12]);
            b.iter(|| black_box(hazmat::aes256_gcm_seal(&key, &iv, b"", &data).unwrap()))
        });
        g.bench_function(BenchmarkId::new("mosip-seal-binary", name), |b| {
            b.iter(|| black_box(mosip::seal(rsa, &data, None).unwrap()))
        });
        g.bench_function(BenchmarkId::new("mosip-seal-binary-reused-buffer", name), |b| {
            let mut out = Vec::new();
            b.iter(|| {
                mosip::seal_into(rsa, &data, None, &mut out).unwrap();
                black_box(&out);
            })
        });
        g.bench_function(BenchmarkId::new("mosip-seal-text", name), |b| {
            b.iter(|| black_box(mosip::seal(rsa, &data, None).unwrap().to_text()))
        });
        let env = mosip::seal(rsa, &data, None).unwrap();
        g.bench_function(BenchmarkId::new("mosip-open-binary", name), |b| {
            b.iter(|| black_box(mosip::open(&env, store, None).unwrap()))
        });
        g.bench_function(BenchmarkId::new("mosip-seal+open-text", name), |b| {
            b.iter(|| {
                let text = mosip::seal(rsa, &data, None).unwrap().to_text();
                let env = mosip::MosipEnvelope::from_text(&text, &Limits::DEFAULT).unwrap();
                black_box(mosip::open(&env, store, None).unwrap())
            })
        });
        for (alg, r) in [("rsa", rsa), ("ecdh", ec)] {
            g.bench_function(BenchmarkId::new(format!("jwe-{alg}-seal"), name), |b| {
                b.iter(|| black_box(jwe::seal(r, &data).unwrap()))
            });
            let text = jwe::seal(r, &data).unwrap().to_string();
            g.bench_function(BenchmarkId::new(format!("jwe-{alg}-open"), name), |b| {
                b.iter(|| {
                    let parsed = jwe::JweCompact::parse(&text, &Limits::DEFAULT).unwrap();
                    black_box(jwe::open(&parsed, store).unwrap())
                })
            });
            g.bench_function(BenchmarkId::new(format!("jwe-{alg}-seal+open"), name), |b| {
                b.iter(|| {
                    let text = jwe::seal(r, &data).unwrap().to_string();
                    let parsed = jwe::JweCompact::parse(&text, &Limits::DEFAULT).unwrap();
                    black_box(jwe::open(&parsed, store).unwrap())
                })
            });
        }
        g.bench_function(BenchmarkId::new("stream-seal+open", name), |b| {
            b.iter(|| {
                let mut sealed = Vec::with_capacity(size + size / 1000 + 1024);
                stream::seal_stream(rsa, &data[..], &mut sealed).unwrap();
                let mut out = Vec::with_capacity(size);
                stream::open_stream(store, &sealed[..], &mut out).unwrap();
                black_box(out)
            })
        });
        g.finish();
    }
}

/// The acceptance figure of issue 4: 16 MiB binary `VER_R2` seal (bytes in) against
/// OpenSSL's 16 KiB AES-256-GCM, measured back to back before the criterion groups.
fn acceptance(rsa: &Recipient) {
    let openssl = openssl_reference();
    let data = payload(16 << 20);
    let fresh = median(21, || {
        black_box(mosip::seal(rsa, &data, None).unwrap());
    });
    let mut out = Vec::new();
    let reused = median(21, || {
        mosip::seal_into(rsa, &data, None, &mut out).unwrap();
        black_box(&out);
    });
    let text = median(21, || {
        black_box(mosip::seal(rsa, &data, None).unwrap().to_text());
    });
    let mut buf = data.clone();
    let raw = median(21, || {
        let mut tag = [0u8; 16];
        let sealed = hazmat::aes256_gcm_seal(&[7u8; 32], &GcmIv::Standard([1u8; 12]), b"", &buf).unwrap();
        tag.copy_from_slice(&sealed[sealed.len() - 16..]);
        buf[0] ^= tag[0];
        black_box(&buf);
    });
    let mb = |d| mb_per_s(data.len(), d);
    println!("== 16 MiB seal throughput, median of 21 (MB = 10^6 bytes; payload bytes in) ==");
    println!(
        "AES-256-GCM alone (hazmat, fresh output):          {:8.1} MB/s",
        mb(raw)
    );
    println!(
        "MOSIP VER_R2 seal, binary, fresh envelope (seal):   {:8.1} MB/s",
        mb(fresh)
    );
    println!(
        "MOSIP VER_R2 seal, binary, reused buffer (seal_into): {:6.1} MB/s",
        mb(reused)
    );
    println!(
        "MOSIP VER_R2 seal, base64url text (seal + to_text): {:8.1} MB/s",
        mb(text)
    );
    match openssl {
        Some(o) => {
            println!(
                "OpenSSL AES-256-GCM, 16 KiB:                        {:8.1} MB/s",
                o / 1e6
            );
            for (what, d) in [("fresh envelope", fresh), ("reused buffer", reused)] {
                let ratio = mb(d) / (o / 1e6);
                println!(
                    "binary seal ({what}) / OpenSSL 16 KiB = {:.0}% (target >= 50%): {}",
                    ratio * 100.0,
                    if ratio >= 0.5 { "MET" } else { "NOT MET" }
                );
            }
        }
        None => println!("OpenSSL reference not available"),
    }
}

fn main() {
    println!(
        "AES hardware acceleration detected at run time: {}",
        hazmat::hardware_accelerated()
    );
    let rsa = recipient(TestPki::rsa());
    let ec = recipient(TestPki::p256());
    let store = keys();
    acceptance(&rsa);
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &rsa, &ec, &store);
    c.final_summary();
}

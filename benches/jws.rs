//! Criterion benchmarks of kavach-jws: sign and verify per second for ES256, PS256 and
//! RS256 (RSA-2048), verification including the kavach-pki validation of a 3-certificate `x5c`
//! (leaf, intermediate, root) at the signing time and at the verification time. Before the
//! criterion groups it runs `openssl speed -seconds 3 ecdsap256 rsa2048` and prints OpenSSL's
//! summary, so both sets of figures come from the same run.
//!
//! Run: `cargo bench --bench jws -- --warm-up-time 1 --measurement-time 3`
//! (figures recorded in BENCHMARKS.md under "kavach-jws").
//!
//! The group `jws replay flood` (filter: `cargo bench --bench jws -- "replay flood"`) measures
//! four verifier threads while one signer floods the replay cache: the in-memory
//! `MemoryReplayCache` (per-signer share, sharded, O(expired) purge) against a copy of the
//! single-mutex cache it replaced (one global capacity, a full pass over all entries on every
//! call that finds it full), and, for the verify path, a cache that accepts everything (the
//! cost of the checks without any replay cache). Figures in BENCHMARKS.md under "kavach-jws
//! replay cache under a flood".
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use kavach::keys::{PrivateKey, Sha256Thumbprint, SignatureAlgorithm};
use kavach::pki::testing::TestPki;
use kavach::pki::{Certificate, Purpose, TrustDomain, Validator};
use kavach_jws::{
    CompactJws, DEFAULT_REPLAY_CAPACITY, Error, Jti, JwsVerifier, MemoryReplayCache, PayloadMode, ReplayCache,
    ReplayKey, SignOptions, sign,
};

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
        let options = SignOptions::new()
            .with_payload_mode(PayloadMode::Detached)
            .with_certificate_chain(x5c(pki));
        group.bench_function(format!("sign detached {name} (x5c of 3)"), |b| {
            b.iter(|| sign(&key, black_box(BODY), &options).unwrap())
        });

        let jws = CompactJws::parse(sign(&key, BODY, &options).unwrap().as_str()).unwrap();
        let domain = TrustDomain::new("bench", pki.trust_anchors()).unwrap();
        let warm = JwsVerifier::new(Arc::new(Validator::new()), domain.clone()).with_replay_cache(Arc::new(AcceptAll));
        group.bench_function(format!("verify detached {name} + chain (warm validator caches)"), |b| {
            b.iter(|| {
                warm.verify_detached_at(black_box(&jws), BODY, std::time::SystemTime::now())
                    .unwrap()
            })
        });
        // No cache: every verification parses the three certificates and checks both
        // certificate signatures twice (at ts and now), as for a signer seen for the first time.
        let cold = JwsVerifier::new(Arc::new(Validator::with_cache_capacity(0, 0)), domain)
            .with_replay_cache(Arc::new(AcceptAll));
        group.bench_function(format!("verify detached {name} + chain (no validator cache)"), |b| {
            b.iter(|| {
                cold.verify_detached_at(black_box(&jws), BODY, std::time::SystemTime::now())
                    .unwrap()
            })
        });
        // Parsing alone (header JSON, x5c base64), for scale.
        group.bench_function(format!("parse {name} (x5c of 3)"), |b| {
            b.iter(|| CompactJws::parse(black_box(jws.as_str())).unwrap())
        });
    }
    group.finish();
}

/// The in-memory replay cache as it was before the per-signer share (commit 004b46e): one
/// mutex, one global capacity, and a `retain` over every entry on each call that finds the map
/// full. Kept here as the same-run peer of `MemoryReplayCache`.
struct SingleMutexCache {
    capacity: usize,
    entries: Mutex<HashMap<ReplayKey, SystemTime>>,
}

impl SingleMutexCache {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl ReplayCache for SingleMutexCache {
    fn check_and_record(&self, key: ReplayKey, now: SystemTime, expires: SystemTime) -> kavach_jws::Result<()> {
        let mut map = self.entries.lock().unwrap();
        if map.get(&key).is_some_and(|&until| until > now) {
            return Err(Error::Replay);
        }
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.retain(|_, until| *until > now);
            if map.len() >= self.capacity {
                return Err(Error::ReplayCacheFull {
                    capacity: self.capacity,
                });
            }
        }
        map.insert(key, expires);
        Ok(())
    }
}

const THREADS: usize = 4;

/// Records distinct jtis for `signer`, expiring at `expires`, until the cache refuses one:
/// the state a flooding signer keeps the cache in.
fn flood(cache: &dyn ReplayCache, signer: &Sha256Thumbprint, now: SystemTime, expires: SystemTime) -> usize {
    let mut n = 0;
    while n <= DEFAULT_REPLAY_CAPACITY {
        let key = ReplayKey::new(signer, &Jti::generate().unwrap());
        if cache.check_and_record(key, now, expires).is_err() {
            break;
        }
        n += 1;
    }
    n
}

/// Runs `per_thread` operations on each of [`THREADS`] threads, started together, and returns
/// the wall time scaled to `iters` operations.
fn run_threads(iters: u64, per_thread: u64, op: impl Fn(usize, u64) + Sync) -> Duration {
    let barrier = std::sync::Barrier::new(THREADS + 1);
    let (op, barrier) = (&op, &barrier);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            s.spawn(move || {
                barrier.wait();
                for i in 0..per_thread {
                    op(t, i);
                }
            });
        }
        barrier.wait();
        let start = Instant::now();
        // The scope joins every thread before it returns.
        start
    })
    .elapsed()
    .mul_f64(iters as f64 / (per_thread * THREADS as u64) as f64)
}

/// `check_and_record` alone, 4 threads, cache full for one flooding signer: each thread
/// alternates a refused flooder call and a call of its own well-behaved signer.
fn bench_replay_cache(c: &mut Criterion) {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let flooder = Sha256Thumbprint([0xF1; 32]);
    // The flooder's entries outlive the whole run; the others' expire 1 ms (virtual) later.
    let flood_expiry = t0 + Duration::from_secs(1_000_000);
    let new = MemoryReplayCache::default();
    let old = SingleMutexCache::new(DEFAULT_REPLAY_CAPACITY);
    let held_new = flood(&new, &flooder, t0, flood_expiry);
    let held_old = flood(&old, &flooder, t0, flood_expiry);
    println!(
        "replay flood: the flooder holds {held_new} entries of MemoryReplayCache (its share), {held_old} of the single-mutex cache (all)"
    );
    // Precomputed keys: the timed loop measures the cache only.
    const POOL: usize = 1 << 15;
    let flooder_keys: Vec<ReplayKey> = (0..POOL)
        .map(|_| ReplayKey::new(&flooder, &Jti::generate().unwrap()))
        .collect();
    let own_keys: Vec<Vec<ReplayKey>> = (0..THREADS)
        .map(|t| {
            let signer = Sha256Thumbprint([t as u8 + 1; 32]);
            (0..POOL)
                .map(|_| ReplayKey::new(&signer, &Jti::generate().unwrap()))
                .collect()
        })
        .collect();
    // Virtual clock in µs: thread t's operation i happens at base + 4i + t.
    let base = std::sync::atomic::AtomicU64::new(1);
    let peers: [(&str, &dyn ReplayCache); 2] = [("MemoryReplayCache", &new), ("single-mutex (before)", &old)];
    let mut group = c.benchmark_group("jws replay flood");
    group.sample_size(10);
    for (name, cache) in peers {
        group.bench_function(format!("check_and_record {THREADS} threads: {name}"), |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(THREADS as u64);
                let start = base.fetch_add(per_thread * THREADS as u64 + 1, std::sync::atomic::Ordering::Relaxed);
                let (flooder_keys, own_keys) = (&flooder_keys, &own_keys);
                run_threads(iters, per_thread, move |t, i| {
                    let now = t0 + Duration::from_micros(start + i * THREADS as u64 + t as u64);
                    let slot = (i as usize / 2) % POOL;
                    let r = if (i + t as u64).is_multiple_of(2) {
                        cache.check_and_record(flooder_keys[slot], now, flood_expiry)
                    } else {
                        cache.check_and_record(own_keys[t][slot], now, now + Duration::from_millis(1))
                    };
                    black_box(r).ok();
                })
            })
        });
    }
    group.finish();
}

/// The full `JwsVerifier::verify_detached` path (ES256, x5c of 3, warm validator), 4 threads,
/// cache full for one flooding partner: each thread alternates the flooder's JWS (refused) and
/// a fresh JWS of one of 16 other partners (distinct jtis, signed before the timer starts).
fn bench_verify_flood(c: &mut Criterion) {
    let pki = TestPki::p256();
    let key = jws_key(pki, SignatureAlgorithm::ES256);
    let domain = TrustDomain::new("bench", pki.trust_anchors()).unwrap();
    let validator = Arc::new(Validator::new());
    let flooder_chain = x5c(pki);
    let flooder = flooder_chain[0].sha256_thumbprint();
    // 16 other partners: certificates for the same test key under the same intermediate.
    let partners: Vec<SignOptions> = (0..16)
        .map(|i| {
            let profile = pki
                .leaf_profile(Purpose::Signing, &format!("CN=Partner {i},O=Kavach Test,C=IN"))
                .unwrap();
            let mut chain = x5c(pki);
            chain[0] = pki.issue(&profile).unwrap();
            SignOptions::new()
                .with_payload_mode(PayloadMode::Detached)
                .with_certificate_chain(chain)
        })
        .collect();
    let flooder_jws = CompactJws::parse(
        sign(
            &key,
            BODY,
            &SignOptions::new()
                .with_payload_mode(PayloadMode::Detached)
                .with_certificate_chain(flooder_chain),
        )
        .unwrap()
        .as_str(),
    )
    .unwrap();
    let now = SystemTime::now();
    let new = Arc::new(MemoryReplayCache::default());
    let old = Arc::new(SingleMutexCache::new(DEFAULT_REPLAY_CAPACITY));
    flood(new.as_ref(), &flooder, now, now + Duration::from_secs(600));
    flood(old.as_ref(), &flooder, now, now + Duration::from_secs(600));
    // (name, cache, the flooder is refused, the other partners are accepted)
    let peers: [(&str, Arc<dyn ReplayCache>, bool, bool); 3] = [
        ("accept-all", Arc::new(AcceptAll), false, true),
        ("MemoryReplayCache", new.clone(), true, true),
        ("single-mutex (before)", old, true, false),
    ];
    let mut group = c.benchmark_group("jws replay flood");
    group.sample_size(10);
    for (name, cache, flooder_refused, others_accepted) in peers {
        let verifier = JwsVerifier::new(validator.clone(), domain.clone()).with_replay_cache(cache);
        verifier
            .verify_detached_at(&flooder_jws, BODY, std::time::SystemTime::now())
            .ok();
        let mut signed_by = 0usize;
        group.bench_function(format!("verify ES256 {THREADS} threads: {name}"), |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(THREADS as u64);
                let fresh: Vec<Vec<CompactJws>> = (0..THREADS)
                    .map(|_| {
                        (0..per_thread.div_ceil(2))
                            .map(|_| {
                                signed_by += 1;
                                let s = sign(&key, BODY, &partners[signed_by % partners.len()]).unwrap();
                                CompactJws::parse(s.as_str()).unwrap()
                            })
                            .collect()
                    })
                    .collect();
                let (verifier, fresh, flooder_jws) = (&verifier, &fresh, &flooder_jws);
                run_threads(iters, per_thread, move |t, i| {
                    if (i + t as u64).is_multiple_of(2) {
                        let r = verifier.verify_detached_at(black_box(flooder_jws), BODY, std::time::SystemTime::now());
                        assert_eq!(r.is_err(), flooder_refused, "{name}: flooder");
                    } else {
                        let r = verifier.verify_detached_at(
                            black_box(&fresh[t][i as usize / 2]),
                            BODY,
                            std::time::SystemTime::now(),
                        );
                        assert_eq!(r.is_ok(), others_accepted, "{name}: partner {:?}", r.err());
                    }
                })
            })
        });
    }
    group.finish();
    println!(
        "replay flood: MemoryReplayCache holds {} entries ({} of them the flooder's, share {})",
        new.len(),
        new.signer_len(&flooder),
        new.signer_share()
    );
}

fn main() {
    openssl_reference();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    bench_replay_cache(&mut c);
    bench_verify_flood(&mut c);
    c.final_summary();
}

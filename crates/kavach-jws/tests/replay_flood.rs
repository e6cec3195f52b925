//! Replay-cache flooding (issue 8, item 4): one signer sending distinct `jti`s as fast as it can
//! must not lock the other signers out of the shared in-memory replay cache. Each test is named
//! after the attack.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, SystemTime};

use base64ct::{Base64UrlUnpadded, Encoding};
use kavach_jws::{
    CompactJws, DEFAULT_REPLAY_CAPACITY, Error, Freshness, Jti, JwsVerifier, MemoryReplayCache, ReplayCache, ReplayKey,
    SignOptions, sign,
};
use kavach_keys::{PrivateKey, Sha256Thumbprint};
use kavach_pki::testing::TestPki;
use kavach_pki::{Certificate, Purpose, TrustDomain, Validator};

const WINDOW: Duration = Duration::from_secs(600);

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

/// The `n`th distinct jti (what a flooding signer sends: a fresh one per request).
fn jti(n: u64) -> Jti {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&n.to_be_bytes());
    Jti::parse(&Base64UrlUnpadded::encode_string(&b)).unwrap()
}

/// Records distinct jtis for `signer` until the cache refuses one (at most `limit` tries);
/// returns how many were accepted and the refusal.
fn flood(cache: &dyn ReplayCache, signer: &Sha256Thumbprint, limit: u64, now: SystemTime) -> (u64, Option<Error>) {
    for n in 0..limit {
        if let Err(e) = cache.check_and_record(ReplayKey::new(signer, &jti(n)), now, now + WINDOW) {
            return (n, Some(e));
        }
    }
    (limit, None)
}

#[test]
fn one_signer_flooding_cannot_lock_out_other_signers() {
    let cache = MemoryReplayCache::default();
    let flooder = Sha256Thumbprint([0xF1; 32]);
    let now = t0();
    let (accepted, refusal) = flood(&cache, &flooder, DEFAULT_REPLAY_CAPACITY as u64 + 1, now);
    let refusal = refusal.expect("the flooding signer is refused");
    // Refused for its own share, long before the cache is full.
    assert_eq!(refusal.code(), "KVC-JWS-REPLAY-SIGNER", "{refusal:?}");
    assert!(
        accepted <= DEFAULT_REPLAY_CAPACITY as u64 / 64,
        "flooder held {accepted} entries"
    );
    // The flooder stays refused, and what it was accepted for is still remembered.
    assert_eq!(
        cache
            .check_and_record(ReplayKey::new(&flooder, &jti(u64::MAX)), now, now + WINDOW)
            .unwrap_err()
            .code(),
        "KVC-JWS-REPLAY-SIGNER"
    );
    assert!(matches!(
        cache.check_and_record(ReplayKey::new(&flooder, &jti(0)), now, now + WINDOW),
        Err(Error::Replay)
    ));
    // Every other signer keeps being accepted, with the same jtis the flooder used.
    for s in 0..64u8 {
        let other = Sha256Thumbprint([s; 32]);
        for n in 0..16 {
            cache
                .check_and_record(ReplayKey::new(&other, &jti(n)), now, now + WINDOW)
                .unwrap();
        }
    }
    // Once the flooder's entries expire it is accepted again.
    let later = now + WINDOW + Duration::from_secs(1);
    cache
        .check_and_record(ReplayKey::new(&flooder, &jti(u64::MAX)), later, later + WINDOW)
        .unwrap();
}

fn signer_key() -> PrivateKey {
    let leaf = TestPki::p256().leaf(Purpose::Signing).unwrap();
    PrivateKey::from_pkcs8_der(&leaf.key.to_pkcs8_der().unwrap()).unwrap()
}

/// A second partner: its own signing certificate (same test key, another subject, so another
/// thumbprint) under the same intermediate.
fn other_partner_certificate() -> Certificate {
    let p = TestPki::p256();
    p.issue(
        &p.leaf_profile(Purpose::Signing, "CN=Second Partner,O=Kavach Test,C=IN")
            .unwrap(),
    )
    .unwrap()
}

fn signed_by(cert: &Certificate, now: SystemTime) -> CompactJws {
    let p = TestPki::p256();
    let opts = SignOptions::new()
        .with_freshness(Freshness::TimestampAndJtiAt(now))
        .with_certificate_chain(vec![cert.clone(), p.intermediate().certificate.clone()]);
    sign(&signer_key(), br#"{"partner":"request"}"#, &opts).unwrap()
}

#[test]
fn flooding_partner_cannot_lock_out_another_partner_through_the_verifier() {
    let p = TestPki::p256();
    let cache = Arc::new(MemoryReplayCache::default());
    let verifier = JwsVerifier::new(
        Arc::new(Validator::new()),
        TrustDomain::new("partners", p.trust_anchors()).unwrap(),
    )
    .with_replay_cache(cache.clone());
    let flooder = p.leaf(Purpose::Signing).unwrap().certificate.clone();
    let now = SystemTime::now();
    // The flooding partner has sent as many distinct jtis as the cache takes from it (recorded
    // directly: signing them one by one would only make the test slow).
    let (_, refusal) = flood(
        cache.as_ref(),
        &flooder.sha256_thumbprint(),
        DEFAULT_REPLAY_CAPACITY as u64 + 1,
        now,
    );
    assert!(refusal.is_some());
    // Its next, validly signed, request is refused for its share...
    let e = verifier.verify_attached_at(&signed_by(&flooder, now), now).unwrap_err();
    assert_eq!(e.code(), "KVC-JWS-REPLAY-SIGNER", "{e:?}");
    assert!(!e.is_malformed_input());
    // ...while the other partner keeps verifying.
    let other = other_partner_certificate();
    for _ in 0..8 {
        let ok = verifier.verify_attached_at(&signed_by(&other, now), now).unwrap();
        assert_eq!(ok.signer(), &other);
    }
}

#[test]
fn same_key_from_eight_threads_is_recorded_once() {
    let cache = Arc::new(MemoryReplayCache::default());
    let now = t0();
    for round in 0..50u64 {
        let barrier = Arc::new(Barrier::new(8));
        let key = ReplayKey::new(&Sha256Thumbprint([round as u8; 32]), &jti(round));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (cache, barrier) = (cache.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    cache.check_and_record(key, now, now + WINDOW)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "round {round}");
        assert!(
            results
                .iter()
                .filter_map(|r| r.as_ref().err())
                .all(|e| matches!(e, Error::Replay))
        );
    }
    assert_eq!(cache.len(), 50);
}

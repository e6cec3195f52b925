//! Shared fixtures of the public-API tests: recipients from kavach-pki proofs over the
//! lazily built test PKIs, and key stores holding the matching private keys.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::SystemTime;

use kavach_envelope::Recipient;
use kavach_keys::MemoryKeyStore;
use kavach_pki::testing::TestPki;
use kavach_pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator, VerifiedPath};

/// Validates `cert` against `pki`'s root for `purpose`, now.
pub(crate) fn verify(pki: &TestPki, cert: &Certificate, purpose: Purpose) -> kavach_pki::Result<VerifiedPath> {
    let domain = TrustDomain::new("TEST", pki.trust_anchors()).unwrap();
    Validator::new().verify(
        &domain,
        cert,
        &pki.intermediates(),
        &ValidationOptions::new(purpose, SystemTime::now()),
    )
}

/// The encryption leaf of `pki` as a recipient, through the proof.
pub(crate) fn recipient(pki: &TestPki) -> Recipient {
    let leaf = pki.leaf(Purpose::Encryption).unwrap();
    Recipient::from_verified(&verify(pki, &leaf.certificate, Purpose::Encryption).unwrap()).unwrap()
}

pub(crate) fn rsa_recipient() -> Recipient {
    recipient(TestPki::rsa())
}

pub(crate) fn ec_recipient() -> Recipient {
    recipient(TestPki::p256())
}

/// A key store with the encryption keys (and certificates) of the given test PKIs.
pub(crate) fn keys(pkis: &[&TestPki]) -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, pki) in pkis.iter().enumerate() {
        let leaf = pki.leaf(Purpose::Encryption).unwrap();
        let key: Arc<kavach_keys::PrivateKey> = leaf.key.clone();
        s.insert(format!("enc{i}"), key, Some(leaf.certificate.der())).unwrap();
    }
    s
}

pub(crate) fn all_keys() -> MemoryKeyStore {
    keys(&[TestPki::rsa(), TestPki::p256()])
}

/// Deterministic pseudo-random bytes (xorshift64*), for large payloads without a per-byte
/// proptest strategy.
pub(crate) fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

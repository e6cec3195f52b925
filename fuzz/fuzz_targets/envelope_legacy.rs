//! MOSIP envelopes as decoded bytes, aimed at the legacy layouts: the first byte picks whether
//! caller AAD is given, the rest is the envelope; the store holds an RSA-2048 key with its
//! certificate thumbprint and a second RSA-2048 key without one (so `legacy-no-thumbprint`
//! tries several keys).
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`.
#![no_main]

use std::sync::{Arc, LazyLock};

use kavach_envelope::{Error, Limits, mosip};
use kavach_keys::{MemoryKeyStore, PrivateKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut s = MemoryKeyStore::new();
    let pem = include_str!("../../crates/kavach-envelope/tests/data/fuzz-rsa2048.pem");
    s.insert(
        "with-cert",
        Arc::new(PrivateKey::from_pem(pem).unwrap()),
        Some(b"kavach-envelope fuzz recipient (RSA)"),
    )
    .unwrap();
    s.insert("no-cert", Arc::new(PrivateKey::from_pem(pem).unwrap()), None)
        .unwrap();
    s
});

fuzz_target!(|data: &[u8]| {
    let Some((&flag, bytes)) = data.split_first() else {
        return;
    };
    let Ok(env) = mosip::MosipEnvelope::from_bytes(bytes.to_vec(), &Limits::DEFAULT) else {
        return;
    };
    let aad = (flag & 1 == 1).then_some(&b"fuzz-aad"[..]);
    if let Err(e) = mosip::open(&env, &*KEYS, aad) {
        assert!(!matches!(e, Error::Io(_) | Error::Rng | Error::Key(_)), "{e:?}");
    }
});

//! MOSIP envelope text: base64 decoding, layout detection, fixed-offset parsing and opening
//! (`VER_R2`, `aad`, `legacy`, `legacy-no-thumbprint`) with a key store holding an RSA-2048 key
//! (with its certificate thumbprint) and a P-256 key.
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`, which
//! makes the same calls and checks the same properties.
#![no_main]

use std::sync::{Arc, LazyLock};

use kavach_envelope::{Envelope, Error, Limits, mosip};
use kavach_keys::{MemoryKeyStore, PrivateKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut s = MemoryKeyStore::new();
    let rsa = PrivateKey::from_pem(include_str!("../../crates/kavach-envelope/tests/data/fuzz-rsa2048.pem")).unwrap();
    let ec = PrivateKey::from_pem(include_str!("../../crates/kavach-envelope/tests/data/fuzz-p256.pem")).unwrap();
    s.insert("rsa", Arc::new(rsa), Some(b"kavach-envelope fuzz recipient (RSA)"))
        .unwrap();
    s.insert("ec", Arc::new(ec), Some(b"kavach-envelope fuzz recipient (P-256)"))
        .unwrap();
    s
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    // Through the format detection the CLI uses; a MOSIP text must parse the same directly.
    let Ok(Envelope::Mosip(env)) = Envelope::parse(text, &Limits::DEFAULT) else {
        return;
    };
    assert!(mosip::MosipEnvelope::from_text(text, &Limits::DEFAULT).unwrap() == env);
    // The transport text round-trips.
    let again = mosip::MosipEnvelope::from_text(&env.to_text(), &Limits::DEFAULT).unwrap();
    assert!(again == env);
    for aad in [None, Some(&b"fuzz-aad"[..])] {
        if let Err(e) = mosip::open(&env, &*KEYS, aad) {
            assert!(!matches!(e, Error::Io(_) | Error::Rng | Error::Key(_)), "{e:?}");
        }
    }
});

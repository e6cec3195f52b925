//! JWE compact: segment splitting, strict base64url, the duplicate-free JSON header, `alg` /
//! `enc` / `zip` / `crit` / `epk` rules, and opening (RSA-OAEP-256 and ECDH-ES+A256KW, with
//! `zip:"DEF"` inflation capped) with an RSA-2048 and a P-256 key.
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`.
#![no_main]

use std::sync::{Arc, LazyLock};

use kavach_envelope::{Envelope, Error, Limits, jwe};
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
    // A small payload cap, so that inflation limits are reached quickly.
    let limits = Limits::with_max_plaintext(1 << 20);
    // Through the format detection the CLI uses.
    let Ok(Envelope::Jwe(parsed)) = Envelope::parse(text, &limits) else {
        return;
    };
    assert!(jwe::JweCompact::parse(parsed.as_str(), &limits).is_ok());
    match jwe::open(&parsed, &*KEYS) {
        Ok(opened) => assert!(opened.plaintext().len() <= 1 << 20),
        Err(e) => assert!(!matches!(e, Error::Io(_) | Error::Rng | Error::Key(_)), "{e:?}"),
    }
});

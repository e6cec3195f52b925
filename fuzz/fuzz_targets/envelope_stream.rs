//! kavach streams: header parsing, key recovery (RSA-OAEP and ECDH-ES+A256KW), chunk framing
//! with look-ahead, and per-chunk authentication, with an RSA-2048 and a P-256 key.
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`.
#![no_main]

use std::sync::{Arc, LazyLock};

use kavach_envelope::stream;
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
    let mut out = Vec::new();
    if let Ok(n) = stream::open_stream(&*KEYS, data, &mut out) {
        assert_eq!(n as usize, out.len());
        assert!(out.len() < data.len());
    }
});

//! The `hazmat` primitives on attacker-chosen inputs: AES-256-GCM open with 12- and 16-byte
//! IVs and AES-256 key unwrap. Layout: key (32) || iv length selector (1) || iv || rest.
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`.
#![no_main]

use kavach_envelope::hazmat::{self, GcmIv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 33 {
        return;
    }
    let key: [u8; 32] = data[..32].try_into().unwrap();
    let iv_len = if data[32] & 1 == 0 { 12 } else { 16 };
    let rest = &data[33..];
    if rest.len() < iv_len {
        return;
    }
    let iv = GcmIv::from_slice(&rest[..iv_len]).unwrap();
    let body = &rest[iv_len..];
    if let Ok(pt) = hazmat::aes256_gcm_open(&key, &iv, b"", body) {
        // Whatever opens was sealed by this key: sealing it again reproduces the input.
        assert_eq!(hazmat::aes256_gcm_seal(&key, &iv, b"", &pt).unwrap(), body);
    }
    if let Ok(k) = hazmat::aes256_key_unwrap(&key, rest) {
        assert_eq!(hazmat::aes256_key_wrap(&key, &k).unwrap(), rest);
    }
});

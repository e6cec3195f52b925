//! Key parsing: DER private keys (PKCS#8 / PKCS#1 / SEC1), SubjectPublicKeyInfo, and PEM.
//! The body is `kavach_fuzzing::keys_parse`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::keys_parse(data);
});

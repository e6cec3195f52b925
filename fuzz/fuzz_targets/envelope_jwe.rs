//! JWE compact parsing and opening (RSA-OAEP-256, ECDH-ES+A256KW, capped zip:"DEF").
//! The body is `kavach_fuzzing::envelope_jwe`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::envelope_jwe(data);
});

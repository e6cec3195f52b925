//! JWS compact parsing and bare-key verification (attached and detached), headers, JWKs.
//! The body is `kavach_fuzzing::jws_parse_verify`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::jws_parse_verify(data);
});

//! kavach streams: header parsing, key recovery, chunk framing and authentication.
//! The body is `kavach_fuzzing::envelope_stream`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::envelope_stream(data);
});

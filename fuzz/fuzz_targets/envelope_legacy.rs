//! MOSIP envelopes as decoded bytes, aimed at the legacy layouts, with and without AAD.
//! The body is `kavach_fuzzing::envelope_legacy`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::envelope_legacy(data);
});

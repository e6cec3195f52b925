//! MOSIP envelope text: base64, layout detection, fixed-offset parsing and opening.
//! The body is `kavach_fuzzing::envelope_mosip`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::envelope_mosip(data);
});

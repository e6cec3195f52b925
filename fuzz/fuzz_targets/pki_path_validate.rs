//! Path validation over a fuzzed chain of length-prefixed DER certificates.
//! The body is `kavach_fuzzing::pki_path_validate`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::pki_path_validate(data);
});

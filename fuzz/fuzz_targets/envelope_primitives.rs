//! The hazmat primitives: AES-256-GCM open (12- and 16-byte IVs) and AES key unwrap.
//! The body is `kavach_fuzzing::envelope_primitives`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::envelope_primitives(data);
});

//! PKCS#10 requests: parsing and the proof-of-possession check a CA makes.
//! The body is `kavach_fuzzing::pki_csr`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::pki_csr(data);
});

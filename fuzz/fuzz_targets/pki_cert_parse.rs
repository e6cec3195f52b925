//! Certificate and CRL parsing: PEM, DER and PKCS#7 bundles, and every accessor.
//! The body is `kavach_fuzzing::pki_cert_parse`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::pki_cert_parse(data);
});

//! Issuance inputs from text: RFC 4514 distinguished names and subjectAltName entries.
//! The body is `kavach_fuzzing::pki_issue_names`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::pki_issue_names(data);
});

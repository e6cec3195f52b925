//! An enrolled, time-synced management client with a status poll outstanding, handed the bytes
//! as the answer, raw and as an edit script over this process's valid answers. The body is
//! `kavach_fuzzing::device_client_handle`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::device_client_handle(data);
});

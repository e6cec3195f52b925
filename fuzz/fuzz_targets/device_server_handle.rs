//! A management server with one enrolled device, handed the bytes on every path (with and
//! without a TLS client certificate), raw and as an edit script over this process's valid
//! requests. The body is `kavach_fuzzing::device_server_handle`, which
//! `crates/kavach-fuzzing/tests/replay_corpora.rs` also runs over this target's committed corpus
//! on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::device_server_handle(data);
});

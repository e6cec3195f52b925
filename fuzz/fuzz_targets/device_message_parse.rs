//! Device-management message payloads (WIRE.md §6) on every path and direction, and digital IDs.
//! The body is `kavach_fuzzing::device_message_parse`, which
//! `crates/kavach-fuzzing/tests/replay_corpora.rs` also runs over this target's committed corpus
//! on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::device_message_parse(data);
});

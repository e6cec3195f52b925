//! The platform side APIs of kavach-device (WIRE.md §5, §5b, rule 26): request and response
//! bodies on both ends, signed payloads, and relayed platform certificates. The body is
//! `kavach_fuzzing::device_platform_api`, which `crates/kavach-fuzzing/tests/replay_corpora.rs`
//! also runs over this target's committed corpus on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::device_platform_api(data);
});

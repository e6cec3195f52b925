//! The TLS ClientHello screen of kavach-transport (TLS 1.1-only clients refused with a
//! protocol_version alert). The body is `kavach_fuzzing::transport_client_hello`, which
//! `crates/kavach-fuzzing/tests/replay_corpora.rs` also runs over this target's committed corpus
//! on the stable toolchain.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    kavach_fuzzing::transport_client_hello(data);
});

//! SBI biometric records: the five lines `thumbprint`, `sessionKey`, `bioValue`, `timestamp`,
//! `transactionId` are parsed and opened with an RSA-2048 key; an optional sixth line, the
//! record's `hash`, is parsed and checked against a fresh hash chain.
//!
//! Replayed on the stable toolchain by `crates/kavach-envelope/tests/fuzz_corpus.rs`.
#![no_main]

use std::sync::{Arc, LazyLock};

use kavach_envelope::sbi;
use kavach_keys::{MemoryKeyStore, PrivateKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut s = MemoryKeyStore::new();
    let rsa = PrivateKey::from_pem(include_str!("../../crates/kavach-envelope/tests/data/fuzz-rsa2048.pem")).unwrap();
    s.insert("rsa", Arc::new(rsa), Some(b"kavach-envelope fuzz recipient (RSA)"))
        .unwrap();
    s
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let (Some(t), Some(k), Some(v), Some(ts), Some(tx)) =
        (lines.next(), lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return;
    };
    let (Ok(thumbprint), Ok(session_key), Ok(bio_value)) = (
        sbi::SbiThumbprint::parse(t),
        sbi::EncryptedSessionKey::from_text(k),
        sbi::BioValue::from_text(v),
    ) else {
        return;
    };
    let sealed = sbi::SealedBio {
        bio_value,
        session_key,
        thumbprint,
    };
    if let Ok(data) = sbi::open(&sealed, &*KEYS, ts, tx) {
        assert_eq!(data.as_bytes().len() + 16, sealed.bio_value.as_bytes().len());
        // An optional sixth line is the record's `hash`, checked against the chain.
        if let Some(Ok(hash)) = lines.next().map(sbi::ChainHash::parse) {
            let mut chain = sbi::HashChain::new();
            let _ = chain.verify_next(data.as_bytes(), &hash);
        }
    }
});

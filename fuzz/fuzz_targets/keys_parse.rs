//! Key parsing: DER private keys (PKCS#8 / PKCS#1 / SEC1), SubjectPublicKeyInfo, and PEM.
//!
//! Replayed on the stable toolchain by `crates/kavach-keys/tests/fuzz_corpus.rs`, which makes
//! the same calls and checks the same properties.
#![no_main]

use kavach_keys::{PrivateKey, PublicKey, Signer, encoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Whatever parses must re-encode to something that parses to the same key.
    if let Ok(key) = PrivateKey::from_der(data) {
        let der = key.to_pkcs8_der().expect("a parsed key encodes");
        let again = PrivateKey::from_pkcs8_der(&der).expect("our PKCS#8 parses");
        assert!(Signer::public_key(&again) == Signer::public_key(&key));
    }
    if let Ok(public) = PublicKey::from_spki_der(data) {
        let again = PublicKey::from_spki_der(public.spki_der()).expect("our SPKI parses");
        assert!(again == public);
    }
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(text);
        let _ = PublicKey::from_pem(text);
        if let Ok(blocks) = encoding::pem_blocks(text) {
            assert!(!blocks.is_empty() && blocks.len() <= encoding::MAX_PEM_BLOCKS);
        }
    }
});

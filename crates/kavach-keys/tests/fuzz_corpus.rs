//! Replays every committed seed of the `keys_parse` fuzz target (`fuzz/corpus/keys_parse/`)
//! through the same calls the target makes (`fuzz/fuzz_targets/keys_parse.rs`), on the stable
//! toolchain: none may panic, and whatever parses must re-encode to the same key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use kavach_keys::{PrivateKey, PublicKey, Signer, encoding};

/// The body of the `keys_parse` fuzz target.
fn keys_parse(data: &[u8]) -> Outcome {
    let mut outcome = Outcome::default();
    if let Ok(key) = PrivateKey::from_der(data) {
        let der = key.to_pkcs8_der().expect("a parsed key encodes");
        let again = PrivateKey::from_pkcs8_der(&der).expect("our PKCS#8 parses");
        assert!(Signer::public_key(&again) == Signer::public_key(&key));
        outcome.private_der = true;
    }
    if let Ok(public) = PublicKey::from_spki_der(data) {
        let again = PublicKey::from_spki_der(public.spki_der()).expect("our SPKI parses");
        assert!(again == public);
        outcome.spki = true;
    }
    if let Ok(text) = core::str::from_utf8(data) {
        outcome.private_pem = PrivateKey::from_pem(text).is_ok();
        let _ = PublicKey::from_pem(text);
        if let Ok(blocks) = encoding::pem_blocks(text) {
            assert!(!blocks.is_empty() && blocks.len() <= encoding::MAX_PEM_BLOCKS);
        }
    }
    outcome
}

#[derive(Default, Debug)]
struct Outcome {
    private_der: bool,
    spki: bool,
    private_pem: bool,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/keys_parse")
}

#[test]
fn keys_parse_corpus_replays_without_panic() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("fuzz/corpus/keys_parse exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "seed corpus has only {} files", files.len());
    let (mut der, mut spki, mut pem) = (0, 0, 0);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let o = keys_parse(&data);
        // Each prefix too: cheap extra coverage of the truncation paths.
        for len in 0..data.len().min(512) {
            keys_parse(&data[..len]);
        }
        der += usize::from(o.private_der);
        spki += usize::from(o.spki);
        pem += usize::from(o.private_pem);
    }
    println!(
        "keys_parse corpus: {} files ({der} private DER, {spki} SPKI, {pem} private PEM parsed)",
        files.len()
    );
    // The seeds are meant to reach the success paths of each parser, not only the error paths.
    assert!(
        der >= 2 && spki >= 2 && pem >= 1,
        "seeds no longer parse: {der} DER, {spki} SPKI, {pem} PEM"
    );
}

/// Regression seed: an END marker overlapping the BEGIN line's dashes made `pem_blocks` slice
/// with start > end and panic (found by review while writing this target).
#[test]
fn pem_end_marker_overlapping_begin_line_is_an_error() {
    let data = std::fs::read(corpus_dir().join("pem-end-overlaps-begin.txt")).unwrap();
    assert_eq!(data, b"-----BEGIN X-----END X-----");
    assert!(encoding::pem_blocks(core::str::from_utf8(&data).unwrap()).is_err());
    keys_parse(&data);
}

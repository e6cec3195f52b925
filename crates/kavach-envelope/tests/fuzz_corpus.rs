//! Replays every file of the `envelope_*` fuzz corpora (`fuzz/corpus/envelope_*/`) through the
//! same calls, with the same keys and the same property checks, as the fuzz targets in
//! `fuzz/fuzz_targets/envelope_*.rs` — on the stable toolchain, in every `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use kavach_envelope::hazmat::{self, GcmIv};
use kavach_envelope::{Envelope, Error, Limits, OpenedKind, jwe, mosip, sbi, stream};
use kavach_keys::{MemoryKeyStore, PrivateKey};

const RSA_PEM: &str = include_str!("data/fuzz-rsa2048.pem");
const EC_PEM: &str = include_str!("data/fuzz-p256.pem");
const RSA_CERT: &[u8] = b"kavach-envelope fuzz recipient (RSA)";
const EC_CERT: &[u8] = b"kavach-envelope fuzz recipient (P-256)";

static KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut s = MemoryKeyStore::new();
    s.insert("rsa", Arc::new(PrivateKey::from_pem(RSA_PEM).unwrap()), Some(RSA_CERT))
        .unwrap();
    s.insert("ec", Arc::new(PrivateKey::from_pem(EC_PEM).unwrap()), Some(EC_CERT))
        .unwrap();
    s
});

static LEGACY_KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(|| {
    let mut s = MemoryKeyStore::new();
    s.insert(
        "with-cert",
        Arc::new(PrivateKey::from_pem(RSA_PEM).unwrap()),
        Some(RSA_CERT),
    )
    .unwrap();
    s.insert("no-cert", Arc::new(PrivateKey::from_pem(RSA_PEM).unwrap()), None)
        .unwrap();
    s
});

fn not_internal(e: &Error) -> bool {
    !matches!(e, Error::Io(_) | Error::Rng | Error::Key(_))
}

fn mosip_target(data: &[u8]) -> Option<kavach_envelope::Opened> {
    let text = core::str::from_utf8(data).ok()?;
    let Ok(Envelope::Mosip(env)) = Envelope::parse(text, &Limits::DEFAULT) else {
        return None;
    };
    assert_eq!(mosip::MosipEnvelope::from_text(text, &Limits::DEFAULT).unwrap(), env);
    assert_eq!(
        mosip::MosipEnvelope::from_text(&env.to_text(), &Limits::DEFAULT).unwrap(),
        env
    );
    let mut opened = None;
    for aad in [None, Some(&b"fuzz-aad"[..])] {
        match mosip::open(&env, &*KEYS, aad) {
            Ok(o) => opened = Some(o),
            Err(e) => assert!(not_internal(&e), "{e:?}"),
        }
    }
    opened
}

fn legacy_target(data: &[u8]) -> Option<kavach_envelope::Opened> {
    let (&flag, bytes) = data.split_first()?;
    let env = mosip::MosipEnvelope::from_bytes(bytes.to_vec(), &Limits::DEFAULT).ok()?;
    let aad = (flag & 1 == 1).then_some(&b"fuzz-aad"[..]);
    match mosip::open(&env, &*LEGACY_KEYS, aad) {
        Ok(o) => Some(o),
        Err(e) => {
            assert!(not_internal(&e), "{e:?}");
            None
        }
    }
}

fn jwe_target(data: &[u8]) -> Option<kavach_envelope::Opened> {
    let text = core::str::from_utf8(data).ok()?;
    let limits = Limits::with_max_plaintext(1 << 20);
    let Ok(Envelope::Jwe(parsed)) = Envelope::parse(text, &limits) else {
        return None;
    };
    assert!(jwe::JweCompact::parse(parsed.as_str(), &limits).is_ok());
    match jwe::open(&parsed, &*KEYS) {
        Ok(o) => {
            assert!(o.plaintext().len() <= 1 << 20);
            Some(o)
        }
        Err(e) => {
            assert!(not_internal(&e), "{e:?}");
            None
        }
    }
}

fn stream_target(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let n = stream::open_stream(&*KEYS, data, &mut out).ok()?;
    assert_eq!(n as usize, out.len());
    assert!(out.len() < data.len());
    Some(out)
}

fn sbi_target(data: &[u8]) -> Option<Vec<u8>> {
    let text = core::str::from_utf8(data).ok()?;
    let mut lines = text.split('\n');
    let (t, k, v, ts, tx) = (
        lines.next()?,
        lines.next()?,
        lines.next()?,
        lines.next()?,
        lines.next()?,
    );
    let sealed = sbi::SealedBio {
        thumbprint: sbi::SbiThumbprint::parse(t).ok()?,
        session_key: sbi::EncryptedSessionKey::from_text(k).ok()?,
        bio_value: sbi::BioValue::from_text(v).ok()?,
    };
    let data = sbi::open(&sealed, &*KEYS, ts, tx).ok()?;
    assert_eq!(data.as_bytes().len() + 16, sealed.bio_value.as_bytes().len());
    if let Some(Ok(hash)) = lines.next().map(sbi::ChainHash::parse) {
        let mut chain = sbi::HashChain::new();
        assert!(
            chain.verify_next(data.as_bytes(), &hash).is_ok(),
            "the seed's hash line must verify"
        );
    }
    Some(data.as_bytes().to_vec())
}

fn primitives_target(data: &[u8]) -> usize {
    if data.len() < 33 {
        return 0;
    }
    let key: [u8; 32] = data[..32].try_into().unwrap();
    let iv_len = if data[32] & 1 == 0 { 12 } else { 16 };
    let rest = &data[33..];
    if rest.len() < iv_len {
        return 0;
    }
    let iv = GcmIv::from_slice(&rest[..iv_len]).unwrap();
    let body = &rest[iv_len..];
    let mut ok = 0;
    if let Ok(pt) = hazmat::aes256_gcm_open(&key, &iv, b"", body) {
        assert_eq!(hazmat::aes256_gcm_seal(&key, &iv, b"", &pt).unwrap(), body);
        ok += 1;
    }
    if let Ok(k) = hazmat::aes256_key_unwrap(&key, rest) {
        assert_eq!(hazmat::aes256_key_wrap(&key, &k).unwrap(), rest);
        ok += 1;
    }
    ok
}

/// Every file of `fuzz/corpus/<target>/`, by name.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{target}: empty corpus");
    println!("{target}: replaying {} files", files.len());
    files
}

#[test]
fn envelope_mosip_corpus() {
    for (name, data) in corpus("envelope_mosip") {
        let opened = mosip_target(&data);
        let want = match name.as_str() {
            "ver_r2.txt" => Some(OpenedKind::Mosip(mosip::MosipLayout::VerR2)),
            "aad.txt" => Some(OpenedKind::Mosip(mosip::MosipLayout::Aad)),
            "legacy_std_b64.txt" => Some(OpenedKind::Mosip(mosip::MosipLayout::Legacy)),
            "legacy_no_thumbprint.txt" => Some(OpenedKind::Mosip(mosip::MosipLayout::LegacyNoThumbprint)),
            _ => None,
        };
        if want.is_some() {
            assert_eq!(opened.map(|o| o.kind()), want, "{name}");
        }
    }
}

#[test]
fn envelope_legacy_corpus() {
    for (name, data) in corpus("envelope_legacy") {
        let opened = legacy_target(&data);
        if ["aad.bin", "legacy.bin", "legacy_nt.bin", "ver_r2.bin"].contains(&name.as_str()) {
            assert!(opened.is_some(), "{name} must open");
        }
    }
}

#[test]
fn envelope_jwe_corpus() {
    for (name, data) in corpus("envelope_jwe") {
        let opened = jwe_target(&data);
        let must_open = ["rsa.txt", "ecdh.txt", "zip.txt"].contains(&name.as_str());
        let must_fail = ["duplicate_alg.txt", "crit.txt"].contains(&name.as_str());
        if must_open {
            assert!(opened.is_some(), "{name} must open");
        }
        if must_fail {
            assert!(opened.is_none(), "{name} must be refused");
        }
    }
}

#[test]
fn envelope_stream_corpus() {
    for (name, data) in corpus("envelope_stream") {
        let out = stream_target(&data);
        match name.as_str() {
            "rsa_two_chunks.bin" => assert_eq!(out.unwrap(), vec![1u8; 5000]),
            "ec_one_chunk.bin" => assert_eq!(out.unwrap(), b"stream seed"),
            "rsa_empty.bin" => assert_eq!(out.unwrap(), b""),
            _ => {}
        }
    }
}

#[test]
fn envelope_sbi_corpus() {
    for (name, data) in corpus("envelope_sbi") {
        let out = sbi_target(&data);
        if name.starts_with("record") {
            assert_eq!(out.unwrap(), b"ISO 19794 seed");
        }
    }
}

#[test]
fn envelope_primitives_corpus() {
    for (name, data) in corpus("envelope_primitives") {
        let ok = primitives_target(&data);
        if name.starts_with("gcm") || name == "kw.bin" {
            assert!(ok >= 1, "{name} must open");
        }
    }
}

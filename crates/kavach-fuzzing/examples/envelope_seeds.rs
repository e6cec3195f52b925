//! Writes the seed corpora of the `envelope_*` fuzz targets into `DIR/<target>/` (run through
//! `cargo xtask corpus [DIR]`; `DIR` is the workspace's `fuzz/corpus` by default there).
//!
//! The envelopes are sealed to the targets' fixed keys ([`kavach_fuzzing::ENVELOPE_RSA_PEM`],
//! [`kavach_fuzzing::ENVELOPE_P256_PEM`]) under the same fake certificate bytes the targets' key
//! stores hold, so every seed reaches the opening paths. Sealing draws fresh randomness: run it
//! again and the sealed seeds change (their sizes and what they open to do not);
//! `envelope_mosip/short.txt` and the `envelope_primitives` seeds are the same bytes every time.
//! Run it when a format changes, then `cargo test -p kavach-fuzzing` replays the new seeds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kavach_envelope::hazmat::{self, GcmIv};
use kavach_envelope::mosip::{self, KEY_SPLITTER, MosipEnvelope};
use kavach_envelope::{Limits, Recipient, jwe, sbi, stream};
use kavach_fuzzing::{ENVELOPE_P256_CERT, ENVELOPE_P256_PEM, ENVELOPE_RSA_CERT, ENVELOPE_RSA_PEM};
use kavach_keys::{PrivateKey, Signer};

/// A fixed key and the bytes standing for its certificate.
struct Party {
    key: Arc<PrivateKey>,
    cert: &'static [u8],
}

impl Party {
    fn recipient(&self) -> Recipient {
        kavach_envelope::internal::recipient_unchecked(self.cert, Signer::public_key(&*self.key).clone())
    }
}

/// Builds a legacy envelope by hand: `[thumbprint] || wrapped || splitter || ct || tag || iv16`.
fn legacy(p: &Party, with_thumbprint: bool, msg: &[u8]) -> MosipEnvelope {
    let cek = [7u8; 32];
    let iv = [9u8; 16];
    let wrapped = Signer::public_key(&*p.key).encrypt_rsa_oaep_sha256(None, &cek).unwrap();
    let mut out = Vec::new();
    if with_thumbprint {
        out.extend_from_slice(p.recipient().thumbprint().as_bytes());
    }
    out.extend_from_slice(&wrapped);
    out.extend_from_slice(KEY_SPLITTER);
    out.extend_from_slice(&hazmat::aes256_gcm_seal(&cek, &GcmIv::Long(iv), &[], msg).unwrap());
    out.extend_from_slice(&iv);
    MosipEnvelope::from_bytes(out, &Limits::DEFAULT).unwrap()
}

/// Re-assembles a JWE with a new protected header (everything else as in `jwe`).
fn with_header(jwe: &str, header: &str) -> String {
    let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    parts[0] = kavach_jose::base64::encode_url(header.as_bytes());
    parts.join(".")
}

/// A JWE with `zip:"DEF"` and no `kid`, made by hand (kavach never writes one).
fn zipped_jwe(p: &Party, payload: &[u8]) -> String {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(payload).unwrap();
    let compressed = z.finish().unwrap();
    let cek = [3u8; 32];
    let iv = [4u8; 12];
    let ek = Signer::public_key(&*p.key).encrypt_rsa_oaep_sha256(None, &cek).unwrap();
    let header = r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#;
    let h = kavach_jose::base64::encode_url(header.as_bytes());
    let sealed = hazmat::aes256_gcm_seal(&cek, &GcmIv::Standard(iv), h.as_bytes(), &compressed).unwrap();
    let (ct, tag) = sealed.split_at(sealed.len() - 16);
    [
        h,
        kavach_jose::base64::encode_url(&ek),
        kavach_jose::base64::encode_url(&iv),
        kavach_jose::base64::encode_url(ct),
        kavach_jose::base64::encode_url(tag),
    ]
    .join(".")
}

/// A stream sealed in writes of 1000 bytes (to exercise the buffering).
fn seal_stream_to(p: &Party, payload: &[u8], chunk: stream::ChunkSize) -> Vec<u8> {
    let mut s = stream::StreamSealer::with_chunk_size(&p.recipient(), Vec::new(), chunk).unwrap();
    for part in payload.chunks(1000) {
        s.write_all(part).unwrap();
    }
    s.finish().unwrap()
}

fn main() {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: envelope_seeds DIR   (writes DIR/envelope_*/...)");
        std::process::exit(2);
    };
    write_seeds(&root);
}

fn write_seeds(root: &Path) {
    let rsa_p = Party {
        key: Arc::new(PrivateKey::from_pem(ENVELOPE_RSA_PEM).unwrap()),
        cert: ENVELOPE_RSA_CERT,
    };
    let ec_p = Party {
        key: Arc::new(PrivateKey::from_pem(ENVELOPE_P256_PEM).unwrap()),
        cert: ENVELOPE_P256_CERT,
    };
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
        println!("{}", dir.join(name).display());
    };
    let ver_r2 = mosip::seal(&rsa_p.recipient(), b"seed payload", None).unwrap();
    let aad = mosip::seal(&rsa_p.recipient(), b"seed payload", Some(b"fuzz-aad")).unwrap();
    let leg = legacy(&rsa_p, true, b"legacy seed");
    let leg_nt = legacy(&rsa_p, false, b"legacy-no-thumbprint seed");
    write("envelope_mosip", "ver_r2.txt", ver_r2.to_text().as_bytes());
    write("envelope_mosip", "aad.txt", aad.to_text().as_bytes());
    write(
        "envelope_mosip",
        "legacy_std_b64.txt",
        kavach_jose::base64::encode_std(leg.as_bytes()).as_bytes(),
    );
    write(
        "envelope_mosip",
        "legacy_no_thumbprint.txt",
        leg_nt.to_text().as_bytes(),
    );
    write("envelope_mosip", "short.txt", b"AAAA");
    for (name, env, flag) in [
        ("ver_r2", &ver_r2, 0u8),
        ("aad", &aad, 1),
        ("legacy", &leg, 0),
        ("legacy_nt", &leg_nt, 0),
    ] {
        let mut b = vec![flag];
        b.extend_from_slice(env.as_bytes());
        write("envelope_legacy", &format!("{name}.bin"), &b);
    }
    let rsa_jwe = jwe::seal(&rsa_p.recipient(), b"{\"jwe\":\"seed\"}").unwrap();
    let ec_jwe = jwe::seal(&ec_p.recipient(), b"{\"jwe\":\"seed\"}").unwrap();
    write("envelope_jwe", "rsa.txt", rsa_jwe.as_str().as_bytes());
    write("envelope_jwe", "ecdh.txt", ec_jwe.as_str().as_bytes());
    write("envelope_jwe", "zip.txt", zipped_jwe(&rsa_p, &[b'z'; 5000]).as_bytes());
    write(
        "envelope_jwe",
        "duplicate_alg.txt",
        with_header(
            rsa_jwe.as_str(),
            r#"{"alg":"RSA-OAEP-256","alg":"none","enc":"A256GCM"}"#,
        )
        .as_bytes(),
    );
    write(
        "envelope_jwe",
        "crit.txt",
        with_header(
            rsa_jwe.as_str(),
            r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":["x"]}"#,
        )
        .as_bytes(),
    );
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    write(
        "envelope_stream",
        "rsa_two_chunks.bin",
        &seal_stream_to(&rsa_p, &[1u8; 5000], chunk),
    );
    write(
        "envelope_stream",
        "ec_one_chunk.bin",
        &seal_stream_to(&ec_p, b"stream seed", chunk),
    );
    write("envelope_stream", "rsa_empty.bin", &seal_stream_to(&rsa_p, b"", chunk));
    let ts = "2026-11-23T19:00:00.123Z";
    let tx = "c2a1e7c4-6f8e-4b0e-9d35-7f5b8f0b1a11";
    let s = sbi::seal(&rsa_p.recipient(), ts, tx, b"ISO 19794 seed").unwrap();
    let record = format!(
        "{}\n{}\n{}\n{ts}\n{tx}",
        s.thumbprint,
        s.session_key.to_text(),
        s.bio_value.to_text()
    );
    write("envelope_sbi", "record.txt", record.as_bytes());
    let hash = sbi::HashChain::new().next_hash(b"ISO 19794 seed");
    write(
        "envelope_sbi",
        "record_with_hash.txt",
        format!("{record}\n{hash}").as_bytes(),
    );
    let key = [0x42u8; 32];
    for (name, sel, iv) in [("gcm12.bin", 0u8, &[7u8; 12][..]), ("gcm16.bin", 1, &[7u8; 16][..])] {
        let mut b = key.to_vec();
        b.push(sel);
        b.extend_from_slice(iv);
        b.extend_from_slice(
            &hazmat::aes256_gcm_seal(&key, &GcmIv::from_slice(iv).unwrap(), b"", b"primitive seed").unwrap(),
        );
        write("envelope_primitives", name, &b);
    }
    let mut b = key.to_vec();
    b.push(0);
    b.extend_from_slice(&hazmat::aes256_key_wrap(&key, &[9u8; 32]).unwrap());
    write("envelope_primitives", "kw.bin", &b);
}

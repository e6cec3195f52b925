//! Unit tests of the formats, with recipients built by the crate-private unchecked constructor
//! (the public-API tests in `tests/` build them from kavach-pki proofs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::sync::{Arc, LazyLock};

use kavach_keys::{Decrypter, KeyKind, MemoryKeyStore, PrivateKey, Signer};

use crate::hazmat::{self, GcmIv};
use crate::mosip::{self, KEY_SPLITTER, MosipEnvelope, MosipLayout, VER_R2_HEADER};
use crate::{Envelope, Error, Limits, OpenedKind, Recipient, jwe, sbi, stream};

struct Party {
    key: Arc<PrivateKey>,
    cert: Vec<u8>,
}

impl Party {
    fn new(kind: KeyKind, name: &str) -> Self {
        Self {
            key: Arc::new(PrivateKey::generate(kind).unwrap()),
            cert: format!("fake certificate DER of {name}").into_bytes(),
        }
    }
    fn recipient(&self) -> Recipient {
        Recipient::from_certificate_unchecked(&self.cert, Signer::public_key(&*self.key).clone())
    }
}

static RSA_A: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::Rsa { bits: 2048 }, "rsa a"));
static RSA_B: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::Rsa { bits: 3072 }, "rsa b"));
static EC_A: LazyLock<Party> = LazyLock::new(|| Party::new(KeyKind::P256, "ec a"));

fn store(parties: &[&Party]) -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, p) in parties.iter().enumerate() {
        s.insert(format!("k{i}"), p.key.clone(), Some(&p.cert)).unwrap();
    }
    s
}

/// A store whose keys have no certificate (so thumbprint lookups miss).
fn store_without_certs(parties: &[&Party]) -> MemoryKeyStore {
    let mut s = MemoryKeyStore::new();
    for (i, p) in parties.iter().enumerate() {
        s.insert(format!("k{i}"), p.key.clone(), None).unwrap();
    }
    s
}

fn l() -> Limits {
    Limits::DEFAULT
}

#[test]
fn ver_r2_layout_is_byte_exact() {
    let r = RSA_A.recipient();
    let msg = b"hello MOSIP";
    let env = mosip::seal(&r, msg, None).unwrap();
    let b = env.as_bytes();
    let k = 256;
    assert_eq!(&b[..6], VER_R2_HEADER);
    assert_eq!(&b[6..38], r.thumbprint().as_bytes());
    assert_eq!(&b[38 + k..52 + k], KEY_SPLITTER);
    assert_eq!(b.len(), 84 + k + msg.len() + 16);
    // The nonce is the first 12 bytes of the 32-byte AAD, and the AAD is the whole salt.
    let salt = &b[52 + k..84 + k];
    let cek = RSA_A.key.decrypt_rsa_oaep_sha256(None, &b[38..38 + k]).unwrap();
    let cek: [u8; 32] = cek.as_slice().try_into().unwrap();
    let pt = hazmat::aes256_gcm_open(&cek, &GcmIv::from_slice(&salt[..12]).unwrap(), salt, &b[84 + k..]).unwrap();
    assert_eq!(&pt[..], msg);
    let opened = mosip::open(&env, &store(&[&RSA_A]), None).unwrap();
    assert_eq!(opened.plaintext().as_bytes(), msg);
    assert_eq!(opened.kind(), OpenedKind::Mosip(MosipLayout::VerR2));
    assert_eq!(opened.recipient_thumbprint(), Some(r.thumbprint()));
}

#[test]
fn aad_layout_is_byte_exact_and_binds_aad() {
    let r = RSA_B.recipient();
    let msg = b"bound to a transaction";
    let env = mosip::seal(&r, msg, Some(b"txn-42")).unwrap();
    let b = env.as_bytes();
    let k = 384;
    assert_eq!(&b[..32], r.thumbprint().as_bytes());
    assert_eq!(&b[32 + k..46 + k], KEY_SPLITTER);
    assert_eq!(b.len(), 46 + k + msg.len() + 16 + 16);
    let iv = &b[b.len() - 16..];
    let cek = RSA_B.key.decrypt_rsa_oaep_sha256(None, &b[32..32 + k]).unwrap();
    let cek: [u8; 32] = cek.as_slice().try_into().unwrap();
    let pt = hazmat::aes256_gcm_open(
        &cek,
        &GcmIv::from_slice(iv).unwrap(),
        b"txn-42",
        &b[46 + k..b.len() - 16],
    )
    .unwrap();
    assert_eq!(&pt[..], msg);
    let keys = store(&[&RSA_A, &RSA_B]);
    let opened = mosip::open(&env, &keys, Some(b"txn-42")).unwrap();
    assert_eq!(opened.kind(), OpenedKind::Mosip(MosipLayout::Aad));
    assert_eq!(opened.plaintext().as_bytes(), msg);
    assert!(matches!(
        mosip::open(&env, &keys, Some(b"txn-43")),
        Err(Error::OpenFailed)
    ));
    assert!(matches!(mosip::open(&env, &keys, None), Err(Error::OpenFailed)));
}

#[test]
fn ver_r2_refuses_caller_aad() {
    let env = mosip::seal(&RSA_A.recipient(), b"x", None).unwrap();
    assert!(matches!(
        mosip::open(&env, &store(&[&RSA_A]), Some(b"a")),
        Err(Error::AadNotBound { .. })
    ));
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
    MosipEnvelope::from_bytes(out, &l()).unwrap()
}

#[test]
fn legacy_layouts_open_and_are_reported() {
    let keys = store(&[&RSA_A, &RSA_B]);
    let o = mosip::open(&legacy(&RSA_B, true, b"legacy"), &keys, None).unwrap();
    assert_eq!(o.kind(), OpenedKind::Mosip(MosipLayout::Legacy));
    assert_eq!(o.plaintext().as_bytes(), b"legacy");
    let o = mosip::open(&legacy(&RSA_B, false, b"1.1.3"), &keys, None).unwrap();
    assert_eq!(o.kind(), OpenedKind::Mosip(MosipLayout::LegacyNoThumbprint));
    assert_eq!(o.recipient_thumbprint(), None);
    assert_eq!(o.plaintext().as_bytes(), b"1.1.3");
    // Keys without certificates: only the no-thumbprint layout can be opened.
    let o = mosip::open(
        &legacy(&RSA_A, false, b"x"),
        &store_without_certs(&[&RSA_B, &RSA_A]),
        None,
    )
    .unwrap();
    assert_eq!(o.kind(), OpenedKind::Mosip(MosipLayout::LegacyNoThumbprint));
}

#[test]
fn unknown_recipient_is_named() {
    let env = mosip::seal(&RSA_A.recipient(), b"x", None).unwrap();
    match mosip::open(&env, &store(&[&RSA_B]), None) {
        Err(Error::UnknownRecipient(crate::RecipientRef::Thumbprint(t))) => {
            assert_eq!(&t, RSA_A.recipient().thumbprint())
        }
        other => panic!("{other:?}"),
    }
    // A thumbprint-first envelope for a key the store lacks is named too.
    let env = mosip::seal(&RSA_A.recipient(), b"x", Some(b"aad")).unwrap();
    assert!(matches!(
        mosip::open(&env, &store(&[&RSA_B]), Some(b"aad")),
        Err(Error::UnknownRecipient(_))
    ));
    assert!(matches!(
        mosip::open(&env, &store(&[&EC_A]), Some(b"aad")),
        Err(Error::NoApplicableKey { .. })
    ));
}

#[test]
fn rotation_keeps_old_envelopes_readable() {
    let old = mosip::seal(&RSA_A.recipient(), b"old", None).unwrap();
    let new = mosip::seal(&RSA_B.recipient(), b"new", None).unwrap();
    let keys = store(&[&RSA_B, &RSA_A]);
    assert_eq!(mosip::open(&old, &keys, None).unwrap().plaintext().as_bytes(), b"old");
    assert_eq!(mosip::open(&new, &keys, None).unwrap().plaintext().as_bytes(), b"new");
}

#[test]
fn mosip_text_accepts_standard_base64_and_rejects_garbage() {
    use base64ct::Encoding;
    let env = mosip::seal(&RSA_A.recipient(), b"abc", None).unwrap();
    let std_b64 = base64ct::Base64::encode_string(env.as_bytes());
    let parsed = MosipEnvelope::from_text(&format!("  {std_b64}\n"), &l()).unwrap();
    assert_eq!(parsed, env);
    assert_eq!(MosipEnvelope::from_text(&env.to_text(), &l()).unwrap(), env);
    assert!(matches!(
        MosipEnvelope::from_text("not base64 at all!", &l()),
        Err(Error::Malformed { field: "base64", .. })
    ));
    assert!(matches!(
        MosipEnvelope::from_text("AAAA", &l()),
        Err(Error::Malformed { field: "envelope", .. })
    ));
    let tiny = Limits::with_max_plaintext(10);
    let big = mosip::seal(&RSA_A.recipient(), &[0u8; 20_000], None).unwrap();
    assert!(matches!(
        MosipEnvelope::from_text(&big.to_text(), &tiny),
        Err(Error::TooLarge { .. })
    ));
}

#[test]
fn mosip_truncation_and_splitter_damage() {
    let keys = store(&[&RSA_A]);
    let env = mosip::seal(&RSA_A.recipient(), &[1u8; 100], None).unwrap();
    let mut b = env.as_bytes().to_vec();
    b.truncate(b.len() - 16);
    let cut = MosipEnvelope::from_bytes(b, &l()).unwrap();
    assert!(matches!(mosip::open(&cut, &keys, None), Err(Error::OpenFailed)));
    let mut b = env.as_bytes().to_vec();
    b[38 + 256] ^= 1;
    let bad = MosipEnvelope::from_bytes(b, &l()).unwrap();
    assert!(matches!(
        mosip::open(&bad, &keys, None),
        Err(Error::Malformed {
            field: "key splitter",
            ..
        })
    ));
}

#[test]
fn mosip_refuses_ec_recipients() {
    assert!(matches!(
        mosip::seal(&EC_A.recipient(), b"x", None),
        Err(Error::UnsupportedRecipientKey { .. })
    ));
}

#[test]
fn every_bit_flip_of_a_small_envelope_fails() {
    let keys = store(&[&RSA_A]);
    for aad in [None, Some(&b"ctx"[..])] {
        let env = mosip::seal(&RSA_A.recipient(), b"flip me", aad).unwrap();
        let b = env.as_bytes();
        // Every byte outside the RSA block (whose flips are one OAEP failure each and slow) and
        // a sample inside it.
        let positions: Vec<usize> = (0..b.len()).filter(|i| !(40..290).contains(i) || i % 37 == 0).collect();
        for i in positions {
            for bit in 0..8 {
                let mut f = b.to_vec();
                f[i] ^= 1 << bit;
                let r = MosipEnvelope::from_bytes(f, &l()).and_then(|e| mosip::open(&e, &keys, aad));
                assert!(r.is_err(), "flip of byte {i} bit {bit} opened");
            }
        }
    }
}

#[test]
fn jwe_rsa_round_trip_and_header() {
    let r = RSA_A.recipient();
    let jwe = jwe::seal(&r, b"jwe payload").unwrap();
    let text = jwe.to_string();
    assert_eq!(text.split('.').count(), 5);
    let header = kavach_jose::base64::decode_url(text.split('.').next().unwrap()).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(header["alg"], "RSA-OAEP-256");
    assert_eq!(header["enc"], "A256GCM");
    assert_eq!(header["kid"], r.thumbprint().to_base64url());
    assert!(header.get("zip").is_none());
    let parsed = jwe::JweCompact::parse(&text, &l()).unwrap();
    let o = jwe::open(&parsed, &store(&[&RSA_B, &RSA_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"jwe payload");
    assert_eq!(o.kind(), OpenedKind::Jwe(jwe::JweAlgorithm::RsaOaep256));
}

#[test]
fn jwe_ecdh_round_trip() {
    let r = EC_A.recipient();
    let jwe = jwe::seal(&r, b"to a P-256 key").unwrap();
    let parsed = jwe::JweCompact::parse(jwe.as_str(), &l()).unwrap();
    assert_eq!(parsed.algorithm(), jwe::JweAlgorithm::EcdhEsA256Kw);
    let o = jwe::open(&parsed, &store(&[&RSA_A, &EC_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"to a P-256 key");
}

/// Re-assembles a JWE with a new protected header (everything else as in `jwe`).
fn with_header(jwe: &str, header: &str) -> String {
    let mut parts: Vec<String> = jwe.split('.').map(str::to_owned).collect();
    parts[0] = kavach_jose::base64::encode_url(header.as_bytes());
    parts.join(".")
}

#[test]
fn jwe_header_rules() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap().to_string();
    let kid = RSA_A.recipient().thumbprint().to_base64url();
    type Case = (&'static str, fn(&Error) -> bool);
    let cases: &[Case] = &[
        (r#"{"alg":"RSA-OAEP-256","alg":"RSA-OAEP-256","enc":"A256GCM"}"#, |e| {
            matches!(
                e,
                Error::Malformed {
                    field: "protected header",
                    ..
                }
            )
        }),
        (r#"{"alg":"none","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "alg", .. })
        }),
        (r#"{"alg":"RSA1_5","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "alg", .. })
        }),
        (r#"{"alg":"RSA-OAEP-256","enc":"A128CBC-HS256"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "enc", .. })
        }),
        (r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"GZ"}"#, |e| {
            matches!(e, Error::AlgorithmNotAllowed { member: "zip", .. })
        }),
        (
            r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","crit":["exp"],"exp":1}"#,
            |e| matches!(e, Error::UnsupportedCritical { .. }),
        ),
        (r#"{"enc":"A256GCM"}"#, |e| {
            matches!(e, Error::Malformed { field: "alg", .. })
        }),
        (r#"{"alg":"ECDH-ES+A256KW","enc":"A256GCM"}"#, |e| {
            matches!(e, Error::Malformed { field: "epk", .. })
        }),
        (r#"["alg"]"#, |e| {
            matches!(
                e,
                Error::Malformed {
                    field: "protected header",
                    ..
                }
            )
        }),
    ];
    for (h, want) in cases {
        let e = jwe::JweCompact::parse(&with_header(&jwe, h), &l()).unwrap_err();
        assert!(want(&e), "{h}: {e:?}");
    }
    // A re-serialised (but equivalent) header changes the AAD: the JWE no longer opens.
    let h = format!(r#"{{"enc":"A256GCM","alg":"RSA-OAEP-256","kid":"{kid}"}}"#);
    let p = jwe::JweCompact::parse(&with_header(&jwe, &h), &l()).unwrap();
    assert!(matches!(jwe::open(&p, &store(&[&RSA_A])), Err(Error::OpenFailed)));
}

#[test]
fn jwe_structure_errors() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap().to_string();
    let parts: Vec<&str> = jwe.split('.').collect();
    let cases = [
        (parts[..4].join("."), "compact serialisation"),
        (format!("{jwe}.x"), "compact serialisation"),
        ([parts[0], parts[1], "AAAA", parts[3], parts[4]].join("."), "iv"),
        ([parts[0], parts[1], parts[2], parts[3], "AAAA"].join("."), "tag"),
        ([parts[0], "", parts[2], parts[3], parts[4]].join("."), "encrypted key"),
        ([parts[0], parts[1], parts[2], "a+b/", parts[4]].join("."), "ciphertext"),
        (format!("=={}", &jwe[2..]), "protected header"),
    ];
    for (text, field) in cases {
        match jwe::JweCompact::parse(&text, &l()) {
            Err(Error::Malformed { field: f, .. }) => assert_eq!(f, field, "{text}"),
            other => panic!("{field}: {other:?}"),
        }
    }
}

/// A JWE with `zip:"DEF"` made by hand (kavach never writes one).
fn zipped_jwe(p: &Party, payload: &[u8], kid: bool) -> String {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(payload).unwrap();
    let compressed = z.finish().unwrap();
    let cek = [3u8; 32];
    let iv = [4u8; 12];
    let ek = Signer::public_key(&*p.key).encrypt_rsa_oaep_sha256(None, &cek).unwrap();
    let header = if kid {
        format!(
            r#"{{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF","kid":"{}"}}"#,
            p.recipient().thumbprint().to_base64url()
        )
    } else {
        r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","zip":"DEF"}"#.to_owned()
    };
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

#[test]
fn jwe_zip_def_is_read_with_a_cap() {
    let payload = vec![b'a'; 100_000];
    let text = zipped_jwe(&RSA_A, &payload, true);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    assert!(p.is_compressed());
    assert_eq!(
        jwe::open(&p, &store(&[&RSA_A])).unwrap().plaintext().as_bytes(),
        &payload[..]
    );
    // The caller's cap applies to the inflated size.
    let p = jwe::JweCompact::parse(&text, &Limits::with_max_plaintext(50_000)).unwrap();
    assert!(matches!(
        jwe::open(&p, &store(&[&RSA_A])),
        Err(Error::TooLarge { limit: 50_000, .. })
    ));
    // No kid: tried with each key.
    let text = zipped_jwe(&RSA_A, b"no kid", false);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    let o = jwe::open(&p, &store(&[&EC_A, &RSA_B, &RSA_A])).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"no kid");
    assert_eq!(o.recipient_thumbprint(), None);
}

#[test]
fn jwe_zip_bomb_stops_at_64_mib() {
    let payload = vec![0u8; (64 << 20) + 1];
    let text = zipped_jwe(&RSA_A, &payload, true);
    let p = jwe::JweCompact::parse(&text, &Limits::with_max_plaintext(usize::MAX / 2)).unwrap();
    assert!(matches!(
        jwe::open(&p, &store(&[&RSA_A])),
        Err(Error::TooLarge { limit, .. }) if limit == 64 << 20
    ));
}

#[test]
fn jwe_unknown_kid_and_wrong_key() {
    let jwe = jwe::seal(&RSA_A.recipient(), b"x").unwrap();
    assert!(matches!(
        jwe::open(&jwe, &store(&[&RSA_B])),
        Err(Error::UnknownRecipient(_))
    ));
    let text = zipped_jwe(&RSA_A, b"x", false);
    let p = jwe::JweCompact::parse(&text, &l()).unwrap();
    assert!(matches!(jwe::open(&p, &store(&[&RSA_B])), Err(Error::OpenFailed)));
    assert!(matches!(
        jwe::open(&p, &store(&[&EC_A])),
        Err(Error::NoApplicableKey { .. })
    ));
}

#[test]
fn envelope_detects_the_format() {
    let keys = store(&[&RSA_A]);
    let m = mosip::seal(&RSA_A.recipient(), b"m", None).unwrap().to_text();
    let j = jwe::seal(&RSA_A.recipient(), b"j").unwrap().to_string();
    let o = Envelope::parse(&m, &l()).unwrap().open(&keys, None).unwrap();
    assert_eq!(
        (o.plaintext().as_bytes(), o.kind()),
        (&b"m"[..], OpenedKind::Mosip(MosipLayout::VerR2))
    );
    let o = Envelope::parse(&j, &l()).unwrap().open(&keys, None).unwrap();
    assert_eq!(o.plaintext().as_bytes(), b"j");
    assert!(matches!(
        Envelope::parse(&j, &l()).unwrap().open(&keys, Some(b"x")),
        Err(Error::AadNotBound { .. })
    ));
}

#[test]
fn sbi_round_trip_and_binding() {
    let r = RSA_A.recipient();
    let ts = "2026-11-23T19:00:00.123Z";
    let tx = "c2a1e7c4-6f8e-4b0e-9d35-7f5b8f0b1a11";
    let sealed = sbi::seal(&r, ts, tx, b"ISO 19794-4 image").unwrap();
    assert_eq!(sealed.thumbprint.to_upper_hex(), r.thumbprint().to_hex().to_uppercase());
    let keys = store(&[&RSA_A]);
    // Through the text forms.
    let again = sbi::SealedBio {
        bio_value: sbi::BioValue::from_text(&sealed.bio_value.to_text()).unwrap(),
        session_key: sbi::EncryptedSessionKey::from_text(&sealed.session_key.to_text()).unwrap(),
        thumbprint: sbi::SbiThumbprint::parse(&sealed.thumbprint.to_string()).unwrap(),
    };
    let data = sbi::open(&again, &keys, ts, tx).unwrap();
    assert_eq!(data.as_bytes(), b"ISO 19794-4 image");
    assert!(matches!(
        sbi::open(&sealed, &keys, ts, "another-transaction-id"),
        Err(Error::OpenFailed)
    ));
    assert!(matches!(
        sbi::open(&sealed, &keys, "2026-11-23T19:00:00.124Z", tx),
        Err(Error::OpenFailed)
    ));
    assert!(matches!(
        sbi::open(&sealed, &store(&[&RSA_B]), ts, tx),
        Err(Error::UnknownRecipient(_))
    ));
}

fn seal_stream_to(p: &Party, payload: &[u8], chunk: stream::ChunkSize) -> Vec<u8> {
    let mut s = stream::StreamSealer::with_chunk_size(&p.recipient(), Vec::new(), chunk).unwrap();
    // Odd write sizes, to exercise the buffering.
    for part in payload.chunks(1000) {
        s.write_all(part).unwrap();
    }
    s.finish().unwrap()
}

fn open_stream_bytes(keys: &MemoryKeyStore, sealed: &[u8]) -> crate::Result<Vec<u8>> {
    let mut out = Vec::new();
    stream::open_stream(keys, sealed, &mut out)?;
    Ok(out)
}

#[test]
fn stream_round_trips_at_every_boundary() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A, &EC_A]);
    for len in [0usize, 1, 4095, 4096, 4097, 8192, 3 * 4096 + 17] {
        let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        for p in [&*RSA_A, &*EC_A] {
            let sealed = seal_stream_to(p, &payload, chunk);
            let chunks = len.div_ceil(4096).max(1);
            assert_eq!(
                sealed.len() - (len + 16 * chunks),
                52 + if std::ptr::eq(p, &*RSA_A) { 256 } else { 105 }
            );
            assert_eq!(open_stream_bytes(&keys, &sealed).unwrap(), payload, "len {len}");
        }
    }
}

#[test]
fn stream_refuses_truncation_reordering_extension_and_header_swap() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A]);
    let payload = vec![5u8; 3 * 4096 + 100];
    let sealed = seal_stream_to(&RSA_A, &payload, chunk);
    let h = 52 + 256;
    let c = 4096 + 16;
    // Truncated at a chunk boundary (final chunk dropped).
    assert!(matches!(
        open_stream_bytes(&keys, &sealed[..h + 3 * c]),
        Err(Error::OpenFailed)
    ));
    // Truncated inside a chunk and at the header end.
    assert!(open_stream_bytes(&keys, &sealed[..sealed.len() - 1]).is_err());
    assert!(open_stream_bytes(&keys, &sealed[..h]).is_err());
    // Chunks 0 and 1 swapped.
    let mut swapped = sealed[..h].to_vec();
    swapped.extend_from_slice(&sealed[h + c..h + 2 * c]);
    swapped.extend_from_slice(&sealed[h..h + c]);
    swapped.extend_from_slice(&sealed[h + 2 * c..]);
    assert!(matches!(open_stream_bytes(&keys, &swapped), Err(Error::OpenFailed)));
    // A chunk dropped.
    let mut dropped = sealed[..h + c].to_vec();
    dropped.extend_from_slice(&sealed[h + 2 * c..]);
    assert!(matches!(open_stream_bytes(&keys, &dropped), Err(Error::OpenFailed)));
    // Bytes after the final chunk.
    let mut extended = sealed.clone();
    extended.push(0);
    assert!(open_stream_bytes(&keys, &extended).is_err());
    // The chunks of one stream under another stream's header (same key, same chunk size).
    let other = seal_stream_to(&RSA_A, &payload, chunk);
    let mut mixed = other[..h].to_vec();
    mixed.extend_from_slice(&sealed[h..]);
    assert!(matches!(open_stream_bytes(&keys, &mixed), Err(Error::OpenFailed)));
    // Header fields.
    let mut bad = sealed.clone();
    bad[0] = b'X';
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::Malformed { field: "magic", .. })
    ));
    let mut bad = sealed.clone();
    bad[10] = 30;
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::Malformed {
            field: "chunk size",
            ..
        })
    ));
    let mut bad = sealed.clone();
    bad[11] ^= 1;
    assert!(matches!(
        open_stream_bytes(&keys, &bad),
        Err(Error::UnknownRecipient(_))
    ));
}

#[test]
fn stream_reader_stops_at_the_damage() {
    let chunk = stream::ChunkSize::from_log2(12).unwrap();
    let keys = store(&[&RSA_A]);
    let payload = vec![6u8; 2 * 4096 + 1];
    let mut sealed = seal_stream_to(&RSA_A, &payload, chunk);
    let h = 52 + 256;
    sealed[h + 4096 + 16 + 10] ^= 1; // inside chunk 1
    let mut r = stream::StreamOpener::new(&sealed[..], &keys).unwrap();
    let mut first = vec![0u8; 4096];
    r.read_exact(&mut first).unwrap();
    assert_eq!(first, payload[..4096]);
    let mut rest = Vec::new();
    assert!(r.read_to_end(&mut rest).is_err());
    assert!(rest.is_empty());
    assert!(r.read(&mut [0u8; 10]).is_err(), "a failed reader stays failed");
}

#[test]
fn unfinished_sealer_yields_an_unopenable_stream() {
    let keys = store(&[&RSA_A]);
    let mut out = Vec::new();
    {
        let mut s = stream::StreamSealer::with_chunk_size(
            &RSA_A.recipient(),
            &mut out,
            stream::ChunkSize::from_log2(12).unwrap(),
        )
        .unwrap();
        s.write_all(&[1u8; 10_000]).unwrap();
        // dropped without finish()
    }
    assert!(open_stream_bytes(&keys, &out).is_err());
}

#[test]
fn hazmat_refuses_other_iv_lengths_and_short_inputs() {
    assert!(GcmIv::from_slice(&[0u8; 8]).is_err());
    assert!(matches!(
        hazmat::aes256_gcm_open(&[0u8; 32], &GcmIv::Standard([0; 12]), &[], &[0u8; 15]),
        Err(Error::OpenFailed)
    ));
    assert!(hazmat::aes256_key_wrap(&[0u8; 32], &[0u8; 8]).is_err());
    assert!(matches!(
        hazmat::aes256_key_unwrap(&[0u8; 32], &[0u8; 17]),
        Err(Error::OpenFailed)
    ));
    assert!(hazmat::hardware_accelerated() || cfg!(not(target_arch = "x86_64")));
}

#[test]
fn plaintext_debug_is_redacted() {
    let env = mosip::seal(&RSA_A.recipient(), b"SECRET-PAYLOAD", None).unwrap();
    let o = mosip::open(&env, &store(&[&RSA_A]), None).unwrap();
    let s = format!("{o:?}");
    assert!(!s.contains("SECRET"), "{s}");
}

#[test]
fn seal_into_reuses_the_buffer_and_replaces_its_contents() {
    let keys = store(&[&RSA_A]);
    let mut buf = vec![0xAAu8; 100_000];
    for (payload, aad) in [
        (vec![1u8; 50_000], None),
        (vec![2u8; 10], Some(&b"ctx"[..])),
        (vec![3u8; 70_000], None),
    ] {
        mosip::seal_into(&RSA_A.recipient(), &payload, aad, &mut buf).unwrap();
        let env = MosipEnvelope::from_bytes(buf.clone(), &l()).unwrap();
        assert_eq!(
            mosip::open(&env, &keys, aad).unwrap().plaintext().as_bytes(),
            &payload[..]
        );
    }
    assert!(mosip::seal_into(&EC_A.recipient(), b"x", None, &mut buf).is_err());
    assert!(buf.is_empty(), "a failed seal_into leaves the buffer empty");
}

//! Unit tests of MOSIP envelopes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kavach_keys::{Decrypter, Signer};

use crate::hazmat::{self, GcmIv};
use crate::mosip::{self, KEY_SPLITTER, MosipEnvelope, MosipLayout, VER_R2_HEADER};
use crate::test_support::{EC_A, Party, RSA_A, RSA_B, l, store, store_without_certs};
use crate::{Error, Limits, OpenedKind};

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

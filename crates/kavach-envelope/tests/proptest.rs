//! Property tests through the public API: every format round-trips any payload of 0 to 1 MiB
//! with any AAD, and no single-bit flip of an envelope (decoded bytes or transport text) opens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::LazyLock;

use kavach_envelope::{Envelope, Limits, Recipient, jwe, mosip, stream};
use kavach_keys::MemoryKeyStore;
use proptest::prelude::*;

static RSA: LazyLock<Recipient> = LazyLock::new(common::rsa_recipient);
static EC: LazyLock<Recipient> = LazyLock::new(common::ec_recipient);
static KEYS: LazyLock<MemoryKeyStore> = LazyLock::new(common::all_keys);

const MIB: usize = 1 << 20;

fn aad_strategy() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..512))
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(128))]

    #[test]
    fn mosip_round_trips_any_payload_and_aad(len in 0usize..=MIB, seed: u64, aad in aad_strategy()) {
        let payload = common::bytes(len, seed);
        let env = mosip::seal(&RSA, &payload, aad.as_deref()).unwrap();
        let text = env.to_text();
        let parsed = mosip::MosipEnvelope::from_text(&text, &Limits::DEFAULT).unwrap();
        let opened = mosip::open(&parsed, &*KEYS, aad.as_deref()).unwrap();
        prop_assert_eq!(opened.plaintext().as_bytes(), &payload[..]);
        let want = if aad.is_some() { mosip::MosipLayout::Aad } else { mosip::MosipLayout::VerR2 };
        prop_assert_eq!(opened.kind(), kavach_envelope::OpenedKind::Mosip(want));
    }

    #[test]
    fn jwe_round_trips_any_payload(len in 0usize..=MIB, seed: u64, ec: bool) {
        let payload = common::bytes(len, seed);
        let r = if ec { &*EC } else { &*RSA };
        let text = jwe::seal(r, &payload).unwrap().to_string();
        let opened = Envelope::parse(&text, &Limits::DEFAULT).unwrap().open(&*KEYS, None).unwrap();
        prop_assert_eq!(opened.plaintext().as_bytes(), &payload[..]);
    }

    #[test]
    fn stream_round_trips_any_payload(len in 0usize..=MIB, seed: u64, ec: bool, log2 in 12u8..=16) {
        use std::io::Write;
        let payload = common::bytes(len, seed);
        let r = if ec { &*EC } else { &*RSA };
        let mut sealer = stream::StreamSealer::with_chunk_size(r, Vec::new(), stream::ChunkSize::from_log2(log2).unwrap()).unwrap();
        // Write in pieces of a size unrelated to the chunk size.
        for part in payload.chunks(7919) {
            sealer.write_all(part).unwrap();
        }
        let sealed = sealer.finish().unwrap();
        let mut out = Vec::new();
        stream::open_stream(&*KEYS, &sealed[..], &mut out).unwrap();
        prop_assert_eq!(out, payload);
    }
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(512))]

    #[test]
    fn any_bit_flip_of_a_mosip_envelope_fails(len in 0usize..2048, seed: u64, aad in aad_strategy(), at: prop::sample::Index) {
        let payload = common::bytes(len, seed);
        let env = mosip::seal(&RSA, &payload, aad.as_deref()).unwrap();
        let mut b = env.into_bytes();
        let bit = at.index(b.len() * 8);
        b[bit / 8] ^= 1 << (bit % 8);
        let r = mosip::MosipEnvelope::from_bytes(b, &Limits::DEFAULT).and_then(|e| mosip::open(&e, &*KEYS, aad.as_deref()));
        prop_assert!(r.is_err(), "flipped bit {} opened", bit);
    }

    #[test]
    fn any_bit_flip_of_mosip_text_fails(len in 0usize..2048, seed: u64, at: prop::sample::Index) {
        let payload = common::bytes(len, seed);
        let mut text = mosip::seal(&RSA, &payload, None).unwrap().to_text().into_bytes();
        let bit = at.index(text.len() * 8);
        text[bit / 8] ^= 1 << (bit % 8);
        let Ok(text) = String::from_utf8(text) else { return Ok(()) };
        let r = Envelope::parse(&text, &Limits::DEFAULT).and_then(|e| e.open(&*KEYS, None));
        prop_assert!(r.is_err(), "flipped text bit {} opened", bit);
    }

    #[test]
    fn any_bit_flip_of_a_jwe_fails(len in 0usize..2048, seed: u64, ec: bool, segment in 0usize..5, at: prop::sample::Index) {
        use base64ct::{Base64UrlUnpadded, Encoding};
        let payload = common::bytes(len, seed);
        let r = if ec { &*EC } else { &*RSA };
        let text = jwe::seal(r, &payload).unwrap().to_string();
        let mut parts: Vec<Vec<u8>> = text.split('.').map(|p| Base64UrlUnpadded::decode_vec(p).unwrap()).collect();
        // An empty ciphertext has no bit to flip: flip the tag instead.
        let segment = if parts[segment].is_empty() { 4 } else { segment };
        let seg = &mut parts[segment];
        let bit = at.index(seg.len() * 8);
        seg[bit / 8] ^= 1 << (bit % 8);
        let flipped: Vec<String> = parts.iter().map(|p| Base64UrlUnpadded::encode_string(p)).collect();
        let r = jwe::JweCompact::parse(&flipped.join("."), &Limits::DEFAULT).and_then(|j| jwe::open(&j, &*KEYS));
        prop_assert!(r.is_err(), "flipped bit {} of segment {} opened", bit, segment);
    }

    #[test]
    fn any_bit_flip_of_a_stream_fails(len in 0usize..20_000, seed: u64, ec: bool, at: prop::sample::Index) {
        let payload = common::bytes(len, seed);
        let r = if ec { &*EC } else { &*RSA };
        let mut sealed = Vec::new();
        let mut sealer = stream::StreamSealer::with_chunk_size(r, &mut sealed, stream::ChunkSize::from_log2(12).unwrap()).unwrap();
        std::io::Write::write_all(&mut sealer, &payload).unwrap();
        sealer.finish().unwrap();
        let bit = at.index(sealed.len() * 8);
        sealed[bit / 8] ^= 1 << (bit % 8);
        let mut out = Vec::new();
        prop_assert!(stream::open_stream(&*KEYS, &sealed[..], &mut out).is_err(), "flipped bit {} opened", bit);
    }
}

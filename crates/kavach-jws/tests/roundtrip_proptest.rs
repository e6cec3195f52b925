//! proptest round trips: sign → serialize → parse → verify gives back the payload, in every
//! payload mode; any change to one character of a signed JWS is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::{CompactJws, Freshness, JwsAlgorithm, PayloadMode, SignOptions, sign};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use proptest::prelude::*;

static P256: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static ED: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Ed25519).unwrap());

fn signer(ed: bool) -> (&'static PrivateKey, BareKey) {
    let (k, alg) = if ed {
        (&*ED, JwsAlgorithm::EdDSA)
    } else {
        (&*P256, JwsAlgorithm::ES256)
    };
    (k, BareKey::new(k.public_key().clone(), &[alg]).unwrap())
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(64))]

    #[test]
    fn attached_b64_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..512), ed in any::<bool>()) {
        let (k, key) = signer(ed);
        let jws = sign(k, &payload, &SignOptions::new()).unwrap();
        let parsed = CompactJws::parse(jws.as_str()).unwrap();
        prop_assert_eq!(verify_with_bare_key(&parsed, &key).unwrap().into_payload(), payload);
    }

    #[test]
    fn detached_round_trip(payload in proptest::collection::vec(any::<u8>(), 0..512), unencoded in any::<bool>(), ed in any::<bool>()) {
        let (k, key) = signer(ed);
        let mut opts = SignOptions::new().with_payload_mode(PayloadMode::Detached).with_freshness(Freshness::Omit);
        if unencoded {
            opts = opts.with_unencoded_payload();
        }
        let jws = sign(k, &payload, &opts).unwrap();
        let parsed = CompactJws::parse(jws.as_str()).unwrap();
        prop_assert!(parsed.is_detached());
        prop_assert_eq!(parsed.header().b64(), !unencoded);
        let v = verify_detached_with_bare_key(&parsed, &payload, &key).unwrap();
        prop_assert_eq!(*v.payload(), payload.as_slice());
    }

    #[test]
    fn unencoded_attached_round_trip(payload in "[^.]{0,200}") {
        let (k, key) = signer(false);
        let jws = sign(k, payload.as_bytes(), &SignOptions::new().with_unencoded_payload()).unwrap();
        let segment = format!(".{payload}.");
        prop_assert!(jws.as_str().contains(&segment));
        let parsed = CompactJws::parse(jws.as_str()).unwrap();
        prop_assert_eq!(verify_with_bare_key(&parsed, &key).unwrap().into_payload(), payload.into_bytes());
    }

    #[test]
    fn one_changed_character_is_refused(payload in proptest::collection::vec(any::<u8>(), 1..64), pos in any::<prop::sample::Index>(), ch in "[A-Za-z0-9_.-]") {
        let (k, key) = signer(false);
        let jws = sign(k, &payload, &SignOptions::new()).unwrap();
        let text = jws.as_str();
        let i = pos.index(text.len());
        prop_assume!(text[i..].chars().next() != ch.chars().next());
        let mut tampered = text.to_owned();
        tampered.replace_range(i..=i, &ch);
        if let Ok(parsed) = CompactJws::parse(&tampered) {
            // A changed character may decode to the same bytes only in a base64 segment's
            // last character, where the decoder refuses non-zero padding bits.
            prop_assert!(verify_with_bare_key(&parsed, &key).is_err(), "{tampered} verified");
        }
    }
}

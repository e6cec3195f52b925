//! Property tests: sign/verify round trips over arbitrary messages, single bit flips in
//! signatures rejected, PKCS#8 DER round trips, and PEM encode/decode round trips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::LazyLock;

use kavach_keys::{EcdsaEncoding, Error, HashAlgorithm, KeyKind, PrivateKey, SignatureAlgorithm, Signer, encoding};
use proptest::prelude::*;

static P256: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static P256_DER: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::generate(KeyKind::P256)
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        })
        .unwrap()
});
static P384: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P384).unwrap());
static ED25519: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Ed25519).unwrap());
static RSA_2048_PS256: LazyLock<PrivateKey> =
    LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).expect("RSA-2048 generation"));
static RSA_2048_RS256: LazyLock<PrivateKey> = LazyLock::new(|| {
    PrivateKey::from_pkcs8_der(&RSA_2048_PS256.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(SignatureAlgorithm::RS256)
        .unwrap()
});

/// Signs `msg`, checks the signature verifies, that the same signature does not verify
/// `msg` with one more byte, and that flipping bit `flip` (modulo the signature's size) makes
/// it fail.
fn check_sign_verify(key: &PrivateKey, msg: &[u8], flip: usize) -> Result<(), TestCaseError> {
    let alg = key.algorithm();
    let public = Signer::public_key(key);
    let sig = key.sign(msg).unwrap();
    prop_assert!(public.verify(alg, msg, &sig).is_ok());
    let mut longer = msg.to_vec();
    longer.push(0);
    prop_assert!(matches!(public.verify(alg, &longer, &sig), Err(Error::BadSignature)));
    let bit = flip % (sig.len() * 8);
    let mut flipped = sig.clone();
    flipped[bit / 8] ^= 1 << (bit % 8);
    prop_assert!(
        matches!(public.verify(alg, msg, &flipped), Err(Error::BadSignature)),
        "bit {} of a {:?} signature flipped and still verified",
        bit,
        alg
    );
    Ok(())
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(96))]

    #[test]
    fn p256_es256_round_trip(msg in prop::collection::vec(any::<u8>(), 0..2048), flip in any::<usize>()) {
        check_sign_verify(&P256, &msg, flip)?;
    }

    #[test]
    fn p256_der_round_trip(msg in prop::collection::vec(any::<u8>(), 0..2048), flip in any::<usize>()) {
        check_sign_verify(&P256_DER, &msg, flip)?;
    }

    #[test]
    fn p384_es384_round_trip(msg in prop::collection::vec(any::<u8>(), 0..2048), flip in any::<usize>()) {
        check_sign_verify(&P384, &msg, flip)?;
    }

    #[test]
    fn ed25519_round_trip(msg in prop::collection::vec(any::<u8>(), 0..2048), flip in any::<usize>()) {
        check_sign_verify(&ED25519, &msg, flip)?;
    }

    #[test]
    fn pem_encode_blocks_round_trip(
        label in "[A-Z][A-Z0-9 ]{0,30}[A-Z0-9]",
        blobs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..700), 1..5),
        junk in "[a-z :\n]{0,40}",
    ) {
        // Several blocks with text between them (as OpenSSL writes "Bag Attributes").
        let mut text = String::new();
        for b in &blobs {
            text.push_str(&junk);
            text.push_str(&encoding::pem_encode(&label, b));
        }
        text.push_str(&junk);
        prop_assert!(encoding::looks_like_pem(encoding::pem_encode(&label, &blobs[0]).as_bytes()));
        let blocks = encoding::pem_blocks(&text).unwrap();
        prop_assert_eq!(blocks.len(), blobs.len());
        for (block, blob) in blocks.iter().zip(&blobs) {
            prop_assert_eq!(&block.label, &label);
            prop_assert_eq!(&block.der[..], &blob[..]);
        }
        // Lines are at most 64 characters (RFC 7468 §2 strict form).
        prop_assert!(encoding::pem_encode(&label, &blobs[0]).lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
    }
}

proptest! {
    // RSA signing costs milliseconds: few cases.
    #![proptest_config(kavach_testkit::proptest_config(12))]

    #[test]
    fn rsa_ps256_round_trip(msg in prop::collection::vec(any::<u8>(), 0..1024), flip in any::<usize>()) {
        check_sign_verify(&RSA_2048_PS256, &msg, flip)?;
    }

    #[test]
    fn rsa_rs256_round_trip(msg in prop::collection::vec(any::<u8>(), 0..1024), flip in any::<usize>()) {
        check_sign_verify(&RSA_2048_RS256, &msg, flip)?;
    }

    #[test]
    fn rsa_oaep_round_trip(
        msg in prop::collection::vec(any::<u8>(), 0..=190),
        label in prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
    ) {
        use kavach_keys::Decrypter;
        let key = &*RSA_2048_PS256;
        let ct = Signer::public_key(key).encrypt_rsa_oaep_sha256(label.as_deref(), &msg).unwrap();
        prop_assert_eq!(&*key.decrypt_rsa_oaep_sha256(label.as_deref(), &ct).unwrap(), &msg);
    }
}

proptest! {
    #![proptest_config(kavach_testkit::proptest_config(32))]

    /// Fresh EC / Ed25519 keys survive PKCS#8 DER and PEM round trips byte for byte.
    #[test]
    fn pkcs8_der_round_trip(kind in prop::sample::select(vec![KeyKind::P256, KeyKind::P384, KeyKind::Ed25519])) {
        let key = PrivateKey::generate(kind).unwrap();
        let der = key.to_pkcs8_der().unwrap();
        for back in [
            PrivateKey::from_pkcs8_der(&der).unwrap(),
            PrivateKey::from_der(&der).unwrap(),
            PrivateKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap(),
        ] {
            prop_assert_eq!(back.kind(), kind);
            prop_assert_eq!(Signer::public_key(&back), Signer::public_key(&key));
            prop_assert_eq!(&*back.to_pkcs8_der().unwrap(), &*der);
            // The reloaded key signs for the original public key.
            let sig = back.sign(b"round trip").unwrap();
            prop_assert!(Signer::public_key(&key).verify(key.algorithm(), b"round trip", &sig).is_ok());
        }
    }
}

/// The shared RSA key also survives the PKCS#8 round trip (one case: RSA keys are costly).
#[test]
fn rsa_pkcs8_der_round_trip() {
    let der = RSA_2048_PS256.to_pkcs8_der().unwrap();
    let back = PrivateKey::from_der(&der).unwrap();
    assert_eq!(Signer::public_key(&back), Signer::public_key(&*RSA_2048_PS256));
    assert_eq!(*back.to_pkcs8_der().unwrap(), *der);
}

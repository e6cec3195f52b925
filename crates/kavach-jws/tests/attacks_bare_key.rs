//! Attacks on JWS verification, each test named after the attack, on the bare-key path (the
//! certificate path shares the same signature check; its own attacks are in `verifier.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hmac;
use hmac::hmac_sha256;

use std::sync::LazyLock;

use base64ct::{Base64UrlUnpadded, Encoding};
use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::{CompactJws, Error, Freshness, Header, JwsAlgorithm, PayloadMode, SignOptions, UnsignedJws, sign};
use kavach_keys::{EcdsaEncoding, HashAlgorithm, KeyKind, PrivateKey, PssSaltLength, SignatureAlgorithm, Signer};

static RSA: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::Rsa { bits: 2048 }).unwrap());
static P256: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P256).unwrap());
static P384: LazyLock<PrivateKey> = LazyLock::new(|| PrivateKey::generate(KeyKind::P384).unwrap());

fn reload(key: &PrivateKey, alg: SignatureAlgorithm) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap())
        .unwrap()
        .with_signature_algorithm(alg)
        .unwrap()
}

fn bare(key: &PrivateKey, alg: JwsAlgorithm) -> BareKey {
    BareKey::new(key.public_key().clone(), &[alg]).unwrap()
}

/// Assembles `header.payload.signature` by hand, signing with `signer` directly: how an
/// attacker (or a careless producer) makes a JWS that kavach's own builder would refuse.
fn handmade(header_json: &str, payload_segment: &str, signer: &dyn Signer) -> String {
    let h = Base64UrlUnpadded::encode_string(header_json.as_bytes());
    let input = format!("{h}.{payload_segment}");
    let sig = signer.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", Base64UrlUnpadded::encode_string(&sig))
}

#[test]
fn algorithm_confusion_rs256_header_on_ec_key() {
    // A JWS whose header says RS256, presented to a verifier holding an EC key.
    let rs = sign(&*RSA, b"{}", &SignOptions::new()).unwrap();
    // kavach's RSA keys sign PS256 by default; make an RS256 one too.
    let rs256 = sign(&reload(&RSA, SignatureAlgorithm::RS256), b"{}", &SignOptions::new()).unwrap();
    for jws in [&rs, &rs256] {
        let e = verify_with_bare_key(jws, &bare(&P256, JwsAlgorithm::ES256)).unwrap_err();
        assert!(
            matches!(e, Error::AlgorithmKeyMismatch { key: KeyKind::P256, .. }),
            "{e:?}"
        );
    }
    // And an RS256 header carrying an ES256 signature by the EC key.
    let forged = handmade(r#"{"alg":"RS256"}"#, "e30", &*P256);
    let e = verify_with_bare_key(&CompactJws::parse(&forged).unwrap(), &bare(&P256, JwsAlgorithm::ES256)).unwrap_err();
    assert!(matches!(e, Error::AlgorithmKeyMismatch { .. }), "{e:?}");
    // A bare key cannot even be configured with an algorithm that does not fit it.
    assert!(matches!(
        BareKey::new(P256.public_key().clone(), &[JwsAlgorithm::RS256]),
        Err(Error::AlgorithmKeyMismatch { .. })
    ));
}

#[test]
fn algorithm_confusion_es256_header_with_p384_key() {
    let es384 = sign(&*P384, b"{}", &SignOptions::new()).unwrap();
    assert_eq!(es384.header().alg_name(), "ES384");
    let forged = handmade(
        r#"{"alg":"ES256"}"#,
        "e30",
        &reload(
            &P384,
            SignatureAlgorithm::Ecdsa {
                hash: HashAlgorithm::Sha256,
                encoding: EcdsaEncoding::Fixed,
            },
        ),
    );
    let key = BareKey::new(P384.public_key().clone(), &[JwsAlgorithm::ES384]).unwrap();
    assert!(matches!(
        verify_with_bare_key(&CompactJws::parse(&forged).unwrap(), &key),
        Err(Error::AlgorithmKeyMismatch {
            alg: JwsAlgorithm::ES256,
            ..
        })
    ));
    verify_with_bare_key(&es384, &key).unwrap();
}

#[test]
fn algorithm_confusion_hs256_with_public_key_as_secret() {
    // The classic: HMAC the signing input with the verifier's *public* key as the secret.
    for (key, alg) in [(&*RSA, JwsAlgorithm::PS256), (&*P256, JwsAlgorithm::ES256)] {
        let spki = key.public_key().spki_der();
        let pem = kavach_keys::encoding::pem_encode("PUBLIC KEY", spki);
        for secret in [spki, pem.as_bytes()] {
            let h = Base64UrlUnpadded::encode_string(br#"{"alg":"HS256"}"#);
            let input = format!("{h}.e30");
            let mac = hmac_sha256(secret, input.as_bytes());
            let jws = CompactJws::parse(&format!("{input}.{}", Base64UrlUnpadded::encode_string(&mac))).unwrap();
            let e = verify_with_bare_key(&jws, &bare(key, alg)).unwrap_err();
            assert!(
                matches!(e, Error::UnsupportedAlgorithm { ref alg } if alg == "HS256"),
                "{e:?}"
            );
        }
    }
}

#[test]
fn alg_none_is_refused() {
    let key = bare(&P256, JwsAlgorithm::ES256);
    let h = |json: &str| Base64UrlUnpadded::encode_string(json.as_bytes());
    let valid = sign(&*P256, b"{}", &SignOptions::new().with_freshness(Freshness::Omit)).unwrap();
    let valid_sig = valid.as_str().rsplit('.').next().unwrap();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let hdr = h(&format!(r#"{{"alg":"{alg}"}}"#));
        // Unsigned, and with a real signature copied from a valid JWS.
        for sig in ["", valid_sig] {
            let jws = CompactJws::parse(&format!("{hdr}.e30.{sig}")).unwrap();
            assert!(matches!(verify_with_bare_key(&jws, &key), Err(Error::AlgorithmNone)));
            assert!(matches!(
                verify_detached_with_bare_key(&CompactJws::parse(&format!("{hdr}..{sig}")).unwrap(), b"{}", &key),
                Err(Error::AlgorithmNone)
            ));
        }
    }
}

#[test]
fn stripped_crit_is_refused() {
    // Signed properly with b64:false in crit; an attacker strips "crit" (e.g. to make a
    // verifier that ignores b64 read the payload as base64url).
    let jws = sign(&*P256, b"hello", &SignOptions::new().with_unencoded_payload()).unwrap();
    let header = jws.header().json();
    let stripped = String::from_utf8(header.to_vec())
        .unwrap()
        .replace(r#","crit":["b64"]"#, "");
    assert!(!stripped.contains("crit"));
    let rest = &jws.as_str()[jws.header().encoded().len()..];
    let tampered = format!("{}{rest}", Base64UrlUnpadded::encode_string(stripped.as_bytes()));
    assert!(matches!(
        CompactJws::parse(&tampered),
        Err(Error::UnencodedPayloadNotCritical)
    ));
}

#[test]
fn b64_false_without_crit_is_refused_even_when_signed() {
    let forged = handmade(r#"{"alg":"ES256","b64":false}"#, "hello", &*P256);
    assert!(matches!(
        CompactJws::parse(&forged),
        Err(Error::UnencodedPayloadNotCritical)
    ));
    assert!(matches!(
        Header::from_json(br#"{"alg":"ES256","b64":false}"#),
        Err(Error::UnencodedPayloadNotCritical)
    ));
}

#[test]
fn unknown_crit_member_is_refused_even_when_signed() {
    for h in [
        r#"{"alg":"ES256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"ES256","b64":false,"crit":["b64","urn:example:x"],"urn:example:x":1}"#,
        r#"{"alg":"ES256","crit":["alg"]}"#,
    ] {
        let forged = handmade(h, "e30", &*P256);
        assert!(
            matches!(CompactJws::parse(&forged), Err(Error::UnknownCritical { .. })),
            "{h}"
        );
    }
}

#[test]
fn duplicate_header_member_is_refused_even_when_signed() {
    for h in [
        r#"{"alg":"ES256","alg":"none"}"#,
        r#"{"alg":"none","alg":"ES256"}"#,
        r#"{"alg":"ES256","b64":true,"b64":false,"crit":["b64"]}"#,
        r#"{"alg":"ES256","kid":"a","\u006bid":"b"}"#,
    ] {
        let forged = handmade(h, "e30", &*P256);
        assert!(
            matches!(CompactJws::parse(&forged), Err(Error::DuplicateHeaderMember { .. })),
            "{h}"
        );
    }
}

#[test]
fn der_encoded_es256_signature_is_refused() {
    let der_signer = reload(
        &P256,
        SignatureAlgorithm::Ecdsa {
            hash: HashAlgorithm::Sha256,
            encoding: EcdsaEncoding::Der,
        },
    );
    // kavach will not sign ES256 in DER...
    assert!(matches!(
        sign(&der_signer, b"{}", &SignOptions::new()),
        Err(Error::UnsupportedSignatureScheme(_))
    ));
    // ...and refuses a DER signature over the right signing input.
    let forged = handmade(r#"{"alg":"ES256"}"#, "e30", &der_signer);
    let jws = CompactJws::parse(&forged).unwrap();
    assert_ne!(jws.signature().len(), 64);
    assert!(matches!(
        verify_with_bare_key(&jws, &bare(&P256, JwsAlgorithm::ES256)),
        Err(Error::BadSignature)
    ));
}

#[test]
fn ps256_with_salt_other_than_32_is_refused() {
    for salt in [0u16, 20, 64] {
        let signer = reload(
            &RSA,
            SignatureAlgorithm::RsaPss {
                hash: HashAlgorithm::Sha256,
                salt: PssSaltLength::Exactly(salt),
            },
        );
        assert!(matches!(
            sign(&signer, b"{}", &SignOptions::new()),
            Err(Error::UnsupportedSignatureScheme(_))
        ));
        let forged = handmade(r#"{"alg":"PS256"}"#, "e30", &signer);
        assert!(
            matches!(
                verify_with_bare_key(&CompactJws::parse(&forged).unwrap(), &bare(&RSA, JwsAlgorithm::PS256)),
                Err(Error::BadSignature)
            ),
            "salt {salt}"
        );
    }
    let good = handmade(r#"{"alg":"PS256"}"#, "e30", &*RSA);
    verify_with_bare_key(&CompactJws::parse(&good).unwrap(), &bare(&RSA, JwsAlgorithm::PS256)).unwrap();
}

#[test]
fn payload_substitution_in_detached_mode() {
    let key = bare(&P256, JwsAlgorithm::ES256);
    let body = br#"{"amount":100}"#;
    let jws = sign(
        &*P256,
        body,
        &SignOptions::new().with_payload_mode(PayloadMode::Detached),
    )
    .unwrap();
    assert!(jws.is_detached());
    verify_detached_with_bare_key(&jws, body, &key).unwrap();
    assert!(matches!(
        verify_detached_with_bare_key(&jws, br#"{"amount":900}"#, &key),
        Err(Error::BadSignature)
    ));
    // An attached JWS (over another body) offered as the detached signature of this body.
    let attached = sign(&*P256, br#"{"amount":900}"#, &SignOptions::new()).unwrap();
    assert!(matches!(
        verify_detached_with_bare_key(&attached, body, &key),
        Err(Error::WrongPayloadMode { .. })
    ));
    // Unencoded detached: same rule.
    let unenc = sign(
        &*P256,
        b"a.b",
        &SignOptions::new()
            .with_payload_mode(PayloadMode::Detached)
            .with_unencoded_payload(),
    )
    .unwrap();
    verify_detached_with_bare_key(&unenc, b"a.b", &key).unwrap();
    assert!(matches!(
        verify_detached_with_bare_key(&unenc, b"a.c", &key),
        Err(Error::BadSignature)
    ));
}

#[test]
fn algorithm_not_allowed_for_pinned_key() {
    // The key fits RS256, but the pin allows PS256 only.
    let rs256 = sign(&reload(&RSA, SignatureAlgorithm::RS256), b"{}", &SignOptions::new()).unwrap();
    assert!(matches!(
        verify_with_bare_key(&rs256, &bare(&RSA, JwsAlgorithm::PS256)),
        Err(Error::AlgorithmNotAllowed {
            alg: JwsAlgorithm::RS256
        })
    ));
    assert!(matches!(
        BareKey::new(RSA.public_key().clone(), &[]),
        Err(Error::NoAlgorithmAllowed)
    ));
}

#[test]
fn embedded_jwk_is_not_trusted() {
    // The attacker signs with their own key and embeds its JWK in the header.
    let attacker = PrivateKey::generate(KeyKind::P256).unwrap();
    let point = attacker.public_key().ec_point_uncompressed().unwrap();
    let (x, y) = (&point[1..33], &point[33..]);
    let h = format!(
        r#"{{"alg":"ES256","jwk":{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}}}"#,
        Base64UrlUnpadded::encode_string(x),
        Base64UrlUnpadded::encode_string(y)
    );
    let forged = handmade(&h, "e30", &attacker);
    assert!(matches!(
        verify_with_bare_key(&CompactJws::parse(&forged).unwrap(), &bare(&P256, JwsAlgorithm::ES256)),
        Err(Error::BadSignature)
    ));
}

#[test]
fn unencoded_attached_payload_with_dot_is_refused_at_signing() {
    assert!(matches!(
        sign(&*P256, b"a.b", &SignOptions::new().with_unencoded_payload()),
        Err(Error::UnencodedPayloadContainsDot)
    ));
    let header = Header::from_json(br#"{"alg":"ES256","b64":false,"crit":["b64"]}"#).unwrap();
    assert!(UnsignedJws::new(header, b"a.b", PayloadMode::Detached).is_ok());
}

#[test]
fn every_algorithm_signs_and_verifies_through_dyn_signer() {
    let ed = PrivateKey::generate(KeyKind::Ed25519).unwrap();
    let rs256 = reload(&RSA, SignatureAlgorithm::RS256);
    let signers: [(&dyn Signer, JwsAlgorithm); 5] = [
        (&rs256, JwsAlgorithm::RS256),
        (&*RSA, JwsAlgorithm::PS256),
        (&*P256, JwsAlgorithm::ES256),
        (&*P384, JwsAlgorithm::ES384),
        (&ed, JwsAlgorithm::EdDSA),
    ];
    for (signer, alg) in signers {
        let jws = sign(signer, b"payload", &SignOptions::new().with_kid("k1").with_typ("JOSE")).unwrap();
        assert_eq!(jws.header().algorithm().unwrap(), alg);
        assert!(jws.header().ts().is_some() && jws.header().jti().is_some());
        let key = BareKey::new(signer.public_key().clone(), &[alg]).unwrap();
        let v = verify_with_bare_key(&CompactJws::parse(jws.as_str()).unwrap(), &key).unwrap();
        assert_eq!((v.payload().as_slice(), v.algorithm()), (&b"payload"[..], alg));
        assert_eq!(v.header().kid(), Some("k1"));
    }
}

//! The JWS JSON serializations (RFC 7515 §7.2): round trips, bad input, each signature on its
//! own, and interop with Python jwcrypto.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_jws::{Error, JsonJws, JwsAlgorithm, MAX_JSON_SIGNATURES, SignOptions, sign, sign_json};
use kavach_keys::{KeyKind, PrivateKey, Signer};

fn keys() -> (PrivateKey, PrivateKey) {
    (
        PrivateKey::generate(KeyKind::P256).unwrap(),
        PrivateKey::generate(KeyKind::Ed25519).unwrap(),
    )
}

fn bare(key: &PrivateKey, alg: JwsAlgorithm) -> BareKey {
    BareKey::new(key.public_key().clone(), &[alg]).unwrap()
}

#[test]
fn general_json_with_two_signers_round_trips_and_each_signature_verifies_on_its_own() {
    let (a, b) = keys();
    let options = SignOptions::new();
    let jws = sign_json(&[(&a as &dyn Signer, &options), (&b, &options)], b"manifest").unwrap();
    let parsed = JsonJws::parse(&jws.to_general_json()).unwrap();
    assert_eq!(parsed.signatures().len(), 2);
    let first = verify_with_bare_key(&parsed.signatures()[0], &bare(&a, JwsAlgorithm::ES256)).unwrap();
    assert_eq!(first.payload(), b"manifest");
    verify_with_bare_key(&parsed.signatures()[1], &bare(&b, JwsAlgorithm::EdDSA)).unwrap();
    // A signature does not verify under the other signer's key.
    assert!(verify_with_bare_key(&parsed.signatures()[0], &bare(&b, JwsAlgorithm::EdDSA)).is_err());
    assert_eq!(parsed.to_general_json(), jws.to_general_json());
}

#[test]
fn flattened_json_round_trips_and_holds_one_signature() {
    let (a, b) = keys();
    let one = JsonJws::from_compact(vec![sign(&a, b"x", &SignOptions::new()).unwrap()]).unwrap();
    let flat = one.to_flattened_json().unwrap();
    let parsed = JsonJws::parse(&flat).unwrap();
    verify_with_bare_key(&parsed.signatures()[0], &bare(&a, JwsAlgorithm::ES256)).unwrap();
    let options = SignOptions::new();
    let two = sign_json(&[(&a as &dyn Signer, &options), (&b, &options)], b"x").unwrap();
    assert!(two.to_flattened_json().is_err());
}

#[test]
fn a_tampered_payload_fails_every_signature() {
    let (a, b) = keys();
    let options = SignOptions::new();
    let text = sign_json(&[(&a as &dyn Signer, &options), (&b, &options)], b"version 2.0.0")
        .unwrap()
        .to_general_json();
    let payload = kavach_jose::base64::encode_url(b"version 2.0.0");
    let tampered = text.replace(&payload, &kavach_jose::base64::encode_url(b"version 9.0.0"));
    let parsed = JsonJws::parse(&tampered).unwrap();
    assert!(verify_with_bare_key(&parsed.signatures()[0], &bare(&a, JwsAlgorithm::ES256)).is_err());
    assert!(verify_with_bare_key(&parsed.signatures()[1], &bare(&b, JwsAlgorithm::EdDSA)).is_err());
}

#[test]
fn bad_json_serializations_are_typed_errors() {
    let (a, _) = keys();
    let compact = sign(&a, b"x", &SignOptions::new()).unwrap();
    let protected = compact.header().encoded().to_owned();
    let signature = kavach_jose::base64::encode_url(compact.signature());
    let payload = compact.payload_segment().to_owned();
    let sig = |extra: &str| format!(r#"{{"protected":"{protected}","signature":"{signature}"{extra}}}"#);
    let many = vec![sig(""); MAX_JSON_SIGNATURES + 1].join(",");
    let cases = [
        "".to_owned(),
        "[]".to_owned(),
        format!(r#"{{"signatures":[{}]}}"#, sig("")),
        format!(r#"{{"payload":1,"signatures":[{}]}}"#, sig("")),
        format!(r#"{{"payload":"{payload}","signatures":[]}}"#),
        format!(r#"{{"payload":"{payload}","signatures":{{}}}}"#),
        format!(r#"{{"payload":"{payload}","signatures":[{many}]}}"#),
        format!(r#"{{"payload":"{payload}","signatures":["x"]}}"#),
        format!(
            r#"{{"payload":"{payload}","signatures":[{}]}}"#,
            sig(r#","header":{"kid":"unsigned"}"#)
        ),
        format!(r#"{{"payload":"{payload}","signatures":[{{"signature":"{signature}"}}]}}"#),
        format!(
            r#"{{"payload":"{payload}","protected":"{protected}","signatures":[{}]}}"#,
            sig("")
        ),
        format!(
            r#"{{"payload":"{payload}","payload":"{payload}","protected":"{protected}","signature":"{signature}"}}"#
        ),
        format!(r#"{{"payload":"{payload}","protected":"{protected}","signature":"{signature}","header":{{}}}}"#),
        format!(r#"{{"payload":"{payload}","protected":"{protected}"}}"#),
        format!(r#"{{"payload":"not base64!","protected":"{protected}","signature":"{signature}"}}"#),
    ];
    for text in cases {
        let err = JsonJws::parse(&text).unwrap_err();
        assert!(err.is_malformed_input(), "{text}: {err:?}");
        assert!(matches!(err, Error::Malformed { .. }), "{text}: {err:?}");
    }
    // Unknown members are ignored (RFC 7515 §7.2.1).
    let extra =
        format!(r#"{{"payload":"{payload}","protected":"{protected}","signature":"{signature}","x-extra":[1]}}"#);
    assert!(JsonJws::parse(&extra).is_ok());
    let big = "a".repeat(kavach_jws::MAX_JSON_JWS_LEN + 1);
    assert!(matches!(JsonJws::parse(&big), Err(Error::TooLarge { .. })));
}

#[test]
fn signatures_over_different_payloads_are_not_one_json_jws() {
    let (a, _) = keys();
    let one = sign(&a, b"one", &SignOptions::new()).unwrap();
    let two = sign(&a, b"two", &SignOptions::new()).unwrap();
    assert!(JsonJws::from_compact(vec![one, two]).is_err());
    assert!(JsonJws::from_compact(vec![]).is_err());
}

const SCRIPT: &str = "tests/interop/jwcrypto_interop.py";

fn python_with_jwcrypto(test: &str) -> Option<std::path::PathBuf> {
    let python = kavach_testkit::program(test, "python3")?;
    let out = Command::new(&python).arg(SCRIPT).arg("check").output().unwrap();
    if out.status.success() {
        Some(python)
    } else {
        kavach_testkit::missing(test, "Python package jwcrypto", "pip install jwcrypto")
    }
}

fn pem_file(dir: &Path, name: &str, key: &PrivateKey, public: bool) -> std::path::PathBuf {
    let text = if public {
        kavach_keys::encoding::pem_encode("PUBLIC KEY", key.public_key().spki_der())
    } else {
        key.to_pkcs8_pem().unwrap().to_string()
    };
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn general_json_interoperates_with_jwcrypto_both_ways() {
    let Some(python) = python_with_jwcrypto("general_json_interoperates_with_jwcrypto_both_ways") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = keys();
    let a_pub = pem_file(dir.path(), "a.pub.pem", &a, true);
    let b_pub = pem_file(dir.path(), "b.pub.pem", &b, true);

    // kavach signs, jwcrypto verifies each signature.
    let options = SignOptions::new();
    let text = sign_json(&[(&a as &dyn Signer, &options), (&b, &options)], b"kavach release")
        .unwrap()
        .to_general_json();
    let jws_file = dir.path().join("general.json");
    std::fs::write(&jws_file, &text).unwrap();
    for key in [&a_pub, &b_pub] {
        let out = Command::new(&python)
            .arg(SCRIPT)
            .arg("verify-json")
            .arg(key)
            .arg(&jws_file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "jwcrypto refused: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim(),
            hex::encode(b"kavach release")
        );
    }

    // jwcrypto signs with both keys, kavach verifies each.
    let payload = dir.path().join("payload.bin");
    std::fs::write(&payload, b"jwcrypto release").unwrap();
    let out = Command::new(&python)
        .arg(SCRIPT)
        .arg("sign-json")
        .arg(&payload)
        .arg(pem_file(dir.path(), "a.pem", &a, false))
        .arg(r#"{"alg":"ES256"}"#)
        .arg(pem_file(dir.path(), "b.pem", &b, false))
        .arg(r#"{"alg":"EdDSA"}"#)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "jwcrypto sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed = JsonJws::parse(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    assert_eq!(parsed.signatures().len(), 2);
    let v = verify_with_bare_key(&parsed.signatures()[0], &bare(&a, JwsAlgorithm::ES256)).unwrap();
    assert_eq!(v.payload(), b"jwcrypto release");
    verify_with_bare_key(&parsed.signatures()[1], &bare(&b, JwsAlgorithm::EdDSA)).unwrap();
}

//! Public vectors through the public API: RFC 7515 Appendix A (latchset/jose copies), RFC 7520
//! cookbook, RFC 7797, and Wycheproof `json_web_signature_test.json` (bare-key path).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod hmac;
use hmac::hmac_sha256;

use std::collections::BTreeMap;

use base64ct::{Base64UrlUnpadded, Encoding};
use kavach_jws::danger::{BareKey, verify_detached_with_bare_key, verify_with_bare_key};
use kavach_jws::internal::jwk_from_value;
use kavach_jws::jwk::Jwk;
use kavach_jws::{CompactJws, Error, Header, JwsAlgorithm, PayloadMode, UnsignedJws};
use kavach_keys::{PrivateKey, SignatureAlgorithm, Signer};
use serde_json::Value;

fn read(test: &str, rel: &str) -> Option<String> {
    let path = kavach_testkit::vector_file(test, rel)?;
    Some(std::fs::read_to_string(path).unwrap())
}

fn json(test: &str, rel: &str) -> Option<Value> {
    Some(serde_json::from_str(&read(test, rel)?).unwrap())
}

/// The JWT claims set of RFC 7515 Appendix A, with its CRLF line breaks.
const A_PAYLOAD: &[u8] = b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";

fn rfc7515(test: &str, name: &str) -> Option<(Option<BareKey>, CompactJws)> {
    let base = format!("latchset-jose/tests/vectors/rfc7515_{name}");
    let jws = read(test, &format!("{base}.jwsc"))?;
    let jws = CompactJws::parse(jws.trim()).unwrap();
    let key = if name == "A.5" {
        None
    } else {
        let jwk = Jwk::from_json(&read(test, &format!("{base}.jwk"))?);
        // A.1 is an HS256 (oct) key: kavach refuses symmetric JWKs outright.
        jwk.ok().map(|j| BareKey::from_jwk(&j).unwrap())
    };
    Some((key, jws))
}

#[test]
fn rfc7515_a2_rs256_verifies() {
    let Some((Some(key), jws)) = rfc7515("rfc7515_a2_rs256_verifies", "A.2") else {
        return;
    };
    let v = verify_with_bare_key(&jws, &key).unwrap();
    assert_eq!(v.algorithm(), JwsAlgorithm::RS256);
    assert_eq!(v.payload().as_slice(), A_PAYLOAD);
}

#[test]
fn rfc7515_a3_es256_verifies() {
    let Some((Some(key), jws)) = rfc7515("rfc7515_a3_es256_verifies", "A.3") else {
        return;
    };
    let v = verify_with_bare_key(&jws, &key).unwrap();
    assert_eq!(v.algorithm(), JwsAlgorithm::ES256);
    assert_eq!(v.payload().as_slice(), A_PAYLOAD);
    // One flipped payload bit no longer verifies.
    let text = jws.as_str().replacen(".eyJpc3Mi", ".eyJpc3Ni", 1);
    let tampered = CompactJws::parse(&text).unwrap();
    assert!(matches!(
        verify_with_bare_key(&tampered, &key),
        Err(Error::BadSignature)
    ));
}

#[test]
fn rfc7515_a5_alg_none_is_refused() {
    let t = "rfc7515_a5_alg_none_is_refused";
    let Some((_, none)) = rfc7515(t, "A.5") else { return };
    let Some((Some(rsa), _)) = rfc7515(t, "A.2") else {
        return;
    };
    let Some((Some(ec), _)) = rfc7515(t, "A.3") else { return };
    // A.5 has an empty signature segment: kavach refuses it at parse time or as alg none.
    assert_eq!(none.header().alg_name(), "none");
    for key in [&rsa, &ec] {
        assert!(matches!(verify_with_bare_key(&none, key), Err(Error::AlgorithmNone)));
    }
}

#[test]
fn rfc7515_a1_hs256_is_refused_and_its_key_is_not_accepted() {
    let t = "rfc7515_a1_hs256_is_refused";
    let Some(jwk) = read(t, "latchset-jose/tests/vectors/rfc7515_A.1.jwk") else {
        return;
    };
    assert!(Jwk::from_json(&jwk).is_err(), "oct JWK must be refused");
    let Some((_, hs)) = rfc7515(t, "A.1") else { return };
    let Some((Some(rsa), _)) = rfc7515(t, "A.2") else {
        return;
    };
    assert!(matches!(
        verify_with_bare_key(&hs, &rsa),
        Err(Error::UnsupportedAlgorithm { ref alg }) if alg == "HS256"
    ));
}

/// Builds an RSA private key from the members of an RFC 7517 private JWK (PKCS#1 DER).
fn rsa_private_from_jwk(jwk: &Value) -> PrivateKey {
    use der::Encode;
    use der::asn1::UintRef;
    let b = |k: &str| Base64UrlUnpadded::decode_vec(jwk[k].as_str().unwrap()).unwrap();
    let (n, e, d, p, q, dp, dq, qi) = (b("n"), b("e"), b("d"), b("p"), b("q"), b("dp"), b("dq"), b("qi"));
    fn u(v: &[u8]) -> UintRef<'_> {
        UintRef::new(v).unwrap()
    }
    let key = pkcs1::RsaPrivateKey {
        modulus: u(&n),
        public_exponent: u(&e),
        private_exponent: u(&d),
        prime1: u(&p),
        prime2: u(&q),
        exponent1: u(&dp),
        exponent2: u(&dq),
        coefficient: u(&qi),
        other_prime_infos: None,
    };
    PrivateKey::from_pkcs1_der(&key.to_der().unwrap()).unwrap()
}

#[test]
fn rfc7520_4_1_rs256_verifies_and_signs_byte_exact() {
    let Some(v) = json("rfc7520_4_1_rs256", "jose-cookbook/jws/4_1.rsa_v15_signature.json") else {
        return;
    };
    let compact = v["output"]["compact"].as_str().unwrap();
    let payload = v["input"]["payload"].as_str().unwrap().as_bytes();

    // Verification with the public half of the JWK.
    let jwk = jwk_from_value(&v["input"]["key"]).unwrap();
    assert_eq!(jwk.kid(), Some("bilbo.baggins@hobbiton.example"));
    let key = BareKey::new(jwk.public_key().clone(), &[JwsAlgorithm::RS256]).unwrap();
    let jws = CompactJws::parse(compact).unwrap();
    assert_eq!(verify_with_bare_key(&jws, &key).unwrap().payload().as_slice(), payload);

    // Signing: RS256 is deterministic, so kavach's serialization must equal the RFC's.
    let header = Header::from_encoded(v["signing"]["protected_b64u"].as_str().unwrap()).unwrap();
    let unsigned = UnsignedJws::new(header, payload, PayloadMode::Attached).unwrap();
    assert_eq!(
        unsigned.signing_input(),
        v["signing"]["sig-input"].as_str().unwrap().as_bytes()
    );
    let signer = rsa_private_from_jwk(&v["input"]["key"])
        .with_signature_algorithm(SignatureAlgorithm::RS256)
        .unwrap();
    let sig = signer.sign(unsigned.signing_input()).unwrap();
    assert_eq!(
        Base64UrlUnpadded::encode_string(&sig),
        v["signing"]["sig"].as_str().unwrap()
    );
    assert_eq!(unsigned.finish(&sig).unwrap().as_str(), compact);
}

fn an_rsa_key(test: &str) -> Option<BareKey> {
    let v = json(test, "jose-cookbook/jwk/3_3.rsa_public_key.json")?;
    Some(BareKey::from_jwk(&jwk_from_value(&v).unwrap()).unwrap())
}

#[test]
fn rfc7520_4_5_hs256_detached_same_signing_input_and_refused() {
    let t = "rfc7520_4_5_hs256_detached";
    let Some(v) = json(t, "jose-cookbook/jws/4_5.signature_with_detached_content.json") else {
        return;
    };
    let Some(rsa) = an_rsa_key(t) else { return };
    let payload = v["input"]["payload"].as_str().unwrap().as_bytes();
    let k = Base64UrlUnpadded::decode_vec(v["input"]["key"]["k"].as_str().unwrap()).unwrap();

    let header = Header::from_encoded(v["signing"]["protected_b64u"].as_str().unwrap()).unwrap();
    let unsigned = UnsignedJws::new(header, payload, PayloadMode::Detached).unwrap();
    assert_eq!(
        unsigned.signing_input(),
        v["signing"]["sig-input"].as_str().unwrap().as_bytes()
    );
    let mac = hmac_sha256(&k, unsigned.signing_input());
    assert_eq!(
        Base64UrlUnpadded::encode_string(&mac),
        v["signing"]["sig"].as_str().unwrap()
    );
    let jws = unsigned.finish(&mac).unwrap();
    assert_eq!(jws.as_str(), v["output"]["compact"].as_str().unwrap());
    assert!(jws.is_detached());

    // The verification path refuses HS256 whatever key it holds, and the oct key itself.
    let parsed = CompactJws::parse(v["output"]["compact"].as_str().unwrap()).unwrap();
    assert!(matches!(
        verify_detached_with_bare_key(&parsed, payload, &rsa),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
    assert!(jwk_from_value(&v["input"]["key"]).is_err());
}

#[test]
fn rfc7797_b64_false_compact_same_serialization_and_refused() {
    let t = "rfc7797_b64_false_compact";
    let Some(v) = json(t, "jose-cookbook/rfc7797/hmac-sha2_b64_false.json") else {
        return;
    };
    let Some(rsa) = an_rsa_key(t) else { return };
    let compact = v["output"]["compact"].as_str().unwrap();
    let payload = v["input"]["payload"].as_str().unwrap().as_bytes();
    let k = Base64UrlUnpadded::decode_vec(v["input"]["key"]["k"].as_str().unwrap()).unwrap();

    // The file's "sig-input" was made with a header without crit (an upstream copy slip); the
    // compact output's header is RFC 7797's {"alg":"HS256","b64":false,"crit":["b64"]}.
    let header_b64 = compact.split('.').next().unwrap();
    let header = Header::from_json(br#"{"alg":"HS256","b64":false,"crit":["b64"]}"#).unwrap();
    assert_eq!(header.encoded(), header_b64);
    assert!(!header.b64());
    let unsigned = UnsignedJws::new(header.clone(), payload, PayloadMode::Attached).unwrap();
    assert_eq!(
        unsigned.signing_input(),
        format!("{header_b64}.This is the payload string!").as_bytes()
    );
    let mac = hmac_sha256(&k, unsigned.signing_input());
    let jws = unsigned.finish(&mac).unwrap();
    assert_eq!(jws.as_str(), compact);

    // Detached, the same signature stands over the same payload given separately.
    let detached = UnsignedJws::new(header, payload, PayloadMode::Detached).unwrap();
    assert_eq!(hmac_sha256(&k, detached.signing_input()), mac);
    assert_eq!(detached.finish(&mac).unwrap().as_str(), jws.to_detached().as_str());

    let parsed = CompactJws::parse(compact).unwrap();
    assert!(matches!(
        verify_with_bare_key(&parsed, &rsa),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn rfc7797_4_2_dot_payload_and_missing_crit_are_refused() {
    let t = "rfc7797_4_2";
    let Some(v) = json(t, "jose-cookbook/rfc7797/4.2.hmac-sha2_b64_false.json") else {
        return;
    };
    let payload = v["input"]["payload"].as_str().unwrap().as_bytes();
    assert_eq!(payload, b"$.02");
    // This file's header says b64:false without crit: refused (RFC 7797 §6).
    assert!(matches!(
        Header::from_encoded(v["signing"]["protected_b64u"].as_str().unwrap()),
        Err(Error::UnencodedPayloadNotCritical)
    ));
    // With crit, "$.02" cannot be attached in compact form (RFC 7797 §5.2) but can be detached.
    let header = Header::from_json(br#"{"alg":"HS256","b64":false,"crit":["b64"]}"#).unwrap();
    assert!(matches!(
        UnsignedJws::new(header.clone(), payload, PayloadMode::Attached),
        Err(Error::UnencodedPayloadContainsDot)
    ));
    let d = UnsignedJws::new(header.clone(), payload, PayloadMode::Detached).unwrap();
    assert_eq!(d.signing_input(), format!("{}.$.02", header.encoded()).as_bytes());
}

#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    invalid_refused: usize,
    json_serialization_refused: usize,
    outside_algorithm_set_refused: usize,
    wrong: Vec<String>,
}

/// Every RS256, PS256 and ES256 group of Wycheproof's JWS file through the bare-key path.
#[test]
fn wycheproof_json_web_signature_rs256_ps256_es256() {
    let t = "wycheproof_json_web_signature";
    let Some(v) = json(t, "wycheproof/testvectors_v1/json_web_signature_test.json") else {
        return;
    };
    let in_scope = |g: &Value| {
        let key_alg = g["public"]["alg"].as_str();
        let first_alg = g["tests"][0]["jws"]
            .as_str()
            .and_then(|j| CompactJws::parse(j).ok())
            .map(|j| j.header().alg_name().to_owned());
        matches!(key_alg, Some("RS256" | "PS256" | "ES256"))
            || (g["public"].is_object()
                && key_alg.is_none()
                && matches!(first_alg.as_deref(), Some("RS256" | "PS256" | "ES256")))
    };
    let mut tally = Tally::default();
    let mut groups = BTreeMap::<String, usize>::new();
    let mut other_groups = 0;
    let mut other_tests_refused = 0;
    for g in v["testGroups"].as_array().unwrap() {
        let group_name = g["comment"].as_str().unwrap().to_owned();
        let key = jwk_from_value(&g["public"]).and_then(|j| BareKey::from_jwk(&j));
        if !in_scope(g) {
            // HS*, RS384/512, PS384/512, ES512 groups: kavach must refuse every test of them
            // (their keys are refused, or their algorithm is).
            other_groups += 1;
            for tc in g["tests"].as_array().unwrap() {
                let ok = match (&key, tc["jws"].as_str().map(CompactJws::parse)) {
                    (Ok(k), Some(Ok(j))) => verify_with_bare_key(&j, k).is_ok(),
                    _ => false,
                };
                assert!(
                    !ok,
                    "{group_name} tc {} accepted outside kavach's algorithm set",
                    tc["tcId"]
                );
                other_tests_refused += 1;
            }
            continue;
        }
        *groups.entry(group_name.clone()).or_default() += g["tests"].as_array().unwrap().len();
        for tc in g["tests"].as_array().unwrap() {
            let id = tc["tcId"].as_u64().unwrap();
            let expected = tc["result"].as_str().unwrap();
            let flags: Vec<&str> = tc["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            let Some(text) = tc["jws"].as_str() else {
                // JSON serialization: kavach reads compact only; such input is refused.
                assert!(flags.contains(&"JsonSerialization"));
                assert_eq!(expected, "invalid", "tc {id}");
                let as_text = serde_json::to_string(&tc["jws"]).unwrap();
                assert!(CompactJws::parse(&as_text).is_err());
                tally.json_serialization_refused += 1;
                continue;
            };
            let outcome = match &key {
                Err(e) => Err(format!("key refused: {e}")),
                Ok(k) => match CompactJws::parse(text) {
                    Err(e) => Err(format!("parse: {e}")),
                    Ok(j) => verify_with_bare_key(&j, k)
                        .map(|_| ())
                        .map_err(|e| format!("verify: {e}")),
                },
            };
            let header_alg = CompactJws::parse(text).ok().map(|j| j.header().alg_name().to_owned());
            match (expected, &outcome) {
                ("valid" | "acceptable", Ok(())) => tally.valid_accepted += 1,
                ("invalid" | "acceptable", Err(_)) => tally.invalid_refused += 1,
                ("valid", Err(e))
                    if header_alg
                        .as_deref()
                        .is_some_and(|a| JwsAlgorithm::from_name(a).is_err()) =>
                {
                    // A valid signature in an algorithm kavach does not accept (PS384 under a
                    // key marked PS256 in the rfc7520 groups): refused by design (WIRE.md §4).
                    assert!(e.contains("not accepted"), "tc {id}: {e}");
                    tally.outside_algorithm_set_refused += 1;
                }
                _ => tally
                    .wrong
                    .push(format!("{group_name} tc {id} expected {expected}: {outcome:?}")),
            }
        }
    }
    kavach_testkit::report!(
        "wycheproof JWS (RS256/PS256/ES256 groups {groups:?}): {} valid accepted, {} invalid refused, \
         {} JSON-serialization refused, {} valid-but-PS384 refused by design; {} other-algorithm groups, \
         {other_tests_refused} tests all refused",
        tally.valid_accepted,
        tally.invalid_refused,
        tally.json_serialization_refused,
        tally.outside_algorithm_set_refused,
        other_groups
    );
    assert!(tally.wrong.is_empty(), "wrong verdicts:\n{}", tally.wrong.join("\n"));
    // The vectors are pinned (shared/vectors/SHA256SUMS): the counts are exact.
    assert_eq!(
        (
            tally.valid_accepted,
            tally.invalid_refused,
            tally.outside_algorithm_set_refused
        ),
        (16, 308, 2),
        "{tally:?}"
    );
    assert_eq!(groups.values().sum::<usize>(), 326);
}

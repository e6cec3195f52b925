//! MOSIP's `jwsSign` with the payload included: the header says `"b64":false` (and
//! `"crit":["b64"]`), the middle segment is the payload in base64url, and the signature is over
//! the header segment, `.`, and the *raw* payload bytes (mosip/keymanager
//! `SignatureServiceImpl#jwsSign`, `SignatureUtil.getJWSHeader` / `buildSignData`). The tokens here
//! are built byte by byte the way MOSIP builds them, and signed with the test PKI's keys.
//!
//! `compat-mosip` reads the form and says so (`PayloadEncoding::MosipBase64UnderB64False`);
//! `strict` and the bare-key path keep refusing it as before; a genuine RFC 7797 token is never
//! read the MOSIP way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use kavach_jws::danger::{BareKey, verify_with_bare_key};
use kavach_jws::{
    CompactJws, Error, Header, Jti, JwsVerifier, KidRule, PayloadEncoding, PayloadMode, Policy, Timestamp, UnsignedJws,
};
use kavach_keys::{PrivateKey, Signer};
use kavach_pki::testing::{TestEntity, TestPki};
use kavach_pki::{Purpose, TrustDomain, Validator};

/// A JSON payload with a `.` in it: it cannot travel as an RFC 7797 attached payload at all.
const PAYLOAD: &[u8] = br#"{"iss":"mosip.io","id":"mosip.partner.v1","amount":"10.50"}"#;

fn signing_leaf(p: &TestPki) -> &TestEntity {
    p.leaf(Purpose::Signing).unwrap()
}

/// The test PKI's key, loaded again so that it signs with its kind's JWS scheme (ES256 `r || s`,
/// PS256 — MOSIP's default).
fn jws_signer(e: &TestEntity) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&e.key.to_pkcs8_der().unwrap()).unwrap()
}

/// A verifier as a MOSIP peer needs it: `x5c` holds only the signer's certificate (MOSIP's
/// `includeCertificate`), so the intermediate is given by the trust domain; `kid` is MOSIP's own
/// key identifier, a label only.
fn verifier(p: &TestPki, policy: Policy) -> JwsVerifier {
    let domain = TrustDomain::new("partners", p.trust_anchors())
        .unwrap()
        .with_intermediates(p.intermediates());
    JwsVerifier::new(Arc::new(Validator::new()), domain)
        .with_policy(policy)
        .with_kid_rule(KidRule::Unchecked)
}

/// The protected header `SignatureUtil.getJWSHeader` writes for `b64JWSHeaderParam` false,
/// `includeCertificate` and `includeKeyId`: `b64:false` listed in `crit`, `alg`, the signer's
/// certificate alone in `x5c`, MOSIP's `kid`, no `ts`, no `jti`. `extra` adds members.
fn mosip_header(p: &TestPki, alg: &str, extra: &str) -> String {
    let cert = Base64::encode_string(signing_leaf(p).certificate.der());
    let json = format!(
        r#"{{"b64":false,"crit":["b64"],"alg":"{alg}","x5c":["{cert}"],"kid":"PAYLOAD_ISSUER#Hk3uXw2ZBdvwL0F6S9TsjHK8pQ2xBvdQKlA1ALhrMQk"{extra}}}"#
    );
    Base64UrlUnpadded::encode_string(json.as_bytes())
}

/// `SignatureUtil.buildSignData`: ASCII(header segment) || '.' || the raw payload bytes.
fn mosip_signing_input(header: &str, payload: &[u8]) -> Vec<u8> {
    let mut input = header.as_bytes().to_vec();
    input.push(b'.');
    input.extend_from_slice(payload);
    input
}

/// The token `jwsSign` returns with `includePayload`: header, `.`, the request's base64url
/// `dataToSign` (the payload's base64url), `.`, the signature — over the raw bytes.
fn mosip_token(header: &str, signed_payload: &[u8], middle: &str, signer: &dyn Signer) -> String {
    let sig = signer.sign(&mosip_signing_input(header, signed_payload)).unwrap();
    format!("{header}.{middle}.{}", Base64UrlUnpadded::encode_string(&sig))
}

fn b64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

#[test]
fn mosip_attached_token_verifies_under_compat_mosip_and_the_result_says_mosip_form() {
    for (p, alg) in [(TestPki::rsa(), "PS256"), (TestPki::p256(), "ES256")] {
        let header = mosip_header(p, alg, "");
        let text = mosip_token(&header, PAYLOAD, &b64url(PAYLOAD), &jws_signer(signing_leaf(p)));
        let jws = CompactJws::parse(&text).unwrap();
        assert!(!jws.header().b64() && !jws.is_detached());

        let ok = verifier(p, Policy::CompatMosip)
            .verify_attached_at(&jws, std::time::SystemTime::now())
            .unwrap();
        assert_eq!(ok.payload(), PAYLOAD, "{alg}: the decoded bytes are the payload");
        assert_eq!(ok.payload_encoding(), PayloadEncoding::MosipBase64UnderB64False);
        assert_eq!(ok.payload_encoding().name(), "mosip-base64-under-b64-false");
        assert_eq!(ok.policy(), Policy::CompatMosip);
        assert!(!ok.timestamp_checked());
        assert_eq!(ok.signer(), &signing_leaf(p).certificate);
        assert_eq!(ok.algorithm().name(), alg);
    }
}

#[test]
fn mosip_attached_token_is_refused_under_strict_with_the_same_errors_as_before() {
    let p = TestPki::p256();
    let signer = jws_signer(signing_leaf(p));
    // As MOSIP writes it (no ts, no jti): strict stops at freshness, as for any jwtSign token.
    let header = mosip_header(p, "ES256", "");
    let jws = CompactJws::parse(&mosip_token(&header, PAYLOAD, &b64url(PAYLOAD), &signer)).unwrap();
    assert!(matches!(
        verifier(p, Policy::Strict).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::MissingTimestamp)
    ));
    // With kavach's ts and jti added, strict reaches the signature and refuses the MOSIP reading:
    // the one opaque signature error, as before the reading existed.
    let extra = format!(
        r#","ts":"{}","jti":"{}""#,
        Timestamp::now().unwrap(),
        Jti::generate().unwrap()
    );
    let header = mosip_header(p, "ES256", &extra);
    let jws = CompactJws::parse(&mosip_token(&header, PAYLOAD, &b64url(PAYLOAD), &signer)).unwrap();
    assert!(matches!(
        verifier(p, Policy::Strict).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
    // The same token under compat-mosip: accepted, ts checked, MOSIP form reported.
    let ok = verifier(p, Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert_eq!(ok.payload_encoding(), PayloadEncoding::MosipBase64UnderB64False);
    assert!(ok.timestamp_checked());
    // The bare-key path has no policy and reads RFC 7797 only.
    let key = BareKey::new(signer.public_key().clone(), &[kavach_jws::JwsAlgorithm::ES256]).unwrap();
    assert!(matches!(verify_with_bare_key(&jws, &key), Err(Error::BadSignature)));
}

#[test]
fn mosip_token_with_a_tampered_payload_is_refused() {
    let p = TestPki::p256();
    let header = mosip_header(p, "ES256", "");
    let text = mosip_token(&header, PAYLOAD, &b64url(PAYLOAD), &jws_signer(signing_leaf(p)));
    let sig = text.rsplit('.').next().unwrap();
    let tampered = PAYLOAD
        .iter()
        .map(|&b| if b == b'1' { b'9' } else { b })
        .collect::<Vec<u8>>();
    assert_ne!(tampered, PAYLOAD);
    let jws = CompactJws::parse(&format!("{header}.{}.{sig}", b64url(&tampered))).unwrap();
    assert!(matches!(
        verifier(p, Policy::CompatMosip).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
    // A changed header (here: a member added) breaks the signature too.
    let other = mosip_header(p, "ES256", r#","typ":"JOSE""#);
    let jws = CompactJws::parse(&format!("{other}.{}.{sig}", b64url(PAYLOAD))).unwrap();
    assert!(matches!(
        verifier(p, Policy::CompatMosip).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
}

#[test]
fn mosip_token_whose_middle_is_not_strict_base64url_is_refused() {
    let p = TestPki::p256();
    let signer = jws_signer(signing_leaf(p));
    let header = mosip_header(p, "ES256", "");
    // 0xfb 0xff ... spelled in each way a lenient decoder would take; the signature is over the
    // raw bytes, so only the unpadded base64url spelling verifies.
    let payload = [0xfbu8, 0xff, 0xbf, 0x01, b'{', b'}'];
    assert_eq!(b64url(&payload), "-_-_AXt9");
    for middle in [
        "+/+/AXt9",  // standard base64 alphabet
        "-_-_AXt9=", // padding (not a multiple of 4 either)
        "-_-_AXt+",  // mixed alphabets
        "-_-_AXt",   // truncated: one byte short and non-canonical
        "-_-_AXu9",  // one character changed: different bytes
    ] {
        let jws = CompactJws::parse(&mosip_token(&header, &payload, middle, &signer)).unwrap();
        assert!(
            matches!(
                verifier(p, Policy::CompatMosip).verify_attached_at(&jws, std::time::SystemTime::now()),
                Err(Error::BadSignature)
            ),
            "{middle}"
        );
    }
    let jws = CompactJws::parse(&mosip_token(&header, &payload, "-_-_AXt9", &signer)).unwrap();
    let ok = verifier(p, Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert_eq!(ok.payload(), &payload);
}

#[test]
fn mosip_token_whose_middle_decodes_to_a_payload_of_the_wrong_length_is_refused() {
    let p = TestPki::p256();
    let signer = jws_signer(signing_leaf(p));
    let header = mosip_header(p, "ES256", "");
    let text = mosip_token(&header, PAYLOAD, &b64url(PAYLOAD), &signer);
    let sig = text.rsplit('.').next().unwrap();
    let shorter = &PAYLOAD[..PAYLOAD.len() - 1];
    let mut longer = PAYLOAD.to_vec();
    longer.push(b' ');
    let mut nul = PAYLOAD.to_vec();
    nul.push(0);
    for wrong in [shorter, &longer[..], &nul[..], &[][..]] {
        let middle = b64url(wrong);
        // The empty middle is a detached JWS: refused as attached by the signature over "".
        let jws = CompactJws::parse(&format!("{header}.{middle}.{sig}")).unwrap();
        assert!(
            matches!(
                verifier(p, Policy::CompatMosip).verify_attached_at(&jws, std::time::SystemTime::now()),
                Err(Error::BadSignature)
            ),
            "{} bytes",
            wrong.len()
        );
    }
}

#[test]
fn rfc7797_attached_token_is_read_as_rfc7797_under_compat_mosip_even_when_its_payload_is_base64url() {
    let p = TestPki::p256();
    let leaf = signing_leaf(p);
    let signer = jws_signer(leaf);
    // Payloads that are themselves valid base64url text ("eyJhIjoxfQ" is the base64url of
    // `{"a":1}`): the RFC 7797 reading is tried first and wins, so the payload is the text as
    // signed, not its decoding.
    for payload in [&b"eyJhIjoxfQ"[..], b"{\"a\":1}", b"AAAA"] {
        let header = Header::from_json(
            format!(
                r#"{{"alg":"ES256","b64":false,"crit":["b64"],"x5c":["{}"]}}"#,
                Base64::encode_string(leaf.certificate.der())
            )
            .as_bytes(),
        )
        .unwrap();
        let u = UnsignedJws::new(header, payload, PayloadMode::Attached).unwrap();
        let sig = signer.sign(u.signing_input()).unwrap();
        let jws = CompactJws::parse(u.finish(&sig).unwrap().as_str()).unwrap();
        for policy in [Policy::CompatMosip, Policy::Strict] {
            let v = verifier(p, policy);
            let r = v.verify_attached_at(&jws, std::time::SystemTime::now());
            if policy == Policy::Strict {
                // No ts/jti: strict stops at freshness; the reading is not reached.
                assert!(matches!(r, Err(Error::MissingTimestamp)));
                continue;
            }
            let ok = r.unwrap();
            assert_eq!(ok.payload(), payload);
            assert_eq!(ok.payload_encoding(), PayloadEncoding::Unencoded);
        }
    }
}

#[test]
fn mosip_detached_token_is_a_plain_rfc7797_detached_jws() {
    // jwsSign without includePayload: `header..signature`, signed over the raw bytes, which
    // is RFC 7797 detached as it should be.
    let p = TestPki::rsa();
    let header = mosip_header(p, "PS256", "");
    let text = mosip_token(&header, PAYLOAD, "", &jws_signer(signing_leaf(p)));
    let jws = CompactJws::parse(&text).unwrap();
    assert!(jws.is_detached());
    let ok = verifier(p, Policy::CompatMosip)
        .verify_detached_at(&jws, PAYLOAD, std::time::SystemTime::now())
        .unwrap();
    assert_eq!(ok.payload_encoding(), PayloadEncoding::Unencoded);
    assert!(matches!(
        verifier(p, Policy::CompatMosip).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
}

#[test]
fn kavach_tokens_report_their_encoding() {
    let p = TestPki::p256();
    let leaf = signing_leaf(p);
    let opts = kavach_jws::SignOptions::new().with_certificate_chain(vec![leaf.certificate.clone()]);
    let jws = kavach_jws::sign(&jws_signer(leaf), b"{}", &opts).unwrap();
    let ok = verifier(p, Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert_eq!(ok.payload_encoding(), PayloadEncoding::Base64Url);
    let jws = kavach_jws::sign(&jws_signer(leaf), b"{}", &opts.with_unencoded_payload()).unwrap();
    let ok = verifier(p, Policy::Strict)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert_eq!(ok.payload_encoding(), PayloadEncoding::Unencoded);
}

//! The certificate path: `x5c` validated by kavach-pki, freshness policy, and the attacks on it,
//! each test named after the attack.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64ct::{Base64, Base64UrlUnpadded, Encoding};
use kavach_jws::{
    ChainCheckTime, CompactJws, Error, Freshness, Header, JwsAlgorithm, JwsVerifier, KidRule, MemoryReplayCache,
    PayloadMode, Policy, SignOptions, UnsignedJws, sign,
};
use kavach_keys::{PrivateKey, Signer};
use kavach_pki::issue::Validity;
use kavach_pki::testing::{TestEntity, TestPki};
use kavach_pki::{Certificate, KeyUsage, KeyUsages, Purpose, TrustDomain, Validator};

const MIN: Duration = Duration::from_secs(60);

fn pki() -> &'static TestPki {
    TestPki::p256()
}

fn signing_leaf(p: &TestPki) -> &TestEntity {
    p.leaf(Purpose::Signing).unwrap()
}

/// The test PKI's keys sign for X.509 (ECDSA in DER, RSA PKCS#1 v1.5); for JWS the same key
/// signs with its kind's default JWS scheme (ES256 in `r || s`, PS256).
fn jws_signer(e: &TestEntity) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&e.key.to_pkcs8_der().unwrap()).unwrap()
}

fn chain(p: &TestPki, leaf: &Certificate) -> Vec<Certificate> {
    vec![leaf.clone(), p.intermediate().certificate.clone()]
}

fn verifier(p: &TestPki) -> JwsVerifier {
    let domain = TrustDomain::new("partners", p.trust_anchors()).unwrap();
    JwsVerifier::new(Arc::new(Validator::new()), domain)
}

fn signed(p: &TestPki, payload: &[u8], opts: SignOptions) -> CompactJws {
    let leaf = signing_leaf(p);
    sign(
        &jws_signer(leaf),
        payload,
        &opts.with_certificate_chain(chain(p, &leaf.certificate)),
    )
    .unwrap()
}

/// A JWS with a header written by hand and signed by `signer` (what an attacker can make).
fn handmade(header: &str, payload: &[u8], mode: PayloadMode, signer: &dyn Signer) -> CompactJws {
    let u = UnsignedJws::new(Header::from_json(header.as_bytes()).unwrap(), payload, mode).unwrap();
    let sig = signer.sign(u.signing_input()).unwrap();
    u.finish(&sig).unwrap()
}

fn x5c_json(certs: &[&Certificate]) -> String {
    let items: Vec<String> = certs
        .iter()
        .map(|c| format!("\"{}\"", Base64::encode_string(c.der())))
        .collect();
    format!("[{}]", items.join(","))
}

#[test]
fn attached_and_detached_verify_for_rsa_and_p256() {
    for p in [TestPki::p256(), TestPki::rsa()] {
        let v = verifier(p);
        let jws = signed(p, br#"{"v":1}"#, SignOptions::new().with_x5t_s256());
        let ok = v
            .verify_attached_at(&CompactJws::parse(jws.as_str()).unwrap(), std::time::SystemTime::now())
            .unwrap();
        assert_eq!(ok.payload(), br#"{"v":1}"#);
        assert_eq!(ok.signer(), &signing_leaf(p).certificate);
        assert_eq!(ok.path().purpose(), Purpose::Signing);
        assert_eq!(ok.path().trust_anchor(), &p.root().certificate);
        assert!(ok.timestamp_checked() && ok.jti().is_some());
        assert_eq!(ok.policy(), Policy::Strict);

        let body = b"exact raw body bytes";
        for opts in [
            SignOptions::new().with_payload_mode(PayloadMode::Detached),
            SignOptions::new()
                .with_payload_mode(PayloadMode::Detached)
                .with_unencoded_payload(),
        ] {
            let jws = signed(p, body, opts);
            let ok = v.verify_detached_at(&jws, body, std::time::SystemTime::now()).unwrap();
            assert_eq!(*ok.payload(), &body[..]);
            let expected = if p.algorithm() == kavach_pki::testing::TestAlgorithm::P256 {
                JwsAlgorithm::ES256
            } else {
                JwsAlgorithm::PS256
            };
            assert_eq!(ok.algorithm(), expected);
        }
    }
}

#[test]
fn certificate_from_another_root_is_refused() {
    let jws = signed(TestPki::rsa(), b"{}", SignOptions::new());
    let e = verifier(TestPki::p256())
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Chain {
                when: ChainCheckTime::Signing,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(!e.is_malformed_input());
}

#[test]
fn swapped_x5c_leaf() {
    let p = pki();
    let leaf = signing_leaf(p);
    // The attacker signs with the real key but names another valid certificate of the same CA
    // (the device leaf) as x5c[0].
    let other = &p.leaf(Purpose::Device).unwrap().certificate;
    assert_ne!(other.public_key().unwrap(), leaf.public_key());
    let h = format!(
        r#"{{"alg":"ES256","x5c":{},"ts":"{}","jti":"AAAAAAAAAAAAAAAAAAAAAA"}}"#,
        x5c_json(&[other, &p.intermediate().certificate]),
        kavach_jws::Timestamp::now().unwrap()
    );
    let jws = handmade(&h, b"{}", PayloadMode::Attached, &jws_signer(leaf));
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
    // Swapped leaf that keeps the real leaf's x5t#S256: caught before the signature (after
    // the freshness members, which are checked first).
    let h = format!(
        r#"{{"alg":"ES256","x5c":{},"x5t#S256":"{}","ts":"{}","jti":"AAAAAAAAAAAAAAAAAAAAAA"}}"#,
        x5c_json(&[other]),
        leaf.certificate.sha256_thumbprint().to_base64url(),
        kavach_jws::Timestamp::now().unwrap()
    );
    let jws = handmade(&h, b"{}", PayloadMode::Attached, &jws_signer(leaf));
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::CertificateMismatch { what: "x5t#S256" })
    ));
    // And kavach's signer refuses to put a certificate that is not the key's in x5c.
    assert!(matches!(
        sign(
            &jws_signer(leaf),
            b"{}",
            &SignOptions::new().with_certificate_chain(vec![other.clone()])
        ),
        Err(Error::CertificateKeyMismatch)
    ));
}

#[test]
fn expired_signer() {
    let p = pki();
    let expired = p.expired(Purpose::Signing).unwrap();
    let jws = sign(
        &jws_signer(signing_leaf(p)),
        b"{}",
        &SignOptions::new().with_certificate_chain(chain(p, &expired)),
    )
    .unwrap();
    let e = verifier(p)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap_err();
    assert!(
        matches!(e, Error::Chain { ref source, .. } if matches!(source, kavach_pki::Error::Expired { .. })),
        "{e:?}"
    );
    assert_eq!(e.code(), "KVC-PKI-EXPIRED");
}

#[test]
fn signer_expired_between_signing_and_verification() {
    // Valid at the signing time, expired now: refused at the verification time.
    let p = pki();
    let now = SystemTime::now();
    let cert = p
        .issue_with_validity(
            Purpose::Signing,
            "Expired Since",
            Validity::new(now - 30 * 24 * 60 * MIN, now - 10 * MIN).unwrap(),
        )
        .unwrap();
    let jws = sign(
        &jws_signer(signing_leaf(p)),
        b"{}",
        &SignOptions::new()
            .with_certificate_chain(chain(p, &cert))
            .with_freshness(Freshness::TimestampAndJtiAt(now - 15 * MIN)),
    )
    .unwrap();
    let v = verifier(p).with_window(30 * MIN).unwrap();
    assert!(matches!(
        v.verify_attached_at(&jws, now),
        Err(Error::Chain {
            when: ChainCheckTime::Verification,
            ..
        })
    ));
    // Not yet valid at the signing time, valid now: refused at the signing time.
    let cert = p
        .issue_with_validity(
            Purpose::Signing,
            "Valid Since",
            Validity::new(now - 10 * MIN, now + 24 * 60 * MIN).unwrap(),
        )
        .unwrap();
    let jws = sign(
        &jws_signer(signing_leaf(p)),
        b"{}",
        &SignOptions::new()
            .with_certificate_chain(chain(p, &cert))
            .with_freshness(Freshness::TimestampAndJtiAt(now - 15 * MIN)),
    )
    .unwrap();
    assert!(matches!(
        v.verify_attached_at(&jws, now),
        Err(Error::Chain {
            when: ChainCheckTime::Signing,
            ..
        })
    ));
}

#[test]
fn signer_without_digital_signature() {
    let p = pki();
    // nonRepudiation alone is not enough for the signing purpose (CLI.md).
    for ku in [
        Some(KeyUsage(KeyUsages::NonRepudiation.into())),
        Some(KeyUsage(KeyUsages::KeyEncipherment.into())),
        None,
    ] {
        let cert = p.issue_with_key_usage(Purpose::Signing, ku).unwrap();
        let jws = sign(
            &jws_signer(signing_leaf(p)),
            b"{}",
            &SignOptions::new().with_certificate_chain(chain(p, &cert)),
        )
        .unwrap();
        let e = verifier(p)
            .verify_attached_at(&jws, std::time::SystemTime::now())
            .unwrap_err();
        assert!(matches!(e, Error::Chain { .. }), "{ku:?}: {e:?}");
        assert_eq!(e.code(), "KVC-PKI-PURPOSE", "{e:?}");
    }
}

#[test]
fn signer_certificate_for_another_purpose() {
    let p = pki();
    let jws = signed(p, b"{}", SignOptions::new());
    assert!(matches!(
        verifier(p)
            .with_purpose(Purpose::CodeSigning)
            .verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::Chain { .. })
    ));
}

#[test]
fn replayed_jti() {
    let p = pki();
    let v = verifier(p);
    let jws = signed(p, b"{}", SignOptions::new());
    v.verify_attached_at(&jws, std::time::SystemTime::now()).unwrap();
    assert!(matches!(
        v.verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::Replay)
    ));
    // A shared cache catches the replay in another verifier too.
    let shared = Arc::new(MemoryReplayCache::new(16));
    let jws = signed(p, b"{}", SignOptions::new());
    verifier(p)
        .with_replay_cache(shared.clone())
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert!(matches!(
        verifier(p)
            .with_replay_cache(shared)
            .verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::Replay)
    ));
    // A JWS refused for another reason does not use up its jti.
    let jws = signed(p, b"{}", SignOptions::new().with_payload_mode(PayloadMode::Detached));
    assert!(
        v.verify_detached_at(&jws, b"other", std::time::SystemTime::now())
            .is_err()
    );
    v.verify_detached_at(&jws, b"{}", std::time::SystemTime::now()).unwrap();
}

#[test]
fn ts_outside_window() {
    let p = pki();
    let now = SystemTime::now();
    for ts in [now - 6 * MIN, now + 6 * MIN] {
        let jws = signed(
            p,
            b"{}",
            SignOptions::new().with_freshness(Freshness::TimestampAndJtiAt(ts)),
        );
        assert!(matches!(
            verifier(p).verify_attached_at(&jws, now),
            Err(Error::TimestampOutsideWindow { window_secs: 300, .. })
        ));
        // A wider window accepts it.
        verifier(p)
            .with_window(7 * MIN)
            .unwrap()
            .verify_attached_at(&jws, now)
            .unwrap();
    }
    // The compat policy checks a ts that is present too.
    let jws = signed(
        p,
        b"{}",
        SignOptions::new().with_freshness(Freshness::TimestampAndJtiAt(now - 6 * MIN)),
    );
    assert!(matches!(
        verifier(p)
            .with_policy(Policy::CompatMosip)
            .verify_attached_at(&jws, now),
        Err(Error::TimestampOutsideWindow { .. })
    ));
    assert!(matches!(
        verifier(p).with_window(MIN * 60 * 25),
        Err(Error::InvalidWindow { .. })
    ));
}

#[test]
fn payload_substitution_in_detached_mode() {
    let p = pki();
    let body = br#"{"amount":100}"#;
    let jws = signed(p, body, SignOptions::new().with_payload_mode(PayloadMode::Detached));
    let v = verifier(p);
    assert!(matches!(
        v.verify_detached_at(&jws, br#"{"amount":900}"#, std::time::SystemTime::now()),
        Err(Error::BadSignature)
    ));
    let attached = signed(p, br#"{"amount":900}"#, SignOptions::new());
    assert!(matches!(
        v.verify_detached_at(&attached, body, std::time::SystemTime::now()),
        Err(Error::WrongPayloadMode { .. })
    ));
    v.verify_detached_at(&jws, body, std::time::SystemTime::now()).unwrap();
}

#[test]
fn compat_mosip_accepts_jwtsign_output_and_says_so() {
    let p = pki();
    let jws = signed(
        p,
        b"{}",
        SignOptions::new().with_freshness(Freshness::Omit).with_x5t_s256(),
    );
    assert!(jws.header().ts().is_none() && jws.header().jti().is_none());
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::MissingTimestamp)
    ));
    let ok = verifier(p)
        .with_policy(Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert!(!ok.timestamp_checked());
    assert_eq!(ok.policy(), Policy::CompatMosip);
    assert!(ok.signed_at().is_none());
    // A ts without a jti is still refused by the strict policy.
    let leaf = signing_leaf(p);
    let h = format!(
        r#"{{"alg":"ES256","x5c":{},"ts":"{}"}}"#,
        x5c_json(&[&leaf.certificate, &p.intermediate().certificate]),
        kavach_jws::Timestamp::now().unwrap()
    );
    let jws = handmade(&h, b"{}", PayloadMode::Attached, &jws_signer(leaf));
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::MissingJti)
    ));
    let ok = verifier(p)
        .with_policy(Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    assert!(ok.timestamp_checked());
}

#[test]
fn kid_x5t_and_pin_must_name_the_leaf() {
    let p = pki();
    let leaf = signing_leaf(p);
    let t = leaf.certificate.sha256_thumbprint();
    for kid in [t.to_base64url(), t.to_hex(), t.to_hex().to_uppercase()] {
        let jws = signed(p, b"{}", SignOptions::new().with_kid(kid));
        verifier(p)
            .verify_attached_at(&jws, std::time::SystemTime::now())
            .unwrap();
    }
    let jws = signed(p, b"{}", SignOptions::new().with_kid("partner-7"));
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::CertificateMismatch { what: "kid" })
    ));
    // The caller's own kid rule.
    let rule = KidRule::Custom(Arc::new(move |kid: &str, cert: &Certificate| {
        kid == "partner-7" && cert.sha256_thumbprint() == t
    }));
    verifier(p)
        .with_kid_rule(rule)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    // An opaque kid (MOSIP jwtSign's prefix + key id) passes only when the caller says so.
    let mosip_kid = signed(p, b"{}", SignOptions::new().with_kid("mosip#c2lnbmluZy1rZXk"));
    assert!(matches!(
        verifier(p).verify_attached_at(&mosip_kid, std::time::SystemTime::now()),
        Err(Error::CertificateMismatch { what: "kid" })
    ));
    verifier(p)
        .with_kid_rule(KidRule::Unchecked)
        .verify_attached_at(&mosip_kid, std::time::SystemTime::now())
        .unwrap();

    let jws = signed(p, b"{}", SignOptions::new());
    verifier(p)
        .with_pinned_certificate(t)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap();
    let other = p.leaf(Purpose::Device).unwrap().certificate.sha256_thumbprint();
    let jws = signed(p, b"{}", SignOptions::new());
    assert!(matches!(
        verifier(p)
            .with_pinned_certificate(other)
            .verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::CertificateMismatch {
            what: "pinned thumbprint"
        })
    ));
    // x5t#S256 of another certificate.
    let h = format!(
        r#"{{"alg":"ES256","x5c":{},"x5t#S256":"{}"}}"#,
        x5c_json(&[&leaf.certificate]),
        other.to_base64url()
    );
    let jws = handmade(&h, b"{}", PayloadMode::Attached, &jws_signer(leaf));
    assert!(matches!(
        verifier(p)
            .with_policy(Policy::CompatMosip)
            .verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::CertificateMismatch { what: "x5t#S256" })
    ));
}

#[test]
fn no_x5c_alg_none_and_hs256_are_refused_on_the_certificate_path() {
    let p = pki();
    let leaf = signing_leaf(p);
    let jws = sign(&jws_signer(leaf), b"{}", &SignOptions::new()).unwrap();
    assert!(matches!(
        verifier(p).verify_attached_at(&jws, std::time::SystemTime::now()),
        Err(Error::MissingCertificateChain)
    ));
    let x5c = x5c_json(&[&leaf.certificate, &p.intermediate().certificate]);
    let h = Base64UrlUnpadded::encode_string(format!(r#"{{"alg":"none","x5c":{x5c}}}"#).as_bytes());
    let none = CompactJws::parse(&format!("{h}.e30.")).unwrap();
    assert!(matches!(
        verifier(p).verify_attached_at(&none, std::time::SystemTime::now()),
        Err(Error::AlgorithmNone)
    ));
    let h = Base64UrlUnpadded::encode_string(format!(r#"{{"alg":"HS256","x5c":{x5c}}}"#).as_bytes());
    let hs = CompactJws::parse(&format!("{h}.e30.AAAA")).unwrap();
    assert!(matches!(
        verifier(p).verify_attached_at(&hs, std::time::SystemTime::now()),
        Err(Error::UnsupportedAlgorithm { .. })
    ));
}

#[test]
fn x5c_in_base64url_is_refused() {
    let p = pki();
    let leaf = signing_leaf(p);
    let url = Base64UrlUnpadded::encode_string(leaf.certificate.der());
    let h = format!(r#"{{"alg":"ES256","x5c":["{url}"]}}"#);
    // Whether or not this DER happens to contain '-' or '_' in base64url, standard base64
    // padding rules or the alphabet refuse it unless the two encodings coincide.
    let std = Base64::encode_string(leaf.certificate.der());
    if std != url {
        assert!(matches!(
            Header::from_json(h.as_bytes()),
            Err(Error::InvalidHeaderMember { name: "x5c", .. })
        ));
    }
}

#[test]
fn signature_by_intermediate_key_with_leaf_x5c_is_refused() {
    // x5c names the signing leaf, but the intermediate CA's key signed.
    let p = TestPki::rsa();
    let leaf = signing_leaf(p);
    let h = format!(r#"{{"alg":"RS256","x5c":{}}}"#, x5c_json(&[&leaf.certificate]));
    let inter = p.intermediate();
    let jws = handmade(&h, b"{}", PayloadMode::Attached, inter.signer());
    let e = verifier(p)
        .with_policy(Policy::CompatMosip)
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::BadSignature | Error::AlgorithmNotAllowed { .. } | Error::AlgorithmKeyMismatch { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn application_header_members_are_signed_and_read_back() {
    let p = pki();
    let jws = signed(
        p,
        b"{}",
        SignOptions::new()
            .with_header_member("req", "abc")
            .with_header_member("env", "Staging"),
    );
    let verified = verifier(p).verify_attached_at(&jws, SystemTime::now()).unwrap();
    assert_eq!(verified.header().string_member("req").unwrap().as_deref(), Some("abc"));
    assert_eq!(
        verified.header().string_member("env").unwrap().as_deref(),
        Some("Staging")
    );
    assert!(!verified.header().crit().iter().any(|c| c == "req"));
}

#[test]
fn application_header_member_cannot_override_a_registered_one() {
    let p = pki();
    let leaf = signing_leaf(p);
    for name in ["alg", "x5c", "jti", "ts", "crit", "b64", "kid"] {
        let opts = SignOptions::new().with_header_member(name, "x");
        assert!(
            matches!(
                sign(&jws_signer(leaf), b"{}", &opts),
                Err(Error::InvalidHeaderMember { .. })
            ),
            "{name} was accepted as an application member"
        );
    }
    let twice = SignOptions::new()
        .with_header_member("req", "a")
        .with_header_member("req", "b");
    assert!(matches!(
        sign(&jws_signer(leaf), b"{}", &twice),
        Err(Error::InvalidHeaderMember { .. })
    ));
}

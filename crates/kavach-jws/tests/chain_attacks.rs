//! Attacks on the chain work of [`JwsVerifier`] (issue 8): an unauthenticated sender's `x5c`
//! may not cost more than a small constant, may not fill the validator's caches, and
//! revocation is judged at verification time with the freshest CRLs. Each test is named after
//! what it refuses (or, for the CRL timing, what it must no longer refuse).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kavach_jws::{
    ChainCheckTime, CompactJws, Error, Freshness, Header, JwsVerifier, PayloadMode, SignOptions, UnsignedJws, sign,
};
use kavach_keys::PrivateKey;
use kavach_keys::Signer;
use kavach_pki::issue::{RevokedEntry, issue_crl};
use kavach_pki::testing::{IssuerFlood, TestPki};
use kavach_pki::{
    Crl, MAX_ISSUER_CANDIDATES, MAX_PATH_INTERMEDIATES, Purpose, TrustDomain, ValidationOptions, Validator,
};

const MIN: Duration = Duration::from_secs(60);

fn pki() -> &'static TestPki {
    TestPki::p256()
}

fn domain() -> TrustDomain {
    TrustDomain::new("partners", pki().trust_anchors()).unwrap()
}

/// The key re-read for JWS (ES256 in `r || s`), as a signer's JWS key is.
fn jws_key(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap()
}

#[test]
fn self_made_same_name_cas_in_x5c_are_refused_within_the_budget() {
    // The review's reproduction: the attacker signs with a leaf of its own under its own
    // "CN=X" and puts nine "CN=X" CAs in x5c (the most x5c holds besides the leaf). Its
    // signature verifies — it holds the leaf's key — so only the chain can refuse it.
    let flood = IssuerFlood::build(&["CN=X"], 9).unwrap();
    let mut chain = vec![flood.leaf.clone()];
    chain.extend(flood.cas.iter().cloned());
    let jws = sign(
        &jws_key(&flood.leaf_key),
        b"{}",
        &SignOptions::new().with_certificate_chain(chain),
    )
    .unwrap();
    let validator = Arc::new(Validator::new());
    let verifier = JwsVerifier::new(Arc::clone(&validator), domain());
    let err = verifier
        .verify_attached_at(&jws, std::time::SystemTime::now())
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Chain {
                when: ChainCheckTime::Signing,
                source: kavach_pki::Error::BudgetExceeded { .. }
            }
        ),
        "{err}"
    );
    // The same chain's work, counted: one branch to the depth limit, each level at most the
    // per-name cap (`cargo bench --bench pki -- flood/same-name-9` times it: microseconds).
    let options = ValidationOptions::new(Purpose::Signing, SystemTime::now());
    let (result, work) = validator.verify_with_work(&domain(), &flood.leaf, &flood.cas, &options);
    assert!(result.is_err());
    assert!(
        work.build_calls <= (MAX_PATH_INTERMEDIATES + 1) * MAX_ISSUER_CANDIDATES,
        "{work:?}"
    );
}

#[test]
fn a_thousand_cas_in_x5c_are_refused_before_any_certificate_is_parsed() {
    let flood = IssuerFlood::build(&["CN=X"], 1024).unwrap();
    let mut chain = vec![flood.leaf.clone()];
    chain.extend(flood.cas.iter().cloned());
    // The signer refuses to write it ...
    assert!(
        sign(
            &jws_key(&flood.leaf_key),
            b"{}",
            &SignOptions::new().with_certificate_chain(chain.clone())
        )
        .is_err()
    );
    // ... and a handmade one is refused by the header's size cap, before any parsing.
    let x5c: Vec<String> = chain.iter().map(|c| base64ct_encode(c.der())).collect();
    let header = format!(r#"{{"alg":"ES256","x5c":["{}"]}}"#, x5c.join("\",\""));
    let text = format!("{}.e30.AAAA", base64url(header.as_bytes()));
    let err = CompactJws::parse(&text).unwrap_err();
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

fn base64ct_encode(der: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64::encode_string(der)
}

fn base64url(bytes: &[u8]) -> String {
    use base64ct::Encoding;
    base64ct::Base64UrlUnpadded::encode_string(bytes)
}

#[test]
fn unauthenticated_x5c_does_not_fill_the_certificate_cache() {
    // x5c names the real signing leaf and intermediate, but the signature is an attacker's:
    // nothing it sent may stay in the validator's cache (before the fix every x5c entry was
    // parsed into the cache before the signature was checked).
    let leaf = &pki().leaf(Purpose::Signing).unwrap().certificate;
    let x5c = [leaf, &pki().intermediate().certificate]
        .iter()
        .map(|c| format!("\"{}\"", base64ct_encode(c.der())))
        .collect::<Vec<_>>()
        .join(",");
    let ts = kavach_jws::Timestamp::from_system_time(SystemTime::now()).unwrap();
    let header = format!(r#"{{"alg":"ES256","x5c":[{x5c}],"ts":"{ts}","jti":"AAAAAAAAAAAAAAAAAAAAAA"}}"#);
    let unsigned = UnsignedJws::new(
        Header::from_json(header.as_bytes()).unwrap(),
        b"{}",
        PayloadMode::Attached,
    )
    .unwrap();
    let attacker = jws_key(&PrivateKey::generate(kavach_keys::KeyKind::P256).unwrap());
    let signature = attacker.sign(unsigned.signing_input()).unwrap();
    let forged = unsigned.finish(&signature).unwrap();
    let validator = Arc::new(Validator::new());
    let verifier = JwsVerifier::new(Arc::clone(&validator), domain());
    let err = verifier
        .verify_attached_at(&forged, std::time::SystemTime::now())
        .unwrap_err();
    assert!(matches!(err, Error::BadSignature), "{err}");
    assert_eq!(validator.cached_certificates(), (0, 0), "an unverified x5c was cached");
}

/// A CRL of the test intermediate with thisUpdate `this_update`, listing `revoked`.
fn crl_at(this_update: SystemTime, revoked: &[RevokedEntry]) -> Crl {
    issue_crl(
        &pki().issuer(),
        revoked,
        this_update,
        this_update + 7 * 24 * 60 * MIN,
        7,
    )
    .unwrap()
}

fn signed_at(ts: SystemTime) -> CompactJws {
    let leaf = pki().leaf(Purpose::Signing).unwrap();
    sign(
        &jws_key(&leaf.key),
        b"{}",
        &SignOptions::new()
            .with_certificate_chain(vec![leaf.certificate.clone(), pki().intermediate().certificate.clone()])
            .with_freshness(Freshness::TimestampAndJtiAt(ts)),
    )
    .unwrap()
}

#[test]
fn signature_made_shortly_before_the_crl_this_update_is_accepted() {
    // Before the fix the signing-time chain check demanded a CRL current at `ts`: a CRL
    // published a minute after the signature refused it, though nothing was revoked.
    let now = SystemTime::now();
    let crl = crl_at(now - MIN, &[]);
    let verifier = JwsVerifier::new(Arc::new(Validator::new()), domain()).with_crls(vec![crl]);
    let jws = signed_at(now - 2 * MIN);
    verifier.verify_attached_at(&jws, now).unwrap();
}

#[test]
fn certificate_revoked_after_the_signing_time_is_refused() {
    // The other side of the rule: revocation is judged now, with the freshest CRL; a signature
    // made before the revocation date is refused too (a signer's `ts` is only its own claim).
    let now = SystemTime::now();
    let leaf = &pki().leaf(Purpose::Signing).unwrap().certificate;
    let crl = crl_at(now - MIN, &[RevokedEntry::new(leaf, now - MIN)]);
    let verifier = JwsVerifier::new(Arc::new(Validator::new()), domain()).with_crls(vec![crl]);
    let jws = signed_at(now - 2 * MIN);
    let err = verifier.verify_attached_at(&jws, now).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Chain {
                when: ChainCheckTime::Verification,
                source: kavach_pki::Error::Revoked { .. }
            }
        ),
        "{err}"
    );
}

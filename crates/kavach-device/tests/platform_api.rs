//! The platform side APIs (WIRE.md §5, §5b, rule 26), both ends in one process: each test is
//! named after the attack or mistake it stops.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime};

use kavach_device::PlatformCertificate;
use kavach_device::grammar::{Certification, CompactJwsText, DevicePurpose, Env, HttpsUri, Label, Uuid};
use kavach_device::platform::{
    DeviceDeregisterRequest, DeviceRegisterRequest, DeviceRegisterService, DeviceRegistration,
    EncryptionCertificateRequest, EncryptionCertificateService, MAX_BODY_LEN, PlatformAnchors, PlatformApiError,
    PlatformCertificateStore, PlatformEntry, parse_certificate_list,
};
use kavach_jose::base64;
use kavach_jws::{Freshness, JwsVerifier, Policy, SignOptions, Timestamp, sign};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::issue::{DistinguishedName, Issuer, SubjectAltName, Validity, issue_end_entity, issue_root};
use kavach_pki::testing::TestPki;
use kavach_pki::{Certificate, Purpose, TrustDomain, Validator};

const DAY: Duration = Duration::from_secs(86_400);
const MIN: Duration = Duration::from_secs(60);
const ENC_NAME: &str = "enc.platform.kavach.test";
const BASE: &str = "https://platform.kavach.test";

/// A root of its own and an end entity under it.
struct Ca {
    root: Certificate,
    key: PrivateKey,
}

impl Ca {
    fn new(name: &str) -> Self {
        let key = PrivateKey::generate(KeyKind::P256).unwrap();
        let now = SystemTime::now();
        let root = issue_root(
            &key,
            &DistinguishedName::parse(&format!("CN={name},O=Kavach Test,C=IN")).unwrap(),
            Validity::new(now - 400 * DAY, now + 3650 * DAY).unwrap(),
            None,
        )
        .unwrap();
        Self { root, key }
    }

    fn domain(&self, name: &str) -> TrustDomain {
        TrustDomain::new(name, vec![self.root.clone()]).unwrap()
    }

    fn leaf(&self, purpose: Purpose, cn: &str, sans: &[SubjectAltName], nb: SystemTime) -> (Certificate, PrivateKey) {
        let key = PrivateKey::generate(KeyKind::P256).unwrap();
        let cert = issue_end_entity(
            &Issuer::new(&self.root, &self.key).unwrap(),
            key.public_key(),
            &DistinguishedName::parse(&format!("CN={cn},O=Kavach Test,C=IN")).unwrap(),
            Validity::new(nb, SystemTime::now() + 365 * DAY).unwrap(),
            purpose,
            sans,
        )
        .unwrap();
        (cert, key)
    }
}

struct Fixture {
    /// The white-listed management server: the test PKI's signing leaf.
    ms_key: PrivateKey,
    ms_chain: Vec<Certificate>,
    ms_domain: TrustDomain,
    /// A management server under a root the platform does not white-list.
    foreign_key: PrivateKey,
    foreign_chain: Vec<Certificate>,
    /// The platform's signing identity.
    platform_ca: Ca,
    platform_key: Arc<PrivateKey>,
    platform_chain: Vec<Certificate>,
    /// The platform's encryption anchor and certificates.
    enc_ca: Ca,
    enc_old: Certificate,
    enc_new: Certificate,
    enc_wrong_name: Certificate,
}

/// The key re-read for JWS (ES256 in `r || s`).
fn jws_key(key: &PrivateKey) -> PrivateKey {
    PrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap()
}

static FIX: LazyLock<Fixture> = LazyLock::new(|| {
    let pki = TestPki::p256();
    let ms = pki.leaf(Purpose::Signing).unwrap();
    let ms_domain = TrustDomain::new("management servers", pki.trust_anchors()).unwrap();
    let now = SystemTime::now();
    let foreign = Ca::new("Foreign Management Root");
    let (foreign_leaf, foreign_key) = foreign.leaf(Purpose::Signing, "foreign-ms", &[], now - DAY);
    let platform_ca = Ca::new("Platform Signing Root");
    let (platform_leaf, platform_key) = platform_ca.leaf(Purpose::Signing, "platform-signer", &[], now - DAY);
    let enc_ca = Ca::new("Platform Encryption Root");
    let san = [SubjectAltName::dns(ENC_NAME).unwrap()];
    let (enc_old, _) = enc_ca.leaf(Purpose::Encryption, "platform-enc-old", &san, now - 10 * DAY);
    let (enc_new, _) = enc_ca.leaf(Purpose::Encryption, ENC_NAME, &[], now - DAY);
    let (enc_wrong_name, _) = enc_ca.leaf(Purpose::Encryption, "other.kavach.test", &[], now - MIN);
    Fixture {
        ms_key: jws_key(&ms.key),
        ms_chain: vec![ms.certificate.clone(), pki.intermediate().certificate.clone()],
        ms_domain,
        foreign_key,
        foreign_chain: vec![foreign_leaf],
        platform_ca,
        platform_key: Arc::new(platform_key),
        platform_chain: vec![platform_leaf],
        enc_ca,
        enc_old,
        enc_new,
        enc_wrong_name,
    }
});

fn fx() -> &'static Fixture {
    &FIX
}

fn uri(text: &str) -> HttpsUri {
    HttpsUri::parse("domainUri", text).unwrap()
}

fn auth() -> HttpsUri {
    uri("https://auth.kavach.test")
}

fn validator() -> Arc<Validator> {
    Arc::new(Validator::new())
}

/// What the management server verifies the platform with (strict).
fn platform_verifier() -> JwsVerifier {
    JwsVerifier::new(validator(), fx().platform_ca.domain("platform signing"))
}

/// The platform serving `certificates` for (Staging, auth) and (Production, auth).
fn service(certificates: Vec<Certificate>) -> EncryptionCertificateService {
    let servers = JwsVerifier::new(validator(), fx().ms_domain.clone());
    EncryptionCertificateService::new(servers, fx().platform_key.clone(), fx().platform_chain.clone())
        .with_certificates(Env::Staging, auth(), certificates.clone())
        .unwrap()
        .with_certificates(Env::Production, auth(), certificates)
        .unwrap()
}

fn enc_certificates() -> Vec<Certificate> {
    vec![fx().enc_old.clone(), fx().enc_new.clone()]
}

fn anchors() -> PlatformAnchors {
    let entry = |env| PlatformEntry {
        env,
        domain_uri: auth(),
        signing: fx().platform_ca.domain("platform signing"),
        encryption: fx().enc_ca.domain("platform encryption"),
        expected_name: ENC_NAME.to_owned(),
    };
    PlatformAnchors::new(vec![entry(Env::Staging), entry(Env::Production)]).unwrap()
}

/// A full §5 exchange at `now`; returns the relayed certificate.
fn fetch(service: &EncryptionCertificateService, env: Env, now: SystemTime) -> PlatformCertificate {
    let (body, pending) = EncryptionCertificateRequest::new(env, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle(&body, now).unwrap();
    let fetched = pending.accept_response(&answer, &platform_verifier(), now).unwrap();
    assert!(fetched.bound);
    fetched.relay
}

#[test]
fn encryption_certificate_round_trip_both_ends_and_the_device_picks_the_latest_not_before() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let (body, pending) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle(&body, now).unwrap();
    let fetched = pending.accept_response(&answer, &platform_verifier(), now).unwrap();
    assert!(fetched.bound, "a kavach platform binds its answer");
    assert_eq!(fetched.certificates.len(), 2);
    assert_eq!(fetched.relay.env, Env::Staging);
    assert_eq!(fetched.relay.domain_uri, auth());
    let verified = anchors()
        .verify(&validator(), &fetched.relay, now, Some(now + MIN))
        .unwrap();
    assert_eq!(verified.certificate().der(), fx().enc_new.der());
    let mut store = PlatformCertificateStore::new();
    assert!(store.offer(verified).unwrap());
    assert_eq!(
        store.current(Env::Staging, &auth()).unwrap().certificate().der(),
        fx().enc_new.der()
    );
}

#[test]
fn expected_name_as_a_dns_name_subject_alt_name_is_accepted() {
    // enc_old carries the name only as a dNSName SAN (its CN is another).
    let now = SystemTime::now();
    let relay = fetch(&service(vec![fx().enc_old.clone()]), Env::Staging, now);
    let verified = anchors().verify(&validator(), &relay, now, None).unwrap();
    assert_eq!(verified.certificate().der(), fx().enc_old.der());
}

#[test]
fn response_for_another_env_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let (_, pending_staging) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (body, _) = EncryptionCertificateRequest::new(Env::Production, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle(&body, now).unwrap();
    assert_eq!(
        pending_staging
            .accept_response(&answer, &platform_verifier(), now)
            .unwrap_err(),
        PlatformApiError::Mismatch { member: "env" }
    );
}

#[test]
fn response_for_another_domain_uri_is_refused() {
    let now = SystemTime::now();
    let other = uri("https://other-auth.kavach.test");
    let servers = JwsVerifier::new(validator(), fx().ms_domain.clone());
    let service = EncryptionCertificateService::new(servers, fx().platform_key.clone(), fx().platform_chain.clone())
        .with_certificates(Env::Staging, other.clone(), enc_certificates())
        .unwrap();
    let (_, pending) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (body, _) = EncryptionCertificateRequest::new(Env::Staging, other)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle(&body, now).unwrap();
    assert_eq!(
        pending.accept_response(&answer, &platform_verifier(), now).unwrap_err(),
        PlatformApiError::Mismatch { member: "domainUri" }
    );
}

#[test]
fn response_to_another_request_req_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let request = EncryptionCertificateRequest::new(Env::Staging, auth());
    let (_, first) = request.sign(&fx().ms_key, fx().ms_chain.clone(), now).unwrap();
    let (body, second) = request.sign(&fx().ms_key, fx().ms_chain.clone(), now).unwrap();
    assert_ne!(first.jti(), second.jti());
    let answer = service.handle(&body, now).unwrap();
    assert_eq!(
        first.accept_response(&answer, &platform_verifier(), now).unwrap_err(),
        PlatformApiError::Mismatch { member: "req" }
    );
    assert!(second.accept_response(&answer, &platform_verifier(), now).is_ok());
}

/// A MOSIP-shaped answer: no `ts`, `jti`, `env`, `domainUri` or `req`.
fn mosip_answer(certificates: &[Certificate], signer: &dyn Signer, chain: Vec<Certificate>) -> Vec<u8> {
    let payload: Vec<serde_json::Value> = certificates
        .iter()
        .map(|c| serde_json::json!({ "certificate": base64::encode_std(c.der()) }))
        .collect();
    let jws = sign(
        signer,
        serde_json::Value::Array(payload).to_string().as_bytes(),
        &SignOptions::new()
            .with_certificate_chain(chain)
            .with_freshness(Freshness::Omit),
    )
    .unwrap();
    serde_json::json!({
        "id": "io.mosip.auth.country.certificate",
        "version": "v1",
        "responsetime": Timestamp::from_system_time(SystemTime::now()).unwrap().to_string(),
        "metadata": null,
        "response": jws.as_str(),
        "errors": null,
    })
    .to_string()
    .into_bytes()
}

#[test]
fn mosip_shaped_response_without_kavach_members_is_accepted_unbound() {
    let now = SystemTime::now();
    let (_, pending) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = mosip_answer(
        &enc_certificates(),
        fx().platform_key.as_ref(),
        fx().platform_chain.clone(),
    );
    let mosip = platform_verifier().with_policy(Policy::CompatMosip);
    let fetched = pending.accept_response(&answer, &mosip, now).unwrap();
    assert!(!fetched.bound);
    // The device still trusts it through its own anchors.
    let verified = anchors().verify(&validator(), &fetched.relay, now, None).unwrap();
    assert_eq!(verified.certificate().der(), fx().enc_new.der());
}

#[test]
fn response_with_only_some_kavach_members_is_refused() {
    let now = SystemTime::now();
    let (_, pending) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let payload = serde_json::json!([{ "certificate": base64::encode_std(fx().enc_new.der()) }]).to_string();
    let jws = sign(
        fx().platform_key.as_ref(),
        payload.as_bytes(),
        &SignOptions::new()
            .with_certificate_chain(fx().platform_chain.clone())
            .with_freshness(Freshness::TimestampAndJtiAt(now))
            .with_header_member("env", "Staging")
            .with_header_member("domainUri", auth().as_str()),
    )
    .unwrap();
    let body = serde_json::json!({
        "id": "io.mosip.auth.country.certificate", "version": "v1",
        "responsetime": "2026-11-23T19:00:00.123Z", "response": jws.as_str(),
    })
    .to_string();
    assert_eq!(
        pending
            .accept_response(body.as_bytes(), &platform_verifier(), now)
            .unwrap_err(),
        PlatformApiError::Mismatch { member: "req" }
    );
}

/// `body` with the JWS at member `field` (top level or in `request`) replaced by `f(jws)`.
fn with_jws(body: &[u8], f: impl Fn(&str) -> String) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(body).unwrap();
    if let Some(s) = v.get("response").and_then(|s| s.as_str()).map(str::to_owned) {
        v["response"] = f(&s).into();
    } else {
        let request = v["request"].as_object_mut().unwrap();
        let (name, value) = request.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
        request.insert(name, f(value.as_str().unwrap()).into());
    }
    v.to_string().into_bytes()
}

/// The JWS with its payload replaced (signature kept).
fn tamper_payload(jws: &str, payload: &[u8]) -> String {
    let parts: Vec<&str> = jws.split('.').collect();
    format!("{}.{}.{}", parts[0], base64::encode_url(payload), parts[2])
}

#[test]
fn tampered_response_jws_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let (body, pending) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle(&body, now).unwrap();
    let swapped = serde_json::json!([{ "certificate": base64::encode_std(fx().enc_wrong_name.der()) }]).to_string();
    let tampered = with_jws(&answer, |jws| tamper_payload(jws, swapped.as_bytes()));
    assert_eq!(
        pending
            .accept_response(&tampered, &platform_verifier(), now)
            .unwrap_err(),
        PlatformApiError::Refused
    );
    // And the device refuses the same tampered JWS if it is relayed anyway.
    let v: serde_json::Value = serde_json::from_slice(&tampered).unwrap();
    let relay = PlatformCertificate {
        env: Env::Staging,
        domain_uri: auth(),
        response: CompactJwsText::parse("response", v["response"].as_str().unwrap(), 32 * 1024).unwrap(),
    };
    assert_eq!(
        anchors().verify(&validator(), &relay, now, None).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn request_from_a_management_server_not_white_listed_is_refused() {
    let now = SystemTime::now();
    let (body, _) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().foreign_key, fx().foreign_chain.clone(), now)
        .unwrap();
    assert_eq!(
        service(enc_certificates()).handle(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn replayed_request_jti_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let (body, _) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    assert!(service.handle(&body, now).is_ok());
    assert_eq!(service.handle(&body, now + MIN).unwrap_err(), PlatformApiError::Refused);
}

#[test]
fn request_ts_outside_five_minutes_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    for signed_at in [now - 6 * MIN, now + 6 * MIN] {
        let (body, _) = EncryptionCertificateRequest::new(Env::Staging, auth())
            .sign(&fx().ms_key, fx().ms_chain.clone(), signed_at)
            .unwrap();
        assert_eq!(service.handle(&body, now).unwrap_err(), PlatformApiError::Refused);
    }
    // Inside the window it is answered.
    let (body, _) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now - 4 * MIN)
        .unwrap();
    assert!(service.handle(&body, now).is_ok());
}

/// A §5 request body over an arbitrary payload, signed by the white-listed server.
fn raw_certificate_request(payload: &str, now: SystemTime) -> Vec<u8> {
    let jws = sign(
        &fx().ms_key,
        payload.as_bytes(),
        &SignOptions::new()
            .with_certificate_chain(fx().ms_chain.clone())
            .with_freshness(Freshness::TimestampAndJtiAt(now)),
    )
    .unwrap();
    serde_json::json!({
        "id": "io.mosip.auth.country.certificate", "version": "v1",
        "requesttime": Timestamp::from_system_time(now).unwrap().to_string(),
        "request": { "data": jws.as_str() },
    })
    .to_string()
    .into_bytes()
}

#[test]
fn request_env_not_one_of_the_four_exact_spellings_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    for env in ["staging", "Prod", "Pre-production", " Staging"] {
        let body = raw_certificate_request(
            &format!(r#"{{"env":"{env}","domainUri":"https://auth.kavach.test"}}"#),
            now,
        );
        let err = service.handle(&body, now).unwrap_err();
        assert!(
            matches!(err, PlatformApiError::Malformed { field: "env", .. }),
            "{env}: {err:?}"
        );
    }
}

#[test]
fn request_for_a_domain_uri_not_served_is_refused() {
    let now = SystemTime::now();
    let body = raw_certificate_request(r#"{"env":"Staging","domainUri":"https://elsewhere.test"}"#, now);
    assert_eq!(
        service(enc_certificates()).handle(&body, now).unwrap_err(),
        PlatformApiError::UnknownDomain
    );
}

// ---- §5b ----

fn digital_id(n: u8) -> CompactJwsText {
    CompactJwsText::parse("digitalId", &format!("eyJhbGciOiJFUzI1NiJ9.eyJuIjo{n}fQ.c2ln"), 1024).unwrap()
}

fn registration(n: u8) -> DeviceRegistration {
    DeviceRegistration {
        device_id: Label::parse("deviceId", "FP-SLAP-0001").unwrap(),
        purpose: DevicePurpose::Auth,
        device_sub_id: vec![1, 2, 3],
        certification: Certification::L1,
        digital_id: digital_id(n),
        firmware: Label::parse("firmware", "1.2.3").unwrap(),
        device_expiry: Timestamp::parse("2030-01-01T00:00:00.000Z").unwrap(),
        foundational_trust_provider_id: Some(Label::parse("foundationalTrustProviderId", "FTP-1").unwrap()),
    }
}

fn register_service() -> DeviceRegisterService {
    let providers = JwsVerifier::new(validator(), fx().ms_domain.clone());
    DeviceRegisterService::new(
        providers,
        fx().platform_key.clone(),
        fx().platform_chain.clone(),
        Env::Staging,
        uri(BASE),
    )
}

fn register_request(n: u8) -> DeviceRegisterRequest {
    DeviceRegisterRequest {
        base: uri(BASE),
        env: Env::Staging,
        device: registration(n),
    }
}

#[test]
fn register_and_deregister_round_trip_both_ends() {
    let now = SystemTime::now();
    let service = register_service();
    let (body, pending) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle_register(&body, now).unwrap();
    let registered = pending.accept_response(&answer, &platform_verifier(), now).unwrap();
    assert!(service.is_registered(&registered.device_code));
    // The device code is a UUIDv4 in canonical form.
    let text = registered.device_code.to_text();
    assert_eq!(Uuid::parse("deviceCode", &text).unwrap(), registered.device_code);
    assert_eq!(&text[14..15], "4");

    let (body, pending) = DeviceDeregisterRequest {
        base: uri(BASE),
        device_code: registered.device_code,
        env: Env::Staging,
    }
    .sign(&fx().ms_key, fx().ms_chain.clone(), now)
    .unwrap();
    let answer = service.handle_deregister(&body, now).unwrap();
    let done = pending.accept_response(&answer, &platform_verifier(), now).unwrap();
    assert_eq!(done.device_code, registered.device_code);
    assert!(!service.is_registered(&registered.device_code));
}

#[test]
fn register_request_for_another_aud_is_refused() {
    let now = SystemTime::now();
    let mut request = register_request(1);
    request.base = uri("https://other-platform.kavach.test");
    let (body, _) = request.sign(&fx().ms_key, fx().ms_chain.clone(), now).unwrap();
    assert_eq!(
        register_service().handle_register(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn deregister_request_for_another_aud_is_refused() {
    let now = SystemTime::now();
    let service = register_service();
    let (body, pending) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let code = pending
        .accept_response(&service.handle_register(&body, now).unwrap(), &platform_verifier(), now)
        .unwrap()
        .device_code;
    let (body, _) = DeviceDeregisterRequest {
        base: uri("https://other-platform.kavach.test"),
        device_code: code,
        env: Env::Staging,
    }
    .sign(&fx().ms_key, fx().ms_chain.clone(), now)
    .unwrap();
    assert_eq!(
        service.handle_deregister(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
    assert!(service.is_registered(&code));
}

#[test]
fn register_request_replayed_or_outside_five_minutes_is_refused() {
    let now = SystemTime::now();
    let service = register_service();
    let (body, _) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    assert!(service.handle_register(&body, now).is_ok());
    assert_eq!(
        service.handle_register(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
    let (body, _) = register_request(2)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now - 6 * MIN)
        .unwrap();
    assert_eq!(
        service.handle_register(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
}

/// A register request body over an arbitrary payload, signed by the provider with `aud`.
fn raw_register_request(payload: &str, now: SystemTime) -> Vec<u8> {
    let jws = sign(
        &fx().ms_key,
        payload.as_bytes(),
        &SignOptions::new()
            .with_certificate_chain(fx().ms_chain.clone())
            .with_freshness(Freshness::TimestampAndJtiAt(now))
            .with_header_member("aud", BASE),
    )
    .unwrap();
    serde_json::json!({
        "id": "io.mosip.deviceregister", "version": "v1",
        "requesttime": Timestamp::from_system_time(now).unwrap().to_string(),
        "request": { "deviceData": jws.as_str() },
    })
    .to_string()
    .into_bytes()
}

#[test]
fn register_request_in_mosip_shape_with_string_sub_ids_and_no_ftp_id_is_accepted() {
    let now = SystemTime::now();
    let ts = Timestamp::from_system_time(now).unwrap().to_string();
    let payload = serde_json::json!({
        "deviceId": "FP-SLAP-0001", "purpose": "Registration", "makerNote": "ignored",
        "deviceInfo": {
            "deviceSubId": ["1", 2], "certification": "L0", "digitalId": digital_id(3).as_str(),
            "firmware": "1.0", "deviceExpiry": "2030-01-01T00:00:00.000Z", "timestamp": ts,
        },
    })
    .to_string();
    let (_, pending) = register_request(3)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = register_service()
        .handle_register(&raw_register_request(&payload, now), now)
        .unwrap();
    assert!(pending.accept_response(&answer, &platform_verifier(), now).is_ok());
}

#[test]
fn register_request_with_a_stale_device_info_timestamp_is_refused() {
    // `ts` is fresh, `deviceInfo.timestamp` is ten minutes old.
    let now = SystemTime::now();
    let stale = Timestamp::from_system_time(now - 10 * MIN).unwrap().to_string();
    let payload = serde_json::json!({
        "deviceId": "FP-SLAP-0001", "purpose": "Auth", "foundationalTrustProviderId": "",
        "deviceInfo": {
            "deviceSubId": [1], "certification": "L0", "digitalId": digital_id(1).as_str(),
            "firmware": "1.0", "deviceExpiry": "2030-01-01T00:00:00.000Z", "timestamp": stale,
        },
    })
    .to_string();
    let body = raw_register_request(&payload, now);
    assert_eq!(
        register_service().handle_register(&body, now).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn register_response_digital_id_not_byte_equal_is_refused() {
    let now = SystemTime::now();
    let service = register_service();
    let (_, pending_one) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (body_two, _) = register_request(2)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle_register(&body_two, now).unwrap();
    assert_eq!(
        pending_one
            .accept_response(&answer, &platform_verifier(), now)
            .unwrap_err(),
        PlatformApiError::Mismatch { member: "digitalId" }
    );
}

#[test]
fn register_response_for_another_env_or_stale_timestamp_is_refused() {
    let now = SystemTime::now();
    let service = register_service();
    let mut request = register_request(1);
    request.env = Env::Production;
    let (body, pending) = request.sign(&fx().ms_key, fx().ms_chain.clone(), now).unwrap();
    let answer = service.handle_register(&body, now).unwrap();
    assert_eq!(
        pending.accept_response(&answer, &platform_verifier(), now).unwrap_err(),
        PlatformApiError::Mismatch { member: "env" }
    );
    let (body, pending) = register_request(2)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle_register(&body, now).unwrap();
    // A verifier with a day's window lets the `ts` through; `timestamp` is still checked.
    let lax = platform_verifier().with_window(DAY).unwrap();
    assert_eq!(
        pending.accept_response(&answer, &lax, now + 10 * MIN).unwrap_err(),
        PlatformApiError::Mismatch { member: "timestamp" }
    );
}

#[test]
fn register_response_not_signed_by_the_platform_is_refused() {
    let now = SystemTime::now();
    // Answered by a "platform" whose key is the management server's own.
    let providers = JwsVerifier::new(validator(), fx().ms_domain.clone());
    let impostor = DeviceRegisterService::new(
        providers,
        Arc::new(jws_key(&fx().ms_key)),
        fx().ms_chain.clone(),
        Env::Staging,
        uri(BASE),
    );
    let (body, pending) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = impostor.handle_register(&body, now).unwrap();
    assert_eq!(
        pending.accept_response(&answer, &platform_verifier(), now).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn deregister_response_with_another_device_code_is_refused() {
    let now = SystemTime::now();
    let service = register_service();
    let mut codes = Vec::new();
    for n in [1, 2] {
        let (body, pending) = register_request(n)
            .sign(&fx().ms_key, fx().ms_chain.clone(), now)
            .unwrap();
        let answer = service.handle_register(&body, now).unwrap();
        codes.push(
            pending
                .accept_response(&answer, &platform_verifier(), now)
                .unwrap()
                .device_code,
        );
    }
    let deregister = |code| DeviceDeregisterRequest {
        base: uri(BASE),
        device_code: code,
        env: Env::Staging,
    };
    let (_, pending_one) = deregister(codes[0])
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (body_two, _) = deregister(codes[1])
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let answer = service.handle_deregister(&body_two, now).unwrap();
    assert_eq!(
        pending_one
            .accept_response(&answer, &platform_verifier(), now)
            .unwrap_err(),
        PlatformApiError::Mismatch { member: "deviceCode" }
    );
}

#[test]
fn deregister_of_an_unknown_device_code_is_refused() {
    let now = SystemTime::now();
    let (body, _) = DeviceDeregisterRequest {
        base: uri(BASE),
        device_code: Uuid::from_random_bytes([7; 16]),
        env: Env::Staging,
    }
    .sign(&fx().ms_key, fx().ms_chain.clone(), now)
    .unwrap();
    assert_eq!(
        register_service().handle_deregister(&body, now).unwrap_err(),
        PlatformApiError::UnknownDevice
    );
}

// ---- rule 26 ----

/// A §5-shaped response JWS signed by `signer` over `certificates`, as relayed for Staging.
fn relay_signed_by(signer: &dyn Signer, chain: Vec<Certificate>, certificates: &[Certificate]) -> PlatformCertificate {
    let body = mosip_answer(certificates, signer, chain);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    PlatformCertificate {
        env: Env::Staging,
        domain_uri: auth(),
        response: CompactJwsText::parse("response", v["response"].as_str().unwrap(), 32 * 1024).unwrap(),
    }
}

#[test]
fn management_server_relaying_a_platform_certificate_not_chaining_to_the_device_anchor_is_refused() {
    let now = SystemTime::now();
    // The management server signs a "platform response" itself, with an encryption certificate
    // of its own PKI: its signature adds no trust.
    let own_enc = TestPki::p256().leaf(Purpose::Encryption).unwrap().certificate.clone();
    let relay = relay_signed_by(&fx().ms_key, fx().ms_chain.clone(), std::slice::from_ref(&own_enc));
    assert_eq!(
        anchors().verify(&validator(), &relay, now, None).unwrap_err(),
        PlatformApiError::Refused
    );
    // Even the genuine platform signature does not make a certificate outside the device's
    // encryption anchor acceptable.
    let relay = relay_signed_by(fx().platform_key.as_ref(), fx().platform_chain.clone(), &[own_enc]);
    assert_eq!(
        anchors().verify(&validator(), &relay, now, None).unwrap_err(),
        PlatformApiError::NoValidCertificate
    );
}

#[test]
fn platform_entry_for_another_env_or_domain_uri_is_refused() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let relay = fetch(&service, Env::Staging, now);
    // No entry for Developer, nor for another domainUri.
    let mut other_env = relay.clone();
    other_env.env = Env::Developer;
    assert_eq!(
        anchors().verify(&validator(), &other_env, now, None).unwrap_err(),
        PlatformApiError::UnknownPlatform
    );
    let mut other_uri = relay.clone();
    other_uri.domain_uri = uri("https://elsewhere.kavach.test");
    assert_eq!(
        anchors().verify(&validator(), &other_uri, now, None).unwrap_err(),
        PlatformApiError::UnknownPlatform
    );
    // An entry exists for Production, but the platform signed this answer for Staging.
    let mut relabelled = relay;
    relabelled.env = Env::Production;
    assert_eq!(
        anchors().verify(&validator(), &relabelled, now, None).unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn encryption_certificate_with_the_wrong_name_is_refused() {
    let now = SystemTime::now();
    let relay = fetch(&service(vec![fx().enc_wrong_name.clone()]), Env::Staging, now);
    assert_eq!(
        anchors().verify(&validator(), &relay, now, None).unwrap_err(),
        PlatformApiError::NoValidCertificate
    );
}

#[test]
fn relayed_certificate_checked_at_hi_after_its_expiry_is_refused() {
    let now = SystemTime::now();
    let relay = fetch(&service(vec![fx().enc_new.clone()]), Env::Staging, now);
    assert!(anchors().verify(&validator(), &relay, now, Some(now + DAY)).is_ok());
    assert_eq!(
        anchors()
            .verify(&validator(), &relay, now, Some(now + 3 * 365 * DAY))
            .unwrap_err(),
        PlatformApiError::Refused
    );
}

#[test]
fn older_certificate_does_not_replace_a_newer_one() {
    let now = SystemTime::now();
    let newer = anchors()
        .verify(
            &validator(),
            &fetch(&service(vec![fx().enc_new.clone()]), Env::Staging, now),
            now,
            None,
        )
        .unwrap();
    let older = anchors()
        .verify(
            &validator(),
            &fetch(&service(vec![fx().enc_old.clone()]), Env::Staging, now),
            now,
            None,
        )
        .unwrap();
    assert!(older.not_before() < newer.not_before());
    let mut store = PlatformCertificateStore::new();
    assert!(store.offer(newer.clone()).unwrap());
    assert!(
        !store.offer(older.clone()).unwrap(),
        "an older certificate must not replace"
    );
    assert!(
        !store.offer(newer.clone()).unwrap(),
        "the same certificate is no replacement"
    );
    assert_eq!(
        store.current(Env::Staging, &auth()).unwrap().certificate().der(),
        fx().enc_new.der()
    );
    // The other way round, the newer one replaces the older.
    let mut store = PlatformCertificateStore::new();
    assert!(store.offer(older).unwrap());
    assert!(store.offer(newer).unwrap());
    assert_eq!(
        store.current(Env::Staging, &auth()).unwrap().certificate().der(),
        fx().enc_new.der()
    );
}

// ---- bad input ----

fn bad_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut oversized = b"{\"id\":\"".to_vec();
    oversized.resize(MAX_BODY_LEN + 1, b'a');
    vec![
        ("garbage", b"\x00\xffnot json at all".to_vec()),
        ("empty", Vec::new()),
        ("array", b"[1,2]".to_vec()),
        ("oversized", oversized),
        (
            "duplicate members",
            br#"{"id":"io.mosip.auth.country.certificate","id":"io.mosip.auth.country.certificate","version":"v1"}"#
                .to_vec(),
        ),
        (
            "unknown member",
            br#"{"id":"io.mosip.auth.country.certificate","version":"v1","requesttime":"2026-11-23T19:00:00.123Z","request":{"data":"a.b.c"},"extra":1}"#
                .to_vec(),
        ),
        (
            "nested duplicate",
            br#"{"id":"io.mosip.deviceregister","version":"v1","requesttime":"2026-11-23T19:00:00.123Z","request":{"deviceData":"a.b.c","deviceData":"a.b.c"}}"#
                .to_vec(),
        ),
    ]
}

#[test]
fn bad_input_gives_typed_errors_for_every_parser() {
    let now = SystemTime::now();
    let service = service(enc_certificates());
    let register = register_service();
    let (_, pending_cert) = EncryptionCertificateRequest::new(Env::Staging, auth())
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (_, pending_reg) = register_request(1)
        .sign(&fx().ms_key, fx().ms_chain.clone(), now)
        .unwrap();
    let (_, pending_dereg) = DeviceDeregisterRequest {
        base: uri(BASE),
        device_code: Uuid::from_random_bytes([1; 16]),
        env: Env::Staging,
    }
    .sign(&fx().ms_key, fx().ms_chain.clone(), now)
    .unwrap();
    let verifier = platform_verifier();
    for (what, input) in bad_inputs() {
        let results = [
            ("handle", service.handle(&input, now).err()),
            ("handle_register", register.handle_register(&input, now).err()),
            ("handle_deregister", register.handle_deregister(&input, now).err()),
            (
                "certificate accept_response",
                pending_cert.accept_response(&input, &verifier, now).err(),
            ),
            (
                "register accept_response",
                pending_reg.accept_response(&input, &verifier, now).err(),
            ),
            (
                "deregister accept_response",
                pending_dereg.accept_response(&input, &verifier, now).err(),
            ),
            ("parse_certificate_list", parse_certificate_list(&input).err()),
        ];
        for (parser, err) in results {
            let err = err.unwrap_or_else(|| panic!("{parser} accepted {what}"));
            assert!(err.is_malformed_input(), "{parser} on {what}: {err:?}");
        }
    }
}

#[test]
fn bad_certificate_lists_give_typed_errors() {
    let cert = base64::encode_std(fx().enc_new.der());
    let nine: Vec<serde_json::Value> = (0..9).map(|_| serde_json::json!({ "certificate": cert })).collect();
    let huge = base64::encode_std(&vec![0u8; 9 * 1024]);
    for list in [
        "[]".to_owned(),
        serde_json::Value::Array(nine).to_string(),
        format!(r#"[{{"certificate":"{huge}"}}]"#),
        r#"[{"certificate":"bm90IGEgY2VydGlmaWNhdGU="}]"#.to_owned(),
        format!(r#"[{{"certificate":"{cert}","certificate":"{cert}"}}]"#),
        format!(r#"[{{"certificate":"{cert}"}}], "b": 1"#),
        format!(r#"[{{"certificate":"{cert}"}}]}}"#),
        r#"{"certificate":"x"}"#.to_owned(),
    ] {
        let err = parse_certificate_list(list.as_bytes()).unwrap_err();
        assert!(err.is_malformed_input(), "{list:.60}: {err:?}");
    }
    assert_eq!(
        parse_certificate_list(format!(r#"[{{"certificate":"{cert}","note":"x"}}]"#).as_bytes())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn relayed_garbage_jws_is_refused_without_detail() {
    let now = SystemTime::now();
    for text in ["a.b.c", "eyJhbGciOiJub25lIn0.e30.c2ln", "eyJhbGciOiJFUzI1NiJ9.W10.c2ln"] {
        let relay = PlatformCertificate {
            env: Env::Staging,
            domain_uri: auth(),
            response: CompactJwsText::parse("response", text, 1024).unwrap(),
        };
        assert_eq!(
            anchors().verify(&validator(), &relay, now, None).unwrap_err(),
            PlatformApiError::Refused
        );
    }
}

#[test]
fn errors_never_echo_input_values() {
    let now = SystemTime::now();
    let secret = "SECRET-VALUE-1234";
    let body = raw_certificate_request(
        &format!(r#"{{"env":"{secret}","domainUri":"https://auth.kavach.test"}}"#),
        now,
    );
    let err = service(enc_certificates()).handle(&body, now).unwrap_err();
    assert!(!err.to_string().contains(secret) && !format!("{err:?}").contains(secret));
    let dup = format!(r#"{{"{secret}":1,"{secret}":2}}"#);
    let err = service(enc_certificates()).handle(dup.as_bytes(), now).unwrap_err();
    assert!(!err.to_string().contains(secret) && !format!("{err:?}").contains(secret));
}

#[test]
fn client_platform_trust_over_the_device_anchors_accepts_only_what_chains_to_them() {
    use kavach_device::client::PlatformTrust;
    use kavach_device::platform::AnchoredPlatformTrust;
    let now = SystemTime::now();
    let ms = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_millis() as u64;
    let relayed = fetch(&service(enc_certificates()), Env::Staging, now);
    let trust = AnchoredPlatformTrust::new(anchors(), validator());
    assert_eq!(
        trust.verify(&relayed, ms(now), Some(ms(now + MIN))),
        Some(ms(fx().enc_new.not_before())),
        "the latest notBefore is the one used"
    );
    // Anchors of another platform: the same relay is refused.
    let foreign = PlatformAnchors::new(vec![PlatformEntry {
        env: Env::Staging,
        domain_uri: auth(),
        signing: fx().enc_ca.domain("not the signing anchor"),
        encryption: fx().enc_ca.domain("platform encryption"),
        expected_name: ENC_NAME.to_owned(),
    }])
    .unwrap();
    let trust = AnchoredPlatformTrust::new(foreign, validator());
    assert_eq!(trust.verify(&relayed, ms(now), Some(ms(now + MIN))), None);
}

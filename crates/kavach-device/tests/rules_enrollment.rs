//! Enrollment (WIRE.md §6.3, rules 9–13; rule 22's re-enrollment; the rate limit), through
//! the protocol.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{Harness, decode, error_code, fresh_nonce, sign_as_ftm};
use kavach_device::client::{ClientEvent, MemoryClientState, MemoryInstaller, OutgoingRequest};
use kavach_device::grammar::{Certification, CompactJwsText, Label};
use kavach_device::message::{Body, Direction, EnrollBody, Message, Path};
use kavach_device::server::{DeviceState, ServerResponse};
use kavach_device::testing::{DeviceWorld, KeyAndCert, PROVIDER_A, PROVIDER_B, TestClock, TestDevice};
use kavach_device::{Action, Refusal, WireCode};
use kavach_jws::{SignOptions, sign};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::Purpose;
use kavach_pki::issue::{
    DistinguishedName, Issuer as PkiIssuer, Validity, create_csr_with_challenge_password, issue_end_entity, issue_root,
};

fn device(serial: &str) -> TestDevice {
    DeviceWorld::get().device(PROVIDER_A, serial, Certification::L1, false)
}

/// The client's `enroll` (after a challenge), not yet delivered, and its message.
fn enroll_request(h: &mut Harness) -> (OutgoingRequest, Message) {
    assert_eq!(h.step(), (Path::Challenge, Ok(ClientEvent::Challenged)));
    let request = h.request();
    assert_eq!(request.path, Path::Enroll);
    let message = decode(&request.body, Path::Enroll, Direction::Request);
    (request, message)
}

fn enroll_body(message: &mut Message) -> &mut EnrollBody {
    match &mut message.body {
        Body::Enroll(e) => e,
        other => panic!("not an enroll: {other:?}"),
    }
}

/// Asserts the server refused with `refusal` answered as `code`, and enrolled no device.
fn assert_refused(h: &Harness, response: &ServerResponse, path: Path, refusal: Refusal, code: WireCode) {
    assert_eq!(response.refusal, Some(refusal));
    assert_eq!(error_code(response, path), code.as_str());
    assert!(
        h.server
            .registry()
            .devices()
            .unwrap()
            .iter()
            .all(|d| d.state != DeviceState::Enrolled),
        "no device enrolled"
    );
}

/// Rule 10: a challenge is single use; an `enroll` reusing it (new envelope, FTM-signed) is
/// refused, as is the byte-identical replay.
#[test]
fn replayed_enrollment_challenge() {
    let d = device("SN-ENR-REPLAY");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, message) = enroll_request(&mut h);
    let response = h.deliver(Path::Enroll, &request.body);
    assert_eq!(response.status, 200);
    let code = h.device().device_code;
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Enrolled { .. })));
    let replay = h.deliver(Path::Enroll, &request.body);
    assert_eq!(replay.status, 409);
    assert_eq!(error_code(&replay, Path::Enroll), WireCode::Replay.as_str());
    let mut again = message;
    again.nonce = fresh_nonce();
    again.seq += 100;
    let response = h.deliver(Path::Enroll, &sign_as_ftm(&d, &again));
    assert_eq!(
        response.refusal,
        Some(Refusal::Unidentified {
            detail: "challenge unknown, used, or issued to another FTM"
        })
    );
    assert_eq!(error_code(&response, Path::Enroll), WireCode::Unidentified.as_str());
    assert_eq!(h.device().device_code, code, "still the one device");
}

/// Rule 10: a challenge is stored against the FTM it was issued to.
#[test]
fn challenge_issued_to_another_ftm() {
    let world = DeviceWorld::get();
    let first = device("SN-ENR-OTHER-FTM-1");
    let second = device("SN-ENR-OTHER-FTM-2");
    let mut h = Harness::new(&first, MemoryInstaller::new());
    h.server
        .registry()
        .add_provisioning_record(second.record.clone())
        .unwrap();
    assert_eq!(h.step(), (Path::Challenge, Ok(ClientEvent::Challenged)));
    let stolen = h.client.pending_challenge().unwrap();
    // The second device, with a challenge of its own, enrolls with the first one's.
    let mut other = Harness::with_server(
        &second,
        world.server(), // (its own server is not used: the request goes to `h`'s)
        MemoryInstaller::new(),
    );
    assert_eq!(
        h.deliver(Path::Challenge, &other.request().body).status,
        200,
        "second challenge issued"
    );
    let (_, mut message) = enroll_request(&mut other);
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let subject = kavach_device::naming::device_subject(&second.digital_id_fields.serial_no).unwrap();
    let body = enroll_body(&mut message);
    body.challenge = stolen;
    body.csr = create_csr_with_challenge_password(&key, &subject, &stolen.to_base64url())
        .unwrap()
        .der()
        .to_vec();
    message.nonce = fresh_nonce();
    let response = h.deliver(Path::Enroll, &sign_as_ftm(&second, &message));
    assert_refused(
        &h,
        &response,
        Path::Enroll,
        Refusal::Unidentified {
            detail: "challenge unknown, used, or issued to another FTM",
        },
        WireCode::Unidentified,
    );
    // The first device still enrolls with it.
    assert!(matches!(h.step(), (Path::Enroll, Ok(ClientEvent::Enrolled { .. }))));
}

/// Rule 9: a second device with the same FTM certificate (a clone) is refused `KVC-DEV-004`.
#[test]
fn cloned_ftm_enrolling_twice() {
    let world = DeviceWorld::get();
    let d = device("SN-ENR-CLONE");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let code = h.enroll();
    // The clone: the same FTM key and certificate, its own fresh state.
    let store = MemoryClientState::new();
    h.client = world.client(&d, store.clone(), TestClock::new(), MemoryInstaller::new());
    h.store = store;
    // Its seq starts below the original's: the signed KVC-REPLAY-001 moves it up (rule 5).
    assert_eq!(
        h.step(),
        (
            Path::Challenge,
            Ok(ClientEvent::ServerError {
                code: WireCode::Replay.into()
            })
        )
    );
    assert_eq!(h.step(), (Path::Challenge, Ok(ClientEvent::Challenged)));
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Enroll);
    assert_eq!(response.refusal, Some(Refusal::Clone));
    assert_eq!(response.status, 403);
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::ServerError {
            code: WireCode::Clone.into()
        })
    );
    assert!(
        h.client.state().certificate_chain.is_empty(),
        "the clone holds no certificate"
    );
    let record = h.device();
    assert_eq!(record.device_code, code);
    assert_eq!(record.state, DeviceState::Enrolled, "the original is untouched");
}

/// Rule 9: an FTM certificate that is not in the provisioning records gets nothing.
#[test]
fn ftm_certificate_missing_from_the_provisioning_records() {
    let world = DeviceWorld::get();
    let d = device("SN-ENR-UNLISTED");
    let store = MemoryClientState::new();
    let client = world.client(&d, store.clone(), TestClock::new(), MemoryInstaller::new());
    let mut h = Harness::assemble(world.server(), client, store, TestClock::new());
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Challenge);
    assert_refused(
        &h,
        &response,
        Path::Challenge,
        Refusal::Unidentified {
            detail: "FTM certificate not in the provisioning records",
        },
        WireCode::Unidentified,
    );
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::ServerError {
            code: WireCode::Unidentified.into()
        })
    );
    assert_eq!(h.client.pending_challenge(), None);
}

/// Rule 9: the digital ID must match the FTM's provisioning record field for field.
#[test]
fn digital_id_differing_from_its_record() {
    let mut d = device("SN-ENR-DIGITAL-ID");
    d.record.serial_no = Label::parse("serialNo", "SN-ENR-SOMEONE-ELSE").unwrap();
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, response) = h.exchange();
    assert_refused(
        &h,
        &response,
        request.path,
        Refusal::Unidentified {
            detail: "digitalId differs from its provisioning record",
        },
        WireCode::Unidentified,
    );
}

/// Rule 11: an L1 record and `certification: L1` in `deviceInfo`, but no key attestation:
/// the device enrolls at L0 (the level is never taken from `deviceInfo`).
#[test]
fn l1_claimed_without_key_attestation_enrolls_at_l0() {
    let world = DeviceWorld::get();
    let d = device("SN-ENR-NO-ATTESTATION");
    assert_eq!(d.device_info().certification, Certification::L1);
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let store = MemoryClientState::new();
    let clock = TestClock::new();
    h.client = common::client_with(
        &d,
        |_| {},
        store.clone(),
        common::software_keys(&d, false),
        clock.clone(),
        MemoryInstaller::new(),
    );
    h.store = store;
    h.clock = clock;
    let _ = world;
    h.enroll();
    assert_eq!(h.device().level, Certification::L0);
}

/// A root and an FTM chip under it that no provider of the server knows.
fn foreign_device(serial: &str) -> TestDevice {
    let from = SystemTime::now() - Duration::from_secs(86_400);
    let validity = |days: u64| Validity::new(from, from + Duration::from_secs(days * 86_400)).unwrap();
    let root_key = PrivateKey::generate(KeyKind::P256).unwrap();
    let root_name = DistinguishedName::parse("CN=FTM Root A,O=Chipmaker A").unwrap();
    let root = issue_root(&root_key, &root_name, validity(3650), Some(0)).unwrap();
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let issuer = PkiIssuer::new(&root, &root_key).unwrap();
    let name = DistinguishedName::parse(&format!("CN=FTM {serial}")).unwrap();
    let certificate = issue_end_entity(&issuer, key.public_key(), &name, validity(730), Purpose::Ftm, &[]).unwrap();
    let mut d = device(serial);
    let jws = sign(
        &key,
        &d.digital_id_fields.to_json(),
        &SignOptions::new().with_certificate_chain(vec![certificate.clone()]),
    )
    .unwrap();
    d.digital_id = CompactJwsText::parse("digitalId", jws.as_str(), 16 * 1024).unwrap();
    d.record.certificate = *certificate.sha256_thumbprint().as_bytes();
    d.chip = KeyAndCert { key, certificate };
    d
}

/// Rule 9: an FTM chain from a root no provider of this server knows (its record listed
/// under provider A, even) is refused.
#[test]
fn ftm_chain_from_an_unknown_provider() {
    let d = foreign_device("SN-ENR-UNKNOWN-ROOT");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Challenge);
    assert!(
        matches!(response.refusal, Some(Refusal::Unidentified { .. })),
        "{:?}",
        response.refusal
    );
    assert_eq!(response.status, 403);
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    assert_eq!(h.server.registry().devices().unwrap().len(), 0);
}

/// Rule 9: provider A's FTM chip recorded under provider B is checked against B's FTM root
/// and refused.
#[test]
fn ftm_chain_of_provider_a_enrolling_under_provider_b() {
    let mut d = device("SN-ENR-A-UNDER-B");
    d.record.provider_id = Label::parse("provider", PROVIDER_B).unwrap();
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, response) = h.exchange();
    let refusal = response.refusal.clone().unwrap();
    assert!(matches!(refusal, Refusal::Unidentified { .. }), "{refusal:?}");
    assert_ne!(
        refusal.detail(),
        "digitalId differs from its provisioning record",
        "the chain failed first"
    );
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    assert_eq!(h.server.registry().devices().unwrap().len(), 0);
}

/// Seed 004: a model not on the provider's approved list is refused `KVC-DEV-002`.
#[test]
fn unapproved_model() {
    let d = device("SN-ENR-UNAPPROVED");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    h.server
        .registry()
        .withdraw_model(&d.record.provider_id, &d.record.make, &d.record.model)
        .unwrap();
    let (request, _) = enroll_request(&mut h);
    let response = h.deliver(Path::Enroll, &request.body);
    assert_refused(
        &h,
        &response,
        Path::Enroll,
        Refusal::ModelNotApproved,
        WireCode::ModelNotApproved,
    );
    assert_eq!(response.status, 403);
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::ServerError {
            code: WireCode::ModelNotApproved.into()
        })
    );
}

/// Rule 11: a CSR whose signature does not verify (no proof of possession) is refused.
#[test]
fn csr_without_proof_of_possession() {
    let d = device("SN-ENR-NO-POP");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (_, mut message) = enroll_request(&mut h);
    let csr = &mut enroll_body(&mut message).csr;
    let last = csr.len() - 1;
    csr[last] ^= 0x01;
    let response = h.deliver(Path::Enroll, &sign_as_ftm(&d, &message));
    assert_refused(
        &h,
        &response,
        Path::Enroll,
        Refusal::Unidentified {
            detail: "CSR without proof of possession",
        },
        WireCode::Unidentified,
    );
}

/// Rule 11: the CSR's challengePassword must be this enrollment's challenge.
#[test]
fn csr_not_bound_to_the_challenge() {
    let d = device("SN-ENR-UNBOUND-CSR");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (_, mut message) = enroll_request(&mut h);
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let subject = kavach_device::naming::device_subject(&d.digital_id_fields.serial_no).unwrap();
    enroll_body(&mut message).csr = create_csr_with_challenge_password(&key, &subject, "another-challenge")
        .unwrap()
        .der()
        .to_vec();
    let response = h.deliver(Path::Enroll, &sign_as_ftm(&d, &message));
    assert_refused(
        &h,
        &response,
        Path::Enroll,
        Refusal::Unidentified {
            detail: "CSR not bound to the challenge",
        },
        WireCode::Unidentified,
    );
}

/// Rule 22: an FTM certificate deregistered is refused `KVC-DEV-003`; an operator's
/// re-approval allows one enrollment, not two.
#[test]
fn re_enrollment_of_a_deregistered_ftm() {
    let world = DeviceWorld::get();
    let d = device("SN-ENR-DEREGISTERED");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let code = h.ready();
    let deregister = |h: &mut Harness| {
        let code = h.client.state().device_code.unwrap();
        h.server.queue_command(&code, Action::Deregister, h.now).unwrap();
        assert!(matches!(h.step(), (Path::Status, Ok(ClientEvent::Commands { .. }))));
        assert_eq!(h.step(), (Path::Result, Ok(ClientEvent::Deregistered)));
    };
    deregister(&mut h);
    // The device is re-provisioned (its state wiped) and tries again.
    let reprovision = |h: &mut Harness| {
        let store = MemoryClientState::new();
        h.client = world.client(&d, store.clone(), h.clock.clone(), MemoryInstaller::new());
        h.store = store;
    };
    reprovision(&mut h);
    let enroll = |h: &mut Harness| -> (ServerResponse, Result<ClientEvent, kavach_device::client::ClientError>) {
        // A wiped client starts at seq 1, below the server's mark for this FTM: the signed
        // KVC-REPLAY-001 moves it above (rule 5), then it asks for a challenge and enrolls.
        for _ in 0..4 {
            let (request, response) = h.exchange();
            let event = h.answer(&response.body);
            if request.path == Path::Enroll {
                return (response, event);
            }
        }
        panic!("no enroll sent");
    };
    let (response, event) = enroll(&mut h);
    assert_eq!(response.refusal, Some(Refusal::Deregistered));
    assert_eq!(
        event,
        Ok(ClientEvent::ServerError {
            code: WireCode::Deregistered.into()
        })
    );
    h.server.registry().reapprove(d.record.certificate).unwrap();
    let (response, event) = enroll(&mut h);
    assert_eq!(response.status, 200);
    let Ok(ClientEvent::Enrolled { device_code }) = event else {
        panic!("{event:?}")
    };
    assert_ne!(device_code, code, "a new device record");
    // Deregistered again: the re-approval was used up.
    h.server.queue_command(&device_code, Action::Deregister, h.now).unwrap();
    reprovision(&mut h);
    let (response, _) = enroll(&mut h);
    assert_eq!(response.refusal, Some(Refusal::Deregistered));
}

/// Rule 13: the client accepts `enrolled` only with a certificate for its own key: another
/// device's valid certificate is refused and nothing is kept.
#[test]
fn enrolled_answer_with_another_devices_certificate() {
    let other = device("SN-ENR-OTHER-CERT-2");
    let mut o = Harness::new(&other, MemoryInstaller::new());
    o.enroll();
    let foreign = o.client.state().certificate_chain.clone();
    let d = device("SN-ENR-OTHER-CERT");
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, _) = enroll_request(&mut h);
    let response = h.deliver(Path::Enroll, &request.body);
    let forged = common::resign_answer(&response.body, Path::Enroll, |m| {
        let Body::Enrolled(e) = &mut m.body else { panic!() };
        e.device_cert = foreign.clone();
    });
    assert_eq!(
        h.refuse(&forged),
        Refusal::Client("deviceCert is not for this device's key")
    );
    assert!(h.client.state().certificate_chain.is_empty());
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Enrolled { .. })));
}

/// Rule 12: an L0 device enrolls with its per-device provisioning key (at L0); the same key
/// recorded as an FTM chip (checked against the FTM root) is not enrolled.
#[test]
fn l0_provisioning_key_posing_as_an_ftm() {
    let world = DeviceWorld::get();
    let d = world.device(PROVIDER_A, "SN-ENR-L0", Certification::L0, true);
    let mut h = Harness::new(&d, MemoryInstaller::new());
    h.enroll();
    assert_eq!(h.device().level, Certification::L0);
    let mut d = world.device(PROVIDER_A, "SN-ENR-L0-AS-FTM", Certification::L1, true);
    d.record.kind = kavach_device::server::ProvisionedKey::Ftm;
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let (request, response) = h.exchange();
    assert!(
        matches!(response.refusal, Some(Refusal::Unidentified { .. })),
        "{:?}",
        response.refusal
    );
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    assert!(h.server.registry().devices().unwrap().is_empty());
}

/// Rate limit: enrollment attempts beyond the per-device limit are refused `KVC-DEV-000`
/// with HTTP 429.
#[test]
fn enrollment_flood_beyond_the_rate_limit() {
    let world = DeviceWorld::get();
    let d = device("SN-ENR-FLOOD");
    let server = world.server_with(world.server_config().with_enrollment_rate_limit(
        2,
        1_000,
        Duration::from_secs(3_600),
    ));
    let mut h = Harness::with_server(&d, server, MemoryInstaller::new());
    for _ in 0..2 {
        let (request, response) = h.exchange();
        assert_eq!((request.path, response.status), (Path::Challenge, 200));
    }
    let (request, response) = h.exchange();
    assert_eq!(response.refusal, Some(Refusal::RateLimited));
    assert_eq!(response.status, 429);
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    // An hour later the device may try again.
    h.advance(Duration::from_secs(3_601));
    let (_, response) = h.exchange();
    assert_eq!(response.status, 200);
    let _: &dyn Signer = &d.chip.key;
}

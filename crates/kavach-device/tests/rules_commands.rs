//! Commands (WIRE.md §6.6, rules 19–22) and the relayed platform certificate (§6.8, rule
//! 26), through the protocol.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Harness, SharedKeys, decode, error_code, fresh_nonce, resign_answer};
use kavach_device::client::{ClientEvent, KeyStore, MemoryInstaller, PlatformTrust};
use kavach_device::grammar::{Certification, Env, HttpsUri, Outcome, Uuid};
use kavach_device::message::{Body, Direction, Path};
use kavach_device::server::DeviceRegistry;
use kavach_device::signed::sign_message;
use kavach_device::testing::{DeviceWorld, PROVIDER_A, TestDevice};
use kavach_device::{Action, Command, CommandResult, PlatformCertificate, Refusal, ResultData, WireCode};
use kavach_pki::Certificate;

fn device(serial: &str) -> TestDevice {
    DeviceWorld::get().device(PROVIDER_A, serial, Certification::L1, false)
}

fn ready(serial: &str) -> (Harness, Uuid) {
    let d = device(serial);
    let mut h = Harness::new(&d, MemoryInstaller::new());
    let code = h.ready();
    (h, code)
}

fn commands_of(m: &mut kavach_device::Message) -> &mut Vec<Command> {
    match &mut m.body {
        Body::Commands(c) => &mut c.commands,
        other => panic!("not a commands answer: {other:?}"),
    }
}

fn ran(name: &'static str, outcome: Outcome) -> (Path, Result<ClientEvent, kavach_device::client::ClientError>) {
    (
        Path::Status,
        Ok(ClientEvent::Commands {
            ran: Some(name),
            outcome: Some(outcome),
        }),
    )
}

fn random_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).unwrap();
    Uuid::from_random_bytes(bytes)
}

/// Rule 19: a command whose `cmdSeq` is not the last executed + 1 is not run.
#[test]
fn commands_out_of_order() {
    let (mut h, code) = ready("SN-CMD-ORDER");
    h.server.queue_command(&code, Action::CollectInfo, h.now).unwrap();
    h.server.queue_command(&code, Action::SyncTime, h.now).unwrap();
    let (request, response) = h.exchange();
    // Command 1 withheld: command 2 alone is not run.
    let forged = resign_answer(&response.body, request.path, |m| {
        commands_of(m).retain(|c| c.cmd_seq == 2)
    });
    assert_eq!(
        h.answer(&forged),
        Ok(ClientEvent::Commands {
            ran: None,
            outcome: None
        })
    );
    assert_eq!(h.client.state().last_command, None, "nothing executed");
    // The genuine answer of the next poll runs 1, then 2.
    assert_eq!(h.step(), ran("collect-info", Outcome::Done));
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    assert_eq!(h.step(), ran("sync-time", Outcome::Done));
}

/// Rules 19, 20: the device ran a command but its result was lost (it rebooted before sending
/// it); the server re-sends the command, and the client answers it from its record without
/// running it again.
#[test]
fn a_lost_commands_answer_re_delivered() {
    let d = device("SN-CMD-REDELIVERED");
    let (mut h, keys) = Harness::restartable(&d, MemoryInstaller::new());
    let code = h.ready();
    let (command, _) = h.server.queue_command(&code, Action::CollectInfo, h.now).unwrap();
    assert_eq!(h.step(), ran("collect-info", Outcome::Done));
    let recorded = h.client.state().last_command.clone().unwrap();
    assert_eq!(recorded.1, command.id);
    h.restart(&d, &keys, MemoryInstaller::new());
    assert_eq!(h.step(), (Path::Time, Ok(ClientEvent::TimeSet { provisional: true })));
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Status);
    let mut delivered = decode(&response.body, Path::Status, Direction::Response);
    assert_eq!(commands_of(&mut delivered).len(), 1, "re-sent until its result arrives");
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::Commands {
            ran: None,
            outcome: None
        }),
        "not run again"
    );
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Result);
    let Body::Result(resent) = decode(&request.body, Path::Result, Direction::Request).body else {
        panic!("not a result")
    };
    assert_eq!(resent, recorded.2, "answered from the record");
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::Acknowledged { command_id: command.id })
    );
    let q = h
        .device()
        .commands
        .into_iter()
        .find(|q| q.command.id == command.id)
        .unwrap();
    assert_eq!(q.outcome, Some(Outcome::Done));
}

/// Rule 19: an answer carrying one command id twice is ambiguous and refused whole.
#[test]
fn the_same_command_id_twice() {
    let (mut h, code) = ready("SN-CMD-SAME-ID");
    h.server.queue_command(&code, Action::CollectInfo, h.now).unwrap();
    let (request, response) = h.exchange();
    let forged = resign_answer(&response.body, request.path, |m| {
        let commands = commands_of(m);
        let mut copy = commands[0].clone();
        copy.cmd_seq = 2;
        copy.action = Action::Deregister;
        commands.push(copy);
    });
    assert_eq!(
        h.refuse(&forged),
        Refusal::Client("ambiguous commands answer (rule 19)")
    );
    assert!(!h.client.state().deregistered);
}

/// Rule 28: a command the server's signature does not cover (spliced into a genuine answer)
/// is not run.
#[test]
fn unsigned_command() {
    let (mut h, _) = ready("SN-CMD-UNSIGNED");
    let (request, response) = h.exchange();
    let mut message = decode(&response.body, request.path, Direction::Response);
    commands_of(&mut message).push(Command {
        id: random_uuid(),
        cmd_seq: 1,
        expires_at: kavach_jws::Timestamp::from_system_time(h.now + Duration::from_secs(3600)).unwrap(),
        action: Action::Deregister,
    });
    let text = String::from_utf8(response.body.clone()).unwrap();
    let parts: Vec<&str> = text.split('.').collect();
    let spliced = format!(
        "{}.{}.{}",
        parts[0],
        kavach_jose::base64::encode_url(&message.to_json()),
        parts[2]
    );
    let refusal = h.refuse(spliced.as_bytes());
    assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal:?}");
    let unsigned = format!("{}.{}.", parts[0], parts[1]);
    let refusal = h.refuse(unsigned.as_bytes());
    assert!(
        matches!(refusal, Refusal::BadSignature { .. } | Refusal::NotAManagementJws),
        "{refusal:?}"
    );
    assert!(!h.client.state().deregistered && h.client.state().key.is_some());
    assert!(matches!(
        h.answer(&response.body),
        Ok(ClientEvent::Commands { ran: None, .. })
    ));
}

/// Rule 21: the client never rotates on its own, and a CSR the device sends without a
/// pending `rotate-key` gets no certificate.
#[test]
fn rotation_without_a_server_command() {
    let (mut h, code) = ready("SN-CMD-ROTATION");
    let key = h.client.state().key.clone();
    for _ in 0..3 {
        h.advance(Duration::from_secs(3600));
        assert!(matches!(h.step(), (_, Ok(_))));
    }
    assert_eq!(h.client.state().key, key);
    assert_eq!(h.client.state().pending_key, None);
    assert_eq!(h.client.keys().live_keys(), 1);
    // A CSR sent as the result of a command that does not exist.
    let new_key = kavach_keys::PrivateKey::generate(kavach_keys::KeyKind::P256).unwrap();
    let subject = kavach_device::naming::device_subject(&h.device().serial_no).unwrap();
    let csr = kavach_pki::issue::create_csr(&new_key, &subject)
        .unwrap()
        .der()
        .to_vec();
    let request = h.request();
    let mut message = decode(&request.body, request.path, Direction::Request);
    let result = |id, cmd_seq| {
        Body::Result(CommandResult {
            command_id: id,
            cmd_seq,
            outcome: Outcome::Done,
            data: ResultData {
                csr: Some(csr.clone()),
                ..ResultData::default()
            },
        })
    };
    message.body = result(random_uuid(), 1);
    let response = h.deliver(Path::Result, &h.sign_as_device(&message));
    assert_eq!(response.refusal, Some(Refusal::Misdirected));
    assert_eq!(error_code(&response, Path::Result), WireCode::Misdirected.as_str());
    // A CSR attached to the result of a finished collect-info.
    let (info, _) = h.server.queue_command(&code, Action::CollectInfo, h.now).unwrap();
    assert!(matches!(h.step(), (Path::Status, Ok(ClientEvent::Commands { .. }))));
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    message.body = result(info.id, info.cmd_seq);
    message.seq = h.device().highest_device_seq + 1;
    message.nonce = fresh_nonce();
    let response = h.deliver(Path::Result, &h.sign_as_device(&message));
    assert_eq!(response.status, 200, "acknowledged again, nothing done");
    let record = h.device();
    assert!(record.next_certificate.is_none(), "no certificate issued");
    assert!(
        record
            .commands
            .iter()
            .all(|q| !matches!(q.command.action, Action::InstallCert { .. }))
    );
}

/// Rule 21: the `install-cert` result must be signed by the new key; signed by the old one it
/// is refused and nothing is revoked.
#[test]
fn install_cert_result_not_signed_by_the_new_key() {
    let (mut h, code) = ready("SN-CMD-INSTALL-CERT");
    let old_chain = vec![Certificate::from_der(&h.client.state().certificate_chain[0]).unwrap()];
    let old_id = h.device().certificate.id;
    h.server.queue_command(&code, Action::RotateKey, h.now).unwrap();
    assert_eq!(h.step(), ran("rotate-key", Outcome::Done));
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    assert_eq!(h.step(), ran("install-cert", Outcome::Done));
    let request = h.request();
    assert_eq!(request.path, Path::Result);
    let mut message = decode(&request.body, Path::Result, Direction::Request);
    message.nonce = fresh_nonce();
    let old_key = h.client.state().previous_key.clone().unwrap();
    let old_signer = h.client.keys().signer(&old_key).unwrap();
    let forged = sign_message(old_signer, &old_chain, &message).unwrap();
    let response = h.deliver(Path::Result, forged.as_bytes());
    assert_eq!(
        response.refusal,
        Some(Refusal::BadSignature {
            detail: "install-cert results are signed by the new key, others by the current one"
        })
    );
    assert!(
        !h.server.registry().is_revoked(&old_id).unwrap(),
        "old certificate not revoked"
    );
    assert!(h.device().next_certificate.is_some());
    // The genuine result, signed by the new key, completes the rotation.
    let response = h.deliver(Path::Result, &request.body);
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Acknowledged { .. })));
    assert!(h.server.registry().is_revoked(&old_id).unwrap());
}

/// Deregisters the device of `h` through the protocol; returns the report.
fn deregister(h: &mut Harness<SharedKeys>, code: &Uuid) -> Vec<u8> {
    h.server.queue_command(code, Action::Deregister, h.now).unwrap();
    assert_eq!(h.step(), ran("deregister", Outcome::Done));
    h.client.state().deregistration_report.clone().unwrap()
}

/// Rule 22: after deregistration nothing signed by the revoked key is accepted.
#[test]
fn message_after_deregistration() {
    let d = device("SN-CMD-AFTER-DEREGISTRATION");
    let (mut h, keys) = Harness::restartable(&d, MemoryInstaller::new());
    let code = h.ready();
    let key = keys.private(h.client.state().key.as_ref().unwrap()).unwrap();
    let chain = vec![Certificate::from_der(&h.client.state().certificate_chain[0]).unwrap()];
    let status = h.request();
    let captured = decode(&status.body, Path::Status, Direction::Request);
    deregister(&mut h, &code);
    assert_eq!(h.step(), (Path::Result, Ok(ClientEvent::Deregistered)));
    assert_eq!(keys.live_keys(), 0);
    // Whoever kept a copy of the key signs a fresh status poll and a time request.
    let mut poll = captured.clone();
    poll.seq = 1_000;
    poll.nonce = fresh_nonce();
    poll.ts = kavach_jws::Timestamp::from_system_time(h.now).unwrap();
    let response = h.deliver(Path::Status, sign_message(key, &chain, &poll).unwrap().as_bytes());
    assert_eq!(response.refusal, Some(Refusal::Deregistered));
    assert_eq!(response.status, 403);
    assert_eq!(error_code(&response, Path::Status), WireCode::Deregistered.as_str());
    let mut time = poll;
    time.seq = 1_001;
    time.nonce = fresh_nonce();
    time.body = Body::TimeRequest { nonce: fresh_nonce() };
    let response = h.deliver(Path::Time, sign_message(key, &chain, &time).unwrap().as_bytes());
    assert_eq!(response.refusal, Some(Refusal::Deregistered));
}

/// Rule 22: the server accepts a byte-identical resend of the deregistration report outside
/// the `ts` window, and refuses a different one signed by the same (revoked) key.
#[test]
fn a_byte_identical_resend_of_the_deregistration_report() {
    let d = device("SN-CMD-REPORT-RESEND");
    let (mut h, keys) = Harness::restartable(&d, MemoryInstaller::new());
    let code = h.ready();
    let key = keys.private(h.client.state().key.as_ref().unwrap()).unwrap();
    let chain = vec![Certificate::from_der(&h.client.state().certificate_chain[0]).unwrap()];
    let report = deregister(&mut h, &code);
    assert_eq!(h.deliver(Path::Result, &report).status, 200, "ack lost");
    h.advance(Duration::from_secs(3_600));
    let request = h.request();
    assert_eq!(request.body, report, "the client resends the exact report");
    let response = h.deliver(Path::Result, &request.body);
    assert_eq!(response.status, 200, "accepted outside the window");
    assert_eq!(h.answer(&response.body), Ok(ClientEvent::Deregistered));
    let mut other = decode(&report, Path::Result, Direction::Request);
    other.nonce = fresh_nonce();
    other.seq += 1;
    other.ts = kavach_jws::Timestamp::from_system_time(h.now).unwrap();
    let response = h.deliver(Path::Result, sign_message(key, &chain, &other).unwrap().as_bytes());
    assert_eq!(response.refusal, Some(Refusal::Deregistered));
    assert_eq!(response.status, 403);
}

/// Rules 19, 20: a command that expired before the device could run it is reported
/// `expired`, not run.
#[test]
fn a_commands_answer_expired_by_the_time_the_device_runs_it() {
    let world = DeviceWorld::get();
    let d = device("SN-CMD-EXPIRED");
    let server = world.server_with(world.server_config().with_command_lifetime(Duration::from_secs(60)));
    let mut h = Harness::with_server(&d, server, MemoryInstaller::new());
    let code = h.ready();
    let (command, _) = h.server.queue_command(&code, Action::CollectInfo, h.now).unwrap();
    h.advance(Duration::from_secs(120));
    assert_eq!(h.step(), ran("collect-info", Outcome::Expired));
    let request = h.request();
    let Body::Result(result) = decode(&request.body, Path::Result, Direction::Request).body else {
        panic!("not a result")
    };
    assert_eq!(result.outcome, Outcome::Expired);
    assert_eq!(result.data.device_info, None, "not run");
    let response = h.deliver(Path::Result, &request.body);
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Acknowledged { .. })));
    let q = h
        .device()
        .commands
        .into_iter()
        .find(|q| q.command.id == command.id)
        .unwrap();
    assert_eq!(q.outcome, Some(Outcome::Expired));
}

struct Refusing;
impl PlatformTrust for Refusing {
    fn verify(&self, _: &PlatformCertificate, _: u64, _: Option<u64>) -> Option<u64> {
        None
    }
}

struct Accepting;
impl PlatformTrust for Accepting {
    fn verify(&self, _: &PlatformCertificate, _: u64, _: Option<u64>) -> Option<u64> {
        Some(1)
    }
}

fn relayed(d: &TestDevice) -> PlatformCertificate {
    PlatformCertificate {
        env: Env::Staging,
        domain_uri: HttpsUri::parse("domainUri", "https://auth.platform.example/").unwrap(),
        // Any JWS: the management server relays it, the device's anchors decide.
        response: d.digital_id.clone(),
    }
}

fn with_trust(d: &TestDevice, trust: Box<dyn PlatformTrust>) -> Harness {
    let world = DeviceWorld::get();
    let server = world.server();
    server.registry().add_provisioning_record(d.record.clone()).unwrap();
    server.set_platform_certificate(relayed(d));
    let store = kavach_device::client::MemoryClientState::new();
    let clock = kavach_device::testing::TestClock::new();
    let client = world
        .client(d, store.clone(), clock.clone(), MemoryInstaller::new())
        .with_platform_trust(trust);
    Harness::assemble(server, client, store, clock)
}

/// Rule 26: a platform certificate that does not verify under the device's own platform
/// anchors is not kept, whether relayed in `enrolled` or by `update-platform-cert`.
#[test]
fn a_management_server_relaying_a_platform_certificate_that_does_not_chain_to_the_platform_anchor() {
    let d = device("SN-CMD-PLATFORM");
    let mut h = with_trust(&d, Box::new(Refusing));
    let code = h.ready();
    assert_eq!(h.client.state().platform_certificate, None, "not kept from enrolled");
    let platform = relayed(&d);
    h.server
        .queue_command(&code, Action::UpdatePlatformCert { platform }, h.now)
        .unwrap();
    assert_eq!(h.step(), ran("update-platform-cert", Outcome::Failed));
    assert_eq!(h.client.state().platform_certificate, None);
    // The same relay, for a device whose anchors accept it, is kept: the refusal above was
    // the anchors' verdict.
    let d = device("SN-CMD-PLATFORM-OK");
    let mut h = with_trust(&d, Box::new(Accepting));
    h.ready();
    assert!(h.client.state().platform_certificate.is_some());
}

/// Rule 22: deregistration clears `deviceCode`, the platform certificate and the server `seq`
/// mark but keeps the release-root, the version floor and the time floor, so that a
/// re-enrolled device cannot be rolled back through its deregistration.
#[test]
fn deregistration_used_to_reset_the_floors() {
    let world = DeviceWorld::get();
    let d = device("SN-CMD-DEREGISTER-FLOORS");
    let image = b"firmware 2.0.0 (floors)".to_vec();
    let url = "https://updates.example/fw-floors.bin";
    let mut installer = MemoryInstaller::new();
    installer.serve(url, image.clone());
    let mut h = with_trust(&d, Box::new(Accepting));
    h.client = {
        let store = h.store.clone();
        world
            .client(&d, store, h.clock.clone(), installer)
            .with_platform_trust(Box::new(Accepting))
    };
    let code = h.trusted();
    assert!(h.client.state().platform_certificate.is_some());
    let manifest = world.release_document(
        &world.manifest_payload(
            "2.0.0",
            &image,
            url,
            "2099-01-01T00:00:00.000Z",
            kavach_device::testing::SUB_TYPE,
        ),
        &[0, 1],
    );
    let root_v2 = world.release_document(&world.release_root_payload(2, 2, &[0, 1], &[]), &[0, 1]);
    h.server
        .queue_command(
            &code,
            Action::Upgrade {
                manifest,
                release_roots: vec![root_v2],
            },
            h.now,
        )
        .unwrap();
    assert_eq!(h.step(), ran("upgrade", Outcome::Done));
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    let before = h.client.state().clone();
    h.server.queue_command(&code, Action::Deregister, h.now).unwrap();
    assert_eq!(h.step(), ran("deregister", Outcome::Done));
    assert_eq!(h.step(), (Path::Result, Ok(ClientEvent::Deregistered)));
    let after = h.store.snapshot().unwrap();
    assert_eq!(after.device_code, None);
    assert_eq!(after.platform_certificate, None);
    assert_eq!(after.server_seq_mark, 0);
    assert_eq!(after.release_root, before.release_root);
    assert!(after.release_root.is_some());
    assert_eq!(after.version_floor.as_ref().map(|v| v.as_str()), Some("2.0.0"));
    assert!(after.time_floor_ms >= before.time_floor_ms && after.time_floor_ms > 0);
}

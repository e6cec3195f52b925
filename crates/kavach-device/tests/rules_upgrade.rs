//! Verified upgrades (WIRE.md §6.7, rules 23–25), through the protocol: `upgrade` commands
//! queued at the real server and run by the real client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{Harness, decode};
use kavach_device::client::{ClientEvent, MemoryClientState, MemoryInstaller};
use kavach_device::grammar::{Certification, Outcome, SemVer};
use kavach_device::message::{Body, Direction, Path};
use kavach_device::release::sign_release_document;
use kavach_device::testing::{DeviceWorld, KeyAndCert, PRODUCT, PROVIDER_A, SUB_TYPE, TestClock, TestDevice};
use kavach_device::{Action, GeneralJws, WireCode};
use kavach_keys::{KeyKind, PrivateKey, Signer};
use kavach_pki::Purpose;
use kavach_pki::issue::{DistinguishedName, Issuer as PkiIssuer, Validity, issue_end_entity};

const IMAGE: &[u8] = b"firmware image 2.0.0 for the scenario tests";
const URL: &str = "https://updates.example/fw-scenario.bin";
const LATER: &str = "2099-01-01T00:00:00.000Z";

fn device(serial: &str) -> TestDevice {
    DeviceWorld::get().device(PROVIDER_A, serial, Certification::L1, false)
}

fn installer(image: &[u8]) -> MemoryInstaller {
    let mut installer = MemoryInstaller::new();
    installer.serve(URL, image.to_vec());
    installer
}

fn ready(serial: &str, image: &[u8]) -> Harness {
    let mut h = Harness::new(&device(serial), installer(image));
    h.ready();
    h
}

fn manifest(version: &str, signers: &[usize]) -> GeneralJws {
    let world = DeviceWorld::get();
    world.release_document(&world.manifest_payload(version, IMAGE, URL, LATER, SUB_TYPE), signers)
}

/// Queues the upgrade, lets the client run it and report; returns the outcome and the code
/// of the client's result.
fn attempt(h: &mut Harness, manifest: GeneralJws, release_roots: Vec<GeneralJws>) -> (Outcome, Option<String>) {
    let code = h.device().device_code;
    h.server
        .queue_command(
            &code,
            Action::Upgrade {
                manifest,
                release_roots,
            },
            h.now,
        )
        .unwrap();
    let (path, event) = h.step();
    assert_eq!(path, Path::Status);
    let Ok(ClientEvent::Commands {
        ran: Some("upgrade"),
        outcome: Some(outcome),
    }) = event
    else {
        panic!("{event:?}")
    };
    let (request, response) = h.exchange();
    let Body::Result(result) = decode(&request.body, Path::Result, Direction::Request).body else {
        panic!("not a result")
    };
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Acknowledged { .. })));
    (outcome, result.data.code.map(|c| c.as_str().to_owned()))
}

/// Asserts a refused upgrade: `failed`, nothing installed, no version floor raised.
fn assert_refused(h: &mut Harness, manifest: GeneralJws, roots: Vec<GeneralJws>) -> Option<String> {
    let (outcome, code) = attempt(h, manifest, roots);
    assert_eq!(outcome, Outcome::Failed);
    assert!(h.client.installer().installed().is_empty(), "nothing installed");
    assert_eq!(h.client.state().version_floor, None);
    code
}

/// A release key the release-root v1 does not list.
fn new_release_key(name: &str) -> KeyAndCert {
    let world = DeviceWorld::get();
    let key = PrivateKey::generate(KeyKind::P256).unwrap();
    let issuer = PkiIssuer::new(&world.release_ca.certificate, &world.release_ca.key).unwrap();
    let from = SystemTime::now() - Duration::from_secs(3600);
    let validity = Validity::new(from, from + Duration::from_secs(365 * 86_400)).unwrap();
    let dn = DistinguishedName::parse(&format!("CN={name}")).unwrap();
    let certificate = issue_end_entity(&issuer, key.public_key(), &dn, validity, Purpose::CodeSigning, &[]).unwrap();
    KeyAndCert { key, certificate }
}

fn key_id(k: &KeyAndCert) -> String {
    kavach_device::attestation::spki_sha256(k.key.public_key()).to_base64url()
}

fn sign_with(payload: &str, keys: &[&KeyAndCert]) -> GeneralJws {
    let signers: Vec<(&dyn Signer, &kavach_pki::Certificate)> =
        keys.iter().map(|k| (&k.key as &dyn Signer, &k.certificate)).collect();
    sign_release_document(&signers, payload.as_bytes()).unwrap()
}

/// Rule 24: a release-root v2 listing new keys only and signed by them only is refused: it
/// needs `threshold` signatures of v1's keys too.
#[test]
fn release_root_rotation_signed_by_the_new_keys_only() {
    let world = DeviceWorld::get();
    let (a, b) = (new_release_key("Release N1"), new_release_key("Release N2"));
    let floor = kavach_jws::Timestamp::from_system_time(world.epoch).unwrap();
    let payload = format!(
        r#"{{"v":1,"type":"release-root","product":"{PRODUCT}","version":2,"threshold":2,"keys":["{}","{}"],"timeFloor":"{floor}","revokedMgmtKeys":[],"expires":"{LATER}"}}"#,
        key_id(&a),
        key_id(&b)
    );
    let by_new = world.manifest_payload("2.0.0", IMAGE, URL, LATER, SUB_TYPE);
    let mut h = ready("SN-UPG-ROOT-NEW-ONLY", IMAGE);
    assert_refused(
        &mut h,
        sign_with(&by_new, &[&a, &b]),
        vec![sign_with(&payload, &[&a, &b])],
    );
    assert_eq!(h.client.release_root().version, 1);
    assert_eq!(h.client.state().release_root, None);
    // Signed by v1's keys as well, the same v2 is accepted and its keys sign the upgrade.
    let both = sign_with(&payload, &[&a, &b, &world.release[0], &world.release[1]]);
    let (outcome, _) = attempt(&mut h, sign_with(&by_new, &[&a, &b]), vec![both]);
    assert_eq!(outcome, Outcome::Done);
    assert_eq!(h.client.release_root().version, 2);
    assert_eq!(h.client.installer().installed(), ["2.0.0"]);
}

/// Rule 25: a signature by a code-signing key the release-root does not list does not count.
#[test]
fn manifest_signed_by_a_code_signing_key_missing_from_the_release_root() {
    let mut h = ready("SN-UPG-UNLISTED-KEY", IMAGE);
    assert_refused(&mut h, manifest("2.0.0", &[0, 2]), Vec::new());
}

/// Rule 25: a manifest for other hardware is refused with `KVC-UPG-002`.
#[test]
fn manifest_for_other_hardware() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-UPG-OTHER-HARDWARE", IMAGE);
    let other = world.release_document(&world.manifest_payload("2.0.0", IMAGE, URL, LATER, "Iris"), &[0, 1]);
    let code = assert_refused(&mut h, other, Vec::new());
    assert_eq!(code.as_deref(), Some(WireCode::WrongTarget.as_str()));
}

/// Rule 25: after the device's state is reset, the version floor still comes from the
/// running firmware: a validly signed older (or equal) version is refused.
#[test]
fn rollback_after_a_state_reset() {
    let world = DeviceWorld::get();
    let d = device("SN-UPG-ROLLBACK-RESET");
    let mut h = Harness::new(&d, installer(IMAGE));
    h.ready();
    assert_eq!(attempt(&mut h, manifest("2.0.0", &[0, 1]), Vec::new()).0, Outcome::Done);
    assert_eq!(h.client.installer().installed(), ["2.0.0"]);
    // The state is wiped; the device boots the firmware it now runs, 2.0.0, and re-enrolls.
    h.store.restore(None);
    let store = MemoryClientState::new();
    let clock = TestClock::new();
    let client = common::client_with(
        &d,
        |p| p.firmware = SemVer::parse("firmware", "2.0.0").unwrap(),
        store.clone(),
        common::software_keys(&d, true),
        clock.clone(),
        installer(IMAGE),
    );
    let server = world.server();
    server.registry().add_provisioning_record(d.record.clone()).unwrap();
    let mut h = Harness::assemble(server, client, store, clock);
    h.ready();
    assert_eq!(h.client.state().version_floor, None, "the persisted floor is gone");
    assert_refused(&mut h, manifest("1.5.0", &[0, 1]), Vec::new());
    assert_refused(&mut h, manifest("2.0.0", &[0, 1]), Vec::new());
}

/// Rule 25: a validly signed older version is refused.
#[test]
fn signed_downgrade_manifest() {
    let mut h = ready("SN-UPG-DOWNGRADE", IMAGE);
    assert_refused(&mut h, manifest("0.9.0", &[0, 1]), Vec::new());
}

/// Rule 25: an expired manifest is refused (freeze attack).
#[test]
fn expired_manifest() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-UPG-EXPIRED", IMAGE);
    let expired = world.release_document(
        &world.manifest_payload("2.0.0", IMAGE, URL, "2020-01-01T00:00:00.000Z", SUB_TYPE),
        &[0, 1],
    );
    assert_refused(&mut h, expired, Vec::new());
}

/// Rule 25: one signature when the threshold is two.
#[test]
fn manifest_with_one_signature_when_two_are_required() {
    let mut h = ready("SN-UPG-ONE-SIGNATURE", IMAGE);
    assert_refused(&mut h, manifest("2.0.0", &[0]), Vec::new());
}

/// Rule 25: distinct keys are counted: two signatures by one key count once.
#[test]
fn two_signatures_by_the_same_key() {
    let mut h = ready("SN-UPG-SAME-KEY", IMAGE);
    assert_refused(&mut h, manifest("2.0.0", &[0, 0]), Vec::new());
}

/// Rule 25: an image whose SHA-256 differs from the manifest's is not installed.
#[test]
fn wrong_hash() {
    let mut other = IMAGE.to_vec();
    other[0] ^= 0x20;
    let mut h = ready("SN-UPG-WRONG-HASH", &other);
    assert_refused(&mut h, manifest("2.0.0", &[0, 1]), Vec::new());
}

/// Rule 25: an image shorter or longer than the manifest's `size` is not installed.
#[test]
fn wrong_size() {
    let world = DeviceWorld::get();
    // The manifest says one byte more than the image has (the hash is the image's).
    let payload = world.manifest_payload("2.0.0", IMAGE, URL, LATER, SUB_TYPE).replace(
        &format!("\"size\":{}", IMAGE.len()),
        &format!("\"size\":{}", IMAGE.len() + 1),
    );
    let mut h = ready("SN-UPG-WRONG-SIZE", IMAGE);
    assert_refused(&mut h, world.release_document(&payload, &[0, 1]), Vec::new());
    // The server serves more bytes than the manifest's size.
    let mut longer = IMAGE.to_vec();
    longer.extend_from_slice(b"trailing");
    let mut h = ready("SN-UPG-WRONG-SIZE-LONG", &longer);
    assert_refused(&mut h, manifest("2.0.0", &[0, 1]), Vec::new());
}

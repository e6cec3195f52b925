//! Roles and the right server (WIRE.md §6.2, rules 4, 7, 24), through the protocol.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Harness, decode, error_code, fresh_nonce, resign_answer};
use kavach_device::attestation::spki_sha256;
use kavach_device::client::{ClientEvent, MemoryInstaller};
use kavach_device::grammar::{Certification, Outcome};
use kavach_device::message::{Direction, Path};
use kavach_device::signed::sign_message;
use kavach_device::testing::{DeviceWorld, PROVIDER_A, SUB_TYPE};
use kavach_device::{Action, Refusal, WireCode};
use kavach_keys::Signer;

fn ready(serial: &str, installer: MemoryInstaller) -> Harness {
    let device = DeviceWorld::get().device(PROVIDER_A, serial, Certification::L1, false);
    let mut h = Harness::new(&device, installer);
    h.ready();
    h
}

/// Rule 7: the same name under another root is not the server.
#[test]
fn server_message_signed_by_a_look_alike_server_key_under_another_root() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-ROLE-LOOKALIKE", MemoryInstaller::new());
    let (request, response) = h.exchange();
    let message = decode(&response.body, request.path, Direction::Response);
    let forged = sign_message(
        &world.lookalike_signing.key,
        std::slice::from_ref(&world.lookalike_signing.certificate),
        &message,
    )
    .unwrap();
    // With the look-alike's CA in x5c too, it is still not the pinned CA.
    let forged_with_ca = sign_message(
        &world.lookalike_signing.key,
        &[
            world.lookalike_signing.certificate.clone(),
            world.lookalike_ca.certificate.clone(),
        ],
        &message,
    )
    .unwrap();
    for forged in [forged, forged_with_ca] {
        let refusal = h.refuse(forged.as_bytes());
        assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal:?}");
    }
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 7: a device certificate (from `device.ca`) cannot pose as the management server.
#[test]
fn device_certificate_posing_as_the_management_server() {
    let mut h = ready("SN-ROLE-DEVICE-AS-SERVER", MemoryInstaller::new());
    let (request, response) = h.exchange();
    let message = decode(&response.body, request.path, Direction::Response);
    let forged = h.sign_as_device(&message);
    let refusal = h.refuse(&forged);
    assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal:?}");
    // Nor can a release (codeSigning) key.
    let world = DeviceWorld::get();
    let forged = sign_message(
        &world.release[0].key,
        std::slice::from_ref(&world.release[0].certificate),
        &message,
    )
    .unwrap();
    let refusal = h.refuse(forged.as_bytes());
    assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal:?}");
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 24: once a release-root lists the server's key in `revokedMgmtKeys`, the client
/// refuses every message that key signs.
#[test]
fn release_root_revoked_mgmt_keys_makes_the_client_refuse_that_server_key() {
    let world = DeviceWorld::get();
    let image = b"firmware image 2.0.0 (revoking)".to_vec();
    let url = "https://updates.example/fw-revoking.bin";
    let mut installer = MemoryInstaller::new();
    installer.serve(url, image.clone());
    let mut h = ready("SN-ROLE-REVOKED-MGMT", installer);
    let code = h.device().device_code;
    let revoked = spki_sha256(world.mgmt_signing.key.public_key()).to_base64url();
    let root_v2 = world.release_document(&world.release_root_payload(2, 2, &[0, 1], &[revoked]), &[0, 1]);
    let manifest = world.release_document(
        &world.manifest_payload("2.0.0", &image, url, "2099-01-01T00:00:00.000Z", SUB_TYPE),
        &[0, 1],
    );
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
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("upgrade"),
                outcome: Some(Outcome::Done)
            })
        )
    );
    assert_eq!(h.client.release_root().version, 2);
    // The server's ack, signed by the now revoked key, no longer counts.
    let (_, ack) = h.exchange();
    assert_eq!(
        h.refuse(&ack.body),
        Refusal::BadSignature {
            detail: "signer key revoked by the release-root"
        }
    );
}

/// Rule 4: the client refuses a server message whose `digitalId` is not its own.
#[test]
fn server_message_carrying_another_devices_digital_id() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-ROLE-DIGITAL-ID", MemoryInstaller::new());
    let other = world.device(PROVIDER_A, "SN-ROLE-DIGITAL-ID-2", Certification::L1, false);
    let (request, response) = h.exchange();
    let forged = resign_answer(&response.body, request.path, |m| {
        m.digital_id = other.digital_id.clone()
    });
    assert_eq!(
        h.refuse(&forged),
        Refusal::BadSignature {
            detail: "digitalId is not this device's"
        }
    );
}

/// Rule 4: a device message whose `digitalId` is not the one recorded at enrollment (another
/// device's, FTM-signed and valid) is refused.
#[test]
fn device_message_with_a_digital_id_differing_from_its_enrollment() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-ROLE-DIGITAL-ID-SRV", MemoryInstaller::new());
    let other = world.device(PROVIDER_A, "SN-ROLE-DIGITAL-ID-SRV-2", Certification::L1, false);
    let request = h.request();
    let mut message = decode(&request.body, request.path, Direction::Request);
    message.digital_id = other.digital_id.clone();
    message.nonce = fresh_nonce();
    let forged = h.sign_as_device(&message);
    let response = h.deliver(request.path, &forged);
    assert_eq!(
        response.refusal,
        Some(Refusal::BadSignature {
            detail: "digitalId differs from the one recorded at enrollment"
        })
    );
    assert_eq!(response.status, 401);
    assert_eq!(error_code(&response, request.path), WireCode::BadSignature.as_str());
}

//! A device's whole life in memory, both ends asserted at every step: enroll -> time sync ->
//! status poll -> collect-info -> rotate-key -> install-cert -> upgrade (accepted) -> downgrade
//! (refused) -> expired manifest (refused) -> deregister -> any further message refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use kavach_device::client::{ClientError, ClientEvent, MemoryInstaller};
use kavach_device::grammar::{Certification, Outcome};
use kavach_device::message::Path;
use kavach_device::server::{DeviceState, ServerRequest, ServerTask};
use kavach_device::testing::{DeviceWorld, PROVIDER_A, SUB_TYPE};
use kavach_device::{Action, WireCode};

mod common;
use common::Harness;

use kavach_device::server::DeviceRegistry;

#[test]
fn full_lifecycle_in_memory() {
    let world = DeviceWorld::get();
    let device = world.device(PROVIDER_A, "SN-LIFE-1", Certification::L1, false);
    let image = b"firmware image 2.0.0".to_vec();
    let mut installer = MemoryInstaller::new();
    installer.serve("https://updates.example/fw-2.0.0.bin", image.clone());
    let mut h = Harness::new(&device, installer);

    // Enroll: challenge.request -> challenge, enroll -> enrolled.
    assert_eq!(h.step(), (Path::Challenge, Ok(ClientEvent::Challenged)));
    let (path, event) = h.step();
    assert_eq!(path, Path::Enroll);
    let Ok(ClientEvent::Enrolled { device_code }) = event else {
        panic!("enrollment failed: {event:?}")
    };
    let record = h.device();
    assert_eq!(record.device_code, device_code);
    assert_eq!(record.state, DeviceState::Enrolled);
    assert_eq!(record.level, Certification::L1, "an attested key enrolls at L1");
    assert!(h.tasks.contains(&ServerTask::RegisterAtPlatform { device_code }));
    assert!(h.client.state().key.is_some());
    assert_eq!(h.client.state().certificate_chain[0], record.certificate.der);

    // Time sync: the first answer after boot is provisional (hi was unknown, rule 17).
    assert!(h.client.trusted_time().hi.is_none());
    assert_eq!(h.step(), (Path::Time, Ok(ClientEvent::TimeSet { provisional: true })));
    assert!(h.client.trusted_time().hi.is_some());

    // Status poll: no commands; the server marks the device active.
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: None,
                outcome: None
            })
        )
    );
    assert_eq!(h.device().state, DeviceState::Active);

    // collect-info.
    let (info_cmd, _) = h
        .server
        .queue_command(&device_code, Action::CollectInfo, h.now)
        .unwrap();
    assert_eq!(info_cmd.cmd_seq, 1);
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("collect-info"),
                outcome: Some(Outcome::Done)
            })
        )
    );
    assert_eq!(
        h.step(),
        (
            Path::Result,
            Ok(ClientEvent::Acknowledged {
                command_id: info_cmd.id
            })
        )
    );
    let q = h
        .device()
        .commands
        .iter()
        .find(|q| q.command.id == info_cmd.id)
        .cloned()
        .unwrap();
    assert_eq!(q.outcome, Some(Outcome::Done));
    assert!(q.delivered_at.is_some() && q.done_at.is_some());

    // rotate-key -> CSR; the server answers with install-cert on the next poll.
    let old_cert = h.device().certificate.clone();
    let old_key = h.client.state().key.clone().unwrap();
    let (rotate, _) = h.server.queue_command(&device_code, Action::RotateKey, h.now).unwrap();
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("rotate-key"),
                outcome: Some(Outcome::Done)
            })
        )
    );
    assert!(h.client.state().pending_key.is_some(), "new key generated, old kept");
    assert_eq!(
        h.step(),
        (Path::Result, Ok(ClientEvent::Acknowledged { command_id: rotate.id }))
    );
    assert!(
        h.device().next_certificate.is_some(),
        "new certificate issued, not yet in use"
    );
    // install-cert: the client switches keys and signs its result with the new key.
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("install-cert"),
                outcome: Some(Outcome::Done)
            })
        )
    );
    assert_eq!(
        h.client.state().previous_key.as_ref(),
        Some(&old_key),
        "old key kept until the ack"
    );
    let (path, event) = h.step();
    assert_eq!(path, Path::Result);
    assert!(matches!(event, Ok(ClientEvent::Acknowledged { .. })), "{event:?}");
    assert_eq!(h.client.state().previous_key, None);
    assert!(
        h.client.keys().destroyed().contains(&old_key),
        "old key destroyed on the ack"
    );
    let record = h.device();
    assert_ne!(record.certificate.id, old_cert.id);
    assert!(record.next_certificate.is_none());
    assert!(
        h.server.registry().is_revoked(&old_cert.id).unwrap(),
        "old certificate revoked"
    );
    assert!(h.tasks.iter().any(|t| matches!(t, ServerTask::PublishCrl { .. })));
    assert_eq!(h.client.state().certificate_chain[0], record.certificate.der);

    // upgrade to 2.0.0 (signed by both release keys): accepted and installed.
    let manifest = world.release_document(
        &world.manifest_payload(
            "2.0.0",
            &image,
            "https://updates.example/fw-2.0.0.bin",
            "2099-01-01T00:00:00.000Z",
            SUB_TYPE,
        ),
        &[0, 1],
    );
    let upgrade = |manifest| Action::Upgrade {
        manifest,
        release_roots: Vec::new(),
    };
    h.server.queue_command(&device_code, upgrade(manifest), h.now).unwrap();
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
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    assert_eq!(h.client.installer().installed(), ["2.0.0"]);
    assert_eq!(
        h.client.state().version_floor.as_ref().map(|v| v.as_str()),
        Some("2.0.0")
    );

    // Downgrade to 1.5.0, validly signed: refused (rollback).
    let downgrade = world.release_document(
        &world.manifest_payload(
            "1.5.0",
            &image,
            "https://updates.example/fw-2.0.0.bin",
            "2099-01-01T00:00:00.000Z",
            SUB_TYPE,
        ),
        &[0, 1],
    );
    h.server.queue_command(&device_code, upgrade(downgrade), h.now).unwrap();
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("upgrade"),
                outcome: Some(Outcome::Failed)
            })
        )
    );
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    // Expired manifest for 3.0.0: refused (freeze).
    let expired = world.release_document(
        &world.manifest_payload(
            "3.0.0",
            &image,
            "https://updates.example/fw-2.0.0.bin",
            "2020-01-01T00:00:00.000Z",
            SUB_TYPE,
        ),
        &[0, 1],
    );
    h.server.queue_command(&device_code, upgrade(expired), h.now).unwrap();
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("upgrade"),
                outcome: Some(Outcome::Failed)
            })
        )
    );
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    assert_eq!(h.client.installer().installed(), ["2.0.0"], "nothing else installed");
    let failed: Vec<_> = h
        .device()
        .commands
        .iter()
        .filter(|q| q.outcome == Some(Outcome::Failed))
        .map(|q| q.command.cmd_seq)
        .collect();
    assert_eq!(failed.len(), 2);

    // Deregister: the server revokes at once; the device reports, destroys its key, and
    // resends the report until the ack.
    let current = h.device().certificate.clone();
    let last_poll = {
        let request = h.client.next_request().unwrap().unwrap();
        assert_eq!(request.path, Path::Status);
        let response = h.server.handle(
            &ServerRequest {
                path: request.path,
                body: &request.body,
                tls_client_certificate: None,
            },
            h.now,
        );
        assert!(matches!(
            h.client.handle_response(&response.body),
            Ok(ClientEvent::Commands { ran: None, .. })
        ));
        request.body
    };
    let (dereg, tasks) = h.server.queue_command(&device_code, Action::Deregister, h.now).unwrap();
    assert!(tasks.contains(&ServerTask::DeregisterAtPlatform { device_code }));
    assert_eq!(h.device().state, DeviceState::Deregistered);
    assert!(h.server.registry().is_revoked(&current.id).unwrap());
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("deregister"),
                outcome: Some(Outcome::Done)
            })
        )
    );
    assert!(h.client.state().deregistered);
    assert!(h.client.state().key.is_none() && h.client.state().device_code.is_none());
    assert_eq!(h.client.keys().live_keys(), 0, "every device key destroyed");
    let report = h.client.state().deregistration_report.clone().unwrap();
    // The ack is lost once: the exact report is resent, and the server answers it again.
    let resent = h.client.next_request().unwrap().unwrap();
    assert_eq!(resent.body, report);
    let lost = h.server.handle(
        &ServerRequest {
            path: resent.path,
            body: &resent.body,
            tls_client_certificate: None,
        },
        h.now,
    );
    assert_eq!(lost.status, 200);
    h.advance(Duration::from_secs(3600));
    assert_eq!(h.step(), (Path::Result, Ok(ClientEvent::Deregistered)));
    assert!(h.device().deregistration_report.is_some());
    assert_eq!(
        h.device()
            .commands
            .iter()
            .find(|q| q.command.id == dereg.id)
            .unwrap()
            .outcome,
        Some(Outcome::Done)
    );
    assert_eq!(h.client.state().deregistration_report, None);
    assert_eq!(
        h.client.next_request().unwrap(),
        None,
        "a deregistered client sends nothing"
    );
    // Any further message is refused: a status poll captured before deregistration, replayed
    // by anyone, is refused by the server; the client has nothing outstanding to accept.
    let refused = h.server.handle(
        &ServerRequest {
            path: Path::Status,
            body: &last_poll,
            tls_client_certificate: None,
        },
        h.now,
    );
    assert_ne!(refused.status, 200);
    assert!(refused.refusal.is_some());
    assert!(matches!(
        h.client.handle_response(&lost.body),
        Err(ClientError::NothingOutstanding)
    ));
    let _ = WireCode::Deregistered;
}

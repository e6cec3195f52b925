//! No message body reaches the logs: a whole device life (enroll, time, polls, collect-info,
//! rotate-key, install-cert, update-platform-cert, upgrade, deregister) with a TRACE-level
//! subscriber capturing everything both ends log, and a marker in every body field that can
//! carry one (serialNo / deviceId / the digital ID, the CSR subject, the platform certificate's
//! domainUri, the manifest url, the image bytes). The log must be non-empty and must never
//! contain the marker, in clear or in base64 / base64url at any alignment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::Harness;
use kavach_device::client::{ClientEvent, MemoryClientState, MemoryInstaller, PlatformTrust};
use kavach_device::grammar::{Certification, Env, HttpsUri, Outcome};
use kavach_device::message::Path;
use kavach_device::testing::{DeviceWorld, PROVIDER_A, SUB_TYPE, TestClock};
use kavach_device::{Action, PlatformCertificate};

const MARKER: &str = "ZQXMARKER42";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Accepts every relayed certificate, each one newer than the last (rule 26 keeps only a
/// later one).
#[derive(Default)]
struct Accepting(std::sync::atomic::AtomicU64);
impl PlatformTrust for Accepting {
    fn verify(&self, _: &PlatformCertificate, _: u64, _: Option<u64>) -> Option<u64> {
        Some(self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1)
    }
}

/// The marker's base64 and base64url fragments that appear whatever bytes surround it.
fn encoded_fragments(marker: &[u8]) -> Vec<String> {
    let mut fragments = Vec::new();
    for offset in 0..3 {
        let mut bytes = vec![0u8; offset];
        bytes.extend_from_slice(marker);
        for encoded in [
            kavach_jose::base64::encode_url(&bytes),
            kavach_jose::base64::encode_std(&bytes).trim_end_matches('=').to_owned(),
        ] {
            let skip = if offset == 0 { 0 } else { 4 };
            let fragment = &encoded[skip..encoded.len() - 4];
            assert!(fragment.len() >= 8, "marker long enough to search for");
            fragments.push(fragment.to_owned());
        }
    }
    fragments
}

fn whole_life() {
    let world = DeviceWorld::get();
    let device = world.device(PROVIDER_A, &format!("SN-{MARKER}"), Certification::L1, false);
    // The search would find the marker in a body: the digital ID carries it in base64url.
    assert!(
        encoded_fragments(MARKER.as_bytes())
            .iter()
            .any(|f| device.digital_id.as_str().contains(f.as_str()))
    );
    let url = format!("https://updates.example/{MARKER}.bin");
    let image = format!("firmware image {MARKER} 2.0.0").into_bytes();
    let mut installer = MemoryInstaller::new();
    installer.serve(&url, image.clone());
    let platform = PlatformCertificate {
        env: Env::Staging,
        domain_uri: HttpsUri::parse("domainUri", &format!("https://{MARKER}.platform.example/")).unwrap(),
        response: device.digital_id.clone(),
    };
    let server = world.server();
    server
        .registry()
        .add_provisioning_record(device.record.clone())
        .unwrap();
    server.set_platform_certificate(platform.clone());
    let store = MemoryClientState::new();
    let clock = TestClock::new();
    let client = world
        .client(&device, store.clone(), clock.clone(), installer)
        .with_platform_trust(Box::new(Accepting::default()));
    let mut h = Harness::assemble(server, client, store, clock);
    let code = h.ready();
    assert!(h.client.state().platform_certificate.is_some());

    let run = |h: &mut Harness, action: Action, name: &'static str| {
        h.server.queue_command(&code, action, h.now).unwrap();
        assert_eq!(
            h.step(),
            (
                Path::Status,
                Ok(ClientEvent::Commands {
                    ran: Some(name),
                    outcome: Some(Outcome::Done)
                })
            )
        );
    };
    run(&mut h, Action::CollectInfo, "collect-info");
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    run(&mut h, Action::RotateKey, "rotate-key");
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
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
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    run(&mut h, Action::UpdatePlatformCert { platform }, "update-platform-cert");
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    let manifest = world.release_document(
        &world.manifest_payload("2.0.0", &image, &url, "2099-01-01T00:00:00.000Z", SUB_TYPE),
        &[0, 1],
    );
    run(
        &mut h,
        Action::Upgrade {
            manifest,
            release_roots: Vec::new(),
        },
        "upgrade",
    );
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    assert_eq!(h.client.installer().installed(), ["2.0.0"]);
    // A refusal on each side logs too: a replayed request, a tampered answer.
    let (request, response) = h.exchange();
    assert_ne!(h.deliver(request.path, &request.body).status, 200);
    let mut tampered = response.body.clone();
    let last = tampered.len() - 2;
    tampered[last] ^= 0x01;
    assert!(h.answer(&tampered).is_err());
    assert!(h.answer(&response.body).is_ok());
    run(&mut h, Action::Deregister, "deregister");
    h.advance(Duration::from_secs(60));
    assert_eq!(h.step(), (Path::Result, Ok(ClientEvent::Deregistered)));
}

#[test]
fn no_message_body_reaches_the_logs() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, whole_life);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    eprintln!("{} bytes of log captured", log.len());
    assert!(!log.is_empty(), "the life was logged");
    assert!(
        log.contains("device enrolled") && log.contains("upgrade installed"),
        "{log}"
    );
    assert!(!log.contains(MARKER), "the marker leaked into the log:\n{log}");
    for fragment in encoded_fragments(MARKER.as_bytes()) {
        assert!(
            !log.contains(&fragment),
            "an encoded marker ({fragment}) leaked:\n{log}"
        );
    }
}

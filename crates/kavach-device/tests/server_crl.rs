//! The provider's CRL (rule 22): a deregistered device's certificate is listed, and kavach-pki
//! refuses it against that CRL, so the runtime's TLS and JWS checks refuse it too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime};

use kavach_device::Action;
use kavach_device::client::{ClientEvent, MemoryClientState, MemoryInstaller};
use kavach_device::grammar::{Certification, Label};
use kavach_device::server::{DeviceRegistry, Issuer, ServerRequest, ServerTask};
use kavach_device::testing::{DeviceWorld, PROVIDER_A, TestClock};
use kavach_pki::{Certificate, Purpose, TrustDomain, ValidationOptions, Validator};

#[test]
fn deregistered_device_certificate_is_on_the_provider_crl() {
    let world = DeviceWorld::get();
    let server = world.server();
    let device = world.device(PROVIDER_A, "SN-CRL-1", Certification::L0, false);
    server
        .registry()
        .add_provisioning_record(device.record.clone())
        .unwrap();
    let mut client = world.client(
        &device,
        MemoryClientState::new(),
        TestClock::new(),
        MemoryInstaller::new(),
    );
    let now = SystemTime::now();
    let mut exchange = || {
        let request = client.next_request().unwrap().unwrap();
        let answer = server.handle(
            &ServerRequest {
                path: request.path,
                body: &request.body,
                tls_client_certificate: None,
            },
            now,
        );
        client.handle_response(&answer.body).unwrap()
    };
    assert_eq!(exchange(), ClientEvent::Challenged);
    let ClientEvent::Enrolled { device_code } = exchange() else {
        panic!("not enrolled")
    };
    let record = server.registry().device_by_code(&device_code).unwrap().unwrap();
    assert_eq!(record.level, Certification::L0, "an L0 record enrolls at L0");
    let certificate = Certificate::from_der(&record.certificate.der).unwrap();
    let provider = Label::parse("provider", PROVIDER_A).unwrap();

    let ca = TrustDomain::new("device-ca", vec![world.device_ca_a.certificate().clone()]).unwrap();
    let validator = Validator::new();
    let before = server.crl(&provider, now, now + Duration::from_secs(3600), 1).unwrap();
    let check = |crl: &kavach_pki::Crl| {
        let crls = [crl.clone()];
        let options = ValidationOptions::new(Purpose::Device, now + Duration::from_secs(1)).with_crls(&crls);
        validator.verify(&ca, &certificate, &[], &options)
    };
    check(&before).expect("valid before deregistration");

    let (_, tasks) = server.queue_command(&device_code, Action::Deregister, now).unwrap();
    assert!(tasks.contains(&ServerTask::PublishCrl {
        provider_id: provider.clone()
    }));
    let after = server.crl(&provider, now, now + Duration::from_secs(3600), 2).unwrap();
    let error = check(&after).expect_err("revoked after deregistration");
    assert!(error.to_string().to_lowercase().contains("revoked"), "{error}");
}

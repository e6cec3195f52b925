//! The envelope (WIRE.md §6.1, rules 1–6, and rule 28), through the protocol: each test is
//! named after the attack it stops and drives the real server and client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Harness, decode, error_code, fresh_nonce, resign_answer};
use kavach_device::client::{ClientEvent, MemoryInstaller};
use kavach_device::grammar::Certification;
use kavach_device::message::{Direction, Path};
use kavach_device::signed::recipient_id;
use kavach_device::testing::{DeviceWorld, PROVIDER_A};
use kavach_device::{Refusal, WireCode};

fn ready(serial: &str) -> Harness {
    let device = DeviceWorld::get().device(PROVIDER_A, serial, Certification::L1, false);
    let mut h = Harness::new(&device, MemoryInstaller::new());
    h.ready();
    h
}

/// Rule 1: a server message whose `to` names another device is refused; the genuine answer
/// to the same request still counts afterwards.
#[test]
fn server_message_addressed_to_another_device() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-ENV-TO");
    let other = world.device(PROVIDER_A, "SN-ENV-TO-OTHER", Certification::L1, false);
    let (request, response) = h.exchange();
    let forged = resign_answer(&response.body, request.path, |m| {
        m.to = recipient_id(&other.chip.certificate);
    });
    assert_eq!(h.refuse(&forged), Refusal::Misdirected);
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 2: a response whose `re` is not the outstanding request's nonce is refused.
#[test]
fn response_answering_another_request() {
    let mut h = ready("SN-ENV-RE");
    let (request, response) = h.exchange();
    let forged = resign_answer(&response.body, request.path, |m| m.re = Some(fresh_nonce()));
    assert_eq!(h.refuse(&forged), Refusal::NotOurRequest);
    // An answer to an earlier request (validly signed, bound to that request) is refused too.
    let (_, later) = h.exchange();
    assert_eq!(h.refuse(&response.body), Refusal::NotOurRequest);
    assert!(matches!(h.answer(&later.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 5: a device message whose `seq` is not above the highest accepted is refused with
/// `KVC-REPLAY-001` carrying `highestSeq`, even with a fresh nonce and a valid signature.
#[test]
fn replayed_seq() {
    let mut h = ready("SN-ENV-SEQ");
    let highest = h.device().highest_device_seq;
    let request = h.request();
    let mut message = decode(&request.body, request.path, Direction::Request);
    message.seq = highest;
    message.nonce = fresh_nonce();
    let forged = h.sign_as_device(&message);
    let response = h.deliver(request.path, &forged);
    assert_eq!(response.refusal, Some(Refusal::Replay { highest_seq: highest }));
    assert_eq!(response.status, 409);
    assert_eq!(error_code(&response, request.path), WireCode::Replay.as_str());
    let kavach_device::Body::Error(error) = decode(&response.body, request.path, Direction::Response).body else {
        panic!("not an error")
    };
    assert_eq!(error.highest_seq, Some(highest));
    assert_eq!(h.device().highest_device_seq, highest, "nothing recorded");
}

/// Rules 5, 6: a nonce seen inside the window is refused, even under a higher `seq` and a new
/// signature; the byte-identical replay is refused too.
#[test]
fn replayed_nonce() {
    let mut h = ready("SN-ENV-NONCE");
    let (request, response) = h.exchange();
    assert_eq!(response.status, 200);
    let accepted = decode(&request.body, request.path, Direction::Request);
    let replay = h.deliver(request.path, &request.body);
    assert_eq!(
        replay.refusal,
        Some(Refusal::Replay {
            highest_seq: accepted.seq
        })
    );
    let mut message = accepted.clone();
    message.seq += 10;
    let forged = h.sign_as_device(&message);
    let response = h.deliver(request.path, &forged);
    assert_eq!(
        response.refusal,
        Some(Refusal::Replay {
            highest_seq: accepted.seq
        })
    );
    assert_eq!(error_code(&response, request.path), WireCode::Replay.as_str());
    assert_eq!(h.device().highest_device_seq, accepted.seq);
}

/// Rule 5: a `ts` outside the server's window is refused as stale.
#[test]
fn stale_ts() {
    let mut h = ready("SN-ENV-TS");
    let highest = h.device().highest_device_seq;
    let request = h.request();
    let mut message = decode(&request.body, request.path, Direction::Request);
    message.ts = kavach_jws::Timestamp::from_system_time(h.now - Duration::from_secs(600)).unwrap();
    let forged = h.sign_as_device(&message);
    let response = h.deliver(request.path, &forged);
    assert_eq!(response.refusal, Some(Refusal::Replay { highest_seq: highest }));
    assert_eq!(response.status, 409);
    assert_eq!(error_code(&response, request.path), WireCode::Replay.as_str());
}

/// Rule 4: when a TLS client certificate is presented it must be the signer's certificate.
#[test]
fn tls_client_certificate_differing_from_the_signer() {
    let world = DeviceWorld::get();
    let mut h = ready("SN-ENV-TLS");
    let other = world.device(PROVIDER_A, "SN-ENV-TLS-OTHER", Certification::L1, false);
    let request = h.request();
    let response = h.deliver_tls(request.path, &request.body, Some(other.chip.certificate.der()));
    assert_eq!(
        response.refusal,
        Some(Refusal::Unidentified {
            detail: "the TLS client certificate is not the signer's"
        })
    );
    assert_eq!(response.status, 403);
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    // The same request over a TLS connection authenticated by the signer's certificate.
    let own = h.client.state().certificate_chain[0].clone();
    let response = h.deliver_tls(request.path, &request.body, Some(&own));
    assert_eq!(response.status, 200);
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 4 at enrollment: an FTM-signed `challenge.request` over a TLS connection
/// authenticated by another certificate is refused too.
#[test]
fn tls_client_certificate_differing_from_the_ftm_signer() {
    let world = DeviceWorld::get();
    let device = world.device(PROVIDER_A, "SN-ENV-TLS-FTM", Certification::L1, false);
    let other = world.device(PROVIDER_A, "SN-ENV-TLS-FTM-OTHER", Certification::L1, false);
    let mut h = Harness::new(&device, MemoryInstaller::new());
    let request = h.request();
    assert_eq!(request.path, Path::Challenge);
    let response = h.deliver_tls(request.path, &request.body, Some(other.chip.certificate.der()));
    assert_eq!(
        response.refusal,
        Some(Refusal::Unidentified {
            detail: "the TLS client certificate is not the signer's"
        })
    );
    assert_eq!(error_code(&response, request.path), WireCode::Unidentified.as_str());
    let response = h.deliver_tls(request.path, &request.body, Some(device.chip.certificate.der()));
    assert_eq!(response.status, 200);
    assert_eq!(h.answer(&response.body), Ok(ClientEvent::Challenged));
}

/// Rule 5: the `highestSeq` of a `KVC-REPLAY-001` moves the client's next `seq` above it,
/// and the client's next request is accepted.
#[test]
fn error_highest_seq_moves_the_clients_next_seq() {
    let mut h = ready("SN-ENV-HIGHEST");
    let request = h.request();
    let mut ahead = decode(&request.body, request.path, Direction::Request);
    // Someone with the device key (a restored backup of this device) got seq + 10 accepted.
    ahead.seq += 10;
    ahead.nonce = fresh_nonce();
    let ahead_bytes = h.sign_as_device(&ahead);
    assert_eq!(h.deliver(request.path, &ahead_bytes).status, 200);
    let response = h.deliver(request.path, &request.body);
    assert_eq!(response.refusal, Some(Refusal::Replay { highest_seq: ahead.seq }));
    let key_before = h.client.state().key.clone();
    assert_eq!(
        h.answer(&response.body),
        Ok(ClientEvent::ServerError {
            code: WireCode::Replay.into()
        })
    );
    assert_eq!(h.client.state().next_seq, ahead.seq + 1);
    assert_eq!(h.store.snapshot().unwrap().next_seq, ahead.seq + 1, "persisted");
    assert_eq!(h.client.state().key, key_before, "nothing else changed");
    assert!(matches!(h.step(), (Path::Status, Ok(ClientEvent::Commands { .. }))));
}

/// Rule 28: an unsigned error (the server's own answer to unparseable bytes, or one forged by
/// the network) changes nothing; the genuine answer still counts.
#[test]
fn unsigned_error_changing_nothing() {
    let mut h = ready("SN-ENV-UNSIGNED");
    let unbound = h.deliver(Path::Status, b"not a jws");
    assert_eq!(unbound.status, 403, "KVC-DEV-000: nothing identified (rule 27)");
    assert_eq!(unbound.content_type, "application/json");
    let (_, response) = h.exchange();
    assert_eq!(h.refuse(&unbound.body), Refusal::NotAManagementJws);
    let forged = br#"{"errorCode":"KVC-DEV-003","message":"device deregistered"}"#;
    assert_eq!(h.refuse(forged), Refusal::NotAManagementJws);
    assert!(h.client.state().key.is_some(), "no key destroyed");
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 28: a signed error (here `KVC-DEV-003` from the real server to a replayed request)
/// destroys no key and clears no state: only a command does.
#[test]
fn signed_error_destroys_nothing() {
    let mut h = ready("SN-ENV-SIGNED-ERROR");
    let request = h.request();
    let mut message = decode(&request.body, request.path, Direction::Request);
    message.seq = 0;
    let forged = h.sign_as_device(&message);
    let response = h.deliver(request.path, &forged);
    assert_eq!(response.status, 409);
    let before = h.client.state().clone();
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::ServerError { .. })));
    assert_eq!(h.client.state().key, before.key);
    assert_eq!(h.client.state().certificate_chain, before.certificate_chain);
    assert_eq!(h.client.state().device_code, before.device_code);
    assert_eq!(h.client.keys().live_keys(), 1);
}

/// Rule 3: a message whose `type` the table does not allow on its path and direction is
/// refused, on either side.
#[test]
fn message_type_not_allowed_on_its_path() {
    let mut h = ready("SN-ENV-TYPE");
    // A status poll sent to /v1/mgmt/result.
    let request = h.request();
    let response = h.deliver(Path::Result, &request.body);
    assert!(
        matches!(response.refusal, Some(Refusal::Unidentified { .. })),
        "{:?}",
        response.refusal
    );
    assert_eq!(
        response.content_type, "application/json",
        "unbound: nothing to bind it to"
    );
    // An `ack` answering a status poll (validly signed and bound).
    let response = h.deliver(request.path, &request.body);
    let forged = resign_answer(&response.body, request.path, |m| {
        m.body = kavach_device::Body::Ack {
            command_id: kavach_device::grammar::Uuid::from_random_bytes([7; 16]),
        }
    });
    let refusal = h.refuse(&forged);
    assert!(
        matches!(refusal, Refusal::Malformed(_) | Refusal::NotAManagementJws),
        "{refusal:?}"
    );
    assert!(matches!(h.answer(&response.body), Ok(ClientEvent::Commands { .. })));
}

/// Rule 6: a full replay cache refuses (`KVC-REPLAY-002`, HTTP 503) and never evicts a live
/// entry; once entries expire the device is served again.
#[test]
fn replay_cache_flood() {
    let world = DeviceWorld::get();
    let cache = std::sync::Arc::new(kavach_jws::MemoryReplayCache::new(12).with_signer_share(12));
    let server = kavach_device::server::ManagementServer::with_replay_cache(
        world.server_config(),
        kavach_device::server::MemoryRegistry::new(),
        kavach_device::testing::VALIDATOR.clone(),
        cache,
    )
    .unwrap();
    server
        .registry()
        .approve_model(
            kavach_device::grammar::Label::parse("p", PROVIDER_A).unwrap(),
            kavach_device::grammar::Label::parse("m", kavach_device::testing::MAKE).unwrap(),
            kavach_device::grammar::Label::parse("m", kavach_device::testing::MODEL).unwrap(),
        )
        .unwrap();
    let device = world.device(PROVIDER_A, "SN-ENV-CACHE", Certification::L1, false);
    let mut h = Harness::with_server(&device, server, MemoryInstaller::new());
    h.ready();
    let first_poll = {
        let (request, response) = h.exchange();
        assert_eq!(response.status, 200);
        assert!(h.answer(&response.body).is_ok());
        request
    };
    let mut full = None;
    for _ in 0..16 {
        let (request, response) = h.exchange();
        if response.status != 200 {
            full = Some((request, response));
            break;
        }
        assert!(h.answer(&response.body).is_ok());
    }
    let (request, response) = full.expect("the cache fills up");
    assert_eq!(response.refusal, Some(Refusal::ReplayCacheFull));
    assert_eq!(response.status, 503);
    assert_eq!(error_code(&response, request.path), WireCode::ReplayCacheFull.as_str());
    // The live entries were kept: the first poll is still a replay.
    let replay = h.deliver(Path::Status, &first_poll.body);
    assert!(
        matches!(replay.refusal, Some(Refusal::Replay { .. })),
        "{:?}",
        replay.refusal
    );
    // Past the window the entries expire and the device is served again.
    h.advance(Duration::from_secs(11 * 60));
    let (_, response) = h.exchange();
    assert_eq!(response.status, 200);
}

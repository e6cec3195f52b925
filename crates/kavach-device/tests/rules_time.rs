//! Trusted time (WIRE.md §6.4, rules 14–17), through the protocol: the real server's `time`
//! answers, and answers the test re-signs as the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Harness, resign_answer};
use kavach_device::client::{ClientEvent, MemoryInstaller};
use kavach_device::grammar::{Certification, Outcome};
use kavach_device::message::{Body, Message, Path};
use kavach_device::server::{ManagementServer, MemoryRegistry};
use kavach_device::testing::{DeviceWorld, PROVIDER_A, millis};
use kavach_device::{Action, Refusal};
use kavach_jws::Timestamp;

const TIME_REFUSED: Refusal = Refusal::Client("time answer refused (rules 14-17)");

fn harness(serial: &str, server: Option<ManagementServer<MemoryRegistry>>) -> Harness {
    let world = DeviceWorld::get();
    let device = world.device(PROVIDER_A, serial, Certification::L1, false);
    Harness::with_server(
        &device,
        server.unwrap_or_else(|| world.server()),
        MemoryInstaller::new(),
    )
}

fn set_time(m: &mut Message, time: Timestamp) {
    let Body::Time(t) = &mut m.body else {
        panic!("not a time answer")
    };
    t.time = time;
    m.ts = time;
}

/// Queues `sync-time` and runs it: the client's next request is `time.request`.
fn request_sync(h: &mut Harness) {
    let code = h.device().device_code;
    h.server.queue_command(&code, Action::SyncTime, h.now).unwrap();
    assert_eq!(
        h.step(),
        (
            Path::Status,
            Ok(ClientEvent::Commands {
                ran: Some("sync-time"),
                outcome: Some(Outcome::Done)
            })
        )
    );
}

/// Rule 15: a server cannot vouch for a time at which its own certificate is not valid.
#[test]
fn time_answer_outside_the_server_certificates_validity() {
    let world = DeviceWorld::get();
    let mut h = harness("SN-TIME-VALIDITY", None);
    h.enroll();
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Time);
    let after = world.mgmt_signing.certificate.not_after() + Duration::from_secs(86_400);
    let forged = resign_answer(&response.body, Path::Time, |m| {
        set_time(m, Timestamp::from_system_time(after).unwrap())
    });
    let refusal = h.refuse(&forged);
    assert!(matches!(refusal, Refusal::BadSignature { .. }), "{refusal:?}");
    assert!(h.client.trusted_time().hi.is_none(), "no time set");
    assert_eq!(h.answer(&response.body), Ok(ClientEvent::TimeSet { provisional: true }));
}

/// Rule 17: a step of more than `maxStep` beyond hi (here a year and a half) is used for the
/// session but persisted as the floor only once a second answer, 10 minutes later over a new
/// connection, agrees.
#[test]
fn a_forward_time_step_of_years_is_provisional_until_confirmed() {
    let world = DeviceWorld::get();
    let server = world.server_with(
        world
            .server_config()
            .with_certificate_lifetime(Duration::from_secs(3 * 365 * 86_400)),
    );
    let mut h = harness("SN-TIME-YEARS", Some(server));
    h.trusted();
    let floor_before = h.client.state().time_floor_ms;
    request_sync(&mut h);
    // The server's clock (or whoever answers for it) is now 550 days ahead.
    h.now += Duration::from_secs(550 * 86_400);
    let jumped = millis(h.now);
    assert_eq!(h.step(), (Path::Time, Ok(ClientEvent::TimeSet { provisional: true })));
    let interval = h.client.trusted_time();
    assert!(interval.provisional);
    assert!(interval.lo + 60_000 > jumped, "used for the session");
    assert!(
        h.client.state().time_floor_ms < jumped - 86_400_000,
        "not persisted as the floor"
    );
    assert!(h.store.snapshot().unwrap().time_floor_ms >= floor_before);
    assert!(matches!(h.step(), (Path::Result, Ok(ClientEvent::Acknowledged { .. }))));
    // Ten minutes later, over a new connection, a second answer agrees: now it is the floor.
    h.advance(Duration::from_secs(11 * 60));
    h.client.new_connection();
    assert_eq!(h.step(), (Path::Time, Ok(ClientEvent::TimeSet { provisional: false })));
    assert!(!h.client.trusted_time().provisional);
    assert!(h.store.snapshot().unwrap().time_floor_ms > jumped - 60_000, "persisted");
}

/// Rule 14: the answer must echo the request's nonce.
#[test]
fn time_answer_with_a_different_nonce() {
    let mut h = harness("SN-TIME-NONCE", None);
    h.enroll();
    let (_, response) = h.exchange();
    let forged = resign_answer(&response.body, Path::Time, |m| {
        let Body::Time(t) = &mut m.body else { panic!() };
        t.nonce = common::fresh_nonce();
    });
    assert_eq!(h.refuse(&forged), TIME_REFUSED);
    assert!(h.client.trusted_time().hi.is_none());
}

/// Rule 14: a `radiusMs` over the client's limit (5 s by default) is refused, even from the
/// real server.
#[test]
fn time_answer_with_a_radius_over_the_limit() {
    let world = DeviceWorld::get();
    let server = world.server_with(world.server_config().with_time_radius_ms(60_000));
    let mut h = harness("SN-TIME-RADIUS", Some(server));
    h.enroll();
    let (request, response) = h.exchange();
    assert_eq!((request.path, response.status), (Path::Time, 200));
    assert_eq!(h.refuse(&response.body), TIME_REFUSED);
    assert!(h.client.trusted_time().hi.is_none());
}

/// Rule 14: an answer whose round trip exceeds `maxRttMs` (10 s) is refused.
#[test]
fn time_answer_after_a_round_trip_over_the_limit() {
    let mut h = harness("SN-TIME-RTT", None);
    h.enroll();
    let (_, response) = h.exchange();
    h.clock.advance(Duration::from_secs(11));
    assert_eq!(h.refuse(&response.body), TIME_REFUSED);
}

/// Rule 14: for `time`, `ts` must equal `time`.
#[test]
fn time_answer_whose_ts_differs_from_its_time() {
    let mut h = harness("SN-TIME-TS", None);
    h.enroll();
    let (_, response) = h.exchange();
    let forged = resign_answer(&response.body, Path::Time, |m| {
        m.ts = Timestamp::from_system_time(m.ts.to_system_time() + Duration::from_secs(1)).unwrap();
    });
    assert_eq!(
        h.refuse(&forged),
        Refusal::Client("time answer ts differs from its time")
    );
}

/// Rule 16: an answer below the trusted interval's lower bound (the clock moving backwards)
/// is refused and the interval stays.
#[test]
fn clock_moving_backwards() {
    let mut h = harness("SN-TIME-BACKWARDS", None);
    h.trusted();
    request_sync(&mut h);
    let (request, response) = h.exchange();
    assert_eq!(request.path, Path::Time);
    let earlier = h.now - Duration::from_secs(3_600);
    let forged = resign_answer(&response.body, Path::Time, |m| {
        set_time(m, Timestamp::from_system_time(earlier).unwrap())
    });
    let lo = h.client.trusted_time().lo;
    assert_eq!(h.refuse(&forged), TIME_REFUSED);
    assert!(h.client.trusted_time().lo >= lo, "lo never moves back");
    assert!(!h.client.trusted_time().provisional);
}

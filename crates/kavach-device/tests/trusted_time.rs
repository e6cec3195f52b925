//! Trusted time (WIRE.md §6.4, rules 14–17): each test is named after the attack it stops.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use kavach_device::grammar::Nonce;
use kavach_device::trusted_time::{TimeAnswer, TimeError, TimeRequest, TimeUpdate};
use kavach_device::{BootInstant, TimePolicy, TrustedTime};

const HOUR: u64 = 3_600_000;
const YEAR: u64 = 365 * 24 * HOUR;
/// 2026-11-23T19:00:00Z.
const NOW: u64 = 1_795_460_400_000;
/// The firmware's build time: a month before.
const FLOOR: u64 = NOW - 30 * 24 * HOUR;

fn at(ms: u64) -> BootInstant {
    BootInstant(Duration::from_millis(ms))
}

fn nonce(n: u8) -> Nonce {
    Nonce::from_bytes([n; 16])
}

fn request(n: u8, sent: u64, connection: u64) -> TimeRequest {
    TimeRequest {
        nonce: nonce(n),
        sent_at: at(sent),
        connection,
    }
}

fn answer(n: u8, time: u64, radius_ms: u64, received: u64) -> TimeAnswer {
    TimeAnswer {
        nonce: nonce(n),
        time,
        radius_ms,
        received_at: at(received),
    }
}

/// A clock synced once at boot-clock 1,000 ms to NOW (radius 100 ms, RTT 50 ms).
fn synced() -> TrustedTime {
    let mut clock = TrustedTime::at_boot(TimePolicy::default(), FLOOR);
    // After a boot hi is unknown, so the first step is provisional; a second answer ten
    // minutes later over another connection confirms it.
    assert_eq!(
        clock.accept(&request(1, 950, 1), &answer(1, NOW, 100, 1_000)).unwrap(),
        TimeUpdate::Provisional
    );
    let later = 600_000 + 1_000;
    let update = clock
        .accept(&request(2, later - 50, 2), &answer(2, NOW + 600_000, 100, later))
        .unwrap();
    assert!(matches!(update, TimeUpdate::Trusted { .. }));
    clock
}

#[test]
fn after_a_reboot_lo_is_the_floor_and_hi_is_unknown() {
    let clock = TrustedTime::at_boot(TimePolicy::default(), FLOOR);
    let interval = clock.interval(at(5));
    assert_eq!(interval.lo, FLOOR);
    assert_eq!(interval.hi, None);
    assert!(
        interval.may_have_passed(u64::MAX - 1),
        "an unknown hi must not vouch for an expiry"
    );
}

#[test]
fn time_answer_with_a_different_nonce_changes_nothing() {
    let mut clock = synced();
    let before = clock.interval(at(700_000));
    let err = clock
        .accept(&request(3, 690_000, 3), &answer(4, NOW + 2 * HOUR, 10, 690_100))
        .unwrap_err();
    assert_eq!(err, TimeError::NonceMismatch);
    assert_eq!(clock.interval(at(700_000)), before);
}

#[test]
fn time_answer_with_a_radius_over_the_limit_is_refused() {
    let mut clock = synced();
    let before = clock.interval(at(700_000));
    let err = clock
        .accept(&request(3, 690_000, 3), &answer(3, NOW + 689_000, 5_001, 690_100))
        .unwrap_err();
    assert!(matches!(
        err,
        TimeError::RadiusTooLarge {
            radius_ms: 5_001,
            max_ms: 5_000
        }
    ));
    assert_eq!(clock.interval(at(700_000)), before);
}

#[test]
fn time_answer_after_a_round_trip_over_the_limit_is_refused() {
    let mut clock = synced();
    let err = clock
        .accept(&request(3, 690_000, 3), &answer(3, NOW + 700_000, 10, 700_001))
        .unwrap_err();
    assert!(matches!(
        err,
        TimeError::RoundTripTooLong {
            rtt_ms: 10_001,
            max_ms: 10_000
        }
    ));
}

#[test]
fn clock_moving_backwards_is_refused() {
    let mut clock = synced();
    let before = clock.interval(at(700_000));
    // An answer an hour before what the client knows.
    let err = clock
        .accept(&request(3, 699_950, 3), &answer(3, NOW + 699_000 - HOUR, 100, 700_000))
        .unwrap_err();
    assert_eq!(err, TimeError::Backwards);
    assert_eq!(clock.interval(at(700_000)), before);
    // And nothing before the persisted floor, even with hi unknown.
    let mut fresh = TrustedTime::at_boot(TimePolicy::default(), FLOOR);
    assert_eq!(
        fresh
            .accept(&request(1, 0, 1), &answer(1, FLOOR - HOUR, 100, 10))
            .unwrap_err(),
        TimeError::Backwards
    );
}

#[test]
fn a_forward_time_step_of_years_is_provisional_until_confirmed() {
    let mut clock = synced();
    let floor = clock.floor();
    let t0 = 700_000;
    let step = NOW + 3 * YEAR;
    assert_eq!(
        clock
            .accept(&request(3, t0 - 50, 3), &answer(3, step, 100, t0))
            .unwrap(),
        TimeUpdate::Provisional
    );
    let session = clock.interval(at(t0));
    assert!(session.provisional);
    assert!(session.lo >= step - 100, "the session uses the step");
    assert_eq!(clock.floor(), floor, "a provisional step is not persisted");

    // The same connection cannot confirm it, nor can an answer sooner than ten minutes.
    let t1 = t0 + 600_000;
    assert_eq!(
        clock
            .accept(&request(4, t1 - 50, 3), &answer(4, step + 600_000, 100, t1))
            .unwrap(),
        TimeUpdate::Provisional
    );
    let t2 = t1 + 60_000;
    assert_eq!(
        clock
            .accept(&request(5, t2 - 50, 4), &answer(5, step + 660_000, 100, t2))
            .unwrap(),
        TimeUpdate::Provisional
    );
    // Ten minutes after the last provisional answer, over a new connection, in agreement.
    let t3 = t2 + 600_000;
    let update = clock
        .accept(&request(6, t3 - 50, 5), &answer(6, step + 1_260_000, 100, t3))
        .unwrap();
    let TimeUpdate::Trusted { floor } = update else {
        panic!("{update:?}")
    };
    assert!(floor >= step);
    assert!(!clock.interval(at(t3)).provisional);
}

#[test]
fn a_provisional_step_that_a_second_answer_contradicts_is_not_persisted() {
    let mut clock = synced();
    let floor = clock.floor();
    let t0 = 700_000;
    clock
        .accept(&request(3, t0 - 50, 3), &answer(3, NOW + 3 * YEAR, 100, t0))
        .unwrap();
    // The genuine server answers ten minutes later over another connection: its time is near
    // NOW, far from the step, so it is judged against the trusted interval and accepted.
    let t1 = t0 + 600_000;
    let update = clock
        .accept(&request(4, t1 - 50, 4), &answer(4, NOW + t1 - 1_000, 100, t1))
        .unwrap();
    assert!(matches!(update, TimeUpdate::Trusted { floor: f } if f < NOW + YEAR && f >= floor));
    assert!(!clock.interval(at(t1)).provisional);
}

#[test]
fn the_interval_widens_with_the_drift_bound() {
    let clock = synced();
    let synced_at = 601_000;
    let a = clock.interval(at(synced_at));
    let day = 24 * HOUR;
    let b = clock.interval(at(synced_at + day));
    let drift = day * 200 / 1_000_000; // 17,280 ms per day at 200 ppm
    assert_eq!(b.lo, a.lo + day - drift);
    assert_eq!(b.hi.unwrap(), a.hi.unwrap() + day + drift);
    assert!(b.has_begun(a.lo + day - drift));
    assert!(!b.may_have_passed(b.hi.unwrap()));
    assert!(b.may_have_passed(b.hi.unwrap() - 1));
}

#[test]
fn a_release_root_raises_the_floor_and_nothing_lowers_it() {
    let mut clock = TrustedTime::at_boot(TimePolicy::default(), FLOOR);
    clock.raise_floor(FLOOR + HOUR);
    clock.raise_floor(FLOOR);
    assert_eq!(clock.floor(), FLOOR + HOUR);
    assert_eq!(clock.interval(at(0)).lo, FLOOR + HOUR);
}

#[test]
fn a_small_forward_step_from_trusted_time_is_trusted_at_once() {
    let mut clock = synced();
    let t0 = 700_000;
    let update = clock
        .accept(&request(3, t0 - 50, 3), &answer(3, NOW + t0 + HOUR, 100, t0))
        .unwrap();
    assert!(matches!(update, TimeUpdate::Trusted { .. }));
}

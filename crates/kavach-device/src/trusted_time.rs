//! The client's trusted time (WIRE.md §6.4, rules 14–17), sans-IO: the caller passes the
//! readings of a clock that counts suspend (CLOCK_BOOTTIME) and the verified `time` answers;
//! this keeps the interval [lo, hi] the true time lies in.
//!
//! - Only a `time` answer that echoes the outstanding request's nonce, within `maxRttMs` and with
//!   a `radiusMs` within its limit, moves the clock (rule 14). Signature and chain checks come
//!   first and are the caller's (rule 15: the chain valid at lo and at the answered time).
//! - lo = time − radius + elapsed × (1 − maxDrift), hi = time + radius + RTT + elapsed ×
//!   (1 + maxDrift) (rule 16). lo never moves backwards: an answer wholly before lo is refused.
//! - A step beyond hi by more than `maxStep`, or any step while hi is unknown (after a reboot),
//!   is provisional: used for the session, made the persisted floor only when a second answer at
//!   least `confirmAfter` later, over another TLS connection, agrees within the radii (rule 17).
//! - The floor (persisted by the caller) is the highest of what was persisted, the release-root's
//!   `timeFloor` and the firmware build time; nothing lowers it.

use std::time::Duration;

use crate::grammar::Nonce;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type UnixMillis = u64;

/// A reading of the caller's boot clock (CLOCK_BOOTTIME: monotonic, counts suspend), as the
/// time since an arbitrary origin fixed for one boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BootInstant(pub Duration);

impl BootInstant {
    fn millis_since(self, earlier: BootInstant) -> u64 {
        u64::try_from(self.0.saturating_sub(earlier.0).as_millis()).unwrap_or(u64::MAX)
    }
}

/// The limits of rule 14–17.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimePolicy {
    max_rtt: Duration,
    max_radius: Duration,
    max_drift_ppm: u32,
    max_step: Duration,
    confirm_after: Duration,
}

impl Default for TimePolicy {
    /// `maxRttMs` 10 s, radius limit 5 s, `maxDrift` 200 ppm, `maxStep` 48 h, confirmation of a
    /// provisional step after 10 minutes.
    fn default() -> Self {
        Self {
            max_rtt: Duration::from_secs(10),
            max_radius: Duration::from_secs(5),
            max_drift_ppm: 200,
            max_step: Duration::from_secs(48 * 3600),
            confirm_after: Duration::from_secs(600),
        }
    }
}

impl TimePolicy {
    /// How long after a provisional step a confirming answer may come (rule 17).
    pub fn confirm_after(&self) -> Duration {
        self.confirm_after
    }

    /// The same policy with this round-trip limit (`maxRttMs`).
    pub fn with_max_rtt(mut self, max_rtt: Duration) -> Self {
        self.max_rtt = max_rtt;
        self
    }

    /// The same policy with this limit on an answer's `radiusMs`.
    pub fn with_max_radius(mut self, max_radius: Duration) -> Self {
        self.max_radius = max_radius;
        self
    }

    /// The same policy with this drift bound of the boot clock, in parts per million.
    pub fn with_max_drift_ppm(mut self, ppm: u32) -> Self {
        self.max_drift_ppm = ppm.min(1_000_000);
        self
    }

    /// The same policy with this largest forward step that is not provisional (`maxStep`).
    pub fn with_max_step(mut self, max_step: Duration) -> Self {
        self.max_step = max_step;
        self
    }

    /// The same policy with this least time before a second answer confirms a provisional step.
    pub fn with_confirm_after(mut self, confirm_after: Duration) -> Self {
        self.confirm_after = confirm_after;
        self
    }

    fn drift(&self, elapsed_ms: u64) -> u64 {
        let drift = u128::from(elapsed_ms) * u128::from(self.max_drift_ppm);
        u64::try_from(drift.div_ceil(1_000_000)).unwrap_or(u64::MAX)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Where the true time lies now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeInterval {
    /// The earliest it can be: notBefore and window starts are checked against this.
    pub lo: UnixMillis,
    /// The latest it can be, when known: notAfter and `expires` are checked against this.
    /// Unknown after a reboot until a `time` answer.
    pub hi: Option<UnixMillis>,
    /// True while the interval rests on a step not yet confirmed (rule 17).
    pub provisional: bool,
}

impl TimeInterval {
    /// Whether `not_after` may have passed: true when hi is past it, and when hi is unknown
    /// (fail closed: an expiry cannot be shown not to have passed).
    pub fn may_have_passed(&self, not_after: UnixMillis) -> bool {
        self.hi.is_none_or(|hi| hi > not_after)
    }

    /// Whether `not_before` has surely begun (lo is at or after it).
    pub fn has_begun(&self, not_before: UnixMillis) -> bool {
        self.lo >= not_before
    }
}

/// The client's outstanding `time.request` (one at a time, rule 14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeRequest {
    /// The 16 random bytes sent.
    pub nonce: Nonce,
    /// When it was sent, on the boot clock.
    pub sent_at: BootInstant,
    /// The TLS connection it went over (any identifier that differs between connections).
    pub connection: u64,
}

/// A verified `time` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeAnswer {
    /// The echoed nonce.
    pub nonce: Nonce,
    /// The server's time.
    pub time: UnixMillis,
    /// The server's `radiusMs`.
    pub radius_ms: u64,
    /// When it arrived, on the boot clock.
    pub received_at: BootInstant,
}

/// Why an answer did not move the clock. None of these changes any state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// The answer echoes another nonce than the outstanding request's.
    #[error("the time answer echoes another nonce than the outstanding request's")]
    NonceMismatch,
    /// The round trip exceeded `maxRttMs`.
    #[error("the time answer's round trip of {rtt_ms} ms exceeds {max_ms} ms")]
    RoundTripTooLong {
        /// The measured round trip.
        rtt_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// The radius exceeded its limit.
    #[error("the time answer's radius of {radius_ms} ms exceeds {max_ms} ms")]
    RadiusTooLarge {
        /// The answer's radius.
        radius_ms: u64,
        /// The limit.
        max_ms: u64,
    },
    /// The answer lies wholly before what the client already knows: the clock never moves
    /// backwards.
    #[error("the time answer lies before the trusted lower bound")]
    Backwards,
    /// The answer arrived before the request was sent (a broken boot clock reading).
    #[error("the time answer arrived before its request was sent")]
    BootClockBackwards,
}

/// What an accepted answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUpdate {
    /// The clock moved; the caller persists this floor (rule 17).
    Trusted {
        /// The new floor to persist.
        floor: UnixMillis,
    },
    /// A step used for this session only, not persisted until a second answer confirms it.
    Provisional,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Anchor {
    lo: UnixMillis,
    hi: UnixMillis,
    at: BootInstant,
}

impl Anchor {
    fn interval(&self, policy: &TimePolicy, now: BootInstant) -> (UnixMillis, UnixMillis) {
        let elapsed = now.millis_since(self.at);
        let drift = policy.drift(elapsed);
        let lo = self.lo.saturating_add(elapsed).saturating_sub(drift);
        let hi = self.hi.saturating_add(elapsed).saturating_add(drift);
        (lo, hi)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Provisional {
    anchor: Anchor,
    connection: u64,
}

/// The trusted clock of one client (one boot).
#[derive(Clone, Debug)]
pub struct TrustedTime {
    policy: TimePolicy,
    floor: UnixMillis,
    trusted: Option<Anchor>,
    provisional: Option<Provisional>,
}

impl TrustedTime {
    /// The clock at boot: lo is `floor` (the highest of the persisted floor, the release-root's
    /// `timeFloor` and the firmware build time), hi is unknown.
    pub fn at_boot(policy: TimePolicy, floor: UnixMillis) -> Self {
        Self {
            policy,
            floor,
            trusted: None,
            provisional: None,
        }
    }

    /// The floor to persist.
    pub fn floor(&self) -> UnixMillis {
        self.floor
    }

    /// Raises the floor (a release-root's `timeFloor`, rule 24); never lowers it.
    pub fn raise_floor(&mut self, floor: UnixMillis) {
        self.floor = self.floor.max(floor);
    }

    /// Where the true time lies at `now`.
    pub fn interval(&self, now: BootInstant) -> TimeInterval {
        match &self.provisional {
            Some(p) => self.interval_from(Some(p.anchor), true, now),
            None => self.trusted_interval(now),
        }
    }

    /// The interval from trusted answers and the floor only, ignoring a provisional step: what
    /// a new answer is judged against, so that one provisional answer (a server's mistake or an
    /// attacker's) cannot make the genuine answers look backwards.
    fn trusted_interval(&self, now: BootInstant) -> TimeInterval {
        self.interval_from(self.trusted, false, now)
    }

    fn interval_from(&self, anchor: Option<Anchor>, provisional: bool, now: BootInstant) -> TimeInterval {
        match anchor {
            None => TimeInterval {
                lo: self.floor,
                hi: None,
                provisional: false,
            },
            Some(anchor) => {
                let (lo, hi) = anchor.interval(&self.policy, now);
                TimeInterval {
                    lo: lo.max(self.floor),
                    hi: Some(hi.max(self.floor)),
                    provisional,
                }
            }
        }
    }

    /// Takes a verified `time` answer to `request`. On an error nothing changes.
    pub fn accept(&mut self, request: &TimeRequest, answer: &TimeAnswer) -> Result<TimeUpdate, TimeError> {
        if answer.nonce != request.nonce {
            return Err(TimeError::NonceMismatch);
        }
        if answer.received_at < request.sent_at {
            return Err(TimeError::BootClockBackwards);
        }
        let rtt = answer.received_at.millis_since(request.sent_at);
        if rtt > millis(self.policy.max_rtt) {
            return Err(TimeError::RoundTripTooLong {
                rtt_ms: rtt,
                max_ms: millis(self.policy.max_rtt),
            });
        }
        if answer.radius_ms > millis(self.policy.max_radius) {
            return Err(TimeError::RadiusTooLarge {
                radius_ms: answer.radius_ms,
                max_ms: millis(self.policy.max_radius),
            });
        }
        let candidate = Anchor {
            lo: answer.time.saturating_sub(answer.radius_ms),
            hi: answer.time.saturating_add(answer.radius_ms).saturating_add(rtt),
            at: answer.received_at,
        };
        let current = self.trusted_interval(answer.received_at);
        if candidate.hi < current.lo {
            return Err(TimeError::Backwards);
        }
        let within_step = current
            .hi
            .filter(|_| self.trusted.is_some())
            .is_some_and(|hi| candidate.lo <= hi.saturating_add(millis(self.policy.max_step)));
        if within_step || self.confirms_provisional(request.connection, &candidate) {
            let lo = candidate.lo.max(current.lo);
            let anchor = Anchor {
                lo,
                hi: candidate.hi.max(lo),
                at: candidate.at,
            };
            self.trusted = Some(anchor);
            self.provisional = None;
            self.floor = self.floor.max(lo);
            return Ok(TimeUpdate::Trusted { floor: self.floor });
        }
        self.provisional = Some(Provisional {
            anchor: candidate,
            connection: request.connection,
        });
        Ok(TimeUpdate::Provisional)
    }

    /// Whether `candidate` confirms the provisional step: at least `confirm_after` later, over
    /// another connection, and inside the provisional anchor's interval carried forward
    /// (the two answers agree within their radii, the round trips and the drift).
    fn confirms_provisional(&self, connection: u64, candidate: &Anchor) -> bool {
        let Some(provisional) = &self.provisional else {
            return false;
        };
        if provisional.connection == connection {
            return false;
        }
        if candidate.at.0.saturating_sub(provisional.anchor.at.0) < self.policy.confirm_after {
            return false;
        }
        let (lo, hi) = provisional.anchor.interval(&self.policy, candidate.at);
        candidate.lo <= hi && candidate.hi >= lo
    }
}

//! Validation time at the granularity of certificates.
//!
//! X.509 validity times have whole seconds (RFC 5280 §4.1.2.5.1-2: "MUST include seconds",
//! "MUST NOT include fractional seconds"), so the validation time is floored to the second
//! before comparing: a certificate whose notAfter is 00:00:00 is still valid at 00:00:00.005,
//! and one whose notBefore is 00:00:01 is not yet valid at 00:00:00.999 (x509-limbo
//! `rfc5280::validity::notafter-fractional`, `notbefore-fractional`). Both bounds are inclusive.

use std::time::{SystemTime, UNIX_EPOCH};

/// Whole seconds since the Unix epoch, floored; times before the epoch are negative.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let d = e.duration();
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            // Floor: -0.5 s is second -1.
            if d.subsec_nanos() > 0 { -secs - 1 } else { -secs }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn floors_to_the_second() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1999)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(500)), -1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(2)), -2);
    }
}

//! kavach's `ts` header value: ISO-8601 UTC with exactly three fractional digits.

use core::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};

/// A signing time as kavach writes it in the `ts` header (WIRE.md §4):
/// `2026-11-23T19:00:00.123Z` — UTC, `Z`, exactly three fractional digits, nothing else.
///
/// Millisecond precision, years 1970 to 9999.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    millis: u64,
}

/// Milliseconds from 1970-01-01 to 10000-01-01: the first instant [`Timestamp`] cannot show.
const MAX_MILLIS: u64 = 253_402_300_800_000;

const TS: &str = "ts";

fn bad(reason: &'static str) -> Error {
    Error::InvalidHeaderMember { name: TS, reason }
}

impl Timestamp {
    /// The time `t`, truncated to the millisecond. Fails for times before 1970 or after 9999.
    pub fn from_system_time(t: SystemTime) -> Result<Self> {
        let d = t.duration_since(UNIX_EPOCH).map_err(|_| bad("time before 1970"))?;
        let millis = u64::try_from(d.as_millis()).map_err(|_| bad("time after 9999"))?;
        if millis >= MAX_MILLIS {
            return Err(bad("time after 9999"));
        }
        Ok(Self { millis })
    }

    /// The current system time, truncated to the millisecond.
    pub fn now() -> Result<Self> {
        Self::from_system_time(SystemTime::now())
    }

    /// This time as a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis)
    }

    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub fn unix_millis(self) -> u64 {
        self.millis
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (24 characters; no other offset, precision or
    /// separator is accepted; seconds 00–59).
    pub fn parse(s: &str) -> Result<Self> {
        let b = s.as_bytes();
        if b.len() != 24 {
            return Err(bad("not YYYY-MM-DDTHH:MM:SS.mmmZ (24 characters)"));
        }
        for (i, sep) in [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (23, b'Z'),
        ] {
            if b[i] != sep {
                return Err(bad("not YYYY-MM-DDTHH:MM:SS.mmmZ"));
            }
        }
        let num = |range: core::ops::Range<usize>| -> Result<u64> {
            let mut v = 0u64;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return Err(bad("non-digit in a date or time field"));
                }
                v = v * 10 + u64::from(c - b'0');
            }
            Ok(v)
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second, milli) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
        if year < 1970 {
            return Err(bad("year before 1970"));
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(bad("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(bad("no such time of day"));
        }
        let days = days_from_civil(year, month, day);
        let millis = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli;
        Ok(Self { millis })
    }
}

fn is_leap(y: u64) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to the given date (year >= 1970), after H. Hinnant's `days_from_civil`.
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01, after H. Hinnant's `civil_from_days`.
fn civil_from_days(z: u64) -> (u64, u64, u64) {
    let z = z + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.millis % 1000;
        let secs = self.millis / 1000;
        let (days, sod) = (secs / 86_400, secs % 86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            sod / 3600,
            (sod / 60) % 60,
            sod % 60
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl core::str::FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn known_values() {
        let t = Timestamp::parse("2026-11-23T19:00:00.123Z").unwrap();
        // date -u -d 2026-11-23T19:00:00Z +%s => 1795460400
        assert_eq!(t.unix_millis(), 1_795_460_400_123);
        assert_eq!(t.to_string(), "2026-11-23T19:00:00.123Z");
        assert_eq!(Timestamp::parse("1970-01-01T00:00:00.000Z").unwrap().unix_millis(), 0);
        assert_eq!(
            Timestamp::parse("2000-02-29T23:59:59.999Z").unwrap().to_string(),
            "2000-02-29T23:59:59.999Z"
        );
        assert_eq!(
            Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap().unix_millis(),
            MAX_MILLIS - 1
        );
    }

    #[test]
    fn other_spellings_are_refused() {
        for s in [
            "2026-11-23T19:00:00Z",
            "2026-11-23T19:00:00.12Z",
            "2026-11-23T19:00:00.1234Z",
            "2026-11-23T19:00:00.123+00:00",
            "2026-11-23t19:00:00.123Z",
            "2026-11-23T19:00:00.123z",
            "2026-11-23 19:00:00.123Z",
            "2026-13-23T19:00:00.123Z",
            "2026-02-29T19:00:00.123Z",
            "2100-02-29T19:00:00.123Z",
            "2026-11-31T19:00:00.123Z",
            "2026-11-23T24:00:00.123Z",
            "2026-11-23T19:60:00.123Z",
            "2026-11-23T19:00:60.123Z",
            "1969-12-31T23:59:59.999Z",
            "+026-11-23T19:00:00.123Z",
            "2026-11-23T19:00:00.12３Z",
            "",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn system_time_truncates_to_millis() {
        let t = UNIX_EPOCH + Duration::from_nanos(1_795_460_400_123_999_999);
        let ts = Timestamp::from_system_time(t).unwrap();
        assert_eq!(ts.to_string(), "2026-11-23T19:00:00.123Z");
        assert!(Timestamp::from_system_time(UNIX_EPOCH - Duration::from_secs(1)).is_err());
    }

    proptest::proptest! {
        // proptest's default case count, with failures persisted under tests/.
        #![proptest_config(kavach_testkit::proptest_config(256))]

        #[test]
        fn display_parse_round_trip(millis in 0u64..MAX_MILLIS) {
            let t = Timestamp { millis };
            let s = t.to_string();
            proptest::prop_assert_eq!(s.len(), 24);
            proptest::prop_assert_eq!(Timestamp::parse(&s).unwrap(), t);
        }
    }
}

//! Validation time at the granularity of certificates.
//!
//! X.509 validity times have whole seconds (RFC 5280 §4.1.2.5.1-2: "MUST include seconds",
//! "MUST NOT include fractional seconds"), so the validation time is floored to the second
//! before comparing: a certificate whose notAfter is 00:00:00 is still valid at 00:00:00.005,
//! and one whose notBefore is 00:00:01 is not yet valid at 00:00:00.999 (x509-limbo
//! `rfc5280::validity::notafter-fractional`, `notbefore-fractional`). Both bounds are inclusive.

//!
//! Certificate validity times are also read here, from their DER, across the whole range RFC
//! 5280 §4.1.2.5 allows: UTCTime years 50–99 are 1950–1999 and 00–49 are 2000–2049, and
//! GeneralizedTime any year 0000–9999. The `der` crate's `DateTime` holds nothing before 1970,
//! so [`pre_epoch_validity`] finds a certificate's validity before it is decoded; a time before
//! 1970 is kept here and written as 1970-01-01 in the copy that `x509-cert` decodes.
//!
//! Times in messages are written by [`rfc3339`], the same way for every time and every year.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

/// `secs` (Unix seconds, negative before 1970) as a `SystemTime` (representable before the
/// epoch on the platforms kavach runs on); saturates at the ends of what `SystemTime` holds.
pub(crate) fn system_time(secs: i64) -> SystemTime {
    let magnitude = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH.checked_add(magnitude).unwrap_or(UNIX_EPOCH)
    } else {
        UNIX_EPOCH.checked_sub(magnitude).unwrap_or(UNIX_EPOCH)
    }
}

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian; H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of day `z` since 1970-01-01 (negative before), the
/// inverse of [`days_from_civil`] (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// `t` as an RFC 3339 UTC time in whole seconds, `2026-11-23T19:00:00Z`, floored to the
/// second as validation compares times (see the module docs); times before 1970 too
/// (`1950-01-01T00:00:00Z`). A year outside 0000–9999, which RFC 3339 cannot write, is
/// written as ISO 8601's expanded year with its sign (`+10000-01-01T00:00:00Z`). This is how
/// every time in this crate's messages is written (e.g. [`crate::Error::Expired`]).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (days, second_of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else {
        format!("{year:+05}")
    };
    format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// DER tags of the two `Time` choices.
pub(crate) const TAG_UTC_TIME: u8 = 0x17;
pub(crate) const TAG_GENERALIZED_TIME: u8 = 0x18;

/// A validity `Time` (RFC 5280 §4.1.2.5.1-2, DER: `YYMMDDHHMMSSZ` or `YYYYMMDDHHMMSSZ`, no
/// fractions) as Unix seconds; `None` when it is not one.
pub(crate) fn parse_time(tag: u8, content: &[u8]) -> Option<i64> {
    let digits = |r: core::ops::Range<usize>| -> Option<i64> {
        let b = content.get(r)?;
        b.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, rest) = match (tag, content.len()) {
        (TAG_UTC_TIME, 13) => {
            let yy = digits(0..2)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, 2)
        }
        (TAG_GENERALIZED_TIME, 15) => (digits(0..4)?, 4),
        _ => return None,
    };
    if content.last() != Some(&b'Z') {
        return None;
    }
    let (month, day) = (digits(rest..rest + 2)?, digits(rest + 2..rest + 4)?);
    let (hour, minute, second) = (
        digits(rest + 4..rest + 6)?,
        digits(rest + 6..rest + 8)?,
        digits(rest + 8..rest + 10)?,
    );
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// One DER TLV at the start of `der`: (tag, header length, content length).
fn tlv(der: &[u8]) -> Option<(u8, usize, usize)> {
    let tag = *der.first()?;
    let first = *der.get(1)?;
    if first < 0x80 {
        return Some((tag, 2, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 4 {
        return None;
    }
    let len = der
        .get(2..2 + n)?
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    let end = (2 + n).checked_add(len)?;
    (end <= der.len()).then_some((tag, 2 + n, len))
}

/// Where a certificate's validity times are, and what they say: for `notBefore` and
/// `notAfter`, the byte range of the `Time`'s content in `der`, its tag, and its value.
pub(crate) struct ValidityTimes {
    pub(crate) times: [TimeField; 2],
}

/// One `Time` of a certificate: the range of its content in the DER, its tag, its value.
pub(crate) type TimeField = (core::ops::Range<usize>, u8, i64);

/// Finds the validity of the DER certificate `der` (SEQUENCE { tbsCertificate SEQUENCE {
/// [0] version OPTIONAL, serialNumber, signature, issuer, validity, ... } ... }), a fixed walk
/// of at most six TLVs. `None` when `der` is not shaped so or a time does not parse (the
/// certificate decoder then reports what is wrong).
pub(crate) fn certificate_validity(der: &[u8]) -> Option<ValidityTimes> {
    let (_, outer_header, _) = tlv(der)?;
    let mut at = outer_header;
    let (tbs_tag, tbs_header, _) = tlv(der.get(at..)?)?;
    if tbs_tag != 0x30 {
        return None;
    }
    at += tbs_header;
    // Optional [0] version, then serialNumber, signature, issuer.
    let (tag, h, l) = tlv(der.get(at..)?)?;
    let mut skip = if tag == 0xa0 { 4 } else { 3 };
    let (mut h, mut l) = (h, l);
    loop {
        at = at.checked_add(h)?.checked_add(l)?;
        skip -= 1;
        if skip == 0 {
            break;
        }
        (_, h, l) = tlv(der.get(at..)?)?;
    }
    let (validity_tag, validity_header, _) = tlv(der.get(at..)?)?;
    if validity_tag != 0x30 {
        return None;
    }
    at += validity_header;
    let read = |at: usize| -> Option<(TimeField, usize)> {
        let (tag, h, l) = tlv(der.get(at..)?)?;
        let content = at + h..at + h + l;
        let value = parse_time(tag, der.get(content.clone())?)?;
        Some(((content, tag, value), at + h + l))
    };
    let (not_before, next) = read(at)?;
    let (not_after, _) = read(next)?;
    Some(ValidityTimes {
        times: [not_before, not_after],
    })
}

/// When a validity time of `der` lies before 1970, a copy of `der` in which each such time
/// reads 1970-01-01T00:00:00Z (same length, so every offset and the signed bytes' range stay),
/// for the `der` crate to decode. `None` when no time needs it.
pub(crate) fn pre_epoch_validity(der: &[u8], validity: &ValidityTimes) -> Option<Vec<u8>> {
    if validity.times.iter().all(|(_, _, v)| *v >= 0) {
        return None;
    }
    let mut copy = der.to_vec();
    for (range, tag, value) in &validity.times {
        if *value < 0 {
            let placeholder: &[u8] = if *tag == TAG_UTC_TIME {
                b"700101000000Z"
            } else {
                b"19700101000000Z"
            };
            copy.get_mut(range.clone())?.copy_from_slice(placeholder);
        }
    }
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc5280_4_1_2_5_times_parse_across_the_whole_range() {
        assert_eq!(parse_time(TAG_UTC_TIME, b"700101000000Z"), Some(0));
        assert_eq!(parse_time(TAG_UTC_TIME, b"691231235959Z"), Some(-1));
        assert_eq!(parse_time(TAG_UTC_TIME, b"500101000000Z"), Some(-631_152_000));
        assert_eq!(parse_time(TAG_UTC_TIME, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(
            parse_time(TAG_GENERALIZED_TIME, b"19600229120000Z"),
            Some(-310_521_600 + 12 * 3600)
        );
        assert_eq!(
            parse_time(TAG_GENERALIZED_TIME, b"00000101000000Z"),
            Some(-62_167_219_200)
        );
        assert_eq!(
            parse_time(TAG_GENERALIZED_TIME, b"99991231235959Z"),
            Some(253_402_300_799)
        );
        // Not times.
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"19610229120000Z"), None);
        assert_eq!(parse_time(TAG_UTC_TIME, b"600101000000"), None);
        assert_eq!(parse_time(TAG_UTC_TIME, b"601301000000Z"), None);
        assert_eq!(parse_time(TAG_GENERALIZED_TIME, b"19600101000000.5Z"), None);
        assert_eq!(system_time(-1), UNIX_EPOCH - Duration::from_secs(1));
        assert_eq!(unix_seconds(system_time(-631_152_000)), -631_152_000);
    }

    #[test]
    fn rfc3339_writes_utc_whole_seconds_before_and_after_1970() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(system_time(1_795_460_400)), "2026-11-23T19:00:00Z");
        assert_eq!(rfc3339(system_time(-1)), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(system_time(-631_152_000)), "1950-01-01T00:00:00Z");
        assert_eq!(rfc3339(system_time(-310_521_600 + 12 * 3600)), "1960-02-29T12:00:00Z");
        assert_eq!(rfc3339(system_time(-62_167_219_200)), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339(system_time(253_402_300_799)), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(system_time(253_402_300_800)), "+10000-01-01T00:00:00Z");
        assert_eq!(rfc3339(system_time(-62_167_219_201)), "-0001-12-31T23:59:59Z");
        // Floored like validation: 0.5 s before the epoch is second -1.
        assert_eq!(rfc3339(UNIX_EPOCH - Duration::from_millis(500)), "1969-12-31T23:59:59Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_millis(1999)),
            "1970-01-01T00:00:01Z"
        );
        // Every parsed validity time is written back as it was read.
        for (tag, text, written) in [
            (TAG_UTC_TIME, &b"500101000000Z"[..], "1950-01-01T00:00:00Z"),
            (TAG_UTC_TIME, b"691231235959Z", "1969-12-31T23:59:59Z"),
            (TAG_UTC_TIME, b"491231235959Z", "2049-12-31T23:59:59Z"),
            (TAG_GENERALIZED_TIME, b"19000301000000Z", "1900-03-01T00:00:00Z"),
            (TAG_GENERALIZED_TIME, b"20000229235959Z", "2000-02-29T23:59:59Z"),
        ] {
            assert_eq!(
                parse_time(tag, text).map(|s| rfc3339(system_time(s))).as_deref(),
                Some(written)
            );
        }
    }

    #[test]
    fn floors_to_the_second() {
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1999)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_millis(500)), -1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(2)), -2);
    }
}

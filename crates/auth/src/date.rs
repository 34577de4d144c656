//! The one date a token service sends: `issued_at`, an RFC 3339 date-time. Read to the
//! second (a token's lifetime is counted in seconds); a fraction is ignored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, fields in range, as a time; `None` when the
/// text is anything else.
pub(crate) fn parse_issued_at(text: &str) -> Option<SystemTime> {
    let (date, time) = text.split_once(['T', 't'])?;
    // The offset starts at the first `Z`, `+` or `-` after the seconds.
    let (clock, zone) = time.split_at(time.find(['Z', 'z', '+', '-'])?);
    let clock = match clock.split_once('.') {
        Some((whole, fraction))
            if !fraction.is_empty() && fraction.bytes().all(|b| b.is_ascii_digit()) =>
        {
            whole
        }
        Some(_) => return None,
        None => clock,
    };
    let (d, c) = (date.as_bytes(), clock.as_bytes());
    if d.len() != 10 || d[4] != b'-' || d[7] != b'-' || c.len() != 8 || c[2] != b':' || c[5] != b':'
    {
        return None;
    }
    let (year, month, day) = (
        digits(&date[..4])?,
        digits(&date[5..7])?,
        digits(&date[8..])?,
    );
    let (hour, minute, second) = (
        digits(&clock[..2])?,
        digits(&clock[3..5])?,
        digits(&clock[6..])?,
    );
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let (sign, hhmm) = zone.split_at(1);
            let (h, m) = hhmm.split_once(':')?;
            let (h, m) = (
                digits(h).filter(|_| h.len() == 2)?,
                digits(m).filter(|_| m.len() == 2)?,
            );
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = i64::from(h * 3600 + m * 60);
            if sign == "-" { -seconds } else { seconds }
        }
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let in_range = (1..=12).contains(&month)
        && (1..=month_days[month as usize - 1]).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    if !in_range {
        return None;
    }
    // Days before this year since 1970, then before this month, then the day.
    let y = i64::from(year) - 1;
    let leap_days = |y: i64| y / 4 - y / 100 + y / 400;
    let days = (y - 1969) * 365 + leap_days(y) - leap_days(1969)
        + month_days[..month as usize - 1]
            .iter()
            .map(|&d| i64::from(d))
            .sum::<i64>()
        + i64::from(day - 1);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    let seconds = u64::try_from(seconds).ok()?;
    UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// A field of ASCII digits (at most 4) as a number.
fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

//! Warnings on stderr in the Go CLI's log format (`[<RFC 3339 time>][WARNING]: <text>`,
//! then the fields under `[Data]:`, then two empty lines).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Prints a warning, with the registry it came from when there is one.
pub(crate) fn warn(text: &str, registry: Option<&str>) {
    let mut out = format!("[{}][WARNING]: {text}\n", rfc3339_nano(SystemTime::now()));
    if let Some(r) = registry {
        out.push_str("[Data]:\n");
        out.push_str(&format!("  registry={r}\n"));
    }
    out.push_str("\n\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(out.as_bytes());
}

/// A time as Go's `time.RFC3339Nano` writes it in UTC: `2026-12-01T18:04:05.123456789Z`,
/// the fraction without trailing zeros (none when whole).
pub(crate) fn rfc3339_nano(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
    let mut s = format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    );
    let nanos = d.subsec_nanos();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// The proleptic Gregorian date of a day counted from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_as_go_writes_them() {
        assert_eq!(rfc3339_nano(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let t = UNIX_EPOCH + Duration::new(1_796_148_727, 120_000_000);
        assert_eq!(rfc3339_nano(t), "2026-12-01T18:12:07.12Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(rfc3339_nano(leap), "2000-02-29T00:00:00Z");
    }
}

//! Sizes and durations as the Go CLI prints them in `backup` and `restore` summaries.

use std::time::Duration;

/// `1 KB`, `1.5 MB`, `0  B`: base 1024, at most four significant characters, the unit
/// padded to two.
pub(crate) fn bytes(size: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let f = size as f64;
    let (value, unit) = if f < 1024.0 {
        (f, UNITS[0])
    } else {
        let e = ((f.ln() / 1024f64.ln()).floor() as usize).min(UNITS.len() - 1);
        let p = f / 1024f64.powi(e as i32);
        let rounded = if p < 10.0 {
            (p * 100.0).round() / 100.0
        } else if p < 100.0 {
            (p * 10.0).round() / 10.0
        } else {
            p.round()
        };
        (rounded, UNITS[e])
    };
    format!("{} {unit:>2}", go_float(value))
}

/// A float as Go's `%g` prints the short values above: no trailing zeros.
fn go_float(v: f64) -> String {
    let s = format!("{v}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

/// Rounded to the second above one second, to the millisecond above one millisecond, to
/// the microsecond below; written as Go's `time.Duration` is (`1m30s`, `250ms`, `12µs`).
pub(crate) fn duration(d: Duration) -> String {
    let ns = d.as_nanos();
    let round = |unit: u128| (ns + unit / 2) / unit * unit;
    let ns = if ns > 1_000_000_000 {
        round(1_000_000_000)
    } else if ns > 1_000_000 {
        round(1_000_000)
    } else {
        round(1_000)
    };
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000_000_000 {
        let (value, unit) = if ns < 1_000_000 {
            (ns as f64 / 1_000.0, "µs")
        } else {
            (ns as f64 / 1_000_000.0, "ms")
        };
        return format!("{}{unit}", go_float(value));
    }
    let secs = ns / 1_000_000_000;
    let frac = ns % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut seconds = s.to_string();
    if frac > 0 {
        let digits = format!("{frac:09}");
        seconds.push('.');
        seconds.push_str(digits.trim_end_matches('0'));
    }
    match (h, m) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_as_go_prints_them() {
        assert_eq!(bytes(0), "0  B");
        assert_eq!(bytes(1024), "1 KB");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(10 * 1024 * 1024 + 512 * 1024), "10.5 MB");
        assert_eq!(bytes(300 * 1024 * 1024), "300 MB");
        assert_eq!(duration(Duration::from_secs(30)), "30s");
        assert_eq!(duration(Duration::from_millis(90_400)), "1m30s");
        assert_eq!(duration(Duration::from_secs(3723)), "1h2m3s");
        assert_eq!(duration(Duration::from_micros(250_400)), "250ms");
        assert_eq!(duration(Duration::from_nanos(12_345)), "12µs");
    }
}

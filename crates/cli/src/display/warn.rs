//! The Go CLI's log format on stderr (`[<RFC 3339 time>][WARNING]: <text>`, then the
//! fields under `[Data]:`, then two empty lines), and warnings in it.

use std::io::Write;
use std::time::SystemTime;

use oras_artifact::oci::time::format_rfc3339_nano;

/// One entry of the log.
pub(crate) fn entry(at: SystemTime, level: &str, text: &str, data: &[(String, String)]) -> String {
    let mut out = format!("[{}][{level}]: {text}\n", format_rfc3339_nano(at));
    if !data.is_empty() {
        out.push_str("[Data]:\n");
        for (k, v) in data {
            out.push_str(&format!("  {k}={v}\n"));
        }
    }
    out.push_str("\n\n");
    out
}

/// Prints a warning, with the registry it came from when there is one.
pub(crate) fn warn(text: &str, registry: Option<&str>) {
    let data: Vec<(String, String)> = registry
        .map(|r| ("registry".to_owned(), r.to_owned()))
        .into_iter()
        .collect();
    let out = entry(SystemTime::now(), "WARNING", text, &data);
    let _ = std::io::stderr().lock().write_all(out.as_bytes());
}

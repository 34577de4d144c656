//! Warnings on stderr in the Go CLI's log format (`[<RFC 3339 time>][WARNING]: <text>`,
//! then the fields under `[Data]:`, then two empty lines).

use std::io::Write;
use std::time::SystemTime;

use oras_artifact::oci::time::format_rfc3339_nano;

/// Prints a warning, with the registry it came from when there is one.
pub(crate) fn warn(text: &str, registry: Option<&str>) {
    let mut out = format!(
        "[{}][WARNING]: {text}\n",
        format_rfc3339_nano(SystemTime::now())
    );
    if let Some(r) = registry {
        out.push_str("[Data]:\n");
        out.push_str(&format!("  registry={r}\n"));
    }
    out.push_str("\n\n");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(out.as_bytes());
}

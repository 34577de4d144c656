//! `-d` and `ORAS_LOG`: the libraries' `tracing` events, printed to stderr.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// What `-d` shows: everything the oras crates emit (a target matches every target it
/// is a prefix of: `oras_distribution::http`, `oras_artifact::ops`, ...), down to request
/// and response headers.
const DEBUG: &str = "oras=trace";

/// Installs the subscriber: `ORAS_LOG` (`target=level,...`) when set, else the `-d` set
/// when `debug`, else nothing (the libraries' events then cost next to nothing).
pub(crate) fn init(debug: bool) -> Result<(), String> {
    let spec = match std::env::var("ORAS_LOG") {
        Ok(s) if !s.trim().is_empty() => s,
        _ if debug => DEBUG.to_owned(),
        _ => return Ok(()),
    };
    let filter: Targets = spec
        .parse()
        .map_err(|e| format!("invalid ORAS_LOG {spec:?}: {e}"))?;
    let filter = if filter.default_level().is_none() {
        filter.with_default(LevelFilter::OFF)
    } else {
        filter
    };
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .with(filter)
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))
}

//! `-d` and `ORAS_LOG`: the libraries' `tracing` events on stderr, in the Go CLI's log
//! format: `[<RFC 3339 time>][DEBUG]: <message>`, the event's other fields under
//! `[Data]:`, then two empty lines. The registry client's events are the Go CLI's
//! numbered blocks (`--> Request #0` … `<-- Response #0` …), so a `-d` log reads as Go's.

use std::fmt::Write as _;
use std::io::Write as _;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::display::warn::entry;

/// What `-d` shows: everything the oras crates emit at DEBUG (a target matches every
/// target it is a prefix of: `oras_distribution::http`, `oras_artifact`, ...).
const DEBUG: &str = "oras=debug";

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
        .with(GoLog)
        .with(filter)
        .try_init()
        .map_err(|e| format!("cannot set up logging: {e}"))
}

/// Writes each event as one entry of the Go CLI's log.
struct GoLog;

impl<S: Subscriber> Layer<S> for GoLog {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "INFO",
            Level::DEBUG => "DEBUG",
            Level::TRACE => "TRACE",
        };
        let text = entry(SystemTime::now(), level, &fields.message, &fields.data);
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// An event's message and its other fields, in order.
#[derive(Default)]
struct Fields {
    message: String,
    data: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.data.push((field.name().to_owned(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        if field.name() == "message" {
            self.message.push_str(&text);
        } else {
            self.data.push((field.name().to_owned(), text));
        }
    }
}

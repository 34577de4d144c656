//! Progress on a terminal: a bar per piece of content with speed and ETA, drawn in place
//! on stderr. (Off a terminal, status lines go to stdout instead: `display::status`.)

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use oras_artifact::oci::Descriptor;
use oras_artifact::progress::{Event, Observer};

struct Item {
    digest: String,
    name: String,
    size: u64,
    done: u64,
    status: &'static str,
}

struct State {
    items: Vec<Item>,
    drawn: usize,
    last: Option<Instant>,
    started: Instant,
}

/// Renders transfer events.
pub(crate) struct Bars {
    verb: &'static str,
    state: Mutex<State>,
}

fn name_of(d: &Descriptor) -> String {
    d.title().map_or_else(
        || {
            format!(
                "{} {}",
                short(&d.media_type),
                &d.digest.encoded()[..12.min(d.digest.encoded().len())]
            )
        },
        str::to_owned,
    )
}

fn short(media_type: &str) -> &str {
    media_type.rsplit('/').next().unwrap_or(media_type)
}

fn human(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Bars {
    /// `verb` is what finished means: "Uploaded", "Downloaded", "Copied".
    pub(crate) fn new(verb: &'static str) -> Self {
        Self {
            verb,
            state: Mutex::new(State {
                items: Vec::new(),
                drawn: 0,
                last: None,
                started: Instant::now(),
            }),
        }
    }

    fn draw(&self, s: &mut State, force: bool) {
        let now = Instant::now();
        if !force && s.last.is_some_and(|l| now - l < Duration::from_millis(100)) {
            return;
        }
        s.last = Some(now);
        let mut err = std::io::stderr().lock();
        if s.drawn > 0 {
            let _ = write!(err, "\x1b[{}A", s.drawn);
        }
        let elapsed = (now - s.started).as_secs_f64().max(0.001);
        let (mut total, mut done) = (0u64, 0u64);
        for i in &s.items {
            total += i.size;
            done += i.done.min(i.size);
            let frac = if i.size == 0 {
                1.0
            } else {
                i.done as f64 / i.size as f64
            };
            let filled = (frac * 20.0) as usize;
            let bar: String = "#".repeat(filled.min(20)) + &"-".repeat(20 - filled.min(20));
            let _ = writeln!(
                err,
                "\x1b[2K{:<10} [{bar}] {:>10}/{:<10} {}",
                i.status,
                human(i.done as f64),
                human(i.size as f64),
                i.name
            );
        }
        let speed = done as f64 / elapsed;
        let eta = if speed > 0.0 && total > done {
            format!("{:.0}s", (total - done) as f64 / speed)
        } else {
            "-".into()
        };
        let _ = writeln!(
            err,
            "\x1b[2K{:<10} {:>10}/{:<10} {}/s ETA {eta}",
            "Total",
            human(done as f64),
            human(total as f64),
            human(speed)
        );
        s.drawn = s.items.len() + 1;
    }

    fn update(&self, d: &Descriptor, f: impl FnOnce(&mut Item)) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = d.digest.to_string();
        if !s.items.iter().any(|i| i.digest == key) {
            s.items.push(Item {
                digest: key.clone(),
                name: name_of(d),
                size: d.size,
                done: 0,
                status: "Waiting",
            });
        }
        let item = s
            .items
            .iter_mut()
            .find(|i| i.digest == key)
            .expect("inserted above");
        f(item);
        let status = item.status;
        let force = matches!(status, "Exists" | "Mounted" | "Failed") || status == self.verb;
        self.draw(&mut s, force);
    }

    /// Draws the final state.
    pub(crate) fn finish(&self) {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !s.items.is_empty() {
            self.draw(&mut s, true);
        }
    }
}

impl Observer for Bars {
    fn event(&self, event: Event<'_>) {
        match event {
            Event::Queued(d) => self.update(d, |_| {}),
            Event::Started(d) => self.update(d, |i| i.status = "Working"),
            Event::Bytes(d, n) => self.update(d, |i| i.done = n),
            Event::Skipped(d) => self.update(d, |i| {
                i.status = "Exists";
                i.done = i.size;
            }),
            Event::Mounted(d) => self.update(d, |i| {
                i.status = "Mounted";
                i.done = i.size;
            }),
            Event::Finished(d) => {
                let verb = self.verb;
                self.update(d, |i| {
                    i.status = verb;
                    i.done = i.size;
                });
            }
            Event::Failed(d, _) => self.update(d, |i| i.status = "Failed"),
            _ => {}
        }
    }
}

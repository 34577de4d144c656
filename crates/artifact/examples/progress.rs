//! Pulls an artifact from a registry with a progress line per file, from the events an
//! [`Observer`] receives.
//!
//! ```text
//! cargo run -p oras-artifact --example progress -- localhost:5000/hello:v1 out/
//! ```
#![expect(clippy::print_stderr, reason = "an example that draws progress")]

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use oras_artifact::distribution::Client;
use oras_artifact::progress::{Event, Observer};
use oras_artifact::reference::Reference;
use oras_artifact::{PullOptions, Remote, pull};

/// Draws one bar per blob as `[#####.....] 52% title`, redrawing the line in place.
#[derive(Default)]
struct Bars {
    /// The last percentage drawn per digest, so a line is drawn only when it changes.
    drawn: Mutex<std::collections::HashMap<String, u64>>,
}

impl Observer for Bars {
    fn event(&self, event: Event<'_>) {
        let (desc, done) = match event {
            Event::Bytes(d, n) => (d, n),
            Event::Finished(d) => (d, d.size),
            Event::Skipped(d) | Event::Mounted(d) => {
                eprintln!("  exists   {}", title(d));
                return;
            }
            Event::Failed(d, why) => {
                eprintln!("  failed   {}: {why}", title(d));
                return;
            }
            _ => return,
        };
        let percent = (done * 100).checked_div(desc.size).unwrap_or(100);
        let mut drawn = self
            .drawn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if drawn.insert(desc.digest.to_string(), percent) == Some(percent) {
            return;
        }
        let filled = usize::try_from(percent / 5).unwrap_or(20);
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(20 - filled));
        let end = if percent == 100 { "\n" } else { "\r" };
        eprint!("  [{bar}] {percent:>3}% {}{end}", title(desc));
        let _ = std::io::stderr().flush();
    }
}

fn title(d: &oras_artifact::oci::Descriptor) -> &str {
    d.title().unwrap_or(&d.media_type)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reference, out] = args.as_slice() else {
        return Err("usage: progress REGISTRY/REPOSITORY:TAG DIR".into());
    };
    let reference: Reference = reference.parse()?;
    let target = Remote::new(Client::standard()?.repository(&reference));
    let mut options = PullOptions::default();
    options.observer = Some(Arc::new(Bars::default()));
    let tag = reference.tag_or_digest().unwrap_or("latest");
    let pulled = pull(&target, tag, Path::new(out), &options).await?;
    eprintln!(
        "pulled {} files, digest {}",
        pulled.files.len(),
        pulled.manifest.digest
    );
    Ok(())
}

//! Status lines as content moves, as the Go CLI prints them on stdout when it is not
//! drawing progress: `Uploading a948904f2f0f hi.txt`, `Exists    44136fa355b3
//! application/vnd.oci.empty.v1+json`, … Each piece of content gets each line once.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use oras_artifact::oci::{Descriptor, media_type};
use oras_artifact::progress::{Event, Observer};

use super::Printer;

/// The words of one command's status lines (Go's prompts, padded as Go pads them).
#[derive(Clone, Copy)]
pub(crate) struct Prompts {
    /// A transfer began.
    pub(crate) start: &'static str,
    /// It ended.
    pub(crate) done: &'static str,
    /// The destination had it.
    pub(crate) exists: &'static str,
    /// It was there already under another title (the same content listed twice).
    pub(crate) duplicate: &'static str,
    /// It was left out.
    pub(crate) skipped: &'static str,
    /// Linked from another repository.
    pub(crate) mounted: &'static str,
    /// After `start`, for a manifest being read for what it lists (pull only).
    pub(crate) processing: Option<&'static str>,
}

/// `push` and `attach`.
pub(crate) const PUSH: Prompts = Prompts {
    start: "Uploading",
    done: "Uploaded ",
    exists: "Exists   ",
    duplicate: "Exists   ",
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// `pull` (a file whose content another file of the pull had is `Restored`).
pub(crate) const PULL: Prompts = Prompts {
    start: "Downloading",
    done: "Downloaded ",
    exists: "Restored   ",
    duplicate: "Restored   ",
    skipped: "Skipped    ",
    mounted: "Skipped    ",
    processing: Some("Processing "),
};

/// `cp`.
pub(crate) const COPY: Prompts = Prompts {
    start: "Copying",
    done: "Copied ",
    exists: "Exists ",
    duplicate: "Skipped",
    skipped: "Skipped",
    mounted: "Mounted",
    processing: None,
};

/// `backup`.
pub(crate) const BACKUP: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
    duplicate: "Skipped  ",
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// `restore`.
pub(crate) const RESTORE: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
    duplicate: "Skipped  ",
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// Prints a status line per event.
pub(crate) struct TextStatus {
    printer: Arc<Printer>,
    prompts: Prompts,
    printed: Mutex<Printed>,
}

/// A node of the graph as Go's status lines track it: media type, digest and size, with
/// the title it is shown under. The same blob under two media types is two nodes, each
/// with its own lines.
type Key = (String, String, u64, String);

/// What was printed: the lines of each node and title, whether it reached an end, and the
/// titles each node was shown with.
#[derive(Default)]
struct Printed {
    lines: HashSet<(&'static str, Key)>,
    ended: HashSet<Key>,
    titles: HashMap<(String, String, u64), HashSet<String>>,
}

fn key(d: &Descriptor) -> Key {
    let title = d.title().unwrap_or_default().to_owned();
    (d.media_type.clone(), d.digest.to_string(), d.size, title)
}

impl TextStatus {
    pub(crate) fn new(printer: Arc<Printer>, prompts: Prompts) -> Self {
        Self {
            printer,
            prompts,
            printed: Mutex::new(Printed::default()),
        }
    }

    fn printed(&self) -> std::sync::MutexGuard<'_, Printed> {
        self.printed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `prompt` for `d`, once; `end`: a last line, after which the node and title get no
    /// other (Go's status of each node goes from a start to one end).
    fn once(&self, prompt: &'static str, d: &Descriptor, end: bool) {
        let k = key(d);
        let first = {
            let mut p = self.printed();
            if p.ended.contains(&k) {
                false
            } else {
                if end {
                    p.ended.insert(k.clone());
                }
                p.titles
                    .entry((k.0.clone(), k.1.clone(), k.2))
                    .or_default()
                    .insert(k.3.clone());
                p.lines.insert((prompt, k))
            }
        };
        if first {
            self.printer.status(d, prompt);
        }
    }

    /// Whether the node was shown already under another title.
    fn shown_elsewhere(&self, d: &Descriptor) -> bool {
        let (media_type, digest, size, title) = key(d);
        self.printed()
            .titles
            .get(&(media_type, digest, size))
            .is_some_and(|t| t.iter().any(|shown| *shown != title))
    }
}

impl Observer for TextStatus {
    fn event(&self, event: Event<'_>) {
        let p = self.prompts;
        match event {
            Event::Started(d) => {
                self.once(p.start, d, false);
                if let Some(processing) = p.processing
                    && media_type::is_manifest(&d.media_type)
                {
                    self.once(processing, d, false);
                }
            }
            Event::Finished(d) => self.once(p.done, d, true),
            // Listed again: said only under a title the node was not shown with (Go's
            // `Skipped` for content deduplicated under another name).
            Event::Repeated(d) if self.shown_elsewhere(d) => self.once(p.duplicate, d, true),
            Event::Skipped(d) if self.shown_elsewhere(d) => self.once(p.duplicate, d, true),
            Event::Skipped(d) => self.once(p.exists, d, true),
            Event::Mounted(d) => self.once(p.mounted, d, true),
            Event::Excluded(d) => self.once(p.skipped, d, true),
            _ => {}
        }
    }
}

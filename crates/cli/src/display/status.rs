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

/// What was printed: each line once; the titles each digest was shown with.
#[derive(Default)]
struct Printed {
    lines: HashSet<(&'static str, String)>,
    titles: HashMap<String, HashSet<String>>,
}

impl TextStatus {
    pub(crate) fn new(printer: Arc<Printer>, prompts: Prompts) -> Self {
        Self {
            printer,
            prompts,
            printed: Mutex::new(Printed::default()),
        }
    }

    fn once(&self, prompt: &'static str, d: &Descriptor) {
        let title = d.title().unwrap_or_default().to_owned();
        let key = format!("{}{title}", d.digest);
        let first = {
            let mut p = self
                .printed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            p.titles
                .entry(d.digest.to_string())
                .or_default()
                .insert(title);
            p.lines.insert((prompt, key))
        };
        if first {
            self.printer.status(d, prompt);
        }
    }

    /// Whether the digest was shown already under another title.
    fn seen_elsewhere(&self, d: &Descriptor) -> bool {
        let title = d.title().unwrap_or_default();
        self.printed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .titles
            .get(d.digest.as_ref())
            .is_some_and(|t| t.iter().any(|shown| shown != title))
    }
}

impl Observer for TextStatus {
    fn event(&self, event: Event<'_>) {
        let p = self.prompts;
        match event {
            Event::Started(d) => {
                self.once(p.start, d);
                if let Some(processing) = p.processing
                    && media_type::is_manifest(&d.media_type)
                {
                    self.once(processing, d);
                }
            }
            Event::Finished(d) => self.once(p.done, d),
            Event::Skipped(d) if self.seen_elsewhere(d) => self.once(p.duplicate, d),
            Event::Skipped(d) => self.once(p.exists, d),
            Event::Mounted(d) => self.once(p.mounted, d),
            Event::Excluded(d) => self.once(p.skipped, d),
            _ => {}
        }
    }
}

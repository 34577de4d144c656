//! Status lines as content moves, as the Go CLI prints them on stdout when it is not
//! drawing progress: `Uploading a948904f2f0f hi.txt`, `Exists    44136fa355b3
//! application/vnd.oci.empty.v1+json`, … Each piece of content gets each line once.

use std::collections::HashSet;
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
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// `pull` (a file whose content another file of the pull had is `Restored`).
pub(crate) const PULL: Prompts = Prompts {
    start: "Downloading",
    done: "Downloaded ",
    exists: "Restored   ",
    skipped: "Skipped    ",
    mounted: "Skipped    ",
    processing: Some("Processing "),
};

/// `cp`.
pub(crate) const COPY: Prompts = Prompts {
    start: "Copying",
    done: "Copied ",
    exists: "Exists ",
    skipped: "Skipped",
    mounted: "Mounted",
    processing: None,
};

/// `backup`.
pub(crate) const BACKUP: Prompts = Prompts {
    start: "Pulling  ",
    done: "Pulled   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// `restore`.
pub(crate) const RESTORE: Prompts = Prompts {
    start: "Pushing  ",
    done: "Pushed   ",
    exists: "Exists   ",
    skipped: "Skipped  ",
    mounted: "Exists   ",
    processing: None,
};

/// Prints a status line per event.
pub(crate) struct TextStatus {
    printer: Arc<Printer>,
    prompts: Prompts,
    printed: Mutex<HashSet<(&'static str, String)>>,
}

impl TextStatus {
    pub(crate) fn new(printer: Arc<Printer>, prompts: Prompts) -> Self {
        Self {
            printer,
            prompts,
            printed: Mutex::new(HashSet::new()),
        }
    }

    fn once(&self, prompt: &'static str, d: &Descriptor) {
        let key = format!("{}{}", d.digest, d.title().unwrap_or_default());
        let first = self
            .printed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((prompt, key));
        if first {
            self.printer.status(d, prompt);
        }
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
            Event::Skipped(d) => self.once(p.exists, d),
            Event::Mounted(d) => self.once(p.mounted, d),
            Event::Excluded(d) => self.once(p.skipped, d),
            _ => {}
        }
    }
}

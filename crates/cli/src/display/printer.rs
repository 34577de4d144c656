//! Lines on stdout, whole lines at a time however many tasks print, and the status line
//! of one piece of content: `<prompt> <digest prefix> <title or media type>`.

use std::io::Write;

use oras_artifact::oci::{Algorithm, Descriptor, Digest};

/// Prints to stdout. A broken pipe (`oras … | head`) ends the output, not the command.
pub(crate) struct Printer {
    /// Also print the status of content without a title (config, manifests): the Go CLI's
    /// deprecated `--verbose`, on by default.
    pub(crate) verbose: bool,
}

impl Printer {
    pub(crate) fn new(verbose: bool) -> Self {
        Self { verbose }
    }

    /// One line.
    pub(crate) fn line(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Text as it is (its own newlines, if any).
    pub(crate) fn raw(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// `prompt digest name`: the name is the title, or the media type of content without
    /// one, which is shown only when verbose.
    pub(crate) fn status(&self, desc: &Descriptor, prompt: &str) {
        match desc.title() {
            Some(title) => self.line(&format!("{prompt} {} {title}", short_digest(&desc.digest))),
            None if self.verbose => self.line(&format!(
                "{prompt} {} {}",
                short_digest(&desc.digest),
                desc.media_type
            )),
            None => {}
        }
    }
}

/// The first 12 hex digits of a SHA-256 digest; other digests whole.
pub(crate) fn short_digest(d: &Digest) -> String {
    match d.algorithm() {
        Some(Algorithm::Sha256) if d.encoded().len() >= 12 => d.encoded()[..12].to_owned(),
        _ => d.to_string(),
    }
}

//! Flags of the commands that can print a descriptor instead of their text output, and
//! the deprecated `--verbose` most commands still accept.

use oras_artifact::oci::Descriptor;

use crate::args::verbose;
use crate::display::{Printer, json};
use crate::error::Result;

/// `--descriptor` and `--pretty`.
#[derive(clap::Args)]
pub(crate) struct DescriptorArgs {
    /// output the descriptor
    #[arg(long)]
    pub(crate) descriptor: bool,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pub(crate) pretty: bool,
}

impl DescriptorArgs {
    /// Prints the descriptor as Go does: compact JSON with no newline, or indented.
    pub(crate) fn print(&self, printer: &Printer, desc: &Descriptor) -> Result<()> {
        self.print_json(printer, json::compact(desc).as_bytes())
    }

    /// Prints JSON bytes as they are, or indented with `--pretty`.
    pub(crate) fn print_json(&self, printer: &Printer, bytes: &[u8]) -> Result<()> {
        Ok(printer.raw(&json::output(bytes, self.pretty)?)?)
    }
}

/// The deprecated `-v`/`--verbose`: hidden, on unless `--verbose=false`.
#[derive(clap::Args)]
pub(crate) struct VerboseArgs {
    /// (deprecated)
    #[arg(short = 'v', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    verbose: Option<bool>,
}

impl VerboseArgs {
    /// Whether status output is on, saying on stderr that the flag is deprecated when given.
    pub(crate) fn on(&self) -> bool {
        verbose(self.verbose)
    }
}

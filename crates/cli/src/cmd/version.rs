//! `oras version`: the version, in the Go CLI's aligned `Name: value` lines.

use crate::display::Printer;
use crate::error::Result;

/// `oras version`: no flags but `--help`, as in Go.
pub(crate) const CMD: crate::args::Cmd = crate::args::Cmd::new("oras version", "oras version")
    .long(crate::help::long::VERSION)
    .debug(None);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Ignored, with a warning
    #[arg(value_name = "ARGS", hide = true)]
    args: Vec<String>,
}

pub(crate) fn run(a: &Args) -> Result<()> {
    if !a.args.is_empty() {
        eprintln!(
            "warning: `oras version` requires no argument, {:?} will be ignored",
            a.args.join(",")
        );
    }
    let items = [
        ("Version", env!("CARGO_PKG_VERSION").to_owned()),
        ("OS/Arch", format!("{}/{}", std::env::consts::OS, go_arch())),
    ];
    let width = items.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let printer = Printer::new(true);
    for (k, v) in items {
        printer.line(&format!("{k}: {}{v}", " ".repeat(width - k.len())));
    }
    Ok(())
}

/// The architecture as Go names it.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

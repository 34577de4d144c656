//! `oras completion SHELL`: the completion script of a shell.

use clap::CommandFactory;

use crate::Cli;
use crate::error::Result;

/// `oras completion SHELL` (cobra's command, here from clap_complete).
pub(crate) const CMD: crate::args::Cmd =
    crate::args::Cmd::new("oras completion", "oras completion [flags] <shell>")
        .long(crate::help::long::COMPLETION)
        .debug(None);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// bash, zsh, fish, elvish or powershell
    shell: clap_complete::Shell,
}

pub(crate) fn run(a: Args) -> Result<()> {
    let mut command = crate::pflag::command(Cli::command());
    clap_complete::generate(a.shell, &mut command, "oras", &mut std::io::stdout());
    Ok(())
}

//! `oras completion SHELL`: the completion script of a shell.

use clap::CommandFactory;

use crate::Cli;
use crate::error::Result;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// bash, zsh, fish, elvish or powershell
    shell: clap_complete::Shell,
}

pub(crate) fn run(a: Args) -> Result<()> {
    clap_complete::generate(a.shell, &mut Cli::command(), "oras", &mut std::io::stdout());
    Ok(())
}

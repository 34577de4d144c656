//! `oras`: push and pull files to and from OCI registries and OCI image layouts, with the
//! commands and flags of the Go `oras` CLI. One module per command in `cmd/`, each with its
//! flags beside its handler; the flags every command shares are in `remote.rs`, what they
//! print in `output.rs`.

#![allow(
    rustdoc::broken_intra_doc_links,
    reason = "doc comments are clap's help texts, where [OPTIONAL] parts use brackets"
)]

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod cmd;
mod error;
mod log;
mod output;
mod progress;
mod remote;

use error::CliError;

#[derive(Parser)]
#[command(
    name = "oras",
    version,
    about = "OCI Registry As Storage: push and pull files to and from OCI registries and layouts"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log what happens to stderr: each operation, and every request and response with
    /// its headers (credentials redacted). `ORAS_LOG` (e.g. `oras_artifact=debug`)
    /// chooses what is logged instead
    #[arg(short = 'd', long, global = true)]
    debug: bool,
    /// Plain progress lines even on a terminal
    #[arg(long, global = true)]
    no_tty: bool,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Push files to a registry or an OCI layout
    Push(cmd::push::Args),
    /// Pull files from a registry or an OCI layout
    Pull(cmd::pull::Args),
    /// Attach files to an existing artifact as a new referrer
    Attach(cmd::attach::Args),
    /// Show the artifacts that refer to an artifact
    Discover(cmd::discover::Args),
    /// Copy an artifact between registries and OCI layouts
    #[command(alias = "cp")]
    Copy(cmd::copy::Args),
    /// Tag a manifest
    Tag(cmd::tag::Args),
    /// Show the digest a reference resolves to
    Resolve(cmd::resolve::Args),
    /// Manifest operations
    #[command(subcommand)]
    Manifest(cmd::manifest::Command),
    /// Blob operations
    #[command(subcommand)]
    Blob(cmd::blob::Command),
    /// Repository operations
    #[command(subcommand)]
    Repo(cmd::repo::Command),
    /// Log in to a registry
    Login(cmd::login::Args),
    /// Log out of a registry
    Logout(cmd::logout::Args),
    /// Show the version
    Version,
    /// Generate shell completions
    Completion(cmd::completion::Args),
}

/// What every command knows of how it was started.
pub(crate) struct Ctx {
    /// Progress can be drawn in place (stderr is a terminal).
    pub(crate) tty: bool,
    /// `--format json`.
    pub(crate) json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = log::init(cli.debug) {
        eprintln!("Error: {e}");
        return ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("Error: {}", message.lines().next().unwrap_or_default());
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> error::Result<()> {
    let ctx = Ctx {
        tty: remote::is_tty(cli.no_tty),
        json: cli.format == Format::Json,
    };
    match cli.command {
        Command::Push(a) => cmd::push::run(&ctx, a).await,
        Command::Pull(a) => cmd::pull::run(&ctx, a).await,
        Command::Attach(a) => cmd::attach::run(&ctx, a).await,
        Command::Discover(a) => cmd::discover::run(&ctx, a).await,
        Command::Copy(a) => cmd::copy::run(&ctx, a).await,
        Command::Tag(a) => cmd::tag::run(&ctx, a).await,
        Command::Resolve(a) => cmd::resolve::run(&ctx, a).await,
        Command::Manifest(m) => cmd::manifest::run(&ctx, m).await,
        Command::Blob(b) => cmd::blob::run(&ctx, b).await,
        Command::Repo(r) => cmd::repo::run(&ctx, r).await,
        Command::Login(a) => cmd::login::run(a).await,
        Command::Logout(a) => cmd::logout::run(a),
        Command::Version => cmd::version::run(&ctx),
        Command::Completion(a) => cmd::completion::run(a),
    }
}

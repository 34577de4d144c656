//! `oras`: push and pull files to and from OCI registries and OCI image layouts, a drop-in
//! for the Go `oras` CLI v1.3: its commands, flags, output (status lines, text, JSON, Go
//! templates), error text and exit status. One module per command in `cmd/`; the option
//! groups several share in `option/`; what they print in `display/`.

#![allow(
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags,
    reason = "doc comments are clap's help texts, written as the Go CLI's usage: [OPTIONAL] parts in brackets, <ARGUMENTS> in angles"
)]

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod args;
mod cmd;
mod display;
mod error;
mod help;
mod log;
mod option;
mod pflag;
mod progress;

#[derive(Parser)]
#[command(name = "oras", subcommand_required = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// output debug logs (implies --no-tty): every request and response, numbered, with
    /// their headers (credentials hidden); `ORAS_LOG` (e.g. `oras_artifact=debug`) chooses
    /// what is logged instead. Every command takes it; the help lists it where Go's has it
    #[arg(short = 'd', long, global = true)]
    debug: bool,
    /// [Preview] disable progress bars (`--no-tty=false` draws them even when the output
    /// goes to stdout). Every command takes it; the help lists it where Go's has it
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_tty: Option<bool>,
}

#[derive(Subcommand)]
enum Command {
    /// Pull files from a registry or an OCI image layout
    Pull(cmd::pull::Args),
    /// Push files to a registry or an OCI image layout
    Push(cmd::push::Args),
    /// Log in to a remote registry
    Login(cmd::login::Args),
    /// Log out from a remote registry
    Logout(cmd::logout::Args),
    /// Show the oras version information
    Version(cmd::version::Args),
    /// [Preview] Discover referrers of a manifest in a registry or an OCI image layout
    Discover(cmd::discover::Args),
    /// [Preview] Resolves digest of the target artifact
    #[command(alias = "digest")]
    Resolve(cmd::resolve::Args),
    /// Copy artifacts from one target to another
    #[command(name = "cp", alias = "copy")]
    Copy(cmd::copy::Args),
    /// Tag a manifest in a registry or an OCI image layout
    Tag(cmd::tag::Args),
    /// Attach files to an existing artifact
    Attach(cmd::attach::Args),
    /// [Experimental] Back up artifacts from a registry into an OCI image layout
    Backup(cmd::backup::Args),
    /// [Experimental] Restore artifacts to a registry from an OCI image layout
    Restore(cmd::restore::Args),
    /// Blob operations
    #[command(subcommand)]
    Blob(cmd::blob::Command),
    /// Manifest operations
    #[command(subcommand)]
    Manifest(cmd::manifest::Command),
    /// Repository operations
    #[command(subcommand, alias = "repository")]
    Repo(cmd::repo::Command),
    /// Generate the autocompletion script for the specified shell
    Completion(cmd::completion::Args),
    /// Help about any command
    Help(HelpArgs),
}

/// `oras help [command]`: answered before the command line is parsed.
#[derive(clap::Args)]
struct HelpArgs {
    #[arg(value_name = "COMMAND")]
    args: Vec<String>,
}

/// What every command knows of how it was started.
pub(crate) struct Common {
    debug: bool,
    no_tty: Option<bool>,
    stderr_tty: bool,
}

impl Common {
    /// Whether progress is drawn on stderr: it is a terminal, and neither `--debug` nor
    /// `--no-tty` say otherwise; when the command's output goes to stdout, only if
    /// `--no-tty=false` insists (Go's rule).
    pub(crate) fn tty(&self, to_stdout: bool) -> bool {
        let enforced = self.no_tty == Some(false);
        self.stderr_tty && !self.debug && self.no_tty != Some(true) && (!to_stdout || enforced)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let command = pflag::command(Cli::command());
    if let Some(exit) = pflag::help_or_unknown(&command, &args) {
        return exit;
    }
    let args = match pflag::bool_values(&command, args) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = match command
        .try_get_matches_from(std::iter::once("oras".to_owned()).chain(args))
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
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
    // The command runs as a task of the runtime, not on this thread: the connections'
    // tasks then run beside the requests they serve, not across threads on every chunk.
    let result = rt.block_on(async {
        tokio::spawn(run(cli))
            .await
            .unwrap_or_else(|e| Err(error::CliError::new(format!("the command failed: {e}"))))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::FAILURE
        }
    }
}

/// A command line clap refused, told as cobra tells it; help and version exit 0.
fn usage_error(e: &clap::Error) -> ExitCode {
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        _ => String::new(),
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        | ErrorKind::MissingSubcommand => {
            // Help goes to stdout, as cobra prints it; a closed pipe ends it.
            use std::io::Write;
            let _ = write!(std::io::stdout().lock(), "{}", e.render());
            return ExitCode::SUCCESS;
        }
        ErrorKind::UnknownArgument => {
            let arg = context(ContextKind::InvalidArg);
            let flag = arg.split(['=', ' ']).next().unwrap_or_default().to_owned();
            match flag.strip_prefix('-') {
                Some(short) if !short.starts_with('-') => {
                    format!(
                        "unknown shorthand flag: '{}' in {flag}",
                        &short[..1.min(short.len())]
                    )
                }
                _ => format!("unknown flag: {flag}"),
            }
        }
        ErrorKind::InvalidSubcommand => format!(
            "unknown command {:?} for \"oras\"\nRun 'oras --help' for usage.",
            context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let arg = context(ContextKind::InvalidArg);
            let flag = arg.split([' ', '=']).next().unwrap_or_default();
            format!(
                "invalid argument {:?} for {flag:?} flag",
                context(ContextKind::InvalidValue)
            )
        }
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<String> = match e.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(v)) => v.clone(),
                Some(ContextValue::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            };
            let names: Vec<String> = names
                .iter()
                .map(|n| {
                    let flag = n.trim_start_matches('-');
                    format!("{:?}", flag.split([' ', '=']).next().unwrap_or(flag))
                })
                .collect();
            format!("required flag(s) {} not set", names.join(", "))
        }
        _ => {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            first.strip_prefix("error: ").unwrap_or(first).to_owned()
        }
    };
    eprintln!("Error: {message}");
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> error::Result<()> {
    let common = Common {
        debug: cli.debug,
        no_tty: cli.no_tty,
        stderr_tty: std::io::stderr().is_terminal(),
    };
    let c = &common;
    match cli.command {
        Command::Push(a) => cmd::push::run(c, a).await,
        Command::Pull(a) => cmd::pull::run(c, a).await,
        Command::Attach(a) => cmd::attach::run(c, a).await,
        Command::Discover(a) => cmd::discover::run(c, a).await,
        Command::Copy(a) => cmd::copy::run(c, a).await,
        Command::Tag(a) => cmd::tag::run(c, a).await,
        Command::Resolve(a) => cmd::resolve::run(c, a).await,
        Command::Backup(a) => cmd::backup::run(c, a).await,
        Command::Restore(a) => cmd::restore::run(c, a).await,
        Command::Manifest(m) => cmd::manifest::run(c, m).await,
        Command::Blob(b) => cmd::blob::run(c, b).await,
        Command::Repo(r) => cmd::repo::run(c, r).await,
        Command::Login(a) => cmd::login::run(c, a).await,
        Command::Logout(a) => cmd::logout::run(a),
        Command::Version(a) => cmd::version::run(&a),
        Command::Completion(a) => cmd::completion::run(a),
        Command::Help(_) => Ok(()),
    }
}

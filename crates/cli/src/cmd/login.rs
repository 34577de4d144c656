//! `oras login`: credentials checked against the registry, then stored. What the flags do
//! not give is asked for: on a terminal without echoing the secret, from stdin otherwise
//! (one line each), as the Go CLI does.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use oras_artifact::auth::store::DockerConfig;
use oras_artifact::auth::{Credential, Secret};
use rustix::termios::{InputModes, LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

use crate::Common;
use crate::args::Cmd;
use crate::display::Printer;
use crate::error::{CliError, Result};
use crate::option::{RemoteArgs, VerboseArgs};

pub(crate) const CMD: Cmd =
    Cmd::new("oras login", "oras login [flags] <registry>").long(crate::help::long::LOGIN);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <registry>
    #[arg(value_name = "REGISTRY")]
    args: Vec<String>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// The credentials file written: the first given, else Docker's `config.json`.
pub(crate) fn config_path(given: &[PathBuf]) -> Result<PathBuf> {
    given
        .first()
        .cloned()
        .or_else(DockerConfig::default_path)
        .ok_or_else(|| {
            CliError::new(
                "cannot find the credentials file: set DOCKER_CONFIG or HOME, or pass --registry-config",
            )
        })
}

/// Prints `prompt` and reads a line: without echo when `silent` and stdin is a terminal
/// (echo is off before the prompt shows, and back on however the read ends).
fn read_line(printer: &Printer, prompt: &str, silent: bool) -> Result<String> {
    let stdin = std::io::stdin();
    let hidden = if silent && stdin.is_terminal() {
        Some(Hidden::new(&stdin)?)
    } else {
        None
    };
    printer.raw(prompt.as_bytes())?;
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    if hidden.is_some() {
        drop(hidden);
        // The newline typed was not echoed either.
        printer.line("");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// A terminal's echo turned off until dropped.
struct Hidden<'a> {
    stdin: &'a std::io::Stdin,
    saved: Termios,
}

impl<'a> Hidden<'a> {
    fn new(stdin: &'a std::io::Stdin) -> std::io::Result<Self> {
        let saved = tcgetattr(stdin)?;
        let mut quiet = saved.clone();
        // As Go's term.ReadPassword: no echo, lines and signals as usual.
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet
            .local_modes
            .insert(LocalModes::ICANON | LocalModes::ISIG);
        quiet.input_modes.insert(InputModes::ICRNL);
        tcsetattr(stdin, OptionalActions::Now, &quiet)?;
        // Interrupted (Ctrl-C while typing): echo back on before the process ends.
        let restore = saved.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &restore);
                std::process::exit(130);
            }
        });
        Ok(Self { stdin, saved })
    }
}

impl Drop for Hidden<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.stdin, OptionalActions::Now, &self.saved);
    }
}

pub(crate) async fn run(_common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the registry to log in to")?;
    a.verbose.on();
    let mut remote = a.remote.clone();
    remote.check("")?;
    let host = a.args[0].clone();
    let printer = Printer::new(true);
    if remote.password.is_none() && remote.identity_token.is_none() {
        if remote.username.as_deref().unwrap_or_default().is_empty() {
            let user = read_line(&printer, "Username: ", false)?;
            remote.username = Some(user.trim().to_owned());
        }
        if remote.username.as_deref().unwrap_or_default().is_empty() {
            let token = read_line(&printer, "Token: ", true)?;
            if token.is_empty() {
                return Err(CliError::new("token required"));
            }
            remote.identity_token = Some(token);
        } else {
            let password = read_line(&printer, "Password: ", true)?;
            if password.is_empty() {
                return Err(CliError::new("password required"));
            }
            remote.password = Some(password);
        }
    }
    let credential = remote
        .credential()
        .or_else(|| {
            remote
                .identity_token
                .clone()
                .map(|t| Credential::IdentityToken(Secret::new(t)))
        })
        .ok_or_else(|| CliError::new("password required"))?;
    // Checked against the registry before it is stored.
    let client = remote.client_with(&host, Some(credential.clone()), false)?;
    client.registry(&host).ping().await?;
    let path = config_path(&remote.registry_config)?;
    let mut config = DockerConfig::load(&path)?;
    config.store(&host, &credential)?;
    printer.line("Login Succeeded");
    Ok(())
}

//! One module per command, as the Go CLI has `cmd/oras/root/<command>.go`: its flags as a
//! clap `Args` struct (positional arguments as a list, counted as Go counts them), and
//! `run`.

pub(crate) mod attach;
pub(crate) mod backup;
pub(crate) mod blob;
pub(crate) mod completion;
pub(crate) mod copy;
pub(crate) mod discover;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod manifest;
pub(crate) mod pull;
pub(crate) mod push;
pub(crate) mod repo;
pub(crate) mod resolve;
pub(crate) mod restore;
pub(crate) mod tag;
pub(crate) mod version;

use std::sync::Arc;

use oras_artifact::Target as Store;
use oras_artifact::oci::Descriptor;
use oras_artifact::progress::Observer;

use crate::Common;
use crate::display::Printer;
use crate::display::status::{Prompts, TextStatus};
use crate::error::{CliError, Result};
use crate::option::{DescriptorArgs, Target, TargetArgs, VerboseArgs};
use crate::progress::Bars;

/// How a command shows content moving: bars on a terminal, status lines on stdout for
/// text output, nothing otherwise.
pub(crate) struct Status {
    pub(crate) observer: Option<Arc<dyn Observer>>,
    bars: Option<Arc<Bars>>,
}

impl Status {
    /// `text`: the output is text (status lines are part of it). `to_stdout`: the
    /// command writes content to stdout, so no bars unless insisted on.
    pub(crate) fn new(
        common: &Common,
        text: bool,
        printer: &Arc<Printer>,
        prompts: Prompts,
        to_stdout: bool,
    ) -> Self {
        if common.tty(to_stdout) {
            let bars = Arc::new(Bars::new(prompts.done.trim_end()));
            return Self {
                observer: Some(bars.clone()),
                bars: Some(bars),
            };
        }
        let observer: Option<Arc<dyn Observer>> =
            text.then(|| Arc::new(TextStatus::new(printer.clone(), prompts)) as Arc<dyn Observer>);
        Self {
            observer,
            bars: None,
        }
    }

    /// Draws the bars' last state.
    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bars {
            b.finish();
        }
    }
}

/// Asks on stdout and reads the answer from stdin, as Go does (`[y/N]`); `false` after
/// saying the operation is cancelled.
pub(crate) fn confirm(printer: &Printer, prompt: &str, force: bool) -> Result<bool> {
    if force {
        return Ok(true);
    }
    printer.raw(format!("{prompt} [y/N] ").as_bytes())?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if matches!(
        answer
            .trim_end_matches(['\r', '\n'])
            .to_lowercase()
            .as_str(),
        "y" | "yes"
    ) {
        return Ok(true);
    }
    printer.line("Operation cancelled.");
    Ok(false)
}

/// What `blob delete` and `manifest delete` take: the same flags, the same steps.
#[derive(clap::Args)]
pub(crate) struct DeleteArgs {
    /// What to delete, in the form the usage line shows
    #[arg(value_name = "REFERENCE")]
    pub(crate) args: Vec<String>,
    /// ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) json: DescriptorArgs,
    #[command(flatten)]
    pub(crate) verbose: VerboseArgs,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

impl DeleteArgs {
    /// `--descriptor` needs `--force`: there is no one to ask.
    pub(crate) fn check(&self) -> Result<()> {
        if self.json.descriptor && !self.force {
            return Err(CliError::new(
                "must apply --force to confirm the deletion if the descriptor is outputted",
            ));
        }
        Ok(())
    }

    /// What both commands do once the content is looked up (`found` is `None` when the
    /// target does not have it): `Missing` under `--force`, the question (`prompt`)
    /// otherwise, then the delete and its output. `what` is `blob` or `manifest`.
    pub(crate) async fn delete(
        &self,
        printer: &Printer,
        target: &Target,
        store: &dyn Store,
        found: Option<Descriptor>,
        what: &str,
        prompt: impl FnOnce(&Descriptor) -> String,
    ) -> Result<()> {
        let Some(desc) = found else {
            if self.force && !self.json.descriptor {
                printer.line(&format!("Missing {}", target.raw));
                return Ok(());
            }
            return Err(CliError::new(format!(
                "{}: the specified {what} does not exist",
                target.raw
            )));
        };
        if !confirm(printer, &prompt(&desc), self.force)? {
            return Ok(());
        }
        store.delete(&desc).await.map_err(|e| {
            target
                .error(e)
                .context(format!("failed to delete {}", target.raw))
        })?;
        if self.json.descriptor {
            return self.json.print(printer, &desc);
        }
        printer.line(&format!("Deleted {}", target.display()));
        Ok(())
    }
}

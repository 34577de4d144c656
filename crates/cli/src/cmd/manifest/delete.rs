//! `oras manifest delete` (`remove`, `rm`): asks first unless `--force`; with `--force` a
//! missing manifest is `Missing`, not an error.

use crate::args::{Cmd, verbose};
use crate::cmd::confirm;
use crate::display::{Printer, json};
use crate::error::{CliError, Result};
use crate::option::{Target, TargetArgs};

pub(crate) const CMD: Cmd = Cmd {
    path: "oras manifest delete",
    usage: "oras manifest delete [flags] <name>{:<tag>|@<digest>}",
};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// Ignore nonexistent references, never prompt
    #[arg(short = 'f', long)]
    force: bool,
    /// Output the descriptor
    #[arg(long)]
    descriptor: bool,
    /// Prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    /// (deprecated)
    #[arg(short = 'v', long, num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    verbose: Option<bool>,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the manifest to delete")?;
    if a.descriptor && !a.force {
        return Err(CliError::new(
            "must apply --force to confirm the deletion if the descriptor is outputted",
        ));
    }
    verbose(a.verbose);
    let target = Target::parse(&a.target, &a.args[0])?;
    let printer = Printer::new(true);
    let store = target.open()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let desc = match store.resolve(&reference).await {
        Ok(d) => d,
        Err(e) if e.is_not_found() => {
            if a.force && !a.descriptor {
                printer.line(&format!("Missing {}", target.raw));
                return Ok(());
            }
            return Err(CliError::new(format!(
                "{}: the specified manifest does not exist",
                target.raw
            )));
        }
        Err(e) => return Err(target.error(e)),
    };
    let prompt = format!(
        "Are you sure you want to delete the manifest {:?} and all tags associated with it?",
        desc.digest.to_string()
    );
    if !confirm(&printer, &prompt, a.force)? {
        return Ok(());
    }
    store.delete(&desc).await.map_err(|e| {
        target
            .error(e)
            .context(format!("failed to delete {}", target.raw))
    })?;
    if a.descriptor {
        return Ok(printer.raw(&json::output(json::compact(&desc).as_bytes(), a.pretty)?)?);
    }
    printer.line(&format!("Deleted {}", target.display()));
    Ok(())
}

//! `oras tag`: more names for a manifest.

use crate::Common;
use crate::args::Cmd;
use crate::display::Printer;
use crate::error::{CliError, Result};
use crate::option::{Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new(
    "oras tag",
    "oras tag [flags] <name>{:<tag>|@<digest>} <new_tag> [...]",
)
.long(crate::help::long::TAG);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>} <new_tag> [...]
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5, value_name = "int")]
    concurrency: usize,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(_common: &Common, a: Args) -> Result<()> {
    if matches!(a.args.first().map(String::as_str), Some("list" | "ls")) {
        let container = if a.target.oci_layout {
            "an OCI image layout"
        } else {
            "a repository"
        };
        return Err(
            CliError::new("there is no \"list\" sub-command for \"oras tag\" command")
                .usage(CMD.usage)
                .recommend(format!(
                    "If you want to list available tags in {container}, use \"oras repo tags\""
                )),
        );
    }
    CMD.at_least(
        &a.args,
        1,
        "the artifact to be retagged and the tags to be added",
    )?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])
        .map_err(|e| e.context(format!("unable to add tag for '{}'", a.args[0])))?;
    let store = target.open()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let tags = &a.args[1..];
    for t in tags {
        // A layout takes any reference name (`example.com/app:v1`), as in the Go CLI.
        let valid = if target.is_layout() {
            !t.is_empty()
        } else {
            oras_artifact::reference::is_valid_tag(t)
        };
        if !valid {
            return Err(CliError::new(format!(
                "{}:{t}: invalid reference: invalid tag",
                target.path
            )));
        }
    }
    let desc = store
        .resolve(&reference)
        .await
        .map_err(|e| target.error(e))?;
    let printer = Printer::new(true);
    printer.line(&format!("Tagging {}", target.display_digest(&desc.digest)));
    // Tags are written `concurrency` at a time, as in the Go CLI; each is printed as it
    // lands.
    let limit = tokio::sync::Semaphore::new(a.concurrency.max(1));
    let (limit, store, desc, target, printer) = (&limit, &store, &desc, &target, &printer);
    let jobs = tags.iter().map(|t| async move {
        let _permit = limit
            .acquire()
            .await
            .expect("the semaphore is never closed");
        store.tag(desc, t).await.map_err(|e| target.error(e))?;
        printer.line(&format!("Tagged {t}"));
        Ok::<(), CliError>(())
    });
    for r in futures_util::future::join_all(jobs).await {
        r?;
    }
    Ok(())
}

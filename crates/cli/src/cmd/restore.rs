//! `oras restore`: tags of an OCI image layout (a directory or `.tar`; all of them, or
//! those named) with their graphs and referrers, into a repository.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use oras_artifact::{CopyOptions, MemoryStore, OciLayout, OciLayoutTar, ReadOnlyTarget, Remote};

use crate::Common;
use crate::args::{Cmd, required};
use crate::cmd::Status;
use crate::cmd::backup::{count_referrers, parse_references, resolve_tags, tags_found};
use crate::display::status::RESTORE;
use crate::display::{Printer, humanize};
use crate::error::{CliError, Result};
use crate::option::RemoteArgs;

pub(crate) const CMD: Cmd = Cmd::new(
    "oras restore",
    "oras restore [flags] --input <path> <registry>/<repository>[:<ref1>[,<ref2>...]]",
)
.long(crate::help::long::RESTORE)
.tty()
.spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <registry>/<repository>[:<ref1>[,<ref2>...]]
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// path to the OCI layout, either a tar archive (*.tar) or a directory
    #[arg(long, value_name = "string")]
    input: Option<String>,
    /// restore artifacts excluding their referrers
    #[arg(long)]
    exclude_referrers: bool,
    /// simulate the restore process without actually uploading any artifacts
    #[arg(long)]
    dry_run: bool,
    /// concurrency level
    #[arg(long, default_value_t = 5, value_name = "int")]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// Whether the file starts like a tar (a `ustar` header).
fn is_tar(path: &std::path::Path) -> std::io::Result<bool> {
    use std::io::Read;
    // A `.tar` is taken for one by its name, as Go takes it (and then found invalid).
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tar"))
    {
        return Ok(true);
    }
    let mut header = [0u8; 512];
    let mut f = std::fs::File::open(path)?;
    let mut read = 0;
    while read < header.len() {
        match f.read(&mut header[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(read == 512 && &header[257..262] == b"ustar")
}

/// A directory with neither `oci-layout` nor `index.json`.
fn is_bare(dir: &std::path::Path) -> bool {
    !dir.join("oci-layout").exists() && !dir.join("index.json").exists()
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the targets to restore to")?;
    let mut remote = a.remote.clone();
    remote.check("")?;
    let (repo, given) = parse_references(&a.args[0])?;
    let repo_name = repo.name();
    let input_path = PathBuf::from(required("input", &a.input)?);
    if input_path.as_os_str().is_empty() {
        return Err(CliError::new("the input path cannot be empty"));
    }
    let started = Instant::now();
    let printer = Arc::new(Printer::new(true));
    let input = input_path.display().to_string();
    let meta = std::fs::metadata(&input_path)
        .map_err(|e| CliError::new(format!("failed to access input path {input:?}: {e}")))?;
    let src: Box<dyn ReadOnlyTarget> = if meta.is_file() {
        let tar = is_tar(&input_path).map_err(|e| {
            CliError::new(format!(
                "unable to determine if {input:?} is a tar archive: {e}"
            ))
        })?;
        if !tar {
            return Err(CliError::new(format!(
                "input path {input:?} is not a tar archive"
            )));
        }
        let layout = OciLayoutTar::open(&input_path).map_err(|e| {
            CliError::from(e).context(format!(
                "failed to prepare OCI store from tar archive {input:?}"
            ))
        })?;
        printer.line(&format!(
            "Loaded backup archive: {input} ({})",
            humanize::bytes(meta.len())
        ));
        Box::new(layout)
    } else if meta.is_dir() && is_bare(&input_path) {
        // A directory that is not a layout yet holds no tags (Go makes it a layout first).
        Box::new(MemoryStore::new())
    } else if meta.is_dir() {
        Box::new(OciLayout::open_existing(&input_path).map_err(|e| {
            CliError::from(e).context(format!(
                "failed to prepare OCI store from directory {input:?}"
            ))
        })?)
    } else {
        return Err(CliError::new(format!(
            "input path {input:?} must be a directory or a tar archive"
        )));
    };
    let tags = resolve_tags(src.as_ref(), &given, "").await?;
    if tags.is_empty() {
        return Err(CliError::new(format!("no tags found in OCI layout {input:?}")).recommend(
            format!("If you want to list available tags in {input:?}, use \"oras repo tags --oci-layout\""),
        ));
    }
    let names: Vec<&str> = tags.iter().map(|(t, _)| t.as_str()).collect();
    tags_found(&printer, &names, "the backup");
    let dst = Remote::new(remote.client(repo.registry())?.repository(&repo));
    let status = Status::new(common, true, &printer, RESTORE, false);
    for (tag, root) in &tags {
        let referrers = if a.exclude_referrers {
            0
        } else {
            count_referrers(src.as_ref(), root)
                .await
                .map_err(|e| e.context(format!("failed to count referrers for tag {tag:?}")))?
        };
        if a.dry_run {
            printer.line(&format!(
                "Dry run: would push tag {tag} with {referrers} referrer(s)"
            ));
            continue;
        }
        let mut o = CopyOptions::default();
        o.concurrency = a.concurrency;
        o.referrers_depth = if a.exclude_referrers { 0 } else { usize::MAX };
        o.observer = status.observer.clone();
        oras_artifact::copy(src.as_ref(), &root.digest, &dst, Some(tag), &o)
            .await
            .map_err(|e| {
                CliError::from(e).context(format!(
                    "failed to restore tag {tag:?} from {input:?} to {repo_name:?}"
                ))
            })?;
        printer.line(&format!("Pushed tag {tag} with {referrers} referrer(s)"));
    }
    status.finish();
    if a.dry_run {
        printer.line(&format!(
            "Dry run complete: {} tag(s) would be restored to {repo_name:?} (no data pushed)",
            tags.len()
        ));
    } else {
        printer.line(&format!(
            "Successfully restored {} tag(s) to {repo_name:?} in {}",
            tags.len(),
            humanize::duration(started.elapsed())
        ));
    }
    Ok(())
}

//! `oras backup`: tags of a repository (all, or those named) with their graphs, and their
//! referrers when asked, into an OCI image layout directory or `.tar`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use oras_artifact::oci::{Descriptor, ManifestRef, media_type};
use oras_artifact::reference::Reference;
use oras_artifact::{CopyOptions, OciLayout, ReadOnlyTarget, Remote, fetch_manifest};

use crate::Common;
use crate::args::{Cmd, required};
use crate::cmd::Status;
use crate::display::status::BACKUP;
use crate::display::{Printer, humanize};
use crate::error::{CliError, Result};
use crate::option::RemoteArgs;

pub(crate) const CMD: Cmd = Cmd::new(
    "oras backup",
    "oras backup [flags] --output <path> <registry>/<repository>[:<ref1>[,<ref2>...]]",
)
.long(crate::help::long::BACKUP)
.tty()
.spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <registry>/<repository>[:<ref1>[,<ref2>...]]
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// path to the target output, either a tar archive (*.tar) or a directory
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<String>,
    /// back up the artifact with its referrers (e.g., attestations, SBOMs)
    #[arg(long)]
    include_referrers: bool,
    /// concurrency level
    #[arg(long, default_value_t = 3, value_name = "int")]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// `registry/repository[:t1[,t2…]]`: the repository and the tags named (none: all).
pub(crate) fn parse_references(raw: &str) -> Result<(Reference, Vec<String>)> {
    if raw.is_empty() {
        return Err(CliError::new("artifact reference cannot be empty"));
    }
    if raw.contains('@') {
        return Err(CliError::new(format!(
            "digest references are not supported: {raw:?}"
        )));
    }
    let mut parts = raw.split(',');
    let main = parts.next().unwrap_or_default();
    let extra: Vec<&str> = parts.collect();
    let parsed = Reference::parse(main)
        .map_err(|e| CliError::new(format!("invalid reference {main:?}: {e}")))?;
    let main_tag = parsed.tag_or_digest().unwrap_or_default().to_owned();
    let repo = Reference::parse(&parsed.name())
        .map_err(|e| CliError::new(format!("invalid reference {main:?}: {e}")))?;
    if main_tag.is_empty() && extra.is_empty() {
        return Ok((repo, Vec::new()));
    }
    let mut tags = vec![main_tag];
    tags.extend(extra.iter().map(|t| (*t).to_owned()));
    for t in &tags {
        if t.is_empty() {
            return Err(CliError::new(format!("empty tag in reference {raw:?}")));
        }
        if !oras_artifact::reference::is_valid_tag(t) {
            return Err(CliError::new(format!(
                "invalid tag {t:?} in reference {raw:?}: invalid reference format"
            )));
        }
    }
    Ok((repo, tags))
}

/// The tags to move and what each names: those given, or every tag of `store`.
/// The tags `given` (or every tag of `store`) with what they name. A tag not there is
/// `<place>:<tag>: not found`, as oras-go says it.
pub(crate) async fn resolve_tags(
    store: &dyn ReadOnlyTarget,
    given: &[String],
    place: &str,
) -> Result<Vec<(String, Descriptor)>> {
    let tags = if given.is_empty() {
        store
            .tags()
            .await
            .map_err(|e| CliError::from(e).context("failed to find tags"))?
    } else {
        given.to_vec()
    };
    let mut out = Vec::new();
    for t in tags {
        let r = ManifestRef::parse(&t)?;
        let d = store.resolve(&r).await.map_err(|e| {
            let err = if e.is_not_found() {
                CliError::new(format!("{place}{t}: not found"))
            } else {
                CliError::from(e)
            };
            err.context(format!("failed to resolve tag {t:?}"))
        })?;
        out.push((t, d));
    }
    Ok(out)
}

/// `Found 2 tag(s) in <where>: a, b`, one per line past five.
pub(crate) fn tags_found(printer: &Printer, tags: &[&str], place: &str) {
    if tags.len() <= 5 {
        printer.line(&format!(
            "Found {} tag(s) in {place}: {}",
            tags.len(),
            tags.join(", ")
        ));
    } else {
        printer.line(&format!("Found {} tag(s) in {place}:", tags.len()));
        for t in tags {
            printer.line(t);
        }
    }
}

/// How many referrers `root` has in `store`, recursively, with those of its manifests
/// when it is an index.
pub(crate) async fn count_referrers(
    store: &dyn ReadOnlyTarget,
    root: &Descriptor,
) -> Result<usize> {
    let mut starts = vec![root.clone()];
    if media_type::is_index(&root.media_type) {
        let index = fetch_manifest(store, root).await.map_err(CliError::from)?;
        if let Some(i) = index.as_index() {
            starts.extend(i.manifests.iter().cloned());
        }
    }
    let mut seen = HashSet::new();
    let mut next = starts;
    while !next.is_empty() {
        let mut found = Vec::new();
        for d in &next {
            for r in store.referrers(d, None).await.map_err(CliError::from)? {
                if seen.insert(r.digest.clone()) {
                    found.push(r);
                }
            }
        }
        next = found;
    }
    Ok(seen.len())
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the artifacts to back up")?;
    let mut remote = a.remote.clone();
    remote.check("")?;
    let (repo, tags) = parse_references(&a.args[0])?;
    let output = PathBuf::from(required("output", &a.output)?);
    let started = Instant::now();
    if output.as_os_str().is_empty() {
        return Err(CliError::new("the output path cannot be empty"));
    }
    let to_tar = output
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tar"));
    if to_tar && output.is_dir() {
        return Err(CliError::new(format!(
            "the output path {:?} already exists and is a directory",
            output.display().to_string()
        ))
        .recommend("To back up to a tar archive, please specify a different output file name or remove the existing directory."));
    }
    // A tar is made from a layout built beside it first.
    let staging = to_tar.then(|| {
        let name = output
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        output.with_file_name(format!(".{name}.oras-backup-{}", std::process::id()))
    });
    let layout_dir = staging.clone().unwrap_or_else(|| output.clone());
    let result = backup(
        common,
        &a,
        &output,
        &remote,
        &repo,
        &tags,
        &layout_dir,
        started,
    )
    .await;
    if let Some(s) = &staging {
        let _ = std::fs::remove_dir_all(s);
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn backup(
    common: &Common,
    a: &Args,
    output: &PathBuf,
    remote: &RemoteArgs,
    repo: &Reference,
    given: &[String],
    layout_dir: &PathBuf,
    started: Instant,
) -> Result<()> {
    let repo_name = repo.name();
    let client = remote.client(repo.registry())?;
    let src = Remote::new(client.repository(repo));
    let dst = OciLayout::open(layout_dir).map_err(CliError::from)?;
    let printer = Arc::new(Printer::new(true));
    let tags = resolve_tags(&src, given, &format!("{repo_name}:")).await?;
    if tags.is_empty() {
        return Err(
            CliError::new(format!("no tags found in repository {repo_name:?}")).recommend(format!(
                "If you want to list available tags in {repo_name:?}, use \"oras repo tags\""
            )),
        );
    }
    let names: Vec<&str> = tags.iter().map(|(t, _)| t.as_str()).collect();
    tags_found(&printer, &names, &repo_name);
    let status = Status::new(common, true, &printer, BACKUP, false);
    for (tag, root) in &tags {
        let mut o = CopyOptions::default();
        o.concurrency = a.concurrency;
        o.referrers_depth = if a.include_referrers { usize::MAX } else { 0 };
        o.observer = status.observer.clone();
        oras_artifact::copy(&src, &root.digest, &dst, Some(tag), &o)
            .await
            .map_err(|e| {
                CliError::from(e).context(format!(
                    "failed to back up tag {tag:?} from {repo_name:?} to {:?}",
                    layout_dir.display().to_string()
                ))
            })?;
        let referrers = if a.include_referrers {
            count_referrers(&dst, root).await?
        } else {
            0
        };
        printer.line(&format!("Pulled tag {tag} with {referrers} referrer(s)"));
    }
    status.finish();
    // What writes staged there is done.
    let _ = std::fs::remove_dir(layout_dir.join("ingest"));
    if layout_dir != output {
        printer.line(&format!("Exporting to {}", output.display()));
        let size = dst.export_tar(output).await.map_err(|e| {
            CliError::from(e).context(format!(
                "failed to create tar archive at {}",
                output.display()
            ))
        })?;
        printer.line(&format!(
            "Exported to {} ({})",
            output.display(),
            humanize::bytes(size)
        ));
    }
    printer.line(&format!(
        "Successfully backed up {} tag(s) from {repo_name:?} to {:?} in {}.",
        tags.len(),
        output.display().to_string(),
        humanize::duration(started.elapsed())
    ));
    Ok(())
}

//! `oras manifest index create` (`pack`) and `update`: an image index of manifests of one
//! repository or layout, pushed, or written to a file or stdout instead.

use std::collections::HashSet;
use std::path::PathBuf;

use oras_artifact::oci::{Descriptor, Digest, ImageIndex, Manifest, ManifestRef, media_type};
use oras_artifact::{ReadOnlyTarget, Target as Store, fetch_manifest};

use crate::args::{Cmd, exclusive};
use crate::display::printer::short_digest;
use crate::display::{Printer, json};
use crate::error::{CliError, Result};
use crate::option::packer::parse_annotations;
use crate::option::{Target, TargetArgs};

/// `oras manifest index`.
pub(crate) const GROUP: Cmd = Cmd::group("oras manifest index");

pub(crate) const CREATE: Cmd = Cmd::new("oras manifest index create",
    "oras manifest index create [flags] <target>[:<tag[,<tag>][...]] <sources>[{<tag>|<digest>}...]")
    .long(crate::help::long::INDEX_CREATE);

pub(crate) const UPDATE: Cmd = Cmd::new("oras manifest index update",
    "oras manifest index update <index>{:<tag>|@<digest>} [{--add|--merge|--remove} <manifest>{<tag>|<digest>}] [...]")
    .long(crate::help::long::INDEX_UPDATE);

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// [Experimental] Create and push an index from provided manifests
    #[command(visible_alias = "pack")]
    #[command(override_usage = CREATE.usage)]
    Create(CreateArgs),
    /// [Experimental] Update and push an image index
    #[command(override_usage = UPDATE.usage)]
    Update(UpdateArgs),
}

#[derive(clap::Args)]
pub(crate) struct CreateArgs {
    /// <target>[:<tag[,<tag>][...]] <sources>[{<tag>|<digest>}...]
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// artifact type for overall index
    #[arg(long, value_name = "string")]
    artifact_type: Option<String>,
    /// file `path` to write the created index to, use - for stdout
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<PathBuf>,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    /// manifest annotations
    #[arg(short = 'a', long = "annotation", value_name = "stringArray")]
    annotations: Vec<String>,
    #[command(flatten)]
    target: TargetArgs,
}

#[derive(clap::Args)]
pub(crate) struct UpdateArgs {
    /// <index>{:<tag>|@<digest>}
    #[arg(value_name = "INDEX")]
    args: Vec<String>,
    /// new artifact type for overall index
    #[arg(long, value_name = "string")]
    artifact_type: Option<String>,
    /// manifests to add to the index
    #[arg(long = "add", value_name = "stringArray")]
    add: Vec<String>,
    /// indexes to be merged into the index
    #[arg(long = "merge", value_name = "stringArray")]
    merge: Vec<String>,
    /// manifests to remove from the index, must be digests
    #[arg(long = "remove", value_name = "stringArray")]
    remove: Vec<String>,
    /// extra tags for the updated index
    #[arg(long = "tag", value_name = "stringArray")]
    tags: Vec<String>,
    /// file `path` to write the created index to, use - for stdout
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<PathBuf>,
    /// prettify JSON objects printed to stdout
    #[arg(long)]
    pretty: bool,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(c: Command) -> Result<()> {
    match c {
        Command::Create(a) => create(a).await,
        Command::Update(a) => update(a).await,
    }
}

/// Go's check of an artifact type.
fn check_media_type(t: &str) -> Result<()> {
    let part = |p: &str| {
        let b = p.as_bytes();
        !b.is_empty()
            && b.len() <= 127
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(c))
    };
    match t.split_once('/') {
        Some((a, b)) if part(a) && part(b) => Ok(()),
        _ => Err(CliError::new(format!("{t}: invalid media type"))),
    }
}

/// Where the index goes: a file, stdout (nothing else printed), or the target.
struct Output {
    path: Option<PathBuf>,
    pretty: bool,
}

impl Output {
    fn to_stdout(&self) -> bool {
        self.path.as_ref().is_some_and(|p| p.as_os_str() == "-")
    }

    /// Prints a status line unless the index goes to stdout.
    fn say(&self, printer: &Printer, line: &str) {
        if !self.to_stdout() {
            printer.line(line);
        }
    }
}

/// `Fetching`/`Fetched` for one manifest, as Go words them.
async fn fetch_source(
    target: &Target,
    store: &dyn ReadOnlyTarget,
    out: &Output,
    printer: &Printer,
    source: &str,
    what: &str,
) -> Result<(Descriptor, Manifest)> {
    out.say(printer, &format!("Fetching  {source}"));
    let not_found = |e: CliError| e.context(format!("could not find the {what} {source}"));
    let reference = ManifestRef::parse(source).map_err(|e| not_found(e.into()))?;
    let article = if what == "index" { "an" } else { "a" };
    let not_one = || CliError::new(format!("{source} is not {article} {what}"));
    let desc = match store.resolve(&reference).await {
        Ok(d) => d,
        // A layout holds the digest, but as a blob (Go resolves it to a blob too).
        Err(e) if matches!(e.cause(), oras_artifact::Error::InvalidManifest { .. }) => {
            return Err(not_one());
        }
        Err(e) if e.is_not_found() => {
            let sep = reference.separator();
            let named = if target.is_layout() {
                source.to_owned()
            } else {
                format!("{}{sep}{source}", target.path)
            };
            let mut err = CliError::new(format!("{named}: not found"));
            if !target.is_layout() {
                err = err.said_by_registry();
            }
            return Err(not_found(err));
        }
        Err(e) => return Err(not_found(target.error(e))),
    };
    let manifest = fetch_manifest(store, &desc)
        .await
        .map_err(|e| not_found(target.error(e)))?;
    let fetched = if reference.digest().is_some() {
        format!("Fetched   {source}")
    } else {
        format!("Fetched   {} {source}", desc.digest)
    };
    let ok = match what {
        "index" => manifest.as_index().is_some(),
        _ => media_type::is_manifest(manifest.media_type()),
    };
    if !ok {
        return Err(not_one());
    }
    out.say(printer, &fetched);
    Ok((desc, manifest))
}

/// Writes or pushes the index: by digest when `tag` is none, else by that tag; then the
/// extra tags. `Pushed` names it as `pushed_as`.
async fn deliver(
    target: &Target,
    out: &Output,
    printer: &Printer,
    index: &Manifest,
    tag: Option<&str>,
    extra: &[String],
    pushed_as: &str,
) -> Result<()> {
    let desc = index.descriptor();
    match &out.path {
        Some(p) if p.as_os_str() == "-" => {
            printer.raw(&json::output(index.bytes(), out.pretty)?)?
        }
        Some(p) => super::write_file(p, index.bytes())?,
        None => {
            let store: Box<dyn Store> = target.open()?;
            oras_artifact::push_manifest(store.as_ref(), index, tag)
                .await
                .map_err(|e| target.error(e))?;
            printer.line(&format!("Pushed    {pushed_as}"));
            for t in extra {
                store.tag(&desc, t).await.map_err(|e| target.error(e))?;
                printer.line(&format!("Tagged {t}"));
            }
        }
    }
    out.say(printer, &format!("Digest: {}", desc.digest));
    Ok(())
}

async fn create(a: CreateArgs) -> Result<()> {
    CREATE.at_least(&a.args, 1, "the destination index to create.")?;
    let mut refs = a.args[0].split(',');
    let raw = refs.next().unwrap_or_default().to_owned();
    let extra: Vec<String> = refs.map(str::to_owned).collect();
    let target = Target::parse(&a.target, &raw)?;
    let annotations = parse_annotations(&a.annotations)?;
    if let Some(t) = a.artifact_type.as_deref().filter(|t| !t.is_empty()) {
        check_media_type(t)?;
    }
    let printer = Printer::new(true);
    let out = Output {
        path: a.output.clone(),
        pretty: a.pretty,
    };
    let store = target.open()?;
    let mut entries = Vec::new();
    for source in &a.args[1..] {
        let (_, m) =
            fetch_source(&target, store.as_ref(), &out, &printer, source, "manifest").await?;
        let entry = oras_artifact::index_entry_of(store.as_ref(), &m)
            .await
            .map_err(|e| target.error(e))?;
        entries.push(entry);
    }
    let mut index = ImageIndex::new(entries);
    index.artifact_type = a.artifact_type.clone().filter(|t| !t.is_empty());
    index.annotations = (!annotations.is_empty()).then_some(annotations);
    let manifest = Manifest::from_index(index);
    out.say(
        &printer,
        &format!(
            "Packed    {} {}",
            short_digest(manifest.digest()),
            manifest.media_type()
        ),
    );
    let reference = target.optional_ref()?;
    let tag = reference.as_ref().and_then(ManifestRef::tag);
    deliver(
        &target,
        &out,
        &printer,
        &manifest,
        tag,
        &extra,
        &target.display(),
    )
    .await
}

async fn update(a: UpdateArgs) -> Result<()> {
    exclusive(&[("tag", !a.tags.is_empty()), ("output", a.output.is_some())])?;
    UPDATE.exactly(&a.args, 1, "the target index to update")?;
    for r in &a.remove {
        if Digest::parse(r).is_err() {
            return Err(CliError::new(format!("remove: {r} is not a digest")));
        }
    }
    let printer = Printer::new(true);
    if a.add.is_empty() && a.remove.is_empty() && a.merge.is_empty() && a.artifact_type.is_none() {
        printer.line("Nothing to update as no change is requested");
        return Ok(());
    }
    let target = Target::parse(&a.target, &a.args[0])?;
    let reference = target.manifest_ref(&UPDATE, true)?;
    if let Some(t) = a.artifact_type.as_deref().filter(|t| !t.is_empty()) {
        check_media_type(t)?;
    }
    let out = Output {
        path: a.output.clone(),
        pretty: a.pretty,
    };
    let store = target.open()?;
    let (_, current) = fetch_source(
        &target,
        store.as_ref(),
        &out,
        &printer,
        &target.reference,
        "index",
    )
    .await?;
    let mut index = current
        .as_index()
        .cloned()
        .unwrap_or_else(|| ImageIndex::new(Vec::new()));
    if let Some(t) = &a.artifact_type {
        index.artifact_type = Some(t.clone()).filter(|t| !t.is_empty());
    }
    let removing: HashSet<&str> = a.remove.iter().map(String::as_str).collect();
    index
        .manifests
        .retain(|m| !removing.contains(m.digest.to_string().as_str()));
    for r in &a.remove {
        if !current
            .as_index()
            .is_some_and(|i| i.manifests.iter().any(|m| m.digest.to_string() == *r))
        {
            return Err(CliError::new(format!(
                "{r} does not exist in the index {}",
                target.reference
            )));
        }
        out.say(&printer, &format!("Removed   {r}"));
    }
    for m in &a.add {
        let (desc, fetched) =
            fetch_source(&target, store.as_ref(), &out, &printer, m, "manifest").await?;
        let entry = oras_artifact::index_entry_of(store.as_ref(), &fetched)
            .await
            .map_err(|e| target.error(e))?;
        index.manifests.push(entry);
        out.say(
            &printer,
            &if ManifestRef::parse(m).is_ok_and(|r| r.digest().is_some()) {
                format!("Added     {m}")
            } else {
                format!("Added     {} {m}", desc.digest)
            },
        );
    }
    for m in &a.merge {
        let (desc, other) =
            fetch_source(&target, store.as_ref(), &out, &printer, m, "index").await?;
        if let Some(i) = other.as_index() {
            index.manifests.extend(i.manifests.iter().cloned());
        }
        out.say(
            &printer,
            &if ManifestRef::parse(m).is_ok_and(|r| r.digest().is_some()) {
                format!("Merged    {m}")
            } else {
                format!("Merged    {} {m}", desc.digest)
            },
        );
    }
    let manifest = Manifest::from_index(index);
    out.say(&printer, &format!("Updated   {}", manifest.digest()));
    let pushed_as = if reference.digest().is_some() {
        format!("[{}] {}", target.kind_name(), target.path)
    } else {
        target.display()
    };
    deliver(
        &target,
        &out,
        &printer,
        &manifest,
        reference.tag(),
        &a.tags,
        &pushed_as,
    )
    .await
}

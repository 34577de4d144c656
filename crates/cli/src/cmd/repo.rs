//! `oras repo` (`repository`): the repositories of a registry (`ls`, `list`), the tags of
//! a repository or layout (`tags`, `show-tags`).

use std::sync::Arc;

use oras_artifact::reference::Reference;

use crate::Common;
use crate::args::Cmd;
use crate::cmd::push::emit;
use crate::display::{Printer, model};
use crate::error::{CliError, Result};
use crate::option::format::TEXT_JSON_TEMPLATE;
use crate::option::{Format, FormatArgs, RemoteArgs, Target, TargetArgs, VerboseArgs};

/// `oras repo`.
pub(crate) const GROUP: Cmd = Cmd::group("oras repo");

pub(crate) const LS: Cmd = Cmd::new("oras repo ls", "oras repo ls [flags] <registry>")
    .long(crate::help::long::REPO_LS)
    .formats(TEXT_JSON_TEMPLATE);
pub(crate) const TAGS: Cmd = Cmd::new("oras repo tags", "oras repo tags [flags] <name>")
    .long(crate::help::long::REPO_TAGS)
    .formats(TEXT_JSON_TEMPLATE);

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// List the repositories under the registry
    #[command(visible_alias = "list")]
    #[command(override_usage = LS.usage)]
    Ls(LsArgs),
    /// Show tags of the target repository
    #[command(visible_alias = "show-tags")]
    #[command(override_usage = TAGS.usage)]
    Tags(TagsArgs),
}

#[derive(clap::Args)]
pub(crate) struct LsArgs {
    /// <registry>[/<namespace>]
    #[arg(value_name = "REGISTRY")]
    args: Vec<String>,
    /// start after the repository specified by `last`
    #[arg(long, value_name = "string")]
    last: Option<String>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(clap::Args)]
pub(crate) struct TagsArgs {
    /// <name>[:<tag>|@<digest>]
    #[arg(value_name = "REPOSITORY")]
    args: Vec<String>,
    /// start after the tag specified by `last`
    #[arg(long, value_name = "string")]
    last: Option<String>,
    /// [Preview] exclude all digest-like tags such as 'sha256-aaaa...'
    #[arg(long)]
    exclude_digest_tags: bool,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(_common: &Common, c: Command) -> Result<()> {
    match c {
        Command::Ls(a) => ls(a).await,
        Command::Tags(a) => tags(a).await,
    }
}

/// `registry[/namespace]`: the host, and the namespace with a trailing `/`.
fn registry_and_namespace(raw: &str) -> Result<(String, String)> {
    let raw = raw.trim_end_matches('/');
    if !raw.contains('/') {
        return Ok((raw.to_owned(), String::new()));
    }
    let r = Reference::parse(raw)
        .map_err(|e| CliError::new(format!("could not parse repository path: {e}")))?;
    if r.tag_or_digest().is_some() {
        return Err(CliError::new(
            "could not parse repository path: tags or digests should not be provided",
        ));
    }
    Ok((r.registry().to_owned(), format!("{}/", r.repository())))
}

async fn ls(a: LsArgs) -> Result<()> {
    LS.exactly(&a.args, 1, "the target registry to list repositories from")?;
    a.verbose.on();
    let format = a.format.parse(&LS)?;
    let mut remote = a.remote.clone();
    remote.check("")?;
    let (host, namespace) = registry_and_namespace(&a.args[0])?;
    let client = remote.client(&host)?;
    let failed = |e: oras_artifact::distribution::Error| {
        let what = if namespace.is_empty() {
            format!("could not list repositories for {host:?}")
        } else {
            format!("could not list repositories for {host:?} with prefix {namespace:?}")
        };
        let inner = CliError::from(e);
        // A registry's answer is told alone, as Go tells it.
        if inner.prefix == crate::error::REGISTRY_PREFIX {
            return inner;
        }
        let mut err = CliError::new(format!("{what}\n{}", inner.message));
        err.recommendation = inner.recommendation;
        err
    };
    let mut all = client
        .registry(&host)
        .catalog(Some(1000))
        .await
        .map_err(failed)?;
    all.sort();
    if let Some(last) = a.last.as_deref() {
        all.retain(|r| r.as_str() > last);
    }
    all.retain(|r| r.starts_with(&namespace));
    let printer = Arc::new(Printer::new(true));
    match &format {
        Format::Text => {
            for r in &all {
                printer.line(r.strip_prefix(&namespace).unwrap_or(r));
            }
        }
        _ => emit(
            &printer,
            &format,
            &model::Repositories {
                registry: host,
                repositories: all,
            },
        )?,
    }
    Ok(())
}

/// `sha256-…`: a tag made from a digest (the referrers tag schema's), as Go's
/// `digest.Parse` takes it once the first `-` is a `:`: a registered algorithm (sha256,
/// sha384, sha512) and an encoding of its length in lowercase hex. `normal-tag` is not one.
fn is_digest_tag(tag: &str) -> bool {
    let Some((algorithm, encoded)) = tag.split_once('-') else {
        return false;
    };
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    encoded.len() == len
        && encoded
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

async fn tags(a: TagsArgs) -> Result<()> {
    TAGS.exactly(&a.args, 1, "the target repository to list tags from")?;
    a.verbose.on();
    let format = a.format.parse(&TAGS)?;
    let target = Target::parse(&a.target, &a.args[0])?;
    let store = target.open_read()?;
    // A layout holding `registry/repository:tag` names: only that repository's.
    let scope = if target.is_layout() && a.target.oci_layout_path.is_some() {
        Reference::parse(&target.reference)
            .ok()
            .filter(|r| r.tag_or_digest().is_none())
            .map(|r| format!("{}:", r.name()))
    } else {
        None
    };
    let wanted = match (&scope, target.optional_ref()) {
        (None, Ok(Some(r))) => {
            let d = match r.digest() {
                Some(d) => d.clone(),
                None => store.resolve(&r).await.map_err(|e| target.error(e))?.digest,
            };
            eprintln!(
                "Warning: [Experimental] querying tags associated to {d}, it may take a while..."
            );
            Some(d)
        }
        (None, Err(e)) => return Err(e),
        _ => None,
    };
    let mut all = store.tags().await.map_err(|e| target.error(e))?;
    all.sort();
    if let Some(last) = a.last.as_deref() {
        all.retain(|t| t.as_str() > last);
    }
    let mut shown = Vec::new();
    for tag in all {
        let tag = match &scope {
            Some(prefix) => match tag.strip_prefix(prefix.as_str()) {
                Some(t) => t.to_owned(),
                None => continue,
            },
            None => tag,
        };
        if a.exclude_digest_tags && is_digest_tag(&tag) {
            continue;
        }
        if let Some(d) = &wanted
            && tag != target.reference
        {
            let r = target.name(&tag)?;
            let found = store.resolve(&r).await.map_err(|e| target.error(e))?;
            if found.digest != *d {
                continue;
            }
        }
        shown.push(tag);
    }
    let printer = Arc::new(Printer::new(true));
    match &format {
        Format::Text => {
            for t in &shown {
                printer.line(t);
            }
        }
        _ => emit(&printer, &format, &model::Tags { tags: shown })?,
    }
    Ok(())
}

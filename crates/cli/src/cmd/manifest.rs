//! `oras manifest`: fetch, push, delete, fetch-config, and `index create`.

use std::io::Read;
use std::path::PathBuf;

use oras_artifact::oci::{ImageIndex, Manifest};
use serde_json::Value;

use crate::Ctx;
use crate::cmd::DeleteArgs;
use crate::error::{CliError, Result};
use crate::output::{confirm, descriptor_json, print_json, report_pushed, write_output};
use crate::remote::{RemoteArgs, open, split_tags};

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Fetch a manifest
    Fetch {
        /// REGISTRY/REPOSITORY:TAG|@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Print the descriptor instead
        #[arg(long)]
        descriptor: bool,
        /// Indent the JSON
        #[arg(long)]
        pretty: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Push a manifest from a file ("-": stdin)
    Push {
        /// REGISTRY/REPOSITORY[:TAG[,TAG...]|@DIGEST]
        reference: String,
        /// The manifest file
        file: PathBuf,
        /// Its media type (default: its mediaType field)
        #[arg(long)]
        media_type: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a manifest
    Delete(DeleteArgs),
    /// Fetch a manifest's config
    FetchConfig {
        /// REGISTRY/REPOSITORY:TAG|@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Index operations
    #[command(subcommand)]
    Index(IndexCommand),
}

#[derive(clap::Subcommand)]
pub(crate) enum IndexCommand {
    /// Create an index of manifests of the same repository
    Create {
        /// REGISTRY/REPOSITORY[:TAG[,TAG...]]
        reference: String,
        /// Tags or digests of the manifests to list
        sources: Vec<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

pub(crate) async fn run(ctx: &Ctx, m: Command) -> Result<()> {
    match m {
        Command::Fetch {
            reference,
            output,
            descriptor,
            pretty,
            remote,
        } => fetch(ctx, &reference, output, descriptor, pretty, &remote).await,
        Command::Push {
            reference,
            file,
            media_type,
            remote,
        } => push(ctx, &reference, &file, media_type.as_deref(), &remote).await,
        Command::Delete(a) => delete(ctx, &a.reference, a.force, &a.remote).await,
        Command::FetchConfig {
            reference,
            output,
            remote,
        } => fetch_config(&reference, output, &remote).await,
        Command::Index(IndexCommand::Create {
            reference,
            sources,
            remote,
        }) => create_index(ctx, &reference, &sources, &remote).await,
    }
}

async fn fetch(
    ctx: &Ctx,
    reference: &str,
    output: Option<PathBuf>,
    descriptor: bool,
    pretty: bool,
    remote: &RemoteArgs,
) -> Result<()> {
    let opened = open(remote, reference).await?;
    let r = opened.required("manifest fetch")?;
    let desc = opened.target.resolve(r).await?;
    if descriptor || ctx.json && output.is_none() {
        print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
        return Ok(());
    }
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &desc).await?;
    if pretty {
        let v: Value =
            serde_json::from_slice(manifest.bytes()).map_err(|e| CliError::new(e.to_string()))?;
        let mut text = serde_json::to_vec_pretty(&v).map_err(|e| CliError::new(e.to_string()))?;
        text.push(b'\n');
        write_output(output.as_ref(), &text)
    } else {
        write_output(output.as_ref(), manifest.bytes())
    }
}

async fn push(
    ctx: &Ctx,
    reference: &str,
    file: &PathBuf,
    media_type: Option<&str>,
    remote: &RemoteArgs,
) -> Result<()> {
    let bytes = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| CliError::new(format!("reading stdin: {e}")))?;
        b
    } else {
        std::fs::read(file).map_err(|e| CliError::new(format!("{}: {e}", file.display())))?
    };
    let manifest = Manifest::parse(bytes, media_type).map_err(|e| CliError::new(e.to_string()))?;
    let (base, tags) = if remote.oci_layout {
        (reference.to_owned(), Vec::new())
    } else {
        split_tags(reference)
    };
    let opened = open(remote, &base).await?;
    let desc = oras_artifact::push_manifest(opened.target.as_ref(), &manifest, None).await?;
    for t in &tags {
        opened.target.tag(&desc, t).await?;
    }
    if let (true, Some(t)) = (
        remote.oci_layout,
        opened.reference.as_ref().and_then(|r| r.tag()),
    ) {
        opened.target.tag(&desc, t).await?;
    }
    report_pushed(ctx, &opened, &desc, &manifest, &tags, "Pushed");
    Ok(())
}

async fn delete(ctx: &Ctx, reference: &str, force: bool, remote: &RemoteArgs) -> Result<()> {
    let opened = open(remote, reference).await?;
    let r = opened.required("manifest delete")?;
    let desc = opened.target.resolve(r).await?;
    confirm(
        &format!("the manifest {} and every tag pointing at it", desc.digest),
        force,
    )?;
    opened.target.delete(&desc).await?;
    if ctx.json {
        print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
    } else {
        println!("Deleted {} {}", opened.kind, opened.show(r));
    }
    Ok(())
}

async fn fetch_config(reference: &str, output: Option<PathBuf>, remote: &RemoteArgs) -> Result<()> {
    let opened = open(remote, reference).await?;
    let r = opened.required("manifest fetch-config")?;
    let desc = opened.target.resolve(r).await?;
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &desc).await?;
    let image = manifest.as_image().ok_or_else(|| {
        CliError::new(format!(
            "{} is not an image manifest; it has no config",
            desc.digest
        ))
    })?;
    let config = oras_artifact::fetch_blob(opened.target.as_ref(), &image.config).await?;
    write_output(output.as_ref(), &config)
}

async fn create_index(
    ctx: &Ctx,
    reference: &str,
    sources: &[String],
    remote: &RemoteArgs,
) -> Result<()> {
    let (base, tags) = split_tags(reference);
    let opened = open(remote, &base).await?;
    let mut entries = Vec::new();
    for s in sources {
        entries.push(oras_artifact::index_entry(opened.target.as_ref(), s).await?);
    }
    let index = Manifest::from_index(ImageIndex::new(entries));
    let desc = oras_artifact::push_manifest(opened.target.as_ref(), &index, None).await?;
    for t in &tags {
        opened.target.tag(&desc, t).await?;
    }
    report_pushed(ctx, &opened, &desc, &index, &tags, "Pushed");
    Ok(())
}

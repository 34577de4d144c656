//! `oras pull`: an artifact's files written to a directory, all or nothing.

use std::path::PathBuf;
use std::sync::Arc;

use oras_artifact::PullOptions;
use oras_artifact::oci::Platform;
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::{CliError, Result};
use crate::output::{descriptor_json, print_json};
use crate::progress::Bars;
use crate::remote::{RemoteArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY/REPOSITORY[:TAG|@DIGEST] (or DIR[:TAG|@DIGEST] with --oci-layout)
    reference: String,
    /// Output directory
    #[arg(short = 'o', long, default_value = ".")]
    output: PathBuf,
    /// For an index: OS/ARCH[/VARIANT][:OS_VERSION]
    #[arg(long)]
    platform: Option<String>,
    /// Also pull the subject's files, recursively
    #[arg(long)]
    include_subject: bool,
    /// Do not replace existing files; treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,
    /// Allow file names that leave the output directory
    #[arg(long)]
    allow_path_traversal: bool,
    /// Layers downloaded at once
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
    /// Only layers of this media type (repeatable)
    #[arg(long = "media-type")]
    media_types: Vec<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// `--platform`, parsed.
pub(crate) fn platform(arg: Option<&str>) -> Result<Option<Platform>> {
    arg.map(str::parse::<Platform>)
        .transpose()
        .map_err(|e| CliError::new(e.to_string()))
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = opened.required("pull")?;
    let mut o = PullOptions::default();
    o.platform = platform(a.platform.as_deref())?;
    o.include_subject = a.include_subject;
    o.keep_old_files = a.keep_old_files;
    o.allow_path_traversal = a.allow_path_traversal;
    o.concurrency = a.concurrency;
    o.media_types = a.media_types.clone();
    let bars = Arc::new(Bars::new(ctx.tty, ctx.json, "Downloaded"));
    o.observer = Some(bars.clone());
    let pulled = oras_artifact::pull(opened.target.as_ref(), reference, &a.output, &o)
        .await
        .map_err(|e| {
            let unsafe_title = matches!(e, oras_artifact::Error::Unsafe { .. });
            let e = CliError::from(e);
            if unsafe_title {
                e.advise(" (use --allow-path-traversal to pull it anyway)")
            } else {
                e
            }
        })?;
    bars.finish();
    if ctx.json {
        let files: Vec<Value> = pulled
            .files
            .iter()
            .map(|f| {
                let mut v =
                    descriptor_json(&opened.show_digest(&f.descriptor.digest), &f.descriptor);
                v["path"] = json!(std::path::absolute(&f.path).unwrap_or_else(|_| f.path.clone()));
                v
            })
            .collect();
        print_json(
            &json!({"reference": opened.show_digest(&pulled.manifest.digest), "files": files}),
        );
    } else {
        if pulled.files.is_empty() {
            println!(
                "Skipped pulling layers without file name in \"org.opencontainers.image.title\""
            );
        }
        println!("Pulled {} {}", opened.kind, opened.show(reference));
        println!("Digest: {}", pulled.manifest.digest);
    }
    Ok(())
}

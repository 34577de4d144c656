//! `oras attach`: files as a new artifact that refers to another.

use std::path::PathBuf;
use std::sync::Arc;

use oras_artifact::PushOptions;

use crate::Ctx;
use crate::cmd::push::unsafe_title_advice;
use crate::error::Result;
use crate::output::{file_specs, parse_annotations, report_pushed};
use crate::progress::Bars;
use crate::remote::{RemoteArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The subject: REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// FILE[:MEDIA_TYPE]...
    files: Vec<String>,
    /// The artifact type (required)
    #[arg(long)]
    artifact_type: String,
    /// A manifest annotation, KEY=VALUE (repeatable)
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// Annotations file
    #[arg(long)]
    annotation_file: Option<PathBuf>,
    /// Blobs uploaded at once
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let subject = opened.required("attach")?;
    let files = file_specs(&a.files)?;
    let mut o = PushOptions::default();
    if let Some(f) = &a.annotation_file {
        o.read_annotation_file(f)?;
    }
    o.annotations.extend(parse_annotations(&a.annotations)?);
    o.concurrency = a.concurrency;
    let bars = Arc::new(Bars::new(ctx.tty, ctx.json, "Uploaded"));
    o.observer = Some(bars.clone());
    let pushed = oras_artifact::attach(
        opened.target.as_ref(),
        subject,
        &files,
        &a.artifact_type,
        &o,
    )
    .await
    .map_err(unsafe_title_advice)?;
    bars.finish();
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &pushed.manifest).await?;
    if ctx.json {
        report_pushed(ctx, &opened, &pushed.manifest, &manifest, &[], "Attached");
    } else {
        println!("Attached to {} {}", opened.kind, opened.show(subject));
        println!("Digest: {}", pushed.manifest.digest);
    }
    Ok(())
}

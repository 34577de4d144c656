//! `oras push`: files and directories as an artifact.

use std::path::PathBuf;
use std::sync::Arc;

use oras_artifact::oci::media_type;
use oras_artifact::oci::pack::PackVersion;
use oras_artifact::{FileSpec, PushOptions};

use crate::Ctx;
use crate::error::{CliError, Result};
use crate::output::{file_specs, parse_annotations, report_pushed};
use crate::progress::Bars;
use crate::remote::{RemoteArgs, open, split_layout, split_tags};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY/REPOSITORY[:TAG[,TAG...]] (or DIR[:TAG,...] with --oci-layout)
    reference: String,
    /// FILE[:MEDIA_TYPE] or DIRECTORY...
    files: Vec<String>,
    /// The artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// A config file, FILE[:MEDIA_TYPE]
    #[arg(long)]
    config: Option<String>,
    /// A manifest annotation, KEY=VALUE (repeatable)
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// Annotations file ({"$manifest": {...}, "$config": {...}, "FILE": {...}})
    #[arg(long)]
    annotation_file: Option<PathBuf>,
    /// Image spec rules to pack the manifest by
    #[arg(long, value_parser = ["v1.0", "v1.1"], default_value = "v1.1")]
    image_spec: String,
    /// Also write the manifest to this file
    #[arg(long)]
    export_manifest: Option<PathBuf>,
    /// Allow absolute paths and `..` in file names
    #[arg(long)]
    disable_path_validation: bool,
    /// Blobs uploaded at once
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let (base, mut tags) = if a.remote.oci_layout {
        let (dir, tag) = split_layout(&a.reference);
        let tags: Vec<String> = tag
            .map(|t| t.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        (dir, tags)
    } else {
        split_tags(&a.reference)
    };
    if tags.is_empty() {
        tags.push("latest".into());
    }
    let reference = if a.remote.oci_layout {
        base.clone()
    } else {
        base.rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(base.clone(), |(n, _)| format!("{n}:{}", tags[0]))
    };
    let opened = open(&a.remote, &reference).await?;
    let files = file_specs(&a.files)?;
    let mut o = PushOptions::default();
    if let Some(f) = &a.annotation_file {
        o.read_annotation_file(f)?;
    }
    o.annotations.extend(parse_annotations(&a.annotations)?);
    o.config = a.config.as_deref().map(FileSpec::parse);
    o.version = if a.image_spec == "v1.0" {
        PackVersion::V1_0
    } else {
        PackVersion::V1_1
    };
    o.artifact_type = a.artifact_type.clone().or_else(|| {
        (o.config.is_none() && o.version == PackVersion::V1_1)
            .then(|| media_type::ORAS_UNKNOWN_ARTIFACT.to_owned())
    });
    o.tags = tags.clone();
    o.concurrency = a.concurrency;
    o.disable_path_validation = a.disable_path_validation;
    let bars = Arc::new(Bars::new(ctx.tty, ctx.json, "Uploaded"));
    o.observer = Some(bars.clone());
    let pushed = oras_artifact::push(opened.target.as_ref(), &files, &o)
        .await
        .map_err(unsafe_title_advice)?;
    bars.finish();
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &pushed.manifest).await?;
    if let Some(path) = &a.export_manifest {
        std::fs::write(path, manifest.bytes())
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    report_pushed(ctx, &opened, &pushed.manifest, &manifest, &tags, "Pushed");
    Ok(())
}

/// A refused title, with the flag that allows it.
pub(crate) fn unsafe_title_advice(e: oras_artifact::Error) -> CliError {
    let unsafe_title = matches!(e, oras_artifact::Error::Unsafe { .. });
    let e = CliError::from(e);
    if unsafe_title {
        e.advise(" (use --disable-path-validation to push it anyway)")
    } else {
        e
    }
}

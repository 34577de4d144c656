//! `oras push`: files and directories as an artifact, the Go CLI's way: `NAME[:TAG[,TAG…]]`
//! (no tag pushes by digest), `FILE[:TYPE]`, the image-spec rules it picks, its status
//! lines and summary.

use std::sync::Arc;

use oras_artifact::FileSpec;
use oras_artifact::oci::media_type;
use oras_artifact::oci::pack::PackVersion;

use crate::Common;
use crate::args::{Cmd, exclusive};
use crate::cmd::Status;
use crate::display::status::PUSH;
use crate::display::{Printer, json, model, template};
use crate::error::{CliError, Result};
use crate::option::format::TEXT_JSON_TEMPLATE;
use crate::option::packer::PackerArgs;
use crate::option::platform;
use crate::option::{Format, FormatArgs, Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new(
    "oras push",
    "oras push [flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]",
)
.long(crate::help::long::PUSH)
.formats(TEXT_JSON_TEMPLATE)
.tty();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// `path` of image config file
    #[arg(long, value_name = "string")]
    config: Option<String>,
    /// artifact type
    #[arg(long, value_name = "string")]
    artifact_type: Option<String>,
    /// [Experimental] set artifact platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long, value_name = "string")]
    artifact_platform: Option<String>,
    /// [Preview] specify manifest type for building artifact. Options: v1.1, v1.0 (default
    /// v1.1, overridden to v1.0 if --config is used without --artifact-type)
    #[arg(long, value_name = "string")]
    image_spec: Option<String>,
    /// accepted for the Go CLI's scripts: every blob is checked here anyway
    #[arg(long, hide = true)]
    force: bool,
    /// concurrency level
    #[arg(long, default_value_t = 5, value_name = "int")]
    concurrency: usize,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    packer: PackerArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

/// `--image-spec`, checked.
pub(crate) fn image_spec(flag: Option<&str>) -> Result<Option<PackVersion>> {
    match flag {
        None => Ok(None),
        Some("v1.1") => Ok(Some(PackVersion::V1_1)),
        Some("v1.0") => Ok(Some(PackVersion::V1_0)),
        Some(other) => Err(
            CliError::new(format!("unknown image specification flag: {other}"))
                .recommend("Available options: v1.1, v1.0"),
        ),
    }
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.at_least(&a.args, 1, "the destination for pushing")?;
    let mut refs = a.args[0].split(',');
    let raw = refs.next().unwrap_or_default().to_owned();
    let extra: Vec<String> = refs.map(str::to_owned).collect();
    let file_refs = &a.args[1..];
    let target = Target::parse(&a.target, &raw)?;
    let format = a.format.parse(&CMD)?;
    let annotations = a.packer.parse(file_refs)?;
    let explicit_spec = image_spec(a.image_spec.as_deref())?;
    let mut version = explicit_spec.unwrap_or(PackVersion::V1_1);
    let mut artifact_type = a.artifact_type.clone().filter(|t| !t.is_empty());
    if a.config.is_some() && artifact_type.is_none() {
        match explicit_spec {
            None => version = PackVersion::V1_0,
            Some(PackVersion::V1_1) => {
                return Err(CliError::new(
                    "missing artifact type for OCI image-spec v1.1 artifacts",
                )
                .recommend(
                    "set an artifact type via `--artifact-type` or consider image spec v1.0",
                ));
            }
            Some(_) => {}
        }
    }
    exclusive(&[
        ("config", a.config.is_some()),
        ("artifact-platform", a.artifact_platform.is_some()),
    ])?;
    match version {
        PackVersion::V1_0 if a.config.is_some() && artifact_type.is_some() => {
            return Err(CliError::new(
                "--artifact-type and --config cannot both be provided for 1.0 OCI image",
            ));
        }
        PackVersion::V1_1 if a.config.is_none() && artifact_type.is_none() => {
            artifact_type = Some(media_type::ORAS_UNKNOWN_ARTIFACT.to_owned());
        }
        _ => {}
    }
    let artifact_platform = platform::parse(a.artifact_platform.as_deref())?;
    if artifact_platform.is_some() && version == PackVersion::V1_0 && artifact_type.is_some() {
        return Err(CliError::new(
            "artifact type cannot be customized for OCI image-spec v1.0 when platform is specified",
        )
        .recommend("consider using image spec v1.1 or remove --artifact-type"));
    }
    let printer = Arc::new(Printer::new(a.verbose.on()));

    let (files, mut o) =
        a.packer
            .push_options(file_refs, &annotations, a.config.as_deref(), a.concurrency)?;
    o.platform = artifact_platform;
    o.artifact_type = artifact_type;
    o.version = version;
    let tag = target
        .optional_ref()?
        .and_then(|r| r.tag().map(str::to_owned));
    o.tags = tag.iter().cloned().chain(extra.iter().cloned()).collect();
    let status = Status::new(common, format.is_text(), &printer, PUSH, false);
    o.observer = status.observer.clone();
    if format.is_text() && !common.tty(false) {
        for f in &files {
            if printer.verbose {
                printer.line(&format!("Preparing {}", title(f)));
            }
        }
        if files.is_empty() {
            printer.line("Uploading empty artifact");
        }
    }
    let store = target.open()?;
    let pushed = oras_artifact::push(store.as_ref(), &files, &o)
        .await
        .map_err(|e| unsafe_title_advice(&target, e))?;
    status.finish();
    let root = pushed.content.referrer_descriptor();
    let mut tags: Vec<String> = o
        .tags
        .iter()
        .map(|t| format!("{}:{t}", target.path))
        .collect();
    tags.sort();
    match format {
        Format::Text => {
            printer.line(&format!("Pushed {}", target.display()));
            for t in &extra {
                printer.line(&format!("Tagged {t}"));
            }
            printer.line(&format!(
                "ArtifactType: {}",
                root.artifact_type.as_deref().unwrap_or_default()
            ));
            printer.line(&format!("Digest: {}", root.digest));
        }
        Format::Json | Format::Template(_) => {
            let m = model::Push {
                desc: model::Desc::new(&target.path, &root),
                reference_as_tags: (!tags.is_empty()).then_some(tags),
            };
            emit(&printer, &format, &m)?;
        }
        _ => {}
    }
    a.packer.export(pushed.content.bytes())
}

/// The title a file is pushed under.
fn title(f: &FileSpec) -> String {
    f.title
        .clone()
        .unwrap_or_else(|| f.path.display().to_string())
}

/// A JSON or template result on stdout.
pub(crate) fn emit(printer: &Printer, format: &Format, data: &impl serde::Serialize) -> Result<()> {
    match format {
        Format::Json => printer.raw(json::pretty(data).as_bytes())?,
        Format::Template(t) => printer.raw(template::render(t, data)?.as_bytes())?,
        _ => {}
    }
    Ok(())
}

/// A refused title, with the flag that allows it.
pub(crate) fn unsafe_title_advice(target: &Target, e: oras_artifact::Error) -> CliError {
    let unsafe_title = matches!(e, oras_artifact::Error::Unsafe { .. });
    let e = target.error(e);
    if unsafe_title {
        e.recommend("If it's intentional, use --disable-path-validation flag to skip this check")
    } else {
        e
    }
}

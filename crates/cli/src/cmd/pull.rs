//! `oras pull`: an artifact's titled files written to a directory, all or nothing, with
//! the Go CLI's status lines and summary.

use std::path::PathBuf;
use std::sync::Arc;

use oras_artifact::PullOptions;
use oras_artifact::oci::annotations;

use crate::Common;
use crate::args::Cmd;
use crate::cmd::Status;
use crate::cmd::push::emit;
use crate::display::status::PULL;
use crate::display::{Printer, model};
use crate::error::Result;
use crate::option::format::TEXT_JSON_TEMPLATE;
use crate::option::packer::file_ref;
use crate::option::platform::PlatformArgs;
use crate::option::{Format, FormatArgs, Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new("oras pull", "oras pull [flags] <name>{:<tag>|@<digest>}")
    .long(crate::help::long::PULL)
    .formats(TEXT_JSON_TEMPLATE)
    .tty();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// do not replace existing files when pulling, treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,
    /// allow storing files out of the output directory
    #[arg(short = 'T', long)]
    allow_path_traversal: bool,
    /// recursively pull the subject of artifacts
    #[arg(long)]
    include_subject: bool,
    /// output directory
    #[arg(short = 'o', long, default_value = ".", value_name = "string")]
    output: PathBuf,
    /// output manifest config file
    #[arg(long, value_name = "string")]
    config: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 3, value_name = "int")]
    concurrency: usize,
    /// pull only the layers of this media type (repeatable)
    #[arg(long = "media-type", value_name = "stringArray")]
    media_types: Vec<String>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the artifact reference you want to pull")?;
    let target = Target::parse(&a.target, &a.args[0])?;
    let format = a.format.parse(&CMD)?;
    let platform = a.platform.parse()?;
    let printer = Arc::new(Printer::new(a.verbose.on()));
    let store = target.open_read_cached()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let mut o = PullOptions::default();
    o.platform = platform;
    o.include_subject = a.include_subject;
    o.keep_old_files = a.keep_old_files;
    o.allow_path_traversal = a.allow_path_traversal;
    o.concurrency = a.concurrency;
    o.media_types = a.media_types.clone();
    if let Some(c) = &a.config {
        let (path, media_type) = file_ref(c, "")?;
        o.config_title = Some(path);
        o.config_media_type = Some(media_type).filter(|t| !t.is_empty());
    }
    let status = Status::new(common, format.is_text(), &printer, PULL, false);
    o.observer = status.observer.clone();
    let pulled = oras_artifact::pull(store.as_ref(), &reference, &a.output, &o)
        .await
        .map_err(|e| {
            let traversal = matches!(e, oras_artifact::Error::Unsafe { .. });
            let e = target.error(e);
            if traversal {
                e.recommend("Pulling files outside of working directory is insecure and blocked by default. If you trust the content producer, use --allow-path-traversal to bypass this check.")
            } else {
                e
            }
        })?;
    status.finish();
    match &format {
        Format::Text => {
            if pulled.skipped.is_empty() {
                printer.line(&format!("Pulled {}", target.display()));
                printer.line(&format!("Digest: {}", pulled.manifest.digest));
            } else {
                printer.line(&format!(
                    "Skipped pulling layers without file name in {:?}",
                    annotations::TITLE
                ));
                printer.line(&format!(
                    "Use 'oras copy {} --to-oci-layout <layout-dir>' to pull all layers.",
                    target.raw
                ));
            }
        }
        _ => {
            let files: Vec<model::File> = pulled
                .files
                .iter()
                .map(|f| {
                    let mut path = std::path::absolute(&f.path)
                        .unwrap_or_else(|_| f.path.clone())
                        .display()
                        .to_string();
                    if f.descriptor.annotation(annotations::ORAS_CONTENT_UNPACK) == Some("true") {
                        path.push('/');
                    }
                    model::File {
                        path,
                        desc: model::Desc::new(&target.path, &f.descriptor),
                    }
                })
                .collect();
            let m = model::Pull {
                reference: format!("{}@{}", target.path, pulled.manifest.digest),
                files: (!files.is_empty()).then_some(files),
            };
            emit(&printer, &format, &m)?;
        }
    }
    Ok(())
}

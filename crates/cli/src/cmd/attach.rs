//! `oras attach`: files (or only annotations) as a new artifact that refers to another,
//! chosen by reference and, in an index, by `--platform`.

use std::sync::Arc;

use oras_artifact::oci::pack::PackVersion;

use crate::Common;
use crate::args::{Cmd, exclusive, required};
use crate::cmd::Status;
use crate::cmd::push::{emit, unsafe_title_advice};
use crate::display::status::PUSH;
use crate::display::{Printer, model};
use crate::error::{CliError, Result};
use crate::option::format::TEXT_JSON_TEMPLATE;
use crate::option::packer::PackerArgs;
use crate::option::platform::PlatformArgs;
use crate::option::{Format, FormatArgs, Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new("oras attach",
    "oras attach [flags] --artifact-type=<type> <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]|--annotation <key>=<value>} [...]")
    .long(crate::help::long::ATTACH).formats(TEXT_JSON_TEMPLATE).tty()
    .spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>} {<file>[:<layer_media_type>]} [...]
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// artifact type (required: checked after the arguments, as in Go)
    #[arg(long, value_name = "string")]
    artifact_type: Option<String>,
    /// `path` of image config file
    #[arg(long, value_name = "string")]
    config: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5, value_name = "int")]
    concurrency: usize,
    /// attach to an arch-specific subject in the form of `os[/arch][/variant][:os_version]`
    #[arg(long, value_name = "string")]
    platform: Option<String>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    packer: PackerArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.at_least(&a.args, 1, "the destination artifact for attaching.")?;
    let file_refs = &a.args[1..];
    let missing_subject = |e: CliError| {
        if file_refs.is_empty() {
            let advice = e.recommendation.clone().unwrap_or_default();
            e.recommend(format!(
                "Are you missing an artifact reference to attach to? {advice}"
            ))
        } else {
            e
        }
    };
    let target = Target::parse(&a.target, &a.args[0]).map_err(missing_subject)?;
    let format = a.format.parse(&CMD)?;
    let annotations = a.packer.parse(file_refs)?;
    exclusive(&[
        ("config", a.config.is_some()),
        ("platform", a.platform.is_some()),
    ])?;
    let subject_ref = target.manifest_ref(&CMD, true).map_err(missing_subject)?;
    let artifact_type = required("artifact-type", &a.artifact_type)?;
    let platform = PlatformArgs {
        platform: a.platform.clone(),
    }
    .parse()?;
    if file_refs.is_empty() && annotations.manifest.is_empty() {
        return Err(CliError::new("neither file nor annotation provided in the command")
            .usage(CMD.usage)
            .recommend("To attach to an existing artifact, please provide files via argument or annotations via flag \"--annotation\". Run \"oras attach -h\" for more options and examples"));
    }
    let printer = Arc::new(Printer::new(a.verbose.on()));
    let store = target.open()?;
    let subject = super::resolve::resolve(&target, store.as_ref(), &subject_ref, platform.as_ref())
        .await
        .map_err(|e| e.context(format!("failed to resolve {}", target.reference)))?;

    let (files, mut o) =
        a.packer
            .push_options(file_refs, &annotations, a.config.as_deref(), a.concurrency)?;
    o.version = PackVersion::V1_1;
    o.artifact_type = Some(artifact_type.clone());
    o.subject = Some(subject.clone());
    let status = Status::new(common, format.is_text(), &printer, PUSH, false);
    o.observer = status.observer.clone();
    if format.is_text() && !common.tty(false) && printer.verbose {
        for f in &files {
            printer.line(&format!(
                "Preparing {}",
                f.title.clone().unwrap_or_default()
            ));
        }
    }
    let pushed = oras_artifact::push(store.as_ref(), &files, &o)
        .await
        .map_err(|e| unsafe_title_advice(&target, e))?;
    status.finish();
    let root = pushed.content.referrer_descriptor();
    match &format {
        Format::Text => {
            let subject_shown = if target.raw.ends_with(&subject.digest.to_string()) {
                target.display()
            } else {
                target.display_digest(&subject.digest)
            };
            printer.line(&format!("Attached to {subject_shown}"));
            printer.line(&format!("Digest: {}", root.digest));
        }
        _ => emit(&printer, &format, &model::Desc::new(&target.path, &root))?,
    }
    a.packer.export(pushed.content.bytes())
}

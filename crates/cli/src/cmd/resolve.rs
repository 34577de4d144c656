//! `oras resolve` (`digest`): the digest a reference names, and of a platform's manifest
//! in an index.

use oras_artifact::oci::{Descriptor, ManifestRef, Platform, media_type};
use oras_artifact::{ReadOnlyTarget, fetch_blob, fetch_manifest, select_platform};

use crate::Common;
use crate::args::Cmd;
use crate::display::Printer;
use crate::error::{CliError, Result};
use crate::option::platform::PlatformArgs;
use crate::option::{Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new(
    "oras resolve",
    "oras resolve [flags] <name>{:<tag>|@<digest>}",
)
.long(crate::help::long::RESOLVE);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// print the full artifact reference with digest
    #[arg(short = 'l', long)]
    full_reference: bool,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    target: TargetArgs,
}

/// What `reference` names; with a platform, the manifest for it (an index's entry, or
/// the manifest itself when its config says that platform). Errors worded for `target`.
pub(crate) async fn resolve(
    target: &Target,
    store: &dyn ReadOnlyTarget,
    reference: &ManifestRef,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let desc = store
        .resolve(reference)
        .await
        .map_err(|e| target.error(e))?;
    let Some(wanted) = platform else {
        return Ok(desc);
    };
    if media_type::is_index(&desc.media_type) {
        let index = fetch_manifest(store, &desc)
            .await
            .map_err(|e| target.error(e))?;
        return select_platform(&index, Some(wanted)).map_err(|e| target.error(e));
    }
    if !matches!(
        desc.media_type.as_str(),
        media_type::OCI_MANIFEST | media_type::DOCKER_MANIFEST
    ) {
        return Err(CliError::new(format!(
            "{}: {}: unsupported",
            desc.digest, desc.media_type
        )));
    }
    let manifest = fetch_manifest(store, &desc)
        .await
        .map_err(|e| target.error(e))?;
    let matches = match manifest.as_image() {
        Some(image) if image.config.size <= 4 << 20 => {
            let config = fetch_blob(store, &image.config)
                .await
                .map_err(|e| target.error(e))?;
            serde_json::from_slice::<Platform>(&config).is_ok_and(|p| wanted.matches(&p))
        }
        _ => false,
    };
    if matches {
        Ok(desc)
    } else {
        Err(CliError::new(format!(
            "{}: not found: platform in manifest does not match target platform",
            desc.digest
        )))
    }
}

pub(crate) async fn run(_common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the target artifact reference to resolve")?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let platform = a.platform.parse()?;
    let store = target.open_read()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let desc = resolve(&target, store.as_ref(), &reference, platform.as_ref())
        .await
        .map_err(|e| e.context("failed to resolve digest"))?;
    let printer = Printer::new(true);
    if a.full_reference {
        printer.line(&format!("{}@{}", target.path, desc.digest));
    } else {
        printer.line(desc.digest.as_ref());
    }
    Ok(())
}

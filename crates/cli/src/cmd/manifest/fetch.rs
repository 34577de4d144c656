//! `oras manifest fetch` (`get`, `show`) and `fetch-config` (`get-config`).

use std::path::PathBuf;

use oras_artifact::oci::{Descriptor, Manifest};
use oras_artifact::{fetch_blob, fetch_manifest};

use crate::args::{Cmd, exclusive};
use crate::cmd::push::emit;
use crate::display::{Printer, json, model};
use crate::error::{CliError, Result};
use crate::option::format::FormatSpec;
use crate::option::platform::PlatformArgs;
use crate::option::{
    DescriptorArgs, Format, FormatArgs, FormatType, Target, TargetArgs, VerboseArgs,
};

/// `text`, and JSON prettified, as Go words them for this command.
const FETCH_FORMATS: &[FormatSpec] = &[
    FormatSpec::new(FormatType::Text, "Print in text format"),
    FormatSpec::new(FormatType::Json, "Print in prettified JSON format"),
    FormatSpec::new(FormatType::GoTemplate, "Print using the given Go template"),
];

pub(crate) const FETCH: Cmd = Cmd::new(
    "oras manifest fetch",
    "oras manifest fetch [flags] <name>{:<tag>|@<digest>}",
)
.long(crate::help::long::MANIFEST_FETCH)
.formats(FETCH_FORMATS);

pub(crate) const FETCH_CONFIG: Cmd = Cmd::new(
    "oras manifest fetch-config",
    "oras manifest fetch-config [flags] <name>{:<tag>|@<digest>}",
)
.long(crate::help::long::MANIFEST_FETCH_CONFIG);

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// accepted media types
    #[arg(long = "media-type", value_delimiter = ',', value_name = "strings")]
    media_types: Vec<String>,
    /// file `path` to write the fetched manifest to, use - for stdout
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<PathBuf>,
    #[command(flatten)]
    json: DescriptorArgs,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

fn is_stdout(p: Option<&PathBuf>) -> bool {
    p.is_some_and(|p| p.as_os_str() == "-")
}

/// Writes content to the file, or stdout when there is none or it is `-`.
fn write_content(
    printer: &Printer,
    output: Option<&PathBuf>,
    bytes: &[u8],
    pretty: bool,
) -> Result<()> {
    match output.filter(|p| p.as_os_str() != "-") {
        // As Go: `--pretty` is for stdout only.
        Some(path) => super::write_file(path, bytes),
        None => Ok(printer.raw(&json::output(bytes, pretty)?)?),
    }
}

pub(crate) async fn run(a: Args) -> Result<()> {
    let format_given = a.format.format.is_some() || a.format.template.is_some();
    if is_stdout(a.output.as_ref()) && format_given {
        return Err(CliError::new(format!(
            "`--output -` cannot be used with `--format {}` at the same time",
            a.format.format.clone().unwrap_or_default()
        )));
    }
    if is_stdout(a.output.as_ref()) && a.json.descriptor {
        return Err(CliError::new(
            "`--descriptor` cannot be used with `--output -` at the same time",
        ));
    }
    exclusive(&[
        ("format", a.format.format.is_some()),
        ("pretty", a.json.pretty),
    ])?;
    exclusive(&[
        ("format", a.format.format.is_some()),
        ("descriptor", a.json.descriptor),
    ])?;
    FETCH.exactly(&a.args, 1, "the manifest to fetch")?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let format = a.format.parse(&FETCH)?;
    let platform = a.platform.parse()?;
    let printer = Printer::new(true);
    let store = target.open_read_cached()?;
    let reference = target.manifest_ref(&FETCH, true)?;
    if target.is_layout() && !a.media_types.is_empty() {
        return Err(CliError::new(
            "`--media-type` cannot be used with `--oci-layout` at the same time",
        ));
    }
    let failed =
        |e: CliError| e.context(format!("failed to fetch the content of {:?}", target.raw));
    if a.json.descriptor && a.output.is_none() && a.media_types.is_empty() {
        let desc =
            super::super::resolve::resolve(&target, store.as_ref(), &reference, platform.as_ref())
                .await
                .map_err(|e| e.context(format!("failed to find {:?}", target.raw)))?;
        return a.json.print(&printer, &desc);
    }
    let (desc, manifest) = if a.media_types.is_empty() {
        let desc =
            super::super::resolve::resolve(&target, store.as_ref(), &reference, platform.as_ref())
                .await
                .map_err(failed)?;
        let m = fetch_manifest(store.as_ref(), &desc)
            .await
            .map_err(|e| failed(target.error(e)))?;
        (desc, m)
    } else {
        accepting(&target, &reference, platform.as_ref(), &a.media_types)
            .await
            .map_err(failed)?
    };
    if a.json.descriptor && a.output.is_none() {
        return a.json.print(&printer, &desc);
    }
    match &format {
        Format::Text => {
            write_content(&printer, a.output.as_ref(), manifest.bytes(), a.json.pretty)?;
            if a.json.descriptor {
                a.json.print(&printer, &desc)?;
            }
        }
        _ => {
            if let Some(path) = a.output.as_ref() {
                write_content(&printer, Some(path), manifest.bytes(), false)?;
            }
            let content = serde_json::from_slice(manifest.bytes()).unwrap_or_default();
            let m = model::Fetched {
                desc: model::Desc::new(&target.path, &desc),
                content,
            };
            emit(&printer, &format, &m)?;
        }
    }
    Ok(())
}

/// The manifest `reference` names, asking the registry only for `media_types`; with a
/// platform, that platform's entry of an index (fetched the same way) or the manifest
/// itself when its config says that platform.
async fn accepting(
    target: &Target,
    reference: &oras_artifact::oci::ManifestRef,
    platform: Option<&oras_artifact::oci::Platform>,
    media_types: &[String],
) -> Result<(Descriptor, Manifest)> {
    let repo = target.repository()?;
    let fetched = repo
        .fetch_manifest_accepting(reference, media_types)
        .await
        .map_err(|e| target.registry_error(e))?;
    let Some(wanted) = platform else {
        return Ok((fetched.descriptor(), fetched));
    };
    if fetched.as_index().is_some() {
        let entry =
            oras_artifact::select_platform(&fetched, Some(wanted)).map_err(|e| target.error(e))?;
        let m = repo
            .fetch_manifest_accepting(&entry.digest, media_types)
            .await
            .map_err(|e| target.registry_error(e))?;
        return Ok((entry, m));
    }
    // A manifest: checked against the platform as a resolve checks it.
    let store = target.open_read()?;
    let desc = fetched.descriptor();
    let digest_ref = oras_artifact::oci::ManifestRef::from(desc.digest.clone());
    super::super::resolve::resolve(target, store.as_ref(), &digest_ref, Some(wanted)).await?;
    Ok((desc, fetched))
}

#[derive(clap::Args)]
pub(crate) struct ConfigArgs {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// file `path` to write the fetched config to, use - for stdout
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<PathBuf>,
    #[command(flatten)]
    json: DescriptorArgs,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    target: TargetArgs,
}

/// The config descriptor of the manifest `reference` names.
async fn config_of(
    target: &Target,
    store: &dyn oras_artifact::ReadOnlyTarget,
    manifest: &Descriptor,
) -> Result<Descriptor> {
    let m: Manifest = fetch_manifest(store, manifest)
        .await
        .map_err(|e| target.error(e))?;
    m.as_image().map(|i| i.config.clone()).ok_or_else(|| {
        CliError::new(format!(
            "{:?} is not an image manifest and does not have a config",
            manifest.digest.to_string()
        ))
    })
}

pub(crate) async fn run_config(a: ConfigArgs) -> Result<()> {
    if is_stdout(a.output.as_ref()) && a.json.descriptor {
        return Err(CliError::new(
            "`--output -` cannot be used with `--descriptor` at the same time",
        ));
    }
    FETCH_CONFIG.exactly(&a.args, 1, "the manifest config to fetch")?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let platform = a.platform.parse()?;
    let printer = Printer::new(true);
    let store = target.open_read_cached()?;
    let reference = target.manifest_ref(&FETCH_CONFIG, true)?;
    let manifest =
        super::super::resolve::resolve(&target, store.as_ref(), &reference, platform.as_ref())
            .await?;
    let config = config_of(&target, store.as_ref(), &manifest).await?;
    if !a.json.descriptor || a.output.is_some() {
        let bytes = fetch_blob(store.as_ref(), &config)
            .await
            .map_err(|e| target.error(e))?;
        match a.output.as_ref().filter(|p| p.as_os_str() != "-") {
            Some(path) => super::write_file(path, &bytes)?,
            None => return Ok(printer.raw(&json::output(&bytes, a.json.pretty)?)?),
        }
    }
    if a.json.descriptor {
        a.json.print(&printer, &config)?;
    }
    Ok(())
}

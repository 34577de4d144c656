//! `oras manifest push`: a manifest from a file or stdin, by tag or digest, more tags after
//! a comma.

use std::io::Read;
use std::path::PathBuf;

use oras_artifact::oci::{Descriptor, ManifestRef};

use crate::Common;
use crate::args::Cmd;
use crate::display::Printer;
use crate::display::status::PUSH;
use crate::error::{CliError, Result};
use crate::option::{DescriptorArgs, Target, TargetArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new(
    "oras manifest push",
    "oras manifest push [flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>",
)
.long(crate::help::long::MANIFEST_PUSH)
.spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>[:<tag>[,<tag>][...]|@<digest>] <file>
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// media type of manifest
    #[arg(long, value_name = "string")]
    media_type: Option<String>,
    /// concurrency level
    #[arg(long, default_value_t = 5, value_name = "int")]
    concurrency: usize,
    #[command(flatten)]
    json: DescriptorArgs,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(_common: &Common, a: Args) -> Result<()> {
    CMD.exactly(
        &a.args,
        2,
        "the destination to push to and the file to read manifest content from",
    )?;
    let file = PathBuf::from(&a.args[1]);
    if file.as_os_str() == "-" {
        a.target.remote.stdin_conflict()?;
    }
    let mut refs = a.args[0].split(',');
    let raw = refs.next().unwrap_or_default().to_owned();
    let extra: Vec<String> = refs.map(str::to_owned).collect();
    let target = Target::parse(&a.target, &raw)?;
    let printer = Printer::new(a.verbose.on() && !a.json.descriptor);
    let bytes = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| CliError::new(format!("failed to read -: {e}")))?;
        b
    } else {
        std::fs::read(&file)
            .map_err(|e| CliError::new(format!("failed to read {}: {e}", file.display())))?
    };
    let media_type = match &a.media_type {
        Some(t) => t.clone(),
        None => {
            #[derive(serde::Deserialize)]
            struct Typed {
                #[serde(default, rename = "mediaType")]
                media_type: String,
            }
            let typed: Typed = serde_json::from_slice(&bytes)
                .map_err(|_| CliError::new("not a valid json file"))?;
            if typed.media_type.is_empty() {
                return Err(CliError::new(format!(
                    "media type is not specified via the flag \"--media-type\" nor in {:?}",
                    a.args[1]
                ))
                .usage(CMD.usage)
                .recommend("Please specify a valid media type in the manifest JSON or via the \"--media-type\" flag"));
            }
            typed.media_type
        }
    };
    let manifest = oras_artifact::oci::Manifest::parse(bytes, Some(&media_type))
        .map_err(|e| CliError::new(crate::error::chain(&e)))?;
    let desc = Descriptor::new(media_type, manifest.digest().clone(), manifest.size());
    let store = target.open()?;
    let reference = match target.optional_ref()? {
        Some(r) => r,
        None => ManifestRef::from(desc.digest.clone()),
    };
    let same = match store.resolve(&reference).await {
        Ok(found) => found.digest == desc.digest,
        Err(e) if e.is_not_found() => false,
        Err(e) => return Err(target.error(e)),
    };
    if same {
        printer.status(&desc, PUSH.exists);
    } else {
        printer.status(&desc, PUSH.start);
        oras_artifact::push_manifest(store.as_ref(), &manifest, reference.tag())
            .await
            .map_err(|e| target.error(e))?;
        printer.status(&desc, PUSH.done);
    }
    let tag_all = async {
        for t in &extra {
            store.tag(&desc, t).await.map_err(|e| target.error(e))?;
            if !a.json.descriptor {
                printer.line(&format!("Tagged {t}"));
            }
        }
        Ok::<(), CliError>(())
    };
    if a.json.descriptor {
        tag_all.await?;
        return a.json.print(&printer, &desc);
    }
    printer.line(&format!("Pushed: {}", target.display()));
    tag_all.await?;
    printer.line(&format!("Digest: {}", desc.digest));
    Ok(())
}

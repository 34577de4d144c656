//! `oras blob`: fetch, push and delete single blobs.

use std::path::PathBuf;

use oras_artifact::oci::{Descriptor, Digest};

use crate::Ctx;
use crate::cmd::DeleteArgs;
use crate::error::{CliError, Result};
use crate::output::{confirm, descriptor_json, print_json, write_output};
use crate::remote::{Opened, RemoteArgs, open};

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Fetch a blob
    Fetch {
        /// REGISTRY/REPOSITORY@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: PathBuf,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Push a file as a blob
    Push {
        /// REGISTRY/REPOSITORY
        reference: String,
        /// The file
        file: PathBuf,
        /// Its media type (for the printed descriptor)
        #[arg(long, default_value = "application/octet-stream")]
        media_type: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a blob (REGISTRY/REPOSITORY@DIGEST)
    Delete(DeleteArgs),
}

pub(crate) async fn run(ctx: &Ctx, b: Command) -> Result<()> {
    match b {
        Command::Fetch {
            reference,
            output,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let desc = descriptor(&opened).await?;
            if output.as_os_str() == "-" {
                let bytes = oras_artifact::fetch_blob(opened.target.as_ref(), &desc).await?;
                return write_output(None, &bytes);
            }
            oras_artifact::fetch_to_file(opened.target.as_ref(), &desc, &output).await?;
            if ctx.json {
                print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
            } else {
                println!("Downloaded {}", output.display());
            }
            Ok(())
        }
        Command::Push {
            reference,
            file,
            media_type,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?;
            let desc =
                oras_artifact::push_blob(opened.target.as_ref(), &media_type, bytes.into()).await?;
            if ctx.json {
                print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
            } else {
                println!(
                    "Pushed {} {}",
                    opened.kind,
                    opened.show_digest(&desc.digest)
                );
                println!("Digest: {}", desc.digest);
            }
            Ok(())
        }
        Command::Delete(a) => {
            let opened = open(&a.remote, &a.reference).await?;
            let desc = descriptor(&opened).await?;
            confirm(&format!("the blob {}", desc.digest), a.force)?;
            opened.target.delete(&desc).await?;
            if ctx.json {
                print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
            } else {
                println!(
                    "Deleted {} {}",
                    opened.kind,
                    opened.show_digest(&desc.digest)
                );
            }
            Ok(())
        }
    }
}

/// The blob the reference names by digest, with the size the target has for it.
async fn descriptor(opened: &Opened) -> Result<Descriptor> {
    let r = opened.reference.as_ref().ok_or_else(|| {
        CliError::new(format!(
            "a blob is named by digest: {}@sha256:...",
            opened.name
        ))
    })?;
    let digest = Digest::parse(r.as_str()).map_err(|e| CliError::new(e.to_string()))?;
    let size = opened
        .target
        .blob_size(&digest)
        .await?
        .ok_or_else(|| CliError::new(format!("blob {digest} not found in {}", opened.name)))?;
    Ok(Descriptor::new("application/octet-stream", digest, size))
}

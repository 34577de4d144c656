//! `oras tag`: more names for a manifest.

use serde_json::json;

use crate::Ctx;
use crate::error::{CliError, Result};
use crate::output::{descriptor_json, print_json};
use crate::remote::{RemoteArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// New tags
    #[arg(required = true)]
    tags: Vec<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = opened.required("tag")?;
    let desc = opened.target.resolve(reference).await?;
    for t in &a.tags {
        if !oras_artifact::reference::is_valid_tag(t) {
            return Err(CliError::new(format!("invalid tag {t:?}")));
        }
        opened.target.tag(&desc, t).await?;
        if !ctx.json {
            println!("Tagged {t}");
        }
    }
    if ctx.json {
        let mut v = descriptor_json(&opened.show_digest(&desc.digest), &desc);
        v["referenceAsTags"] = json!(
            a.tags
                .iter()
                .map(|t| opened.show_tag(t))
                .collect::<Vec<_>>()
        );
        print_json(&v);
    }
    Ok(())
}

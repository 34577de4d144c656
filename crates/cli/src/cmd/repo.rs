//! `oras repo`: the repositories of a registry, the tags of a repository.

use serde_json::json;

use crate::Ctx;
use crate::error::Result;
use crate::output::print_json;
use crate::remote::{self, RemoteArgs, open};

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// List the repositories of a registry
    #[command(alias = "list")]
    Ls {
        /// REGISTRY
        registry: String,
        /// Start after this repository
        #[arg(long)]
        last: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// List the tags of a repository
    Tags {
        /// REGISTRY/REPOSITORY (or DIR with --oci-layout)
        reference: String,
        /// Start after this tag
        #[arg(long)]
        last: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

pub(crate) async fn run(ctx: &Ctx, r: Command) -> Result<()> {
    let (mut all, last) = match r {
        Command::Ls {
            registry,
            last,
            remote,
        } => {
            let client = remote::client(&remote, &registry)?;
            let all = client.registry(&registry).catalog(Some(1000)).await?;
            (all, last)
        }
        Command::Tags {
            reference,
            last,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            (opened.target.tags().await?, last)
        }
    };
    all.sort();
    if let Some(l) = last.as_deref() {
        all.retain(|x| x.as_str() > l);
    }
    if ctx.json {
        print_json(&json!(all));
    } else {
        for x in all {
            println!("{x}");
        }
    }
    Ok(())
}

//! `oras resolve`: the digest a reference names.

use crate::Ctx;
use crate::error::Result;
use crate::output::{descriptor_json, print_json};
use crate::remote::{RemoteArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// Print REGISTRY/REPOSITORY@DIGEST
    #[arg(short = 'l', long)]
    full_reference: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = opened.required("resolve")?;
    let desc = opened.target.resolve(reference).await?;
    if ctx.json {
        print_json(&descriptor_json(&opened.show_digest(&desc.digest), &desc));
    } else if a.full_reference {
        println!("{}", opened.show_digest(&desc.digest));
    } else {
        println!("{}", desc.digest);
    }
    Ok(())
}

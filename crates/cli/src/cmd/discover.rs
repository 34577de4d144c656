//! `oras discover`: the artifacts that refer to another, as a tree.

use oras_artifact::ReferrerTree;
use serde_json::Value;

use crate::Ctx;
use crate::error::Result;
use crate::output::{descriptor_json, print_json};
use crate::remote::{Opened, RemoteArgs, open};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// Only referrers of this artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// How many levels of referrers to show
    #[arg(long, default_value_t = 10)]
    depth: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = opened.required("discover")?;
    let tree = oras_artifact::discover(
        opened.target.as_ref(),
        reference,
        a.artifact_type.as_deref(),
        a.depth,
    )
    .await?;
    if ctx.json {
        print_json(&tree_json(&opened, &tree));
    } else {
        println!("{}", opened.show_digest(&tree.descriptor.digest));
        print_tree(&tree, "");
    }
    Ok(())
}

fn tree_json(opened: &Opened, t: &ReferrerTree) -> Value {
    let mut v = descriptor_json(&opened.show_digest(&t.descriptor.digest), &t.descriptor);
    v["manifests"] = Value::Array(t.referrers.iter().map(|r| tree_json(opened, r)).collect());
    v
}

fn print_tree(t: &ReferrerTree, indent: &str) {
    for (i, r) in t.referrers.iter().enumerate() {
        let last = i + 1 == t.referrers.len();
        let (branch, next) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        println!(
            "{indent}{branch}{}",
            r.descriptor
                .artifact_type
                .as_deref()
                .unwrap_or(&r.descriptor.media_type)
        );
        println!("{indent}{next}└── {}", r.descriptor.digest);
        print_tree(r, &format!("{indent}{next}    "));
    }
}

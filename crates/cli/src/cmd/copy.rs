//! `oras copy` (`cp`): an artifact's graph between registries and layouts.

use std::sync::Arc;

use oras_artifact::CopyOptions;
use serde_json::json;

use crate::Ctx;
use crate::cmd::pull::platform;
use crate::error::Result;
use crate::output::{descriptor_json, print_json};
use crate::progress::Bars;
use crate::remote::{FromArgs, ToArgs, open, split_layout, split_tags};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Source: REGISTRY/REPOSITORY:TAG|@DIGEST
    from: String,
    /// Destination: REGISTRY/REPOSITORY[:TAG[,TAG...]]
    to: String,
    /// Also copy the referrers, recursively
    #[arg(short = 'r', long)]
    recursive: bool,
    /// For an index: copy only this platform
    #[arg(long)]
    platform: Option<String>,
    /// Blobs copied at once
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
    /// Add a request header, `name: value` (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    #[command(flatten)]
    from_args: FromArgs,
    #[command(flatten)]
    to_args: ToArgs,
}

pub(crate) async fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let from = open(&a.from_args.remote(&a.headers), &a.from).await?;
    let src_ref = from.required("copy")?;
    let to_remote = a.to_args.remote(&a.headers);
    let (to_base, mut tags) = if to_remote.oci_layout {
        let (dir, tag) = split_layout(&a.to);
        (
            dir,
            tag.map(|t| t.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        )
    } else {
        split_tags(&a.to)
    };
    if tags.is_empty()
        && let Some(t) = src_ref.tag()
    {
        tags.push(t.to_owned());
    }
    let to_reference = if to_remote.oci_layout {
        to_base
    } else {
        match tags.first() {
            Some(t) => format!(
                "{}:{t}",
                to_base
                    .rsplit_once(':')
                    .filter(|(_, x)| !x.contains('/'))
                    .map_or(to_base.as_str(), |(n, _)| n)
            ),
            None => to_base,
        }
    };
    let to = open(&to_remote, &to_reference).await?;
    let mut o = CopyOptions::default();
    o.concurrency = a.concurrency;
    o.platform = platform(a.platform.as_deref())?;
    if a.recursive {
        o.referrers_depth = 10;
    }
    let bars = Arc::new(Bars::new(ctx.tty, ctx.json, "Copied"));
    o.observer = Some(bars.clone());
    let root = oras_artifact::copy(
        from.target.as_ref(),
        src_ref,
        to.target.as_ref(),
        tags.first().map(String::as_str),
        &o,
    )
    .await?;
    for t in tags.iter().skip(1) {
        to.target.tag(&root, t).await?;
    }
    bars.finish();
    if ctx.json {
        let mut v = descriptor_json(&to.show_digest(&root.digest), &root);
        v["referenceAsTags"] = json!(tags.iter().map(|t| to.show_tag(t)).collect::<Vec<_>>());
        print_json(&v);
    } else {
        let dst = tags
            .first()
            .map_or_else(|| to.show_digest(&root.digest), |t| to.show_tag(t));
        println!(
            "Copied {} {} => {} {dst}",
            from.kind,
            from.show(src_ref),
            to.kind
        );
        println!("Digest: {}", root.digest);
    }
    Ok(())
}

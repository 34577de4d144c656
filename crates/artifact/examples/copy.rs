//! Copies an artifact (or image) between a registry and an OCI image layout on disk, in
//! either direction, with everything it refers to.
//!
//! ```text
//! cargo run -p oras-artifact --example copy -- localhost:5000/hello:v1 oci:mirror:v1
//! cargo run -p oras-artifact --example copy -- oci:mirror:v1 localhost:5000/copy:v1
//! ```
//!
//! `oci:DIR:TAG` names a layout directory and a tag in it; anything else is a registry
//! reference.
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use oras_artifact::distribution::Client;
use oras_artifact::reference::Reference;
use oras_artifact::{CopyOptions, OciLayout, Remote, Target, copy};

/// A target and the tag or digest in it that `spec` names.
fn open(
    spec: &str,
    client: &Client,
) -> Result<(Box<dyn Target>, String), Box<dyn std::error::Error>> {
    if let Some(rest) = spec.strip_prefix("oci:") {
        let (dir, tag) = rest.rsplit_once(':').unwrap_or((rest, "latest"));
        return Ok((Box::new(OciLayout::open(dir)?), tag.to_owned()));
    }
    let reference: Reference = spec.parse()?;
    let tag = reference.tag_or_digest().unwrap_or("latest").to_owned();
    Ok((Box::new(Remote::new(client.repository(&reference))), tag))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [from, to] = args.as_slice() else {
        return Err("usage: copy FROM TO (a registry reference, or oci:DIR:TAG)".into());
    };
    let client = Client::standard()?;
    let (src, src_ref) = open(from, &client)?;
    let (dst, dst_tag) = open(to, &client)?;

    let mut options = CopyOptions::default();
    // Signatures, SBOMs and other referrers travel too, one level deep.
    options.referrers_depth = 1;
    let root = copy(
        src.as_ref(),
        &src_ref,
        dst.as_ref(),
        Some(&dst_tag),
        &options,
    )
    .await?;

    println!("copied {} ({}) to {to}", root.digest, root.media_type);
    Ok(())
}

//! Pulls an artifact's files from a registry into a directory, each verified against its
//! digest before it appears there.
//!
//! ```text
//! cargo run -p oras-artifact --example pull -- localhost:5000/hello:v1 out/
//! ```
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use std::path::Path;

use oras_artifact::distribution::Client;
use oras_artifact::reference::Reference;
use oras_artifact::{PullOptions, Remote, pull};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reference, out] = args.as_slice() else {
        return Err("usage: pull REGISTRY/REPOSITORY[:TAG|@DIGEST] DIR".into());
    };
    let reference: Reference = reference.parse()?;
    let target = Remote::new(Client::standard()?.repository(&reference));

    // A tag or digest; `latest` when the reference names neither.
    let tag_or_digest = reference.tag_or_digest().unwrap_or("latest");
    let pulled = pull(
        &target,
        tag_or_digest,
        Path::new(out),
        &PullOptions::default(),
    )
    .await?;

    for file in &pulled.files {
        println!("{} ({} bytes)", file.path.display(), file.descriptor.size);
    }
    println!("digest: {}", pulled.manifest.digest);
    Ok(())
}

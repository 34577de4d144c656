//! Pushes files into an OCI image layout directory and pulls them back, verified. No
//! registry needed.
//!
//! ```text
//! cargo run -p oras-artifact --example layout -- DIR FILE...
//! ```
//!
//! `DIR/layout` becomes an OCI image layout holding the files as one artifact tagged
//! `latest` (`skopeo inspect --raw oci:DIR/layout:latest` reads it); the files come back in
//! `DIR/pulled`. Swap `OciLayout` for `Remote` to do the same with a registry.
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use std::path::Path;

use oras_artifact::{FileSpec, OciLayout, PullOptions, PushOptions, pull, push};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, files @ ..] = args.as_slice() else {
        return Err("usage: layout DIR FILE...".into());
    };
    if files.is_empty() {
        return Err("usage: layout DIR FILE... (give at least one file)".into());
    }
    let layout = OciLayout::open(Path::new(dir).join("layout"))?;
    let specs: Vec<FileSpec> = files
        .iter()
        .map(|f| {
            let name = Path::new(f)
                .file_name()
                .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
            FileSpec::named(f, name)
        })
        .collect();
    let mut options = PushOptions::default();
    options.artifact_type = Some("application/vnd.oras-rs.example".into());
    options.tags = vec!["latest".into()];
    let pushed = push(&layout, &specs, &options).await?;
    println!(
        "pushed {} to {}:latest",
        pushed.manifest.digest,
        layout.root().display()
    );
    let pulled = pull(
        &layout,
        "latest",
        &Path::new(dir).join("pulled"),
        &PullOptions::default(),
    )
    .await?;
    for f in pulled.files {
        println!(
            "pulled {} ({} bytes, {}) and verified it",
            f.path.display(),
            f.descriptor.size,
            f.descriptor.digest
        );
    }
    Ok(())
}

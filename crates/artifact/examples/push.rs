//! Pushes files to a registry as one artifact.
//!
//! ```text
//! cargo run -p oras-artifact --example push -- localhost:5000/hello:v1 notes.txt data.bin
//! ```
//!
//! Credentials come from `~/.docker/config.json` and its helpers (`oras login` or `docker
//! login` writes them); `localhost` and `127.0.0.1` are spoken to over plain HTTP.
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use oras_artifact::distribution::Client;
use oras_artifact::reference::Reference;
use oras_artifact::{FileSpec, PushOptions, Remote, push};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [reference, files @ ..] = args.as_slice() else {
        return Err("usage: push REGISTRY/REPOSITORY:TAG FILE...".into());
    };
    let reference: Reference = reference.parse()?;
    let target = Remote::new(Client::standard()?.repository(&reference));

    let mut options = PushOptions::default();
    options.artifact_type = Some("application/vnd.example.files".into());
    options.tags = reference.tag().map(str::to_owned).into_iter().collect();
    // Each file is a layer titled with its path as given (`oras push` does the same).
    let specs: Vec<FileSpec> = files.iter().map(FileSpec::new).collect();
    let pushed = push(&target, &specs, &options).await?;

    println!("pushed {reference}");
    println!("digest: {}", pushed.manifest.digest);
    Ok(())
}

//! The benchmark's oci-client peer: push, pull and copy as a user of that crate writes
//! them, with its own API (whole layers in memory, as `Client::push` and `Client::pull`
//! take and give them). Built by `cargo xtask bench` outside the workspace.

use std::collections::BTreeMap;
use std::path::Path;

use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

const LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
const TITLE: &str = "org.opencontainers.image.title";

type Error = Box<dyn std::error::Error + Send + Sync>;

fn client() -> Client {
    Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..Default::default()
    })
}

async fn push(reference: &str, files: &[String]) -> Result<(), Error> {
    let reference: Reference = reference.parse()?;
    let mut layers = Vec::new();
    for f in files {
        let name = Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = std::fs::read(f)?;
        layers.push(ImageLayer::new(
            data,
            LAYER.to_owned(),
            Some(BTreeMap::from([(TITLE.to_owned(), name)])),
        ));
    }
    let config = Config::new(
        b"{}".to_vec(),
        "application/vnd.oci.empty.v1+json".to_owned(),
        None,
    );
    client()
        .push(&reference, &layers, config, &RegistryAuth::Anonymous, None)
        .await?;
    Ok(())
}

async fn pull(reference: &str, out: &Path) -> Result<(), Error> {
    let reference: Reference = reference.parse()?;
    let image = client()
        .pull(&reference, &RegistryAuth::Anonymous, vec![LAYER])
        .await?;
    std::fs::create_dir_all(out)?;
    for layer in image.layers {
        let name = layer
            .annotations
            .as_ref()
            .and_then(|a| a.get(TITLE))
            .ok_or("a layer without a title")?;
        std::fs::write(out.join(name), &layer.data)?;
    }
    Ok(())
}

/// What oci-client offers for a copy: pull the image, push it to the other place.
async fn copy(from: &str, to: &str) -> Result<(), Error> {
    let (from, to): (Reference, Reference) = (from.parse()?, to.parse()?);
    let c = client();
    let image = c.pull(&from, &RegistryAuth::Anonymous, vec![LAYER]).await?;
    let config = Config::new(image.config.data, image.config.media_type, None);
    c.push(&to, &image.layers, config, &RegistryAuth::Anonymous, None)
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [op, reference, files @ ..] if op == "push" => push(reference, files).await,
        [op, reference, out] if op == "pull" => pull(reference, Path::new(out)).await,
        [op, from, to] if op == "copy" => copy(from, to).await,
        _ => Err("usage: push REF FILE... | pull REF DIR | copy FROM TO".into()),
    }
}

//! One suite of scenarios, run over every kind of target: memory, an OCI layout, a layout
//! packed as `.tar` (the reading scenarios), a registry repository over the in-memory
//! fake (no HTTP stack), over the fake served on loopback HTTP, and on a real registry.
//! Each target must give the same answers.

use std::path::Path;

use oras_artifact::distribution::{Client, ClientConfig, PlainHttp};
use oras_artifact::oci::{Descriptor, ManifestRef, annotations, media_type};
use oras_artifact::prelude::*;
use oras_artifact::{
    CopyOptions, FileSpec, MemoryStore, OciLayout, OciLayoutTar, PullOptions, PushOptions, Remote,
    attach, copy, discover, fetch_to_file, pull, push,
};
use oras_tests::fake::FakeAuth;
use oras_tests::memory::MemoryTransport;

use crate::{TempDir, plain, sample, tree};

/// What the writing scenarios stored, for the reading ones to find.
struct Stored {
    manifest: Descriptor,
    layers: Vec<Descriptor>,
    signature: Descriptor,
}

fn reference(text: &str) -> ManifestRef {
    text.parse().unwrap()
}

/// Push a file, a second file and a directory tagged `v1` and `stable`; attach a signature
/// to it; every part of it is then there.
async fn write(target: &dyn Target, work: &TempDir) -> Stored {
    let root = sample(work);
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.oras-rs.scenario".into());
    o.tags = vec!["v1".into(), "stable".into()];
    let files = [
        FileSpec::named(root.join("a.txt"), "a.txt"),
        FileSpec::named(root.join("b.bin"), "b.bin"),
        FileSpec::named(root.join("dir"), "dir"),
    ];
    let pushed = push(target, &files, &o).await.unwrap();
    for d in pushed.layers.iter().chain([&pushed.manifest]) {
        assert!(
            target.exists(d).await.unwrap(),
            "{d:?} is there after the push"
        );
    }
    let signature = std::fs::write(work.join("sig"), "signed").map(|()| work.join("sig"));
    let signed = attach(
        target,
        "v1",
        &[FileSpec::named(signature.unwrap(), "sig")],
        "application/vnd.oras-rs.signature",
        &PushOptions::default(),
    )
    .await
    .unwrap();
    Stored {
        manifest: pushed.manifest,
        layers: pushed.layers,
        signature: signed.manifest,
    }
}

/// Resolve, list tags, pull (and compare every byte), fetch a blob to a file, discover the
/// signature, copy to memory and find the same digests, and get not-found for what is not
/// there.
async fn read(target: &dyn ReadOnlyTarget, stored: &Stored, work: &TempDir) {
    for tag in ["v1", "stable"] {
        let resolved = target.resolve(&reference(tag)).await.unwrap();
        assert_eq!(plain(&resolved), plain(&stored.manifest), "{tag}");
        // A layout gives its index entry, named; the other targets what was pushed.
        if let Some(name) = resolved.annotation(annotations::REF_NAME) {
            assert_eq!(name, tag);
        } else {
            assert_eq!(resolved, stored.manifest, "{tag}");
        }
    }
    let by_digest = target
        .resolve(&ManifestRef::from(&stored.manifest.digest))
        .await
        .unwrap();
    assert_eq!(by_digest.digest, stored.manifest.digest);
    let tags = target.tags().await.unwrap();
    assert!(
        tags.contains(&"v1".to_owned()) && tags.contains(&"stable".to_owned()),
        "{tags:?}"
    );

    let out = work.join("pulled");
    let pulled = pull(target, "stable", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(plain(&pulled.manifest), plain(&stored.manifest));
    let root = work.join("files");
    for name in ["a.txt", "b.bin", "dir/x", "dir/sub/y"] {
        assert_eq!(
            std::fs::read(out.join(name)).unwrap(),
            std::fs::read(root.join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(
        tree(&out),
        ["a.txt", "b.bin", "dir", "dir/sub", "dir/sub/y", "dir/x"],
        "only the artifact's files"
    );

    let blob = &stored.layers[1];
    assert_eq!(
        target.blob_size(&blob.digest).await.unwrap(),
        Some(blob.size)
    );
    let file = work.join("blob");
    fetch_to_file(target, blob, &file).await.unwrap();
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(root.join("b.bin")).unwrap()
    );

    let tree = discover(target, "v1", None, 2).await.unwrap();
    let referrers: Vec<_> = tree.referrers.iter().map(|r| &r.descriptor).collect();
    assert_eq!(referrers.len(), 1, "{referrers:?}");
    assert_eq!(referrers[0].digest, stored.signature.digest);
    assert_eq!(
        referrers[0].artifact_type.as_deref(),
        Some("application/vnd.oras-rs.signature")
    );

    let mirror = MemoryStore::new();
    let mut o = CopyOptions::default();
    o.referrers_depth = 1;
    let root_desc = copy(target, "v1", &mirror, Some("copied"), &o)
        .await
        .unwrap();
    assert_eq!(plain(&root_desc), stored.manifest);
    assert_eq!(
        mirror.resolve(&reference("copied")).await.unwrap(),
        stored.manifest,
        "tagged without the source's name for it"
    );
    assert!(
        mirror.exists(&stored.signature).await.unwrap(),
        "the referrer came along"
    );
    for l in &stored.layers {
        assert!(mirror.exists(l).await.unwrap(), "{l:?}");
    }

    let missing = target.resolve(&reference("no-such-tag")).await.unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let absent = Descriptor::of(media_type::OCI_LAYER, b"never pushed");
    assert!(!target.exists(&absent).await.unwrap());
    assert_eq!(target.blob_size(&absent.digest).await.unwrap(), None);
    let err = pull(
        target,
        "no-such-tag",
        &work.join("nothing"),
        &PullOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        !work.join("nothing").exists(),
        "a failed pull leaves nothing"
    );
}

/// Both halves on one target.
pub(crate) async fn scenarios(target: &dyn Target) {
    let work = TempDir::new();
    let stored = write(target, &work).await;
    read(target, &stored, &work).await;
}

#[tokio::test]
async fn on_memory() {
    scenarios(&MemoryStore::new()).await;
}

#[tokio::test]
async fn on_a_layout() {
    let work = TempDir::new();
    scenarios(&OciLayout::open(work.join("layout")).unwrap()).await;
}

#[tokio::test]
async fn on_a_layout_packed_as_tar() {
    let work = TempDir::new();
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let stored = write(&layout, &work).await;
    let tar = work.join("layout.tar");
    pack(layout.root(), &tar);
    read(&OciLayoutTar::open(&tar).unwrap(), &stored, &work).await;
}

/// A registry repository reached through the in-memory transport: no network, no HTTP
/// stack (this one runs without default features too).
#[tokio::test]
async fn on_a_registry_in_memory() {
    let transport = MemoryTransport::new(FakeAuth::None);
    let mut config = ClientConfig::default();
    config.plain_http = PlainHttp::All;
    let client = Client::new(
        transport,
        oras_artifact::auth::Authenticator::new(oras_artifact::auth::StaticCredentials::new()),
        config,
    );
    let repo = client.repository(&"registry.test/scenarios".parse().unwrap());
    scenarios(&Remote::new(repo)).await;
}

#[cfg(feature = "hyper")]
#[tokio::test]
async fn on_a_fake_registry_over_http() {
    let server =
        oras_tests::server::FakeServer::start(oras_tests::fake::FakeRegistry::new(FakeAuth::None));
    let client = Client::new(
        oras_artifact::distribution::HyperTransport::new().unwrap(),
        oras_artifact::auth::Authenticator::new(oras_artifact::auth::StaticCredentials::new()),
        ClientConfig::default(),
    );
    let repo = client.repository(&format!("{}/scenarios", server.host()).parse().unwrap());
    scenarios(&Remote::new(repo)).await;
}

#[cfg(feature = "hyper")]
#[tokio::test]
async fn on_a_real_registry() {
    let r = &oras_tests::registries().basic;
    scenarios(&crate::remote::remote(r, "scenarios")).await;
}

fn pack(dir: &Path, tar: &Path) {
    let status = std::process::Command::new("tar")
        .arg("-cf")
        .arg(tar)
        .arg("-C")
        .arg(dir)
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
}

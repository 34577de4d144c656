//! Against real registries: round trips, copies in every direction, platforms, referrers,
//! concurrent pushes, and skopeo reading what was pushed.

use std::process::Command;
use std::sync::{Arc, Mutex};

use oras_artifact::auth::{Authenticator, Credential, StaticCredentials};
use oras_artifact::distribution::{Client, ClientConfig, HyperOptions, HyperTransport, PlainHttp};
use oras_artifact::oci::{Descriptor, ImageIndex, Platform, media_type};
use oras_artifact::prelude::*;
use oras_artifact::progress::Event;
use oras_artifact::{
    CopyOptions, Error, FileSpec, OciLayout, PullOptions, PushOptions, Remote, attach, copy,
    discover, pull, push,
};
use oras_tests::{Registry, registries};

use crate::{TempDir, plain, sample};

/// A repository name unique to this run: the registries outlive a test run.
fn unique(name: &str) -> String {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis()
        )
    });
    format!("{name}-{run}")
}

/// A repository of a real registry, unique to this run.
pub(crate) fn remote(r: &Registry, repo: &str) -> Remote {
    let repo = unique(repo);
    let mut options = HyperOptions::default();
    options.ca_files = r.ca_file.iter().cloned().collect();
    let mut config = ClientConfig::default();
    config.plain_http = if r.scheme == "https" {
        PlainHttp::Never
    } else {
        PlainHttp::Localhost
    };
    let creds = match (&r.username, &r.password) {
        (Some(u), Some(p)) => {
            StaticCredentials::new().with_any_host(Credential::basic(u.clone(), p.clone()))
        }
        _ => StaticCredentials::new(),
    };
    let client = Client::new(
        HyperTransport::with_options(options).unwrap(),
        Authenticator::new(creds),
        config,
    );
    Remote::new(client.repository(&format!("{}/{repo}", r.host()).parse().unwrap()))
}

fn opts(tags: &[&str]) -> PushOptions {
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.oras-rs.test".into());
    o.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    o
}

fn files(root: &std::path::Path) -> Vec<FileSpec> {
    vec![
        FileSpec::named(root.join("a.txt"), "a.txt"),
        FileSpec::named(root.join("b.bin"), "b.bin"),
        FileSpec::named(root.join("dir"), "dir"),
    ]
}

async fn round_trip(r: &Registry) {
    let work = TempDir::new();
    let root = sample(&work);
    let target = remote(r, &format!("artifact/{}", r.name));
    let pushed = push(&target, &files(&root), &opts(&["v1", "v1.0"]))
        .await
        .unwrap();
    let out = work.join("out");
    let pulled = pull(&target, "v1.0", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(pulled.manifest, pushed.manifest);
    assert_eq!(pulled.files.len(), 3);
    assert_eq!(
        std::fs::read(out.join("b.bin")).unwrap(),
        std::fs::read(root.join("b.bin")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("dir/sub/y")).unwrap(),
        "y content"
    );
    // A second push uploads nothing: every blob is there already.
    let skipped = Arc::new(Mutex::new(0));
    let count = skipped.clone();
    let mut again = opts(&["v2"]);
    again.observer = Some(Arc::new(move |e: Event<'_>| {
        if matches!(e, Event::Skipped(_)) {
            *count.lock().unwrap() += 1;
        }
    }));
    push(&target, &files(&root), &again).await.unwrap();
    assert_eq!(*skipped.lock().unwrap(), 3);
}

#[tokio::test]
async fn round_trip_anonymous() {
    round_trip(&registries().anonymous).await;
}

#[tokio::test]
async fn round_trip_basic_auth() {
    round_trip(&registries().basic).await;
}

#[tokio::test]
async fn round_trip_tls() {
    round_trip(&registries().tls).await;
}

#[tokio::test]
async fn copies_in_every_direction() {
    let regs = registries();
    let work = TempDir::new();
    let root = sample(&work);
    let src = remote(&regs.anonymous, "copy/source");
    let pushed = push(&src, &files(&root), &opts(&["v1"])).await.unwrap();

    // Registry to layout, layout to registry.
    let layout = OciLayout::open(work.join("layout")).unwrap();
    copy(&src, "v1", &layout, Some("v1"), &CopyOptions::default())
        .await
        .unwrap();
    let other = remote(&regs.basic, "copy/from-layout");
    copy(&layout, "v1", &other, Some("v1"), &CopyOptions::default())
        .await
        .unwrap();
    assert_eq!(
        other.resolve(&"v1".parse().unwrap()).await.unwrap(),
        pushed.manifest
    );

    // Same registry, two repositories: blobs are mounted, not moved.
    let mounted = Arc::new(Mutex::new(0));
    let count = mounted.clone();
    let mut o = CopyOptions::default();
    o.observer = Some(Arc::new(move |e: Event<'_>| {
        if matches!(e, Event::Mounted(_)) {
            *count.lock().unwrap() += 1;
        }
    }));
    let same = remote(&regs.anonymous, "copy/mounted");
    copy(&src, "v1", &same, Some("v1"), &o).await.unwrap();
    assert_eq!(
        *mounted.lock().unwrap(),
        4,
        "three layers and the empty config mounted"
    );

    // Between registries (anonymous to TLS), then pull what arrived.
    let across = remote(&regs.tls, "copy/across");
    copy(&src, "v1", &across, Some("v1"), &CopyOptions::default())
        .await
        .unwrap();
    let out = work.join("out");
    pull(&across, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "alpha");
}

#[tokio::test]
async fn indexes_select_a_platform() {
    let r = &registries().anonymous;
    let work = TempDir::new();
    let target = remote(r, "platforms/app");
    let mut entries = Vec::new();
    for (arch, text) in [("amd64", "for amd64"), ("arm64", "for arm64")] {
        let f = work.join(arch);
        std::fs::write(&f, text).unwrap();
        let pushed = push(&target, &[FileSpec::named(&f, "app.txt")], &opts(&[]))
            .await
            .unwrap();
        let mut d = pushed.manifest;
        d.platform = Some(Platform::new("linux", arch));
        entries.push(d);
    }
    let index = oras_artifact::oci::Manifest::from_index(ImageIndex::new(entries));
    let desc = index.descriptor();
    target
        .push(
            &desc,
            oras_artifact::distribution::Body::from_stream(
                Box::pin(Once(Some(index.bytes().clone()))),
                None,
            ),
        )
        .await
        .unwrap();
    target.tag(&desc, "multi").await.unwrap();

    let mut o = PullOptions::default();
    o.platform = Some("linux/aarch64".parse().unwrap());
    let out = work.join("out");
    pull(&target, "multi", &out, &o).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("app.txt")).unwrap(),
        "for arm64"
    );

    let err = pull(
        &target,
        "multi",
        &work.join("none"),
        &PullOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Platform { .. }));
    assert!(
        oras_tests::report(&err).contains("it has: linux/amd64, linux/arm64"),
        "{err}"
    );
    assert!(!work.join("none").join("app.txt").exists());

    // Copy only one platform.
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let mut c = CopyOptions::default();
    c.platform = Some("linux/amd64".parse().unwrap());
    let copied = copy(&target, "multi", &layout, Some("amd"), &c)
        .await
        .unwrap();
    assert_eq!(copied.media_type, media_type::OCI_MANIFEST);
    assert_eq!(layout.index().unwrap().manifests.len(), 1);
}

struct Once(Option<bytes::Bytes>);

impl futures_core::Stream for Once {
    type Item = Result<bytes::Bytes, oras_artifact::distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Ok))
    }
}

/// A multi-platform index whose linux/amd64 manifest has an SBOM and the index itself a
/// signature: a copy with referrers brings both, to another registry and to a layout.
#[tokio::test]
async fn copies_with_referrers_bring_those_of_each_platform() {
    let r = &registries().anonymous;
    let work = TempDir::new();
    let target = remote(r, "multiarch/app");
    let mut entries = Vec::new();
    for arch in ["amd64", "arm64"] {
        let f = work.join(arch);
        std::fs::write(&f, format!("for {arch}")).unwrap();
        let mut d = push(&target, &[FileSpec::named(&f, "app.txt")], &opts(&[]))
            .await
            .unwrap()
            .manifest;
        d.platform = Some(Platform::new("linux", arch));
        entries.push(d);
    }
    let index = oras_artifact::oci::Manifest::from_index(ImageIndex::new(entries.clone()));
    oras_artifact::push_manifest(&target, &index, Some("multi"))
        .await
        .unwrap();
    std::fs::write(work.join("sbom.json"), "{}").unwrap();
    std::fs::write(work.join("sig"), "signed").unwrap();
    let sbom = attach(
        &target,
        &entries[0].digest,
        &[FileSpec::named(work.join("sbom.json"), "sbom.json")],
        "application/vnd.example.sbom",
        &PushOptions::default(),
    )
    .await
    .unwrap();
    let sig = attach(
        &target,
        "multi",
        &[FileSpec::named(work.join("sig"), "sig")],
        "application/vnd.example.sig",
        &PushOptions::default(),
    )
    .await
    .unwrap();

    let mut c = CopyOptions::default();
    c.referrers_depth = 1;
    let other = remote(r, "multiarch/mirror");
    let layout = OciLayout::open(work.join("layout")).unwrap();
    for dst in [&other as &dyn Target, &layout] {
        copy(&target, "multi", dst, Some("multi"), &c)
            .await
            .unwrap();
        let amd = discover(dst, &entries[0].digest, None, 1).await.unwrap();
        assert_eq!(
            amd.referrers
                .iter()
                .map(|t| &t.descriptor.digest)
                .collect::<Vec<_>>(),
            [&sbom.manifest.digest],
            "{dst:?}: the platform manifest's SBOM came along"
        );
        let top = discover(dst, "multi", None, 1).await.unwrap();
        assert_eq!(top.referrers[0].descriptor.digest, sig.manifest.digest);
        assert!(dst.exists(&sbom.layers[0]).await.unwrap(), "{dst:?}");
    }
}

/// A registry in distribution's stock configuration refuses DELETE: copying referrers to
/// it with the library's defaults (superseded indexes deleted) succeeds, the refusals
/// being warnings.
#[tokio::test]
async fn copies_with_referrers_to_a_registry_that_refuses_delete() {
    let work = TempDir::new();
    let root = sample(&work);
    let source = remote(&registries().anonymous, "stockcopy/app");
    push(&source, &files(&root), &opts(&["v1"])).await.unwrap();
    for (i, t) in ["application/vnd.a", "application/vnd.b"]
        .iter()
        .enumerate()
    {
        std::fs::write(work.join(&format!("r{i}")), t).unwrap();
        attach(
            &source,
            "v1",
            &[FileSpec::named(work.join(&format!("r{i}")), "r")],
            t,
            &PushOptions::default(),
        )
        .await
        .unwrap();
    }
    let stock = remote(&registries().stock, "stockcopy/mirror");
    let mut c = CopyOptions::default();
    c.referrers_depth = 1;
    copy(&source, "v1", &stock, Some("v1"), &c).await.unwrap();
    let copied = discover(&stock, "v1", None, 1).await.unwrap();
    assert_eq!(copied.referrers.len(), 2);
}

/// A Windows-style image: a foreign layer whose blob lives at its `urls`, not in any
/// registry or layout. Copies leave that blob alone (and keep the manifest's digest)
/// between a layout and a registry in both directions; a pull does not fetch it.
#[tokio::test]
async fn foreign_layers_are_not_copied_or_pulled() {
    let r = &registries().anonymous;
    let work = TempDir::new();
    let source = OciLayout::open(work.join("windows")).unwrap();
    let config_bytes =
        br#"{"architecture":"amd64","os":"windows","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config =
        oras_artifact::push_blob(&source, media_type::DOCKER_CONFIG, config_bytes[..].into())
            .await
            .unwrap();
    let app = oras_artifact::push_blob(&source, media_type::DOCKER_LAYER_GZIP, "the app".into())
        .await
        .unwrap();
    let mut foreign = Descriptor::of(media_type::DOCKER_FOREIGN_LAYER, b"a base layer elsewhere");
    foreign.urls = Some(vec![
        "https://mcr.microsoft.com/v2/windows/servercore/blobs/x".into(),
    ]);
    foreign.set_annotation(oras_artifact::oci::annotations::TITLE, "base.tar.gz");
    let mut image =
        oras_artifact::oci::ImageManifest::new(config, vec![foreign.clone(), app.clone()]);
    image.media_type = Some(media_type::DOCKER_MANIFEST.to_owned());
    let manifest = oras_artifact::oci::Manifest::from_image(image);
    oras_artifact::push_manifest(&source, &manifest, Some("ltsc"))
        .await
        .unwrap();

    let registry = remote(r, "foreign/windows");
    let copied = copy(
        &source,
        "ltsc",
        &registry,
        Some("ltsc"),
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        copied.digest,
        *manifest.digest(),
        "the manifest is copied as it is"
    );
    assert!(registry.exists(&app).await.unwrap());
    assert!(
        !registry.exists(&foreign).await.unwrap(),
        "the foreign blob stays where it is"
    );

    let back = OciLayout::open(work.join("back")).unwrap();
    copy(
        &registry,
        "ltsc",
        &back,
        Some("ltsc"),
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        back.resolve(&"ltsc".parse().unwrap()).await.unwrap().digest,
        copied.digest
    );
    assert!(!back.exists(&foreign).await.unwrap());

    let pulled = pull(
        &registry,
        "ltsc",
        &work.join("out"),
        &PullOptions::default(),
    )
    .await
    .unwrap();
    assert!(
        pulled.files.is_empty(),
        "the titled foreign layer is not fetched"
    );
    assert!(!work.join("out/base.tar.gz").exists());
}

#[tokio::test]
async fn attach_discover_and_copy_referrers() {
    let r = &registries().anonymous;
    let work = TempDir::new();
    let root = sample(&work);
    let target = remote(r, "referrers/app");
    push(&target, &files(&root), &opts(&["v1"])).await.unwrap();
    std::fs::write(work.join("sbom.json"), "{}").unwrap();
    std::fs::write(work.join("sig"), "signature").unwrap();
    let sbom = attach(
        &target,
        "v1",
        &[FileSpec::named(work.join("sbom.json"), "sbom.json")],
        "application/vnd.example.sbom",
        &PushOptions::default(),
    )
    .await
    .unwrap();
    let sig = attach(
        &target,
        sbom.manifest.digest.as_str(),
        &[FileSpec::named(work.join("sig"), "sig")],
        "application/vnd.example.sig",
        &PushOptions::default(),
    )
    .await
    .unwrap();

    let tree = discover(&target, "v1", None, 2).await.unwrap();
    assert_eq!(tree.referrers.len(), 1);
    assert_eq!(tree.referrers[0].descriptor.digest, sbom.manifest.digest);
    assert_eq!(
        tree.referrers[0].descriptor.artifact_type.as_deref(),
        Some("application/vnd.example.sbom")
    );
    assert_eq!(
        tree.referrers[0].referrers[0].descriptor.digest,
        sig.manifest.digest
    );
    let only_sigs = discover(&target, "v1", Some("application/vnd.example.sig"), 1)
        .await
        .unwrap();
    assert!(only_sigs.referrers.is_empty());

    // The referrers travel with a copy when asked, two levels deep.
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let mut c = CopyOptions::default();
    c.referrers_depth = 2;
    copy(&target, "v1", &layout, Some("v1"), &c).await.unwrap();
    let mut copied = discover(&layout, "v1", None, 2).await.unwrap();
    // The layout names the root it resolved by tag (its index entry).
    assert_eq!(
        copied
            .descriptor
            .annotation(oras_artifact::oci::annotations::REF_NAME),
        Some("v1")
    );
    copied.descriptor = plain(&copied.descriptor);
    assert_eq!(copied, tree);

    // Pull with the subject: the subject's files come too.
    let out = work.join("out");
    let mut p = PullOptions::default();
    p.include_subject = true;
    pull(&target, sbom.manifest.digest.as_str(), &out, &p)
        .await
        .unwrap();
    assert!(out.join("sbom.json").exists() && out.join("a.txt").exists());
}

#[tokio::test]
async fn concurrent_pushes_to_one_repository() {
    let r = &registries().basic;
    let work = TempDir::new();
    let target = remote(r, "concurrent/app");
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let f = work.join(&format!("f{i}"));
            std::fs::write(&f, format!("content {i}")).unwrap();
            let target = target.clone();
            tokio::spawn(async move {
                push(
                    &target,
                    &[FileSpec::named(f, "f.txt")],
                    &opts(&[&format!("t{i}")]),
                )
                .await
                .map(|p| p.manifest)
            })
        })
        .collect();
    let mut manifests = Vec::new();
    for t in tasks {
        manifests.push(t.await.unwrap().unwrap());
    }
    for (i, m) in manifests.iter().enumerate() {
        assert_eq!(
            &target
                .resolve(&format!("t{i}").parse().unwrap())
                .await
                .unwrap(),
            m
        );
    }
}

#[tokio::test]
async fn skopeo_copies_what_was_pushed_here() {
    let r = &registries().anonymous;
    let work = TempDir::new();
    let root = sample(&work);
    let target = remote(r, "interop/skopeo");
    let pushed = push(&target, &files(&root), &opts(&["v1"])).await.unwrap();
    let dest = work.join("skopeo-layout");
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            &format!("docker://{}/{}:v1", r.host(), target.repository().name()),
            &format!("oci:{}:v1", dest.display()),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // What skopeo wrote is a layout this crate reads, with the same manifest.
    let layout = OciLayout::open(&dest).unwrap();
    let got: Descriptor = layout.resolve(&"v1".parse().unwrap()).await.unwrap();
    assert_eq!(got.digest, pushed.manifest.digest);
    let pulled = work.join("pulled");
    pull(&layout, "v1", &pulled, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(pulled.join("dir/x")).unwrap(),
        "x content"
    );
}

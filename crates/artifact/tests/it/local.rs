//! OCI layouts and memory: round trips, the layout's rules, interoperability with skopeo.

use std::process::Command;
use std::sync::{Arc, Mutex};

use oras_artifact::distribution::{BoxFuture, ByteStream};
use oras_artifact::oci::{Descriptor, ManifestRef, annotations, media_type};
use oras_artifact::prelude::*;
use oras_artifact::progress::Event;
use oras_artifact::{
    CopyOptions, FileSpec, MemoryStore, OciLayout, OciLayoutTar, PullOptions, PushOptions, copy,
    fetch_manifest, pull, push,
};

use crate::{TempDir, plain, sample, tree};

fn opts(tags: &[&str]) -> PushOptions {
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.oras-rs.test".into());
    o.tags = tags.iter().map(|t| (*t).to_owned()).collect();
    o
}

/// Pushes the sample's `a.txt`, `b.bin` (with a media type) and `dir`, titled by name.
async fn push_sample(
    target: &dyn Target,
    root: &std::path::Path,
    o: &PushOptions,
) -> oras_artifact::Pushed {
    let files = [
        FileSpec::named(root.join("a.txt"), "a.txt"),
        FileSpec::named(root.join("b.bin"), "b.bin").with_media_type("application/x-bin"),
        FileSpec::named(root.join("dir"), "dir"),
    ];
    push(target, &files, o).await.unwrap()
}

#[tokio::test]
async fn layout_round_trip_with_files_directory_config_and_annotations() {
    let work = TempDir::new();
    let root = sample(&work);
    std::fs::write(work.join("config.json"), r#"{"setting":true}"#).unwrap();
    std::fs::write(
        work.join("annotations.json"),
        r#"{"$manifest":{"m":"1"},"$config":{"c":"2"},"a.txt":{"f":"3"}}"#,
    )
    .unwrap();
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let mut o = opts(&["v1", "latest"]);
    o.config = Some(FileSpec::parse(&format!(
        "{}:application/vnd.oras-rs.config+json",
        work.join("config.json").display()
    )));
    o.read_annotation_file(&work.join("annotations.json"))
        .unwrap();
    let pushed = push_sample(&layout, &root, &o).await;
    assert_eq!(pushed.layers.len(), 3);

    let m = fetch_manifest(&layout, &pushed.manifest).await.unwrap();
    let image = m.as_image().unwrap();
    assert_eq!(
        image.config.media_type,
        "application/vnd.oras-rs.config+json"
    );
    assert_eq!(image.config.annotation("c"), Some("2"));
    assert_eq!(m.annotations().unwrap()["m"], "1");
    assert!(m.annotations().unwrap().contains_key(annotations::CREATED));
    let titles: Vec<_> = image.layers.iter().map(|l| l.title().unwrap()).collect();
    assert_eq!(titles, ["a.txt", "b.bin", "dir"]);
    assert_eq!(image.layers[0].annotation("f"), Some("3"));
    assert_eq!(image.layers[0].media_type, media_type::ORAS_DEFAULT_FILE);
    assert_eq!(image.layers[1].media_type, "application/x-bin");
    assert_eq!(image.layers[2].media_type, media_type::OCI_LAYER_GZIP);
    assert_eq!(
        image.layers[2].annotation(annotations::ORAS_CONTENT_UNPACK),
        Some("true")
    );

    let out = work.join("out");
    let pulled = pull(&layout, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(plain(&pulled.manifest), pushed.manifest);
    assert_eq!(std::fs::read(out.join("a.txt")).unwrap(), b"alpha");
    assert_eq!(
        std::fs::read(out.join("b.bin")).unwrap(),
        std::fs::read(root.join("b.bin")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(out.join("dir/sub/y")).unwrap(),
        "y content"
    );
    assert_eq!(
        tree(&out),
        ["a.txt", "b.bin", "dir", "dir/sub", "dir/sub/y", "dir/x"],
        "no staging left"
    );

    // Directory archives are reproducible: the same tree gives the same layer digest.
    let again = push_sample(&OciLayout::open(work.join("layout2")).unwrap(), &root, &o).await;
    assert_eq!(again.layers[2].digest, pushed.layers[2].digest);

    // The layout lists each manifest once per tag; skopeo reads it.
    let index = layout.index().unwrap();
    let names: Vec<_> = index
        .manifests
        .iter()
        .filter_map(|d| d.annotation(annotations::REF_NAME))
        .collect();
    assert_eq!(names, ["v1", "latest"]);
    let raw = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            &format!("oci:{}:v1", layout.root().display()),
        ])
        .output()
        .unwrap();
    assert!(
        raw.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&raw.stderr)
    );
    assert_eq!(
        raw.stdout,
        m.bytes().as_ref(),
        "skopeo reads the exact manifest bytes"
    );
}

#[tokio::test]
async fn pull_rules_keep_old_files_filter_and_include_config() {
    let work = TempDir::new();
    let root = sample(&work);
    let layout = OciLayout::open(work.join("layout")).unwrap();
    push_sample(&layout, &root, &opts(&["v1"])).await;
    let out = work.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("a.txt"), "old").unwrap();

    let mut keep = PullOptions::default();
    keep.keep_old_files = true;
    let err = pull(&layout, "v1", &out, &keep).await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("a.txt exists and old files are kept"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "old");
    assert_eq!(tree(&out), ["a.txt"]);

    let mut only = PullOptions::default();
    only.media_types = vec!["application/x-bin".into()];
    pull(&layout, "v1", &out, &only).await.unwrap();
    assert_eq!(tree(&out), ["a.txt", "b.bin"], "only the filtered layer");
    pull(&layout, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("a.txt")).unwrap(),
        "alpha",
        "overwritten by default"
    );
}

#[tokio::test]
async fn copies_between_memory_and_layouts_report_progress() {
    let work = TempDir::new();
    let root = sample(&work);
    let memory = MemoryStore::new();
    let pushed = push_sample(&memory, &root, &opts(&["v1"])).await;
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let mut o = CopyOptions::default();
    o.observer = Some(Arc::new(move |e: Event<'_>| {
        let name = match e {
            Event::Finished(d) => format!("finished {}", d.digest),
            Event::Skipped(d) => format!("skipped {}", d.digest),
            _ => return,
        };
        sink.lock().unwrap().push(name);
    }));
    let root_desc = copy(&memory, "v1", &layout, Some("copied"), &o)
        .await
        .unwrap();
    assert_eq!(root_desc, pushed.manifest);
    assert_eq!(
        plain(&layout.resolve(&"copied".parse().unwrap()).await.unwrap()),
        pushed.manifest
    );
    let finished = events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| e.starts_with("finished"))
        .count();
    assert_eq!(
        finished, 5,
        "three layers, the empty config and the manifest"
    );
    // Copy back to a fresh memory store, then again: everything is skipped the second time.
    let back = MemoryStore::new();
    copy(
        &layout,
        "copied",
        &back,
        Some("v1"),
        &CopyOptions::default(),
    )
    .await
    .unwrap();
    events.lock().unwrap().clear();
    copy(&layout, "copied", &back, Some("v1"), &o)
        .await
        .unwrap();
    assert_eq!(
        *events.lock().unwrap(),
        [format!("skipped {}", pushed.manifest.digest)]
    );
    let out = work.join("out");
    pull(&back, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("dir/x")).unwrap(),
        "x content"
    );
}

#[tokio::test]
async fn layouts_packed_as_tar_are_read_in_place_and_gc_removes_orphans() {
    let work = TempDir::new();
    let root = sample(&work);
    let layout = OciLayout::open(work.join("layout")).unwrap();
    push_sample(&layout, &root, &opts(&["v1"])).await;
    // An orphan blob and a stale ingest file: GC removes both and keeps the rest.
    let orphan = Descriptor::of("x/y", b"orphan");
    layout
        .push(
            &orphan,
            oras_artifact::distribution::Body::from_stream(
                Box::pin(OnceStream(Some(bytes::Bytes::from_static(b"orphan")))),
                None,
            ),
        )
        .await
        .unwrap();
    std::fs::create_dir_all(layout.root().join("ingest")).unwrap();
    std::fs::write(layout.root().join("ingest/stale"), "x").unwrap();
    assert_eq!(layout.gc().await.unwrap(), 2);
    assert!(!layout.blob_path(&orphan.digest).exists());
    pull(
        &layout,
        "v1",
        &work.join("after-gc"),
        &PullOptions::default(),
    )
    .await
    .unwrap();

    let tar_path = work.join("layout.tar");
    let status = Command::new("tar")
        .arg("-cf")
        .arg(&tar_path)
        .arg("-C")
        .arg(layout.root())
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    let packed = OciLayoutTar::open(&tar_path).unwrap();
    let out = work.join("from-tar");
    pull(&packed, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(out.join("a.txt")).unwrap(), "alpha");
    // `OciLayoutTar` is read-only by type: it has no `Push` (a compile_fail doctest on
    // `OciLayoutTar` checks that pushing to one does not compile).
}

struct OnceStream(Option<bytes::Bytes>);

impl futures_core::Stream for OnceStream {
    type Item = Result<bytes::Bytes, oras_artifact::distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Ok))
    }
}

#[tokio::test]
async fn push_refuses_unsafe_or_duplicate_titles() {
    let layout_dir = TempDir::new();
    let layout = OciLayout::open(layout_dir.join("layout")).unwrap();
    for bad in ["../escape.txt", "/etc/hostname"] {
        let err = push(&layout, &[FileSpec::new(bad)], &opts(&[]))
            .await
            .unwrap_err();
        assert!(
            oras_tests::report(&err).contains("a title must be a relative path without `..`"),
            "{bad}: {err}"
        );
    }
    let work = TempDir::new();
    std::fs::write(work.join("f"), "x").unwrap();
    let f = work.join("f");
    let err = push(&layout, &[FileSpec::new(&f), FileSpec::new(&f)], &{
        let mut o = opts(&[]);
        o.disable_path_validation = true;
        o
    })
    .await
    .unwrap_err();
    assert!(oras_tests::report(&err).contains("is given twice"), "{err}");
}

#[tokio::test]
async fn conveniences_and_delete() {
    let work = TempDir::new();
    let targets: Vec<Box<dyn Target>> = vec![
        Box::new(MemoryStore::new()),
        Box::new(OciLayout::open(work.join("layout")).unwrap()),
    ];
    for t in &targets {
        let blob = oras_artifact::push_blob(
            t.as_ref(),
            "text/plain",
            bytes::Bytes::from_static(b"hello"),
        )
        .await
        .unwrap();
        assert_eq!(
            oras_artifact::fetch_blob(t.as_ref(), &blob).await.unwrap(),
            &b"hello"[..]
        );
        let mut o = oras_artifact::oci::pack::PackOptions::default();
        o.artifact_type = Some("application/vnd.test".into());
        o.layers = vec![blob.clone()];
        let packed = oras_artifact::oci::pack::pack_manifest(o).unwrap();
        for (d, b) in &packed.blobs {
            oras_artifact::push_blob(t.as_ref(), &d.media_type, b.clone())
                .await
                .unwrap();
        }
        let m = oras_artifact::push_manifest(t.as_ref(), &packed.manifest, Some("v1"))
            .await
            .unwrap();
        assert_eq!(plain(&t.resolve(&"v1".parse().unwrap()).await.unwrap()), m);
        t.delete(&m).await.unwrap();
        assert!(
            t.resolve(&"v1".parse().unwrap())
                .await
                .unwrap_err()
                .is_not_found(),
            "{t:?}"
        );
        t.delete(&blob).await.unwrap();
        assert!(!t.exists(&blob).await.unwrap());
        assert!(t.delete(&blob).await.unwrap_err().is_not_found());
    }
}

/// A target whose fetch of one blob never completes, and says when it got there.
#[derive(Debug)]
struct Hangs {
    inner: MemoryStore,
    blob: oras_artifact::oci::Digest,
    reached: Arc<tokio::sync::Notify>,
}

impl Fetch for Hangs {
    fn fetch<'a>(&'a self, d: &'a Descriptor) -> BoxFuture<'a, oras_artifact::Result<ByteStream>> {
        if d.digest == self.blob {
            self.reached.notify_one();
            return Box::pin(std::future::pending());
        }
        self.inner.fetch(d)
    }
    fn exists<'a>(&'a self, d: &'a Descriptor) -> BoxFuture<'a, oras_artifact::Result<bool>> {
        self.inner.exists(d)
    }
    fn blob_size<'a>(
        &'a self,
        d: &'a oras_artifact::oci::Digest,
    ) -> BoxFuture<'a, oras_artifact::Result<Option<u64>>> {
        self.inner.blob_size(d)
    }
}

impl Resolve for Hangs {
    fn resolve<'a>(
        &'a self,
        r: &'a ManifestRef,
    ) -> BoxFuture<'a, oras_artifact::Result<Descriptor>> {
        self.inner.resolve(r)
    }
}

impl ListTags for Hangs {
    fn tags(&self) -> BoxFuture<'_, oras_artifact::Result<Vec<String>>> {
        ListTags::tags(&self.inner)
    }
}

impl ListReferrers for Hangs {
    fn referrers<'a>(
        &'a self,
        s: &'a Descriptor,
        t: Option<&'a str>,
    ) -> BoxFuture<'a, oras_artifact::Result<Vec<Descriptor>>> {
        self.inner.referrers(s, t)
    }
}

impl ReadOnlyTarget for Hangs {}

#[tokio::test]
async fn a_cancelled_pull_leaves_nothing_behind() {
    let work = TempDir::new();
    let root = sample(&work);
    let memory = MemoryStore::new();
    let pushed = push_sample(&memory, &root, &opts(&["v1"])).await;
    let hangs = Hangs {
        inner: memory,
        blob: pushed.layers[2].digest.clone(),
        reached: Arc::new(tokio::sync::Notify::new()),
    };
    let out = work.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let pull_options = PullOptions::default();
    let reached = hangs.reached.clone();
    tokio::select! {
        r = pull(&hangs, "v1", &out, &pull_options) => panic!("the pull cannot finish: {r:?}"),
        () = reached.notified() => {}
    }
    // The pull future was dropped while the other layers were staged.
    assert_eq!(
        tree(&out),
        Vec::<String>::new(),
        "staging removed, nothing moved into place"
    );
}

#[tokio::test]
async fn choosing_a_platform_of_a_manifest_that_is_not_an_index_is_an_error() {
    let work = TempDir::new();
    let root = sample(&work);
    let store = MemoryStore::new();
    let pushed = push_sample(&store, &root, &opts(&["v1"])).await;
    let manifest = fetch_manifest(&store, &pushed.manifest).await.unwrap();
    let err = oras_artifact::select_platform(&manifest, None).unwrap_err();
    assert!(matches!(err, oras_artifact::Error::NotAnIndex(_)), "{err}");
    assert!(
        oras_tests::report(&err).contains("is not an index"),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_pull_removes_the_directories_it_created() {
    let work = TempDir::new();
    let root = sample(&work);
    let memory = MemoryStore::new();
    let pushed = push_sample(&memory, &root, &opts(&["v1"])).await;
    // A layer the manifest lists is gone: the pull fails after creating its output.
    memory.delete(&pushed.layers[1]).await.unwrap();
    let out = work.join("new/nested/out");
    let err = pull(&memory, "v1", &out, &PullOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(
        !work.join("new").exists(),
        "the directories the pull created are gone"
    );

    // A directory that was there before stays, even if the pull fails.
    let existing = work.join("existing");
    std::fs::create_dir(&existing).unwrap();
    pull(
        &memory,
        "v1",
        &existing.join("out"),
        &PullOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(existing.is_dir());
    assert!(!existing.join("out").exists());
}

#[test]
fn the_default_options_move_blobs_concurrently_as_documented() {
    // As `oras push`, `oras pull` and `oras cp` (and oras-go): 5, 3 and 3 at a time. A
    // derived Default once made the library copy and push one blob at a time.
    assert_eq!(PushOptions::default().concurrency, 5);
    assert_eq!(PullOptions::default().concurrency, 3);
    assert_eq!(CopyOptions::default().concurrency, 3);
}

#[tokio::test]
async fn layouts_take_any_reference_name_and_registries_refuse_one() {
    let work = TempDir::new();
    let layout = OciLayout::open(work.join("layout")).unwrap();
    let root = sample(&work);
    let pushed = push_sample(&layout, &root, &opts(&["v1"])).await;
    let name = oras_artifact::oci::ManifestRef::name_of("example.com/app:v1").unwrap();
    layout
        .tag(&pushed.manifest, name.tag().unwrap())
        .await
        .unwrap();
    let by_name = layout.resolve(&name).await.unwrap();
    assert_eq!(plain(&by_name), pushed.manifest);
    assert_eq!(
        by_name.annotation(oras_artifact::oci::annotations::REF_NAME),
        Some("example.com/app:v1"),
        "the index entry, as written"
    );
    let by_digest = layout
        .resolve(&oras_artifact::oci::ManifestRef::from(
            &pushed.manifest.digest,
        ))
        .await
        .unwrap();
    assert_eq!(by_digest, pushed.manifest, "by digest: the identity only");
    let mut tags = layout.tags().await.unwrap();
    tags.sort();
    assert_eq!(tags, ["example.com/app:v1", "v1"]);
    let pulled = pull(
        &layout,
        name.clone(),
        &work.join("out"),
        &PullOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(pulled.manifest.digest, pushed.manifest.digest);

    // A registry names manifests by tag or digest only.
    let client = oras_artifact::distribution::Client::new(
        oras_tests::memory::MemoryTransport::new(oras_tests::fake::FakeAuth::None),
        oras_artifact::auth::Authenticator::new(oras_artifact::auth::StaticCredentials::new()),
        oras_artifact::distribution::ClientConfig::default(),
    );
    let remote =
        oras_artifact::Remote::new(client.repository(&"registry.test/app".parse().unwrap()));
    let err = remote.resolve(&name).await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("\"example.com/app:v1\" is not a tag or digest"),
        "{err}"
    );
}

/// An index of two manifests sharing a layer, one of them listing it twice under two
/// titles, and `{}` as the empty config of one and a typed config of the other: each node
/// (media type, digest, size) is handled once, its bytes asked for and sent once.
#[tokio::test]
async fn a_copy_handles_each_node_of_the_graph_once() {
    use oras_artifact::oci::{ImageIndex, ImageManifest, Manifest};
    let src = MemoryStore::new();
    let layer = oras_artifact::push_blob(&src, "text/plain", bytes::Bytes::from_static(b"shared"))
        .await
        .unwrap();
    let empty = oras_artifact::push_blob(
        &src,
        media_type::OCI_EMPTY,
        bytes::Bytes::from_static(b"{}"),
    )
    .await
    .unwrap();
    let titled = |t: &str| {
        let mut d = layer.clone();
        d.set_annotation(oras_artifact::oci::annotations::TITLE, t);
        d
    };
    let mut typed = empty.clone();
    typed.media_type = "application/vnd.example.config".into();
    let mut manifests = Vec::new();
    for (config, layers) in [
        (empty.clone(), vec![titled("a.txt")]),
        (typed.clone(), vec![titled("a.txt"), titled("b.txt")]),
    ] {
        let m = Manifest::parse(ImageManifest::new(config, layers).to_json(), None).unwrap();
        oras_artifact::push_manifest(&src, &m, None).await.unwrap();
        manifests.push(m.descriptor());
    }
    let index = Manifest::parse(ImageIndex::new(manifests.clone()).to_json(), None).unwrap();
    oras_artifact::push_manifest(&src, &index, Some("v1"))
        .await
        .unwrap();

    let registry = oras_tests::fake::FakeRegistry::new(oras_tests::fake::FakeAuth::None);
    let mut config = oras_artifact::distribution::ClientConfig::default();
    config.plain_http = oras_artifact::distribution::PlainHttp::All;
    let client = oras_artifact::distribution::Client::new(
        oras_tests::memory::MemoryTransport::over(registry.clone()),
        oras_artifact::auth::Authenticator::new(oras_artifact::auth::StaticCredentials::new()),
        config,
    );
    let dst =
        oras_artifact::Remote::new(client.repository(&"registry.test/nodes".parse().unwrap()));
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = events.clone();
    let mut o = CopyOptions::default();
    o.observer = Some(std::sync::Arc::new(move |e: Event<'_>| {
        let (what, d) = match e {
            Event::Finished(d) => ("finished", d),
            Event::Skipped(d) => ("skipped", d),
            Event::Repeated(d) => ("repeated", d),
            Event::Mounted(d) => ("mounted", d),
            _ => return,
        };
        let title = d.title().unwrap_or_default().to_owned();
        sink.lock()
            .unwrap()
            .push((what, d.media_type.clone(), title));
    }));
    copy(&src, "v1", &dst, Some("v1"), &o).await.unwrap();

    let mut got = events.lock().unwrap().clone();
    got.sort();
    let e = |w: &'static str, t: &str, title: &str| (w, t.to_owned(), title.to_owned());
    let mut want = vec![
        e("finished", "text/plain", "a.txt"),
        e("repeated", "text/plain", "a.txt"),
        e("repeated", "text/plain", "b.txt"),
        e("finished", media_type::OCI_EMPTY, ""),
        // The same bytes as another node: known to be there, not asked again.
        e("skipped", "application/vnd.example.config", ""),
        e("finished", media_type::OCI_MANIFEST, ""),
        e("finished", media_type::OCI_MANIFEST, ""),
        e("finished", media_type::OCI_INDEX, ""),
    ];
    want.sort();
    assert_eq!(got, want);
    let seen = registry.seen();
    for blob in [&layer, &empty] {
        let at = format!("/blobs/{}", blob.digest);
        let heads = seen
            .iter()
            .filter(|s| s.method == "HEAD" && s.path.ends_with(&at))
            .count();
        let uploads = seen
            .iter()
            .filter(|s| s.method == "PUT" && s.path.contains(&format!("digest={}", blob.digest)))
            .count();
        assert_eq!((heads, uploads), (1, 1), "{} in {seen:?}", blob.digest);
    }
}

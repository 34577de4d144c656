//! Hostile artifacts: each is refused, nothing is written outside the output directory,
//! and nothing partial (or temporary) is left inside it.

use std::collections::BTreeMap;
use std::io::Write;

use bytes::Bytes;
use oras_artifact::oci::pack::{Created, PackOptions, pack_manifest};
use oras_artifact::oci::{Descriptor, Digest, annotations, media_type};
use oras_artifact::{Error, MemoryStore, OciLayout, PullOptions, Target, UnpackLimits, pull};

use crate::{TempDir, tree};

struct OnceStream(Option<Bytes>);

impl futures_core::Stream for OnceStream {
    type Item = Result<Bytes, oras_artifact::distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.take().map(Ok))
    }
}

async fn put(target: &dyn Target, desc: &Descriptor, bytes: &[u8]) {
    target
        .push(
            desc,
            oras_artifact::distribution::Body::from_stream(
                Box::pin(OnceStream(Some(Bytes::copy_from_slice(bytes)))),
                None,
            ),
        )
        .await
        .unwrap();
}

/// Stores an artifact whose layers are `(bytes, annotations)` and tags it `v1`.
async fn artifact(target: &dyn Target, layers: Vec<(Vec<u8>, BTreeMap<String, String>)>) {
    let mut descs = Vec::new();
    for (bytes, ann) in layers {
        let mut d = Descriptor::of(media_type::OCI_LAYER_GZIP, &bytes);
        d.annotations = Some(ann);
        put(target, &d, &bytes).await;
        descs.push(d);
    }
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.hostile".into());
    opts.layers = descs;
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    for (d, b) in &packed.blobs {
        put(target, d, b).await;
    }
    let m = packed.manifest.descriptor();
    put(target, &m, packed.manifest.bytes()).await;
    target.tag(&m, "v1").await.unwrap();
}

fn titled(title: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(annotations::TITLE.to_owned(), title.to_owned())])
}

fn unpacked(title: &str, tar: &[u8]) -> BTreeMap<String, String> {
    let mut a = titled(title);
    a.insert(annotations::ORAS_CONTENT_UNPACK.into(), "true".into());
    a.insert(
        annotations::ORAS_CONTENT_DIGEST.into(),
        Digest::sha256(tar).to_string(),
    );
    a
}

/// One raw tar entry: the name and link name are written as bytes, unchecked.
struct Entry<'a> {
    name: &'a str,
    kind: tar::EntryType,
    link: &'a str,
    data: &'a [u8],
}

fn entry<'a>(name: &'a str, data: &'a [u8]) -> Entry<'a> {
    Entry {
        name,
        kind: tar::EntryType::Regular,
        link: "",
        data,
    }
}

fn raw_tar(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        {
            let g = h.as_gnu_mut().unwrap();
            g.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
            g.linkname[..e.link.len()].copy_from_slice(e.link.as_bytes());
        }
        h.set_entry_type(e.kind);
        h.set_size(e.data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append(&h, e.data).unwrap();
    }
    b.into_inner().unwrap()
}

fn gzip(tar: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(tar).unwrap();
    gz.finish().unwrap()
}

/// Pulls into `work/out` (which holds one file already) and checks the refusal left
/// everything as it was.
async fn refused(
    target: &dyn Target,
    options: &PullOptions,
    want: impl Fn(&Error) -> bool,
) -> String {
    let work = TempDir::new();
    let out = work.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("existing.txt"), "keep me").unwrap();
    let before_work = tree(&work.0);
    let err = pull(target, "v1", &out, options).await.unwrap_err();
    assert!(want(&err), "unexpected error: {err}");
    assert_eq!(
        tree(&work.0),
        before_work,
        "nothing written, nothing left behind (staging removed)"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("existing.txt")).unwrap(),
        "keep me"
    );
    oras_tests::report(&err)
}

fn is_unsafe(e: &Error) -> bool {
    matches!(e, Error::Unsafe { .. })
}

#[tokio::test]
async fn titles_that_escape_are_refused() {
    for title in [
        "../evil.txt",
        "/tmp/oras-evil-absolute",
        "a/../../evil",
        "..",
        "a\\..\\evil",
    ] {
        let store = MemoryStore::new();
        artifact(&store, vec![(b"evil".to_vec(), titled(title))]).await;
        let msg = refused(&store, &PullOptions::default(), is_unsafe).await;
        assert!(
            msg.contains("would be written outside the output directory"),
            "{title}: {msg}"
        );
    }
    assert!(!std::path::Path::new("/tmp/oras-evil-absolute").exists());
}

#[tokio::test]
async fn duplicate_titles_are_refused() {
    let store = MemoryStore::new();
    artifact(
        &store,
        vec![
            (b"one".to_vec(), titled("same.txt")),
            (b"two".to_vec(), titled("same.txt")),
        ],
    )
    .await;
    let msg = refused(&store, &PullOptions::default(), is_unsafe).await;
    assert!(msg.contains("two layers have this title"), "{msg}");
}

#[tokio::test]
async fn path_traversal_can_be_allowed_explicitly() {
    let store = MemoryStore::new();
    artifact(
        &store,
        vec![(b"outside".to_vec(), titled("../allowed.txt"))],
    )
    .await;
    let work = TempDir::new();
    let mut o = PullOptions::default();
    o.allow_path_traversal = true;
    pull(&store, "v1", &work.join("out"), &o).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(work.join("allowed.txt")).unwrap(),
        "outside"
    );
}

#[tokio::test]
async fn archive_entries_that_escape_are_refused() {
    let sub = entry("d/sub/", b"");
    let cases: Vec<(&str, Vec<Entry<'_>>, &str)> = vec![
        (
            "dot-dot",
            vec![entry("d/../../evil", b"x")],
            "absolute paths and `..`",
        ),
        (
            "absolute",
            vec![entry("/tmp/oras-evil-entry", b"x")],
            "absolute paths and `..`",
        ),
        (
            "symlink out",
            vec![Entry {
                name: "d/link",
                kind: tar::EntryType::Symlink,
                link: "../../outside",
                data: b"",
            }],
            "points outside",
        ),
        (
            "symlink absolute",
            vec![Entry {
                name: "d/link",
                kind: tar::EntryType::Symlink,
                link: "/etc",
                data: b"",
            }],
            "points outside",
        ),
        (
            "through a symlink",
            vec![
                Entry {
                    kind: tar::EntryType::Directory,
                    ..sub
                },
                Entry {
                    name: "d/link",
                    kind: tar::EntryType::Symlink,
                    link: "sub",
                    data: b"",
                },
                entry("d/link/file", b"x"),
            ],
            "written through a symbolic link",
        ),
        (
            "hard link out",
            vec![Entry {
                name: "d/hl",
                kind: tar::EntryType::Link,
                link: "../../etc/passwd",
                data: b"",
            }],
            "hard link points outside",
        ),
        (
            "device",
            vec![Entry {
                name: "d/dev",
                kind: tar::EntryType::Char,
                link: "",
                data: b"",
            }],
            "are not created",
        ),
    ];
    for (name, entries, reason) in cases {
        let tar = raw_tar(&entries);
        let store = MemoryStore::new();
        artifact(&store, vec![(gzip(&tar), unpacked("d", &tar))]).await;
        let msg = refused(&store, &PullOptions::default(), is_unsafe).await;
        assert!(msg.contains(reason), "{name}: {msg}");
    }
    assert!(!std::path::Path::new("/tmp/oras-evil-entry").exists());
}

#[tokio::test]
async fn archive_bombs_are_bounded() {
    let big = vec![0u8; 10_000];
    let tar = raw_tar(&[entry("d/big", &big)]);
    let store = MemoryStore::new();
    artifact(&store, vec![(gzip(&tar), unpacked("d", &tar))]).await;
    let mut o = PullOptions::default();
    o.limits = UnpackLimits::default();
    o.limits.max_bytes = 4096;
    let msg = refused(&store, &o, is_unsafe).await;
    assert!(msg.contains("more than 4096 bytes"), "{msg}");

    let many: Vec<String> = (0..50).map(|i| format!("d/f{i}")).collect();
    let entries: Vec<Entry<'_>> = many.iter().map(|n| entry(n, b"")).collect();
    let tar = raw_tar(&entries);
    let store = MemoryStore::new();
    artifact(&store, vec![(gzip(&tar), unpacked("d", &tar))]).await;
    let mut o = PullOptions::default();
    o.limits.max_entries = 10;
    let msg = refused(&store, &o, is_unsafe).await;
    assert!(msg.contains("more than 10 entries"), "{msg}");
}

#[tokio::test]
async fn content_that_does_not_match_is_never_written() {
    // The tar inside a directory layer does not match its io.deis.oras.content.digest.
    let tar = raw_tar(&[entry("d/f", b"real")]);
    let mut ann = unpacked("d", &tar);
    ann.insert(
        annotations::ORAS_CONTENT_DIGEST.into(),
        Digest::sha256(b"something else").to_string(),
    );
    let store = MemoryStore::new();
    artifact(
        &store,
        vec![
            (b"plain file".to_vec(), titled("ok.txt")),
            (gzip(&tar), ann),
        ],
    )
    .await;
    let msg = refused(&store, &PullOptions::default(), |e| {
        matches!(e, Error::Verify(_))
    })
    .await;
    assert!(msg.contains("digest mismatch"), "{msg}");

    // A layer corrupted on disk in a layout: the pull fails; the good layer is not written either.
    let work = TempDir::new();
    let layout = OciLayout::open(work.join("layout")).unwrap();
    artifact(
        &layout,
        vec![
            (b"good".to_vec(), titled("good.txt")),
            (b"will be corrupted".to_vec(), titled("bad.txt")),
        ],
    )
    .await;
    let bad = Descriptor::of(media_type::OCI_LAYER_GZIP, b"will be corrupted");
    std::fs::write(layout.blob_path(&bad.digest), b"will be corruptes").unwrap();
    let msg = refused(&layout, &PullOptions::default(), |e| {
        matches!(e, Error::Verify(_))
    })
    .await;
    assert!(msg.contains("digest mismatch"), "{msg}");
}

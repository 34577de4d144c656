//! OCI image layout directories (read and write); `layout_tar.rs` reads one packed as a
//! `.tar`.
//!
//! A layout is `oci-layout` (`{"imageLayoutVersion":"1.0.0"}`), `index.json` (an image
//! index) and `blobs/<alg>/<encoded>`. As oras-go's store does, every manifest pushed is
//! listed in `index.json`: once per tag with `org.opencontainers.image.ref.name`, or once
//! without a name while untagged.
//!
//! Writing is safe for concurrent processes: a blob is written to a temporary file under
//! `ingest/`, verified, synced and renamed into place (the same content renamed twice is
//! harmless), and `index.json` is only rewritten under an exclusive lock on
//! `index.json.lock`, by writing a temporary file and renaming it.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use oras_distribution::{Body, BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, ImageIndex, Manifest, ManifestRef, annotations, media_type};

use super::{
    Delete, Fetch, ListReferrers, ListTags, Push, ReadOnlyTarget, Resolve, Tag, Target,
    fetch_manifest,
};
use crate::stream::{file_body, file_stream};
use crate::{Error, Result};

const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_JSON: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// Runs blocking file work off the async runtime's threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f).await?
}

/// An OCI image layout directory.
#[derive(Clone, Debug)]
pub struct OciLayout {
    root: PathBuf,
}

static INGEST: AtomicU64 = AtomicU64::new(0);

fn invalid(path: &Path, reason: impl Into<String>) -> Error {
    Error::InvalidLayout {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

impl OciLayout {
    /// Opens the layout at `root`, creating it (and the directory) if it is not there.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("blobs")).map_err(Error::io(&root))?;
        let layout = root.join(LAYOUT_FILE);
        match fs::read(&layout) {
            Ok(b) => check_layout_file(&layout, &b)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&layout, LAYOUT_JSON)?;
            }
            Err(e) => return Err(Error::io(&layout)(e)),
        }
        if !root.join("index.json").exists() {
            let s = Self { root: root.clone() };
            s.update_index(|_| {})?;
        }
        Ok(Self { root })
    }

    /// Opens the layout at `root`, which must be one: nothing is created or written (for
    /// reading a layout someone else made).
    pub fn open_existing(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        let layout = root.join(LAYOUT_FILE);
        match fs::read(&layout) {
            Ok(b) => check_layout_file(&layout, &b)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(invalid(
                    &root,
                    format!("invalid OCI Image Layout: {LAYOUT_FILE} is missing"),
                ));
            }
            Err(e) => return Err(Error::io(&layout)(e)),
        }
        Ok(Self { root })
    }

    /// Packs the layout as a `.tar` at `out` (what [`OciLayoutTar`](crate::OciLayoutTar)
    /// and other tools read): `oci-layout`, `index.json` and every blob, nothing half
    /// written (a temporary file beside `out` is renamed into place). Returns its size.
    pub async fn export_tar(&self, out: impl Into<PathBuf>) -> Result<u64> {
        let (root, out) = (self.root.clone(), out.into());
        blocking(move || {
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = out.with_file_name(format!(".{name}.oras-partial"));
            let write = || -> std::io::Result<u64> {
                let file = fs::File::create(&tmp)?;
                let mut tar = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, file));
                tar.mode(tar::HeaderMode::Deterministic);
                for name in [LAYOUT_FILE, "index.json"] {
                    tar.append_path_with_name(root.join(name), name)?;
                }
                let blobs = root.join("blobs");
                tar.append_dir("blobs", &blobs)?;
                let mut algorithms: Vec<_> =
                    fs::read_dir(&blobs)?.collect::<std::io::Result<_>>()?;
                algorithms.sort_by_key(fs::DirEntry::file_name);
                for alg in algorithms {
                    let alg_name = format!("blobs/{}", alg.file_name().to_string_lossy());
                    tar.append_dir(&alg_name, alg.path())?;
                    let mut files: Vec<_> =
                        fs::read_dir(alg.path())?.collect::<std::io::Result<_>>()?;
                    files.sort_by_key(fs::DirEntry::file_name);
                    for f in files {
                        let entry = format!("{alg_name}/{}", f.file_name().to_string_lossy());
                        tar.append_path_with_name(f.path(), entry)?;
                    }
                }
                let mut inner = tar.into_inner()?;
                std::io::Write::flush(&mut inner)?;
                let file = inner
                    .into_inner()
                    .map_err(std::io::IntoInnerError::into_error)?;
                file.sync_all()?;
                Ok(file.metadata()?.len())
            };
            match write().and_then(|size| fs::rename(&tmp, &out).map(|()| size)) {
                Ok(size) => Ok(size),
                Err(e) => {
                    let _ = fs::remove_file(&tmp);
                    Err(Error::io(&out)(e))
                }
            }
        })
        .await
    }

    /// The layout's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a blob lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root
            .join("blobs")
            .join(digest.algorithm_name())
            .join(digest.encoded())
    }

    /// The current `index.json`.
    pub fn index(&self) -> Result<ImageIndex> {
        read_index(&self.root)
    }

    /// Rewrites `index.json` under the layout's lock.
    fn update_index(&self, change: impl FnOnce(&mut ImageIndex)) -> Result<()> {
        let lock_path = self.root.join("index.json.lock");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(Error::io(&lock_path))?;
        lock.lock().map_err(Error::io(&lock_path))?;
        let mut index = match read_index(&self.root) {
            Ok(i) => i,
            Err(e) if e.is_not_found() => ImageIndex::new(Vec::new()),
            Err(e) => return Err(e),
        };
        change(&mut index);
        write_atomic(&self.root.join("index.json"), &index.to_json())
    }

    /// Deletes blobs that no manifest listed in `index.json` reaches, and leftover
    /// temporary files. Returns the number of files removed.
    pub async fn gc(&self) -> Result<usize> {
        let mut keep: HashSet<Digest> = HashSet::new();
        let mut queue: Vec<Descriptor> = self.index()?.manifests;
        while let Some(d) = queue.pop() {
            if !keep.insert(d.digest.clone()) {
                continue;
            }
            if media_type::is_manifest(&d.media_type) && self.blob_path(&d.digest).exists() {
                let m = fetch_manifest(self, &d).await?;
                queue.extend(m.successors().into_iter().cloned());
            }
        }
        let root = self.root.clone();
        blocking(move || {
            let mut removed = 0;
            let blobs = root.join("blobs");
            for alg in fs::read_dir(&blobs).map_err(Error::io(&blobs))? {
                let alg = alg.map_err(Error::io(&blobs))?;
                let alg_name = alg.file_name().to_string_lossy().into_owned();
                for entry in fs::read_dir(alg.path()).map_err(Error::io(alg.path()))? {
                    let entry = entry.map_err(Error::io(alg.path()))?;
                    let digest = Digest::parse(&format!(
                        "{alg_name}:{}",
                        entry.file_name().to_string_lossy()
                    ));
                    if digest.is_ok_and(|d| keep.contains(&d)) {
                        continue;
                    }
                    fs::remove_file(entry.path()).map_err(Error::io(entry.path()))?;
                    removed += 1;
                }
            }
            let ingest = root.join("ingest");
            if ingest.exists() {
                for entry in fs::read_dir(&ingest).map_err(Error::io(&ingest))? {
                    let entry = entry.map_err(Error::io(&ingest))?;
                    fs::remove_file(entry.path()).map_err(Error::io(entry.path()))?;
                    removed += 1;
                }
            }
            Ok(removed)
        })
        .await
    }

    fn not_found(&self, what: impl std::fmt::Display) -> Error {
        Error::NotFound(format!("{what} in {}", self.root.display()))
    }
}

/// Checks the `oci-layout` file's version.
pub(crate) fn check_layout_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(path, format!("not JSON ({e})")))?;
    if v.get("imageLayoutVersion").and_then(|v| v.as_str()) != Some("1.0.0") {
        return Err(invalid(path, "unsupported imageLayoutVersion"));
    }
    Ok(())
}

fn read_index(root: &Path) -> Result<ImageIndex> {
    let path = root.join("index.json");
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotFound(path.display().to_string()));
        }
        Err(e) => return Err(Error::io(&path)(e)),
    };
    parse_index(&path, bytes)
}

/// `index.json`'s bytes as an index.
pub(crate) fn parse_index(path: &Path, bytes: Vec<u8>) -> Result<ImageIndex> {
    let m = Manifest::parse(bytes, Some(media_type::OCI_INDEX)).map_err(|source| {
        Error::InvalidManifest {
            what: path.display().to_string(),
            source,
        }
    })?;
    m.as_index()
        .cloned()
        .ok_or_else(|| invalid(path, "not an image index"))
}

/// Writes a file by writing a temporary file beside it, syncing and renaming.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        INGEST.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(Error::io(path))
}

/// Finds a manifest in an index by tag (or reference name), or by digest. By tag, the
/// descriptor is the index's entry as written, `org.opencontainers.image.ref.name`
/// included (as oras-go's layout store resolves); by digest, only its media type, digest
/// and size.
pub(crate) fn find(index: &ImageIndex, reference: &ManifestRef) -> Option<Descriptor> {
    match (reference.tag(), reference.digest()) {
        (Some(tag), _) => index
            .manifests
            .iter()
            .find(|d| d.annotation(annotations::REF_NAME) == Some(tag))
            .cloned(),
        (_, Some(digest)) => index
            .manifests
            .iter()
            .find(|d| &d.digest == digest)
            .map(|d| Descriptor::new(d.media_type.clone(), d.digest.clone(), d.size)),
        _ => None,
    }
}

/// The tags an index lists, sorted.
pub(crate) fn tags_in(index: &ImageIndex) -> Vec<String> {
    let mut tags: Vec<String> = index
        .manifests
        .iter()
        .filter_map(|d| d.annotation(annotations::REF_NAME).map(str::to_owned))
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// The referrers of `subject` among the manifests an index lists.
pub(crate) async fn referrers_in(
    target: &dyn ReadOnlyTarget,
    index: &ImageIndex,
    subject: &Descriptor,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in &index.manifests {
        if !seen.insert(d.digest.clone()) || !media_type::is_manifest(&d.media_type) {
            continue;
        }
        let m = fetch_manifest(target, d).await?;
        if m.subject().is_some_and(|s| s.digest == subject.digest) {
            let r = m.referrer_descriptor();
            if artifact_type.is_none_or(|t| r.artifact_type.as_deref() == Some(t)) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

impl Fetch for OciLayout {
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let path = self.blob_path(&desc.digest);
            if !path.exists() {
                return Err(self.not_found(&desc.digest));
            }
            file_stream(&path).await
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            Ok(fs::metadata(self.blob_path(&desc.digest)).is_ok_and(|m| m.len() == desc.size))
        })
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move { Ok(fs::metadata(self.blob_path(digest)).ok().map(|m| m.len())) })
    }
}

impl Push for OciLayout {
    fn push<'a>(&'a self, desc: &'a Descriptor, content: Body) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.blob_path(&desc.digest);
            if !fs::metadata(&path).is_ok_and(|m| m.len() == desc.size) {
                let ingest = self.root.join("ingest");
                tokio::fs::create_dir_all(&ingest)
                    .await
                    .map_err(Error::io(&ingest))?;
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(Error::io(parent))?;
                }
                let tmp = ingest.join(format!(
                    "{}-{}-{}",
                    desc.digest.encoded(),
                    std::process::id(),
                    INGEST.fetch_add(1, Ordering::Relaxed)
                ));
                // Verified, synced and written on a thread of its own while this task
                // receives; the temporary file is removed if anything fails or the push is
                // dropped (the writer then sees the stream end short).
                crate::stream::write_verified(
                    content.into_stream(),
                    desc,
                    &tmp,
                    false,
                    true,
                    || {},
                )
                .await?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(Error::io(&path))?;
            }
            if media_type::is_manifest(&desc.media_type) {
                let plain =
                    Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
                let layout = self.clone();
                blocking(move || {
                    layout.update_index(|index| {
                        if !index.manifests.iter().any(|d| d.digest == plain.digest) {
                            index.manifests.push(plain);
                        }
                    })
                })
                .await?;
            }
            Ok(())
        })
    }
}

impl Resolve for OciLayout {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move {
            let index = self.index()?;
            if let Some(d) = find(&index, reference) {
                return Ok(d);
            }
            // A digest of a manifest that is in the blobs but not listed.
            let digest = reference
                .digest()
                .ok_or_else(|| self.not_found(reference))?;
            let path = self.blob_path(digest);
            let bytes = fs::read(&path).map_err(|_| self.not_found(reference))?;
            let m = Manifest::parse(bytes, None).map_err(|source| Error::InvalidManifest {
                what: path.display().to_string(),
                source,
            })?;
            if m.digest() != digest {
                return Err(invalid(&path, "the blob does not match its digest"));
            }
            Ok(m.descriptor())
        })
    }
}

impl Tag for OciLayout {
    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // Any name, as oras-go's layout store takes (`example.com/app:v1`).
            ManifestRef::name_of(tag)?;
            if !self.blob_path(&desc.digest).exists() {
                return Err(self.not_found(&desc.digest));
            }
            let mut entry =
                Descriptor::new(desc.media_type.clone(), desc.digest.clone(), desc.size);
            entry.platform = desc.platform.clone();
            entry.set_annotation(annotations::REF_NAME, tag);
            let layout = self.clone();
            blocking(move || {
                layout.update_index(|index| {
                    index.manifests.retain(|d| {
                        let name = d.annotation(annotations::REF_NAME);
                        // Drop the tag's old target, and the untagged entry of this manifest.
                        name != Some(entry.annotation(annotations::REF_NAME).unwrap_or_default())
                            && !(name.is_none() && d.digest == entry.digest)
                    });
                    index.manifests.push(entry);
                })
            })
            .await
        })
    }
}

impl Delete for OciLayout {
    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.blob_path(&desc.digest);
            if !path.exists() {
                return Err(self.not_found(&desc.digest));
            }
            let (layout, digest) = (self.clone(), desc.digest.clone());
            blocking(move || {
                layout.update_index(|index| index.manifests.retain(|d| d.digest != digest))
            })
            .await?;
            tokio::fs::remove_file(&path)
                .await
                .map_err(Error::io(&path))
        })
    }
}

impl ListTags for OciLayout {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(async move { Ok(tags_in(&self.index()?)) })
    }
}

impl ListReferrers for OciLayout {
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move {
            let index = self.index()?;
            referrers_in(self, &index, subject, artifact_type).await
        })
    }
}

/// A blob in a layout is a file: it can be read again from the start.
impl ReadOnlyTarget for OciLayout {
    fn replayable(&self, desc: &Descriptor) -> Option<Body> {
        let path = self.blob_path(&desc.digest);
        path.exists()
            .then(|| file_body(&path, desc.size, None).ok())
            .flatten()
    }
}

impl Target for OciLayout {}

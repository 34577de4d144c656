//! OCI image layouts: a directory (read and write) and a `.tar` of one (read-only).
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

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use oras_distribution::{BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, ImageIndex, Manifest, annotations, media_type};

use crate::stream::{ReadStream, file_stream};
use crate::target::{Target, fetch_manifest};
use crate::{Error, Result};

const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_JSON: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

fn is_manifest(media: &str) -> bool {
    media_type::is_image_manifest(media) || media_type::is_index(media)
}

/// Runs blocking file work off the async runtime's threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Input(format!("a file task failed: {e}")))?
}

/// An OCI image layout directory.
#[derive(Clone, Debug)]
pub struct OciLayout {
    root: PathBuf,
}

static INGEST: AtomicU64 = AtomicU64::new(0);

impl OciLayout {
    /// Opens the layout at `root`, creating it (and the directory) if it is not there.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(root.join("blobs")).map_err(Error::io(&root))?;
        let layout = root.join(LAYOUT_FILE);
        match fs::read(&layout) {
            Ok(b) => {
                let v: serde_json::Value = serde_json::from_slice(&b)
                    .map_err(|e| Error::Input(format!("{}: {e}", layout.display())))?;
                if v.get("imageLayoutVersion").and_then(|v| v.as_str()) != Some("1.0.0") {
                    return Err(Error::Input(format!(
                        "{}: unsupported imageLayoutVersion",
                        layout.display()
                    )));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write_atomic(&layout, LAYOUT_JSON)?
            }
            Err(e) => return Err(Error::io(&layout)(e)),
        }
        if !root.join("index.json").exists() {
            let s = Self { root: root.clone() };
            s.update_index(|_| {})?;
        }
        Ok(Self { root })
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
            if is_manifest(&d.media_type) && self.blob_path(&d.digest).exists() {
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
    let m = Manifest::parse(bytes, Some(media_type::OCI_INDEX))
        .map_err(|e| Error::Manifest(format!("{}: {e}", path.display())))?;
    m.as_index()
        .cloned()
        .ok_or_else(|| Error::Manifest(format!("{} is not an image index", path.display())))
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

/// Finds a manifest in an index by tag, or by digest.
fn find(index: &ImageIndex, reference: &str) -> Option<Descriptor> {
    let by_tag = index
        .manifests
        .iter()
        .find(|d| d.annotation(annotations::REF_NAME) == Some(reference));
    let by_digest = || {
        index
            .manifests
            .iter()
            .find(|d| d.digest.as_str() == reference)
    };
    by_tag.or_else(by_digest).map(|d| {
        let mut d = d.clone();
        if let Some(a) = d.annotations.as_mut() {
            a.remove(annotations::REF_NAME);
            if a.is_empty() {
                d.annotations = None;
            }
        }
        d
    })
}

async fn referrers_in(
    target: &dyn Target,
    index: &ImageIndex,
    subject: &Descriptor,
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for d in &index.manifests {
        if !seen.insert(d.digest.clone()) || !is_manifest(&d.media_type) {
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

impl Target for OciLayout {
    fn resolve<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move {
            let index = self.index()?;
            if let Some(d) = find(&index, reference) {
                return Ok(d);
            }
            // A digest of a manifest that is in the blobs but not listed.
            let digest = Digest::parse(reference)
                .map_err(|_| Error::NotFound(format!("{reference} in {}", self.root.display())))?;
            let path = self.blob_path(&digest);
            let bytes = fs::read(&path)
                .map_err(|_| Error::NotFound(format!("{reference} in {}", self.root.display())))?;
            let m = Manifest::parse(bytes, None).map_err(|e| Error::Manifest(e.to_string()))?;
            if m.digest() != &digest {
                return Err(Error::Manifest(format!(
                    "{} does not match its digest",
                    path.display()
                )));
            }
            Ok(m.descriptor())
        })
    }

    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let path = self.blob_path(&desc.digest);
            if !path.exists() {
                return Err(Error::NotFound(format!(
                    "{} in {}",
                    desc.digest,
                    self.root.display()
                )));
            }
            file_stream(&path).await
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            Ok(fs::metadata(self.blob_path(&desc.digest)).is_ok_and(|m| m.len() == desc.size))
        })
    }

    fn push<'a>(&'a self, desc: &'a Descriptor, content: ByteStream) -> BoxFuture<'a, Result<()>> {
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
                crate::stream::write_verified(content, desc, &tmp, false, true, || {}).await?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(Error::io(&path))?;
            }
            if is_manifest(&desc.media_type) {
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

    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if !oras_reference::is_valid_tag(tag) {
                return Err(Error::Input(format!("invalid tag {tag:?}")));
            }
            if !self.blob_path(&desc.digest).exists() {
                return Err(Error::NotFound(format!(
                    "{} in {}",
                    desc.digest,
                    self.root.display()
                )));
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

    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let path = self.blob_path(&desc.digest);
            if !path.exists() {
                return Err(Error::NotFound(format!(
                    "{} in {}",
                    desc.digest,
                    self.root.display()
                )));
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

/// An OCI image layout packed as a `.tar`, read in place (read-only).
#[derive(Clone, Debug)]
pub struct OciLayoutTar {
    path: PathBuf,
    /// `blobs/<alg>/<encoded>` and `index.json` -> (offset, size) in the tar.
    entries: HashMap<String, (u64, u64)>,
    index: ImageIndex,
}

impl OciLayoutTar {
    /// Reads the tar's table of contents and its `index.json`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = fs::File::open(&path).map_err(Error::io(&path))?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive.entries().map_err(Error::io(&path))? {
            let entry = entry.map_err(Error::io(&path))?;
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let name = entry
                .path()
                .map_err(Error::io(&path))?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        if !entries.contains_key(LAYOUT_FILE) {
            return Err(Error::Input(format!(
                "{} is not an OCI layout: no oci-layout file",
                path.display()
            )));
        }
        let (offset, size) = *entries
            .get("index.json")
            .ok_or_else(|| Error::Input(format!("{} has no index.json", path.display())))?;
        if size > oras_oci::manifest::DEFAULT_MANIFEST_SIZE_LIMIT as u64 {
            return Err(Error::Manifest(format!(
                "{}: index.json is too large",
                path.display()
            )));
        }
        let mut bytes = vec![0; usize::try_from(size).expect("below the manifest limit")];
        let mut f = fs::File::open(&path).map_err(Error::io(&path))?;
        f.seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_exact(&mut bytes))
            .map_err(Error::io(&path))?;
        let index = Manifest::parse(bytes, Some(media_type::OCI_INDEX))
            .map_err(|e| Error::Manifest(e.to_string()))?;
        let index = index
            .as_index()
            .cloned()
            .ok_or_else(|| Error::Manifest("index.json is not an image index".into()))?;
        Ok(Self {
            path,
            entries,
            index,
        })
    }

    fn read_only<T>(&self) -> Result<T> {
        Err(Error::Input(format!(
            "{} is a read-only OCI layout archive",
            self.path.display()
        )))
    }
}

impl Target for OciLayoutTar {
    fn resolve<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move {
            find(&self.index, reference)
                .ok_or_else(|| Error::NotFound(format!("{reference} in {}", self.path.display())))
        })
    }

    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let key = format!(
                "blobs/{}/{}",
                desc.digest.algorithm_name(),
                desc.digest.encoded()
            );
            let (offset, size) = *self.entries.get(&key).ok_or_else(|| {
                Error::NotFound(format!("{} in {}", desc.digest, self.path.display()))
            })?;
            let path = self.path.clone();
            let file = blocking(move || {
                let mut f = fs::File::open(&path).map_err(Error::io(&path))?;
                f.seek(SeekFrom::Start(offset)).map_err(Error::io(&path))?;
                Ok(f)
            })
            .await?;
            Ok(ReadStream::boxed(tokio::io::AsyncReadExt::take(
                tokio::fs::File::from_std(file),
                size,
            )))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            Ok(self.entries.contains_key(&format!(
                "blobs/{}/{}",
                desc.digest.algorithm_name(),
                desc.digest.encoded()
            )))
        })
    }

    fn push<'a>(&'a self, _: &'a Descriptor, _: ByteStream) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.read_only() })
    }

    fn tag<'a>(&'a self, _: &'a Descriptor, _: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.read_only() })
    }

    fn delete<'a>(&'a self, _: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move { self.read_only() })
    }

    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move { referrers_in(self, &self.index, subject, artifact_type).await })
    }
}

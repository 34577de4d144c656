//! Where artifacts live: the [`Target`] trait, a remote repository ([`Remote`]) and an
//! in-memory store ([`MemoryStore`]). The OCI image layout is in [`crate::layout`].

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use oras_distribution::{Body, BoxFuture, ByteStream, Repository};
use oras_oci::{Descriptor, Digest, Manifest, media_type};

use crate::stream::{blob_stream, collect_verified, file_stream, once};
use crate::{Error, Result};

/// Something that holds content addressed by digest, with tags: a registry repository,
/// an OCI image layout directory, memory.
///
/// Fetched content is not verified by the target: whoever consumes it (a push to another
/// target, a file written on pull) checks it against the descriptor. Pushed content is
/// verified before it is stored.
pub trait Target: Send + Sync + fmt::Debug {
    /// The descriptor of the manifest a tag or digest names.
    fn resolve<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<Descriptor>>;

    /// The content a descriptor describes, as a stream.
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>>;

    /// Whether the target has the content.
    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>>;

    /// Stores content, which must match the descriptor.
    fn push<'a>(&'a self, desc: &'a Descriptor, content: ByteStream) -> BoxFuture<'a, Result<()>>;

    /// Points `tag` at the manifest `desc`.
    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>>;

    /// The manifests whose subject is `subject`, optionally of one artifact type.
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>>;

    /// Deletes content (and, for a manifest, the tags pointing at it).
    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>>;

    /// Stores bytes. Remote targets send them as a body that can be re-sent on a retry;
    /// the default pushes them as a stream.
    fn push_bytes<'a>(&'a self, desc: &'a Descriptor, bytes: Bytes) -> BoxFuture<'a, Result<()>> {
        self.push(desc, once(bytes))
    }

    /// Stores a file's content. Remote targets reopen the file when a request must be
    /// sent again; the default streams it once.
    ///
    /// `observe`, when given, wraps each stream read from the file (for progress).
    fn push_file<'a>(
        &'a self,
        desc: &'a Descriptor,
        path: &'a Path,
        observe: Option<StreamWrap>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let stream = file_stream(path).await?;
            let stream = match &observe {
                Some(wrap) => wrap(stream),
                None => stream,
            };
            self.push(desc, stream).await
        })
    }

    /// The registry repository behind this target, if it is one (for cross-repository
    /// mounts).
    fn as_remote(&self) -> Option<&Repository> {
        None
    }

    /// Whether [`fetch`](Self::fetch) verifies what it hands out: a stream whose bytes do
    /// not match the descriptor's size and digest ends in an error, never in a clean end.
    /// A consumer may then skip hashing the bytes a second time. `false` unless a target
    /// guarantees it.
    fn fetch_verifies(&self) -> bool {
        false
    }
}

/// Wraps a content stream, for example to count bytes for progress.
pub type StreamWrap = std::sync::Arc<dyn Fn(ByteStream) -> ByteStream + Send + Sync>;

/// Fetches and parses a manifest from any target, checking it against its descriptor.
pub async fn fetch_manifest(target: &dyn Target, desc: &Descriptor) -> Result<Manifest> {
    let limit = oras_oci::manifest::DEFAULT_MANIFEST_SIZE_LIMIT as u64;
    if desc.size > limit {
        return Err(Error::Manifest(format!(
            "manifest {} of {} bytes exceeds the limit of {limit} bytes",
            desc.digest, desc.size
        )));
    }
    let bytes = collect_verified(target.fetch(desc).await?, desc).await?;
    Manifest::parse(bytes, Some(&desc.media_type)).map_err(|e| Error::Manifest(e.to_string()))
}

fn is_manifest(media: &str) -> bool {
    media_type::is_image_manifest(media) || media_type::is_index(media)
}

/// A repository in a registry as a [`Target`].
#[derive(Clone, Debug)]
pub struct Remote {
    repo: Repository,
}

impl Remote {
    /// The target for a repository.
    pub fn new(repo: Repository) -> Self {
        Self { repo }
    }

    /// The repository.
    pub fn repository(&self) -> &Repository {
        &self.repo
    }
}

impl Target for Remote {
    fn resolve<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move { Ok(self.repo.resolve(reference).await?) })
    }

    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            if is_manifest(&desc.media_type) {
                let m = self.repo.fetch_manifest_for(desc).await?;
                return Ok(once(m.bytes().clone()));
            }
            Ok(blob_stream(self.repo.fetch_blob(desc).await?))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            if is_manifest(&desc.media_type) {
                return match self.repo.resolve(desc.digest.as_str()).await {
                    Ok(_) => Ok(true),
                    Err(e) if e.is_not_found() => Ok(false),
                    Err(e) => Err(e.into()),
                };
            }
            Ok(self.repo.blob_exists(&desc.digest).await?.is_some())
        })
    }

    fn push<'a>(&'a self, desc: &'a Descriptor, content: ByteStream) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if is_manifest(&desc.media_type) {
                let bytes = collect_verified(content, desc).await?;
                let m = Manifest::parse(bytes, Some(&desc.media_type))
                    .map_err(|e| Error::Manifest(e.to_string()))?;
                self.repo.push_manifest(desc.digest.as_str(), &m).await?;
                return Ok(());
            }
            self.repo
                .push_blob(desc, Body::from_stream(content, Some(desc.size)))
                .await?;
            Ok(())
        })
    }

    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let m = self.repo.fetch_manifest_for(desc).await?;
            self.repo.push_manifest(tag, &m).await?;
            Ok(())
        })
    }

    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move { Ok(self.repo.referrers(&subject.digest, artifact_type).await?) })
    }

    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if is_manifest(&desc.media_type) {
                self.repo.delete_manifest(&desc.digest).await?;
            } else {
                self.repo.delete_blob(&desc.digest).await?;
            }
            Ok(())
        })
    }

    fn push_bytes<'a>(&'a self, desc: &'a Descriptor, bytes: Bytes) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if is_manifest(&desc.media_type) {
                return self.push(desc, once(bytes)).await;
            }
            self.repo.push_blob(desc, Body::from_bytes(bytes)).await?;
            Ok(())
        })
    }

    fn push_file<'a>(
        &'a self,
        desc: &'a Descriptor,
        path: &'a Path,
        observe: Option<StreamWrap>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let owned = path.to_owned();
            let reopen = move || -> Result<ByteStream, oras_distribution::BoxError> {
                let f = std::fs::File::open(&owned)?;
                let stream = crate::stream::ReadStream::boxed(tokio::fs::File::from_std(f));
                Ok(match &observe {
                    Some(wrap) => wrap(stream),
                    None => stream,
                })
            };
            let body = Body::reopenable(Some(desc.size), reopen).map_err(|e| Error::Io {
                path: path.to_owned(),
                source: std::io::Error::other(e),
            })?;
            self.repo.push_blob(desc, body).await?;
            Ok(())
        })
    }

    fn as_remote(&self) -> Option<&Repository> {
        Some(&self.repo)
    }

    /// Blobs stream through [`oras_distribution::BlobReader`], which checks size and digest
    /// as the bytes pass; manifests are checked against their digest before they are
    /// handed out.
    fn fetch_verifies(&self) -> bool {
        true
    }
}

#[derive(Default)]
struct Memory {
    blobs: HashMap<Digest, Bytes>,
    manifests: HashMap<Digest, Descriptor>,
    tags: HashMap<String, Descriptor>,
    referrers: HashMap<Digest, Vec<Descriptor>>,
}

/// Content and tags held in memory: for tests, and as a staging area. Cheap to clone;
/// clones share content.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Memory>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.lock();
        f.debug_struct("MemoryStore")
            .field("blobs", &m.blobs.len())
            .field("tags", &m.tags.len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Memory> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tags, sorted.
    pub fn tags(&self) -> Vec<String> {
        let mut t: Vec<String> = self.lock().tags.keys().cloned().collect();
        t.sort();
        t
    }

    /// The bytes of a blob or manifest, if held.
    pub fn get(&self, digest: &Digest) -> Option<Bytes> {
        self.lock().blobs.get(digest).cloned()
    }
}

impl Target for MemoryStore {
    fn resolve<'a>(&'a self, reference: &'a str) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move {
            let m = self.lock();
            if let Some(d) = m.tags.get(reference) {
                return Ok(d.clone());
            }
            Digest::parse(reference)
                .ok()
                .and_then(|d| m.manifests.get(&d).cloned())
                .ok_or_else(|| Error::NotFound(reference.to_owned()))
        })
    }

    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let b = self.lock().blobs.get(&desc.digest).cloned();
            b.map(once)
                .ok_or_else(|| Error::NotFound(desc.digest.to_string()))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(self.lock().blobs.contains_key(&desc.digest)) })
    }

    fn push<'a>(&'a self, desc: &'a Descriptor, content: ByteStream) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let bytes = collect_verified(content, desc).await?;
            let parsed = if is_manifest(&desc.media_type) {
                Some(
                    Manifest::parse(bytes.clone(), Some(&desc.media_type))
                        .map_err(|e| Error::Manifest(e.to_string()))?,
                )
            } else {
                None
            };
            let mut m = self.lock();
            m.blobs.insert(desc.digest.clone(), bytes);
            if let Some(manifest) = parsed {
                m.manifests
                    .insert(desc.digest.clone(), manifest.descriptor());
                if let Some(subject) = manifest.subject() {
                    let list = m.referrers.entry(subject.digest.clone()).or_default();
                    if !list.iter().any(|d| d.digest == desc.digest) {
                        list.push(manifest.referrer_descriptor());
                    }
                }
            }
            Ok(())
        })
    }

    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut m = self.lock();
            if !m.blobs.contains_key(&desc.digest) {
                return Err(Error::NotFound(desc.digest.to_string()));
            }
            m.tags.insert(tag.to_owned(), desc.clone());
            Ok(())
        })
    }

    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut m = self.lock();
            if m.blobs.remove(&desc.digest).is_none() {
                return Err(Error::NotFound(desc.digest.to_string()));
            }
            m.manifests.remove(&desc.digest);
            m.tags.retain(|_, d| d.digest != desc.digest);
            for list in m.referrers.values_mut() {
                list.retain(|d| d.digest != desc.digest);
            }
            Ok(())
        })
    }

    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move {
            let m = self.lock();
            let list = m
                .referrers
                .get(&subject.digest)
                .cloned()
                .unwrap_or_default();
            Ok(list
                .into_iter()
                .filter(|d| artifact_type.is_none_or(|t| d.artifact_type.as_deref() == Some(t)))
                .collect())
        })
    }
}

/// Fetches a whole blob, verified (for small content: it is held in memory).
pub async fn fetch_blob(target: &dyn Target, desc: &Descriptor) -> Result<Bytes> {
    collect_verified(target.fetch(desc).await?, desc).await
}

/// Pushes bytes as a blob of `media_type`; returns its descriptor.
pub async fn push_blob(target: &dyn Target, media_type: &str, bytes: Bytes) -> Result<Descriptor> {
    let desc = Descriptor::of(media_type, &bytes);
    if !target.exists(&desc).await? {
        target.push_bytes(&desc, bytes).await?;
    }
    Ok(desc)
}

/// Pushes a manifest, and tags it when `tag` is given; returns its descriptor.
pub async fn push_manifest(
    target: &dyn Target,
    manifest: &Manifest,
    tag: Option<&str>,
) -> Result<Descriptor> {
    let desc = manifest.descriptor();
    target.push(&desc, once(manifest.bytes().clone())).await?;
    if let Some(t) = tag {
        target.tag(&desc, t).await?;
    }
    Ok(desc)
}

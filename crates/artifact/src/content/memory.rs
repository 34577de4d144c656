//! Content and tags held in memory.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use oras_distribution::{Body, BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, ManifestRef, annotations, media_type};

use super::{Delete, Fetch, ListReferrers, ListTags, Push, ReadOnlyTarget, Resolve, Tag, Target};
use crate::content::parse_manifest;
use crate::stream::{collect_verified, once};
use crate::{Error, Result};

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

    fn missing(desc: &Descriptor) -> Error {
        Error::NotFound(desc.digest.to_string())
    }
}

impl Fetch for MemoryStore {
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            self.get(&desc.digest)
                .map(once)
                .ok_or_else(|| Self::missing(desc))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(self.lock().blobs.contains_key(&desc.digest)) })
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move { Ok(self.lock().blobs.get(digest).map(|b| b.len() as u64)) })
    }
}

impl Push for MemoryStore {
    fn push<'a>(&'a self, desc: &'a Descriptor, content: Body) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let bytes = collect_verified(content.into_stream(), desc).await?;
            let parsed = if media_type::is_manifest(&desc.media_type) {
                Some(parse_manifest(bytes.clone(), desc)?)
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
}

impl Resolve for MemoryStore {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move {
            let m = self.lock();
            let found = match (reference.tag(), reference.digest()) {
                (Some(tag), _) => m.tags.get(tag),
                (_, Some(digest)) => m.manifests.get(digest),
                _ => None,
            };
            found
                .cloned()
                .ok_or_else(|| Error::NotFound(reference.to_string()))
        })
    }
}

impl Tag for MemoryStore {
    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            // Any name, as a layout takes.
            ManifestRef::name_of(tag)?;
            let mut m = self.lock();
            if !m.blobs.contains_key(&desc.digest) {
                return Err(Self::missing(desc));
            }
            // The name it had where it was resolved is not this one.
            let mut named = desc.clone();
            if let Some(a) = named.annotations.as_mut() {
                a.remove(annotations::REF_NAME);
                if a.is_empty() {
                    named.annotations = None;
                }
            }
            m.tags.insert(tag.to_owned(), named);
            Ok(())
        })
    }
}

impl Delete for MemoryStore {
    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut m = self.lock();
            if m.blobs.remove(&desc.digest).is_none() {
                return Err(Self::missing(desc));
            }
            m.manifests.remove(&desc.digest);
            m.tags.retain(|_, d| d.digest != desc.digest);
            for list in m.referrers.values_mut() {
                list.retain(|d| d.digest != desc.digest);
            }
            Ok(())
        })
    }
}

impl ListTags for MemoryStore {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(async move { Ok(MemoryStore::tags(self)) })
    }
}

impl ListReferrers for MemoryStore {
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

/// Bytes in memory can always be read again.
impl ReadOnlyTarget for MemoryStore {
    fn replayable(&self, desc: &Descriptor) -> Option<Body> {
        self.get(&desc.digest).map(Body::from_bytes)
    }
}

impl Target for MemoryStore {}

//! A read-through cache: content fetched from a target is kept in an OCI image layout and
//! read from there the next time (`ORAS_CACHE` in the `oras` CLI). Everything else
//! (references, tags, referrers) is asked of the target, so a cache never answers with
//! a stale tag.

use std::fmt;

use oras_distribution::{Body, BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, ManifestRef};

use super::layout::OciLayout;
use super::{Fetch, ListReferrers, ListTags, MountSource, Push, ReadOnlyTarget, Resolve};
use crate::Result;

/// `source`, with the content it gives kept in `cache`.
pub struct Cached<T> {
    source: T,
    cache: OciLayout,
}

impl<T> Cached<T> {
    /// Reads `source` through `cache`.
    pub fn new(source: T, cache: OciLayout) -> Self {
        Self { source, cache }
    }

    /// The cache.
    pub fn cache(&self) -> &OciLayout {
        &self.cache
    }
}

impl<T: fmt::Debug> fmt::Debug for Cached<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cached")
            .field("source", &self.source)
            .field("cache", &self.cache.root())
            .finish()
    }
}

impl<T: ReadOnlyTarget> Fetch for Cached<T> {
    /// From the cache; else from the source, stored in the cache (verified there) as it
    /// arrives, then read from the cache.
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            if !self.cache.exists(desc).await? {
                // The cache verifies what it stores.
                let stream = self.source.fetch_unhashed(desc).await?;
                self.cache
                    .push(desc, Body::from_stream(stream, Some(desc.size)))
                    .await?;
            }
            self.cache.fetch(desc).await
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(
            async move { Ok(self.cache.exists(desc).await? || self.source.exists(desc).await?) },
        )
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move {
            match self.cache.blob_size(digest).await? {
                Some(size) => Ok(Some(size)),
                None => self.source.blob_size(digest).await,
            }
        })
    }
}

impl<T: ReadOnlyTarget> Resolve for Cached<T> {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        self.source.resolve(reference)
    }
}

impl<T: ReadOnlyTarget> ListTags for Cached<T> {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        self.source.tags()
    }
}

impl<T: ReadOnlyTarget> ListReferrers for Cached<T> {
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        self.source.referrers(subject, artifact_type)
    }
}

impl<T: ReadOnlyTarget> ReadOnlyTarget for Cached<T> {
    fn mount_source(&self) -> Option<MountSource> {
        self.source.mount_source()
    }
}

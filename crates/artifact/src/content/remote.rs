//! A repository in a registry as a target: every ability the engine can use, and the
//! registry's own recoveries (a manifest sent again after the registry lost a blob).

use oras_distribution::{
    BlobUpload, Body, BoxError, BoxFuture, ByteStream, Mount as RegistryMount, Repository,
};
use oras_oci::{Descriptor, Digest, Digester, Manifest, ManifestRef, media_type};

use super::{
    Delete, Fetch, ListReferrers, ListTags, Mount, MountSource, Mounting, Push, ReadOnlyTarget,
    Resolve, Resupply, Tag, Target, UploadSession, UploadSessions, parse_manifest,
};
use crate::Result;
use crate::stream::{blob_stream, collect_verified, lazy, once};

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

impl Fetch for Remote {
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            if media_type::is_manifest(&desc.media_type) {
                let m = self.repo.fetch_manifest_for(desc).await?;
                return Ok(once(m.bytes().clone()));
            }
            Ok(blob_stream(self.repo.fetch_blob(desc).await?))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move {
            if media_type::is_manifest(&desc.media_type) {
                return match self.repo.resolve(&desc.digest).await {
                    Ok(_) => Ok(true),
                    Err(e) if e.is_not_found() => Ok(false),
                    Err(e) => Err(e.into()),
                };
            }
            Ok(self.repo.blob_exists(&desc.digest).await?.is_some())
        })
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move { Ok(self.repo.blob_exists(digest).await?) })
    }
}

impl Push for Remote {
    fn push<'a>(&'a self, desc: &'a Descriptor, content: Body) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if media_type::is_manifest(&desc.media_type) {
                let bytes = collect_verified(content.into_stream(), desc).await?;
                let m = parse_manifest(bytes, desc)?;
                self.repo.push_manifest(&desc.digest, &m).await?;
                return Ok(());
            }
            self.repo.push_blob(desc, content).await?;
            Ok(())
        })
    }
}

impl Resolve for Remote {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(async move { Ok(self.repo.resolve(reference).await?) })
    }
}

impl Tag for Remote {
    /// The manifest's bytes pushed again under the tag; sent again after a back-off when
    /// the registry refuses them for a blob it is still linking.
    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.repo.tag(&desc.digest, tag).await?;
            Ok(())
        })
    }
}

impl Delete for Remote {
    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if media_type::is_manifest(&desc.media_type) {
                self.repo.delete_manifest(&desc.digest).await?;
            } else {
                self.repo.delete_blob(&desc.digest).await?;
            }
            Ok(())
        })
    }
}

impl ListTags for Remote {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(async move {
            let mut tags = self.repo.tags(Some(1000)).await?;
            tags.sort();
            Ok(tags)
        })
    }
}

impl ListReferrers for Remote {
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move { Ok(self.repo.referrers(&subject.digest, artifact_type).await?) })
    }
}

impl ReadOnlyTarget for Remote {
    /// Blobs stream through [`oras_distribution::BlobReader`], which checks size and digest
    /// as the bytes pass; manifests are checked against their digest before they are
    /// handed out.
    fn fetch_verifies(&self) -> bool {
        true
    }

    fn fetch_unhashed<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            if media_type::is_manifest(&desc.media_type) {
                return self.fetch(desc).await;
            }
            Ok(blob_stream(self.repo.fetch_blob_unhashed(desc).await?))
        })
    }

    /// A blob as a body that fetches it again for every send: between registries it goes
    /// up in one streaming PUT while it is received, and a retried PUT reads the source
    /// again. It is not hashed here: the destination it goes to verifies what it stores.
    fn replayable(&self, desc: &Descriptor) -> Option<Body> {
        if media_type::is_manifest(&desc.media_type) {
            return None;
        }
        let (repo, desc) = (self.repo.clone(), desc.clone());
        let size = desc.size;
        Body::reopenable(Some(size), move || {
            let (repo, desc) = (repo.clone(), desc.clone());
            Ok(lazy(async move {
                let reader = repo
                    .fetch_blob_unhashed(&desc)
                    .await
                    .map_err(|e| Box::new(e) as BoxError)?;
                Ok(blob_stream(reader))
            }))
        })
        .ok()
    }

    fn mount_source(&self) -> Option<MountSource> {
        Some(MountSource::new(self.repo.registry(), self.repo.name()))
    }

    /// The rest with `Range` (or the whole, the first bytes skipped, from a registry that
    /// ignores it), verified against the digest with `prefix`.
    fn fetch_from<'a>(
        &'a self,
        desc: &'a Descriptor,
        start: u64,
        prefix: Digester,
    ) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            Ok(blob_stream(
                self.repo.fetch_blob_from(desc, start, prefix).await?,
            ))
        })
    }
}

impl Target for Remote {
    fn mounter(&self) -> Option<&dyn Mount> {
        Some(self)
    }

    fn upload_sessions(&self) -> Option<&dyn UploadSessions> {
        Some(self)
    }

    /// The manifest under its digest and each tag; when the registry refuses one for a
    /// blob it lost track of, the blobs `blobs` can give are uploaded again and the
    /// manifest resent, after the retry policy's back-off
    /// ([`Repository::push_manifest_tagged`]).
    fn push_manifest<'a>(
        &'a self,
        manifest: &'a Manifest,
        tags: &'a [String],
        blobs: &'a dyn Resupply,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let again = Reupload(blobs);
            self.repo
                .push_manifest_tagged(manifest, tags, Some(&again))
                .await?;
            Ok(())
        })
    }
}

/// A push's blobs, uploaded again for the registry.
struct Reupload<'a>(&'a dyn Resupply);

impl oras_distribution::Resupply for Reupload<'_> {
    fn resupply<'a>(
        &'a self,
        repo: &'a Repository,
        blobs: &'a [Descriptor],
    ) -> BoxFuture<'a, oras_distribution::Result<()>> {
        Box::pin(async move {
            for d in blobs {
                if let Some(body) = self.0.content(d) {
                    repo.push_blob(d, body).await?;
                }
            }
            Ok(())
        })
    }
}

impl Mount for Remote {
    /// Another repository of the same registry.
    fn can_mount_from(&self, from: &MountSource) -> bool {
        from.registry == self.repo.registry() && from.repository != self.repo.name()
    }

    fn mount<'a>(
        &'a self,
        desc: &'a Descriptor,
        from: &'a MountSource,
    ) -> BoxFuture<'a, Result<Mounting<'a>>> {
        Box::pin(async move {
            Ok(match self.repo.mount_blob(desc, &from.repository).await? {
                RegistryMount::Upload(session) => Mounting::Upload(Box::new(Session(session))),
                _ => Mounting::Linked,
            })
        })
    }
}

impl UploadSessions for Remote {
    /// Blobs that go up in one request: no chunk size configured, and no larger than the
    /// monolithic limit.
    fn open(&self, size: u64) -> BoxFuture<'_, Result<Option<Box<dyn UploadSession + '_>>>> {
        Box::pin(async move {
            let config = self.repo.client().config();
            if config.chunk_size.is_some() || size > config.monolithic_limit {
                return Ok(None);
            }
            let session = self.repo.start_upload().await?;
            Ok(Some(Box::new(Session(session)) as Box<_>))
        })
    }
}

/// A registry upload session.
struct Session<'r>(BlobUpload<'r>);

impl UploadSession for Session<'_> {
    fn write<'s>(&'s mut self, content: Body, len: u64) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move { Ok(self.0.write(content, len).await?) })
    }

    fn commit<'s>(self: Box<Self>, desc: &'s Descriptor) -> BoxFuture<'s, Result<()>>
    where
        Self: 's,
    {
        Box::pin(async move { Ok(self.0.finish(desc).await?) })
    }

    fn upload<'s>(self: Box<Self>, desc: &'s Descriptor, content: Body) -> BoxFuture<'s, Result<()>>
    where
        Self: 's,
    {
        Box::pin(async move { Ok(self.0.upload(desc, content).await?) })
    }

    fn cancel<'s>(self: Box<Self>) -> BoxFuture<'s, Result<()>>
    where
        Self: 's,
    {
        Box::pin(async move { Ok(self.0.cancel().await?) })
    }
}

//! Where artifacts live, as small capabilities.
//!
//! A store says what it can do with one trait per verb: [`Fetch`] (read and check
//! existence), [`Push`], [`Resolve`] (a tag or digest to a descriptor), [`Tag`],
//! [`Delete`], [`ListTags`] and [`ListReferrers`]. They group into a [`ReadOnlyTarget`]
//! (what `pull`, `discover` and the source of a `copy` need) and a [`Target`] (what `push`,
//! `attach` and the destination of a `copy` need).
//!
//! Some stores can do more, and say so when asked; the engine never looks at the concrete
//! type:
//!
//! - a fetch that verifies as it streams ([`ReadOnlyTarget::fetch_verifies`]): a pull then
//!   hashes each byte once, not twice;
//! - a source that can be read again from the start ([`ReadOnlyTarget::replayable`]), so a
//!   destination can re-send it on a retry instead of buffering it;
//! - mounting, linking content from another repository without moving it
//!   ([`ReadOnlyTarget::mount_source`] on the source, [`Target::mounter`] and [`Mount`]
//!   on the destination);
//! - upload sessions that learn the digest only when they commit
//!   ([`Target::upload_sessions`], [`UploadSessions`]): a push can send a large file while
//!   it is still being hashed;
//! - storing a manifest with its tags in a way that survives a store losing track of a
//!   blob ([`Target::push_manifest`]): the registry target sends what it lost again.
//!
//! The stores here: [`Remote`](crate::Remote) (a registry repository), [`OciLayout`]
//! and [`OciLayoutTar`] (read-only), [`MemoryStore`]. Implement the traits to bring your
//! own (a cache, an object store); the guide has an example that offers a mount.
//!
//! [`OciLayout`]: crate::OciLayout
//! [`OciLayoutTar`]: crate::OciLayoutTar
//! [`MemoryStore`]: crate::MemoryStore

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use oras_distribution::{Body, BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, Digester, Manifest, ManifestRef};

use crate::push::temp_name;
use crate::stream::{RemoveOnDrop, collect_verified, remove_unlocked, write_verified};
use crate::{Error, Result};

pub(crate) mod cache;
pub(crate) mod layout;
pub(crate) mod layout_tar;
pub(crate) mod memory;
pub(crate) mod remote;

/// Reads content by descriptor.
///
/// What `fetch` hands out need not be verified: whoever consumes it (a push to another
/// target, a file written on pull) checks it against the descriptor, unless the target
/// says it checks as it streams ([`ReadOnlyTarget::fetch_verifies`]).
pub trait Fetch: Send + Sync {
    /// The content a descriptor describes, as a stream.
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>>;

    /// Whether the store has the content.
    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>>;

    /// The size of the blob stored under `digest`, if the store has it.
    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>>;
}

/// Stores content.
pub trait Push: Send + Sync {
    /// Stores `content`, which must match the descriptor (the store verifies it). A body
    /// that can be replayed ([`Body::is_replayable`]) may be read more than once.
    fn push<'a>(&'a self, desc: &'a Descriptor, content: Body) -> BoxFuture<'a, Result<()>>;
}

/// Finds manifests by tag or digest.
pub trait Resolve: Send + Sync {
    /// The descriptor of the manifest `reference` names.
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>>;
}

/// Names manifests.
pub trait Tag: Send + Sync {
    /// Points `tag` at the manifest `desc`.
    fn tag<'a>(&'a self, desc: &'a Descriptor, tag: &'a str) -> BoxFuture<'a, Result<()>>;
}

/// Removes content.
pub trait Delete: Send + Sync {
    /// Deletes content (and, for a manifest, the tags pointing at it).
    fn delete<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<()>>;
}

/// Lists tags.
pub trait ListTags: Send + Sync {
    /// Every tag, sorted.
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>>;
}

/// Finds the manifests that refer to another.
pub trait ListReferrers: Send + Sync {
    /// The manifests whose subject is `subject`, optionally of one artifact type.
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>>;
}

/// Where a copy can read from: content, manifests by reference, tags and referrers, and
/// the optional abilities of a source.
pub trait ReadOnlyTarget: Fetch + Resolve + ListTags + ListReferrers + fmt::Debug {
    /// Whether [`fetch`](Fetch::fetch) verifies what it hands out: a stream whose bytes do
    /// not match the descriptor's size and digest ends in an error, never in a clean end.
    /// A consumer may then skip hashing the bytes a second time. `false` unless a target
    /// guarantees it.
    fn fetch_verifies(&self) -> bool {
        false
    }

    /// The content of `desc` as a body that reads it again from the start whenever it
    /// must be sent again (it owns what it needs to). A destination then streams it in one
    /// retryable request rather than holding parts of it. `None` (the default) when the
    /// store cannot; the consumer then reads [`fetch`](Fetch::fetch) once.
    fn replayable(&self, desc: &Descriptor) -> Option<Body> {
        let _ = desc;
        None
    }

    /// The content of `desc` for a consumer that hashes it itself: a store whose
    /// [`fetch`](Fetch::fetch) verifies as it streams may leave the hashing out (checking
    /// the length still), so the bytes are hashed once, where the consumer has a core
    /// for it. The default is [`fetch`](Fetch::fetch).
    fn fetch_unhashed<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        self.fetch(desc)
    }

    /// Where a [`Mount`] could link this store's content from, if anywhere: for a registry
    /// repository, its registry and name.
    fn mount_source(&self) -> Option<MountSource> {
        None
    }

    /// The content of `desc` from byte `start` on, to resume a download whose first
    /// `start` bytes are at hand and were hashed into `prefix`. A target that
    /// [`fetch_verifies`](Self::fetch_verifies) checks the whole against the digest, using
    /// `prefix`; others may ignore it (the consumer checks). The default fetches from the
    /// start and drops the first `start` bytes; a registry asks for the rest with `Range`.
    fn fetch_from<'a>(
        &'a self,
        desc: &'a Descriptor,
        start: u64,
        prefix: Digester,
    ) -> BoxFuture<'a, Result<ByteStream>> {
        let _ = prefix;
        Box::pin(async move { Ok(skip(self.fetch(desc).await?, start)) })
    }
}

// A boxed target is a target: stores chosen at run time compose like the others (wrapped
// in a [`Cached`](crate::Cached), say).
impl<T: Fetch + ?Sized> Fetch for Box<T> {
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        (**self).fetch(desc)
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        (**self).exists(desc)
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        (**self).blob_size(digest)
    }
}

impl<T: Resolve + ?Sized> Resolve for Box<T> {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        (**self).resolve(reference)
    }
}

impl<T: ListTags + ?Sized> ListTags for Box<T> {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        (**self).tags()
    }
}

impl<T: ListReferrers + ?Sized> ListReferrers for Box<T> {
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        (**self).referrers(subject, artifact_type)
    }
}

impl<T: ReadOnlyTarget + ?Sized> ReadOnlyTarget for Box<T> {
    fn fetch_verifies(&self) -> bool {
        (**self).fetch_verifies()
    }

    fn replayable(&self, desc: &Descriptor) -> Option<Body> {
        (**self).replayable(desc)
    }

    fn fetch_unhashed<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        (**self).fetch_unhashed(desc)
    }

    fn mount_source(&self) -> Option<MountSource> {
        (**self).mount_source()
    }

    fn fetch_from<'a>(
        &'a self,
        desc: &'a Descriptor,
        start: u64,
        prefix: Digester,
    ) -> BoxFuture<'a, Result<ByteStream>> {
        (**self).fetch_from(desc, start, prefix)
    }
}

/// `stream` without its first `n` bytes.
fn skip(stream: ByteStream, n: u64) -> ByteStream {
    use futures_util::StreamExt;
    let mut left = n;
    Box::pin(stream.filter_map(move |chunk| {
        let out = match chunk {
            Ok(mut b) if left > 0 => {
                let drop_now = usize::try_from(left).unwrap_or(usize::MAX).min(b.len());
                let _ = b.split_to(drop_now);
                left -= drop_now as u64;
                (!b.is_empty()).then_some(Ok(b))
            }
            other => Some(other),
        };
        std::future::ready(out)
    }))
}

/// Where `push`, `attach` and a copy write to: a [`ReadOnlyTarget`] that also stores,
/// tags and deletes, and the optional abilities of a destination.
pub trait Target: ReadOnlyTarget + Push + Tag + Delete {
    /// The store's ability to link content from another place without moving it.
    fn mounter(&self) -> Option<&dyn Mount> {
        None
    }

    /// The store's upload sessions whose digest is given only at the commit.
    fn upload_sessions(&self) -> Option<&dyn UploadSessions> {
        None
    }

    /// Stores a manifest and points each of `tags` at it: the last step of a push.
    /// `blobs` can give again the blobs the manifest references, for a store that must be
    /// sent one again (a registry that lost track of a blob while another writer uploaded
    /// it). The default pushes, then tags.
    fn push_manifest<'a>(
        &'a self,
        manifest: &'a Manifest,
        tags: &'a [String],
        blobs: &'a dyn Resupply,
    ) -> BoxFuture<'a, Result<()>> {
        let _ = blobs;
        Box::pin(async move {
            let desc = manifest.descriptor();
            self.push(&desc, Body::from_bytes(manifest.bytes().clone()))
                .await?;
            for t in tags {
                self.tag(&desc, t).await?;
            }
            Ok(())
        })
    }
}

/// The blobs of a push, given again on request (see [`Target::push_manifest`]).
pub trait Resupply: Send + Sync {
    /// The content of `desc`, read from its start, if this push has it.
    fn content(&self, desc: &Descriptor) -> Option<Body>;
}

/// A [`Resupply`] with nothing to give.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoResupply;

impl Resupply for NoResupply {
    fn content(&self, _: &Descriptor) -> Option<Body> {
        None
    }
}

/// Where content could be mounted from: a registry and a repository in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MountSource {
    /// The registry host as written in references (`ghcr.io`, `localhost:5000`); for a
    /// store of your own, whatever names the place content is shared within.
    pub registry: String,
    /// The repository within it.
    pub repository: String,
}

impl MountSource {
    /// A registry and a repository.
    pub fn new(registry: impl Into<String>, repository: impl Into<String>) -> Self {
        Self {
            registry: registry.into(),
            repository: repository.into(),
        }
    }
}

/// Links content from another place of the same store without moving its bytes.
pub trait Mount: Send + Sync {
    /// Whether content of `from` can be mounted here at all (for a registry: another
    /// repository of the same registry).
    fn can_mount_from(&self, from: &MountSource) -> bool;

    /// Mounts `desc` from `from`: linked, an upload session opened instead (a registry
    /// answers a mount it will not do with one; the caller sends the content through
    /// it), or declined (the caller stores the content the ordinary way).
    fn mount<'a>(
        &'a self,
        desc: &'a Descriptor,
        from: &'a MountSource,
    ) -> BoxFuture<'a, Result<Mounting<'a>>>;
}

/// What a [`Mount`] did.
#[non_exhaustive]
pub enum Mounting<'a> {
    /// The content is linked; no bytes moved.
    Linked,
    /// Not linked: the store opened this session for the content instead.
    Upload(Box<dyn UploadSession + 'a>),
    /// Not linked, and nothing opened: store the content the ordinary way.
    Declined,
}

impl fmt::Debug for Mounting<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Linked => "Linked",
            Self::Upload(_) => "Upload(..)",
            Self::Declined => "Declined",
        })
    }
}

/// Opens [`UploadSession`]s.
pub trait UploadSessions: Send + Sync {
    /// A session for a blob of `size` bytes sent in one [`write`](UploadSession::write)
    /// before its digest is known; `None` when this store would not take a blob of that
    /// size that way (too large for one request, or chunked uploads configured).
    fn open(&self, size: u64) -> BoxFuture<'_, Result<Option<Box<dyn UploadSession + '_>>>>;
}

/// An upload in progress.
pub trait UploadSession: Send {
    /// Sends the next `len` bytes from `content`, streamed, in one request.
    fn write<'s>(&'s mut self, content: Body, len: u64) -> BoxFuture<'s, Result<()>>;

    /// Commits what was written as the content `desc` describes; the store checks it.
    fn commit<'s>(self: Box<Self>, desc: &'s Descriptor) -> BoxFuture<'s, Result<()>>
    where
        Self: 's;

    /// Sends the whole of `content` as `desc` and commits it (a replayable body is sent
    /// again whole on a retry).
    fn upload<'s>(
        self: Box<Self>,
        desc: &'s Descriptor,
        content: Body,
    ) -> BoxFuture<'s, Result<()>>
    where
        Self: 's;

    /// Abandons the upload.
    fn cancel<'s>(self: Box<Self>) -> BoxFuture<'s, Result<()>>
    where
        Self: 's;
}

/// Fetches and parses a manifest from any target, checking it against its descriptor
/// (and refusing one larger than the 4 MiB manifest limit before reading it).
pub async fn fetch_manifest(target: &dyn ReadOnlyTarget, desc: &Descriptor) -> Result<Manifest> {
    let limit = oras_oci::manifest::DEFAULT_MANIFEST_SIZE_LIMIT as u64;
    if desc.size > limit {
        return Err(Error::ManifestTooLarge {
            digest: desc.digest.clone(),
            size: desc.size,
            limit,
        });
    }
    let bytes = collect_verified(target.fetch(desc).await?, desc).await?;
    parse_manifest(bytes, desc)
}

/// Parses bytes already checked against `desc` as the manifest it describes.
pub(crate) fn parse_manifest(bytes: Bytes, desc: &Descriptor) -> Result<Manifest> {
    Manifest::parse(bytes, Some(&desc.media_type)).map_err(|source| Error::InvalidManifest {
        what: desc.digest.to_string(),
        source,
    })
}

/// Reads all of `content`, which must match `desc`: the check a store makes before it
/// keeps small content (it is held in memory; at most `desc.size` bytes are read).
pub async fn read_all(content: Body, desc: &Descriptor) -> Result<Bytes> {
    collect_verified(content.into_stream(), desc).await
}

/// Fetches a whole blob, verified (for small content: it is held in memory).
pub async fn fetch_blob(target: &dyn ReadOnlyTarget, desc: &Descriptor) -> Result<Bytes> {
    collect_verified(target.fetch(desc).await?, desc).await
}

/// Writes the content `desc` describes to the file `path`, verified as it streams: the
/// bytes go to a hidden temporary file beside it (`.<name>.oras-partial-<pid>-<n>`, locked
/// while in use), renamed to `path` only when size and digest matched. On failure nothing
/// is left at either name; what a killed process left beside `path` goes the next time.
pub async fn fetch_to_file(
    target: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    path: &Path,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.oras-partial");
    let tmp = path.with_file_name(temp_name(&prefix));
    let (dir, earlier) = (tmp.parent().map(Path::to_owned), prefix.clone());
    let partial = tokio::task::spawn_blocking(move || {
        if let Some(dir) = dir {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &dir
            };
            remove_unlocked(dir, &format!("{earlier}-"));
        }
        RemoveOnDrop::locked(tmp)
    })
    .await??;
    let stream = target.fetch_unhashed(desc).await?;
    write_verified(stream, desc, partial.path(), false, false, || {}).await?;
    tokio::fs::rename(partial.path(), path)
        .await
        .map_err(Error::io(path))
}

/// Pushes bytes as a blob of `media_type` unless the target has it; returns its
/// descriptor.
pub async fn push_blob(target: &dyn Target, media_type: &str, bytes: Bytes) -> Result<Descriptor> {
    let desc = Descriptor::of(media_type, &bytes);
    if !target.exists(&desc).await? {
        target.push(&desc, Body::from_bytes(bytes)).await?;
    }
    Ok(desc)
}

/// Pushes a manifest, and tags it when `tag` is given; returns its descriptor.
pub async fn push_manifest(
    target: &dyn Target,
    manifest: &Manifest,
    tag: Option<&str>,
) -> Result<Descriptor> {
    let tags: Vec<String> = tag.map(str::to_owned).into_iter().collect();
    target.push_manifest(manifest, &tags, &NoResupply).await?;
    Ok(manifest.descriptor())
}

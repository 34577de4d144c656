//! Copy: a graph (index, manifests, configs, layers, subjects) from any source to any
//! destination, children first, skipping what the destination has, using the abilities
//! the two offer (a mount between repositories of one registry, a source that can be read
//! again for a single retryable upload), and the referrers of every manifest in the graph
//! (an index and each of its platforms' manifests) to a depth. Blobs that registries do not
//! distribute (foreign layers) are left where they are unless asked.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures_util::future::join_all;
use oras_distribution::{Body, BoxFuture, ErrorKind};
use oras_oci::{Descriptor, Digest, IntoManifestRef, Platform, media_type};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::content::{Mounting, ReadOnlyTarget, Target, fetch_manifest};
use crate::error::Side;
use crate::platform::select_platform;
use crate::progress::{Event, Observer, Progress};
use crate::{Error, Result};

/// How to copy.
#[derive(Clone)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Blobs copied at once (default 3, as oras-go).
    pub concurrency: usize,
    /// For an index: copy only this platform's manifest.
    pub platform: Option<Platform>,
    /// Also copy the referrers of every manifest in the graph (the root, and the manifests
    /// of an index), and theirs, this many levels deep (0: none).
    pub referrers_depth: usize,
    /// Only referrers of this artifact type.
    pub referrers_artifact_type: Option<String>,
    /// Also copy the blobs of foreign and non-distributable layers
    /// ([`media_type::is_non_distributable`]); by default they stay behind, as their
    /// descriptors point elsewhere for them (`urls`) and registries refuse or lack them.
    pub include_non_distributable: bool,
    /// Visit the children of manifests the destination has too, copying what is missing
    /// under them (`oras cp --force`: for a destination filled part-way, such as a
    /// registry cache holding one platform of an index).
    pub deep: bool,
    /// Receives progress events.
    pub observer: Option<Arc<dyn Observer>>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        Self {
            concurrency: 3,
            platform: None,
            referrers_depth: 0,
            referrers_artifact_type: None,
            include_non_distributable: false,
            deep: false,
            observer: None,
        }
    }
}

/// Copies the graph under `src_ref` (index, manifests, configs, layers, subjects) from
/// `src` to `dst`, skipping what `dst` has, mounting blobs across repositories of one
/// registry, and tags it `dst_tag` when given. Returns the root descriptor.
///
/// A failure while copying names the content and the side that failed
/// ([`Error::Copy`]).
pub async fn copy(
    src: &dyn ReadOnlyTarget,
    src_ref: impl IntoManifestRef,
    dst: &dyn Target,
    dst_tag: Option<&str>,
    options: &CopyOptions,
) -> Result<Descriptor> {
    let src_ref = src_ref.into_manifest_ref()?;
    let span = tracing::debug_span!("copy", reference = %src_ref, tag = dst_tag);
    async move {
        let copier = Copier {
            src,
            dst,
            options,
            progress: Progress(options.observer.clone()),
        };
        let mut root = src.resolve(&src_ref).await?;
        if options.platform.is_some() && media_type::is_index(&root.media_type) {
            let index = fetch_manifest(src, &root)
                .await
                .map_err(|e| e.at(Side::Source, &root))?;
            root = select_platform(&index, options.platform.as_ref())?;
        }
        let mut done = Seen::default();
        copier.graph(&root, &mut done).await?;
        if let Some(tag) = dst_tag {
            dst.tag(&root, tag)
                .await
                .map_err(|e| e.at(Side::Destination, &root))?;
        }
        copier
            .graph_referrers(&root, options.referrers_depth, &mut done)
            .await?;
        Ok(root)
    }
    .instrument(span)
    .await
}

/// One copy's two sides and settings.
struct Copier<'a> {
    src: &'a dyn ReadOnlyTarget,
    dst: &'a dyn Target,
    options: &'a CopyOptions,
    progress: Progress,
}

/// How many times a blob copy starts over from the source after a retryable failure: a
/// body streamed from a source that cannot be read again cannot be re-sent by the request
/// that failed part-way; the source is opened again instead.
const COPY_ATTEMPTS: usize = 3;

impl Copier<'_> {
    /// The referrers of every manifest in the graph under `root` (itself, and the
    /// manifests an index lists, at any depth), `depth` levels of referrers deep: the
    /// signature of one platform's manifest comes along with the index, as with `oras cp
    /// -r` since 1.2.
    fn graph_referrers<'s>(
        &'s self,
        root: &'s Descriptor,
        depth: usize,
        done: &'s mut Seen,
    ) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            if depth == 0 {
                return Ok(());
            }
            for m in self.manifests_under(root).await? {
                let found = self
                    .src
                    .referrers(&m, self.options.referrers_artifact_type.as_deref())
                    .await
                    .map_err(|e| e.at(Side::Source, &m))?;
                for r in found {
                    let plain = Descriptor::new(r.media_type.clone(), r.digest.clone(), r.size);
                    // Seen already: copied with its referrers, or a cycle a hostile
                    // registry made up.
                    let seen = done.nodes.contains(&Node::of(&plain));
                    self.graph(&plain, done).await?;
                    if !seen {
                        self.graph_referrers(&plain, depth - 1, done).await?;
                    }
                }
            }
            Ok(())
        })
    }

    /// `root` and the manifests its index lists, recursively (read from the source).
    async fn manifests_under(&self, root: &Descriptor) -> Result<Vec<Descriptor>> {
        let mut out = vec![root.clone()];
        let mut next = 0;
        while next < out.len() {
            let node = out[next].clone();
            next += 1;
            if !media_type::is_index(&node.media_type) {
                continue;
            }
            let index = fetch_manifest(self.src, &node)
                .await
                .map_err(|e| e.at(Side::Source, &node))?;
            for child in index
                .as_index()
                .map(|i| i.manifests.as_slice())
                .unwrap_or_default()
            {
                if media_type::is_manifest(&child.media_type)
                    && !out.iter().any(|d| d.digest == child.digest)
                {
                    out.push(child.clone());
                }
            }
        }
        Ok(out)
    }

    /// `node` and everything below it, children first: manifests one by one (each copies
    /// its own blobs concurrently), then this manifest's blobs concurrently, then the
    /// manifest itself. Each node of the graph (media type, digest and size, as oras-go
    /// tracks them) is handled once: listed again it is `Repeated`, and a blob already at
    /// the destination under another media type is `Skipped` without asking again.
    fn graph<'s>(&'s self, node: &'s Descriptor, done: &'s mut Seen) -> BoxFuture<'s, Result<()>> {
        Box::pin(async move {
            if !done.nodes.insert(Node::of(node)) {
                return Ok(());
            }
            let is_manifest = media_type::is_manifest(&node.media_type);
            let exists = self.dst_has(node, done).await?;
            if exists && !(self.options.deep && is_manifest) {
                self.progress.emit(Event::Skipped(node));
                return Ok(());
            }
            if !is_manifest {
                return self.blob(node).await;
            }
            let manifest = fetch_manifest(self.src, node)
                .await
                .map_err(|e| e.at(Side::Source, node))?;
            let mut blobs = Vec::new();
            let mut repeated = Vec::new();
            let mut retyped = Vec::new();
            for child in manifest.successors() {
                if media_type::is_manifest(&child.media_type) {
                    self.graph(child, done).await?;
                } else if !self.options.include_non_distributable
                    && media_type::is_non_distributable(&child.media_type)
                {
                    // Its descriptor points elsewhere for the bytes (`urls`).
                    self.progress.emit(Event::Excluded(child));
                } else if !done.nodes.insert(Node::of(child)) {
                    // The same node again (under another title, say): handled once.
                    repeated.push(child);
                } else if !done.moved.insert(child.digest.clone()) {
                    // The same bytes under another media type: there once the copy of
                    // the first is.
                    retyped.push(child);
                } else {
                    blobs.push(child);
                }
            }
            let limit = Semaphore::new(self.options.concurrency.max(1));
            let limit = &limit;
            let known = &done.known;
            let jobs = blobs.into_iter().map(|b| {
                self.progress.emit(Event::Queued(b));
                async move {
                    let _permit = limit
                        .acquire()
                        .await
                        .expect("the semaphore is never closed");
                    if self.exists_at_dst(b).await? {
                        self.progress.emit(Event::Skipped(b));
                    } else {
                        self.blob(b).await?;
                    }
                    known
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(b.digest.clone());
                    Ok(())
                }
            });
            join_all(jobs).await.into_iter().collect::<Result<()>>()?;
            for d in retyped {
                self.progress.emit(Event::Skipped(d));
            }
            for d in repeated {
                self.progress.emit(Event::Repeated(d));
            }
            if exists {
                self.progress.emit(Event::Skipped(node));
                return Ok(());
            }
            self.progress.emit(Event::Queued(node));
            self.progress.emit(Event::Started(node));
            let r = self
                .dst
                .push(node, Body::from_bytes(manifest.bytes().clone()))
                .await
                .map_err(|e| e.at(Side::Destination, node));
            crate::push::report(&self.progress, node, &r);
            r
        })
    }

    /// Whether the destination has `desc`: known when its bytes were checked or copied
    /// earlier in this copy (under any media type), else asked.
    async fn dst_has(&self, desc: &Descriptor, done: &mut Seen) -> Result<bool> {
        if done.knows(&desc.digest) {
            return Ok(true);
        }
        let there = self.exists_at_dst(desc).await?;
        done.moved.insert(desc.digest.clone());
        if there {
            done.remember(&desc.digest);
        }
        Ok(there)
    }

    async fn exists_at_dst(&self, desc: &Descriptor) -> Result<bool> {
        self.dst
            .exists(desc)
            .await
            .map_err(|e| e.at(Side::Destination, desc))
    }

    /// One blob, started over from the source after a retryable failure.
    /// Events: `Mounted` for a blob linked, else `Started` when bytes begin to move and
    /// `Finished` (or `Failed`).
    async fn blob(&self, desc: &Descriptor) -> Result<()> {
        let started = std::sync::atomic::AtomicBool::new(false);
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            match self.blob_once(desc, &started).await {
                Err(e) if e.is_retryable() && attempt < COPY_ATTEMPTS => continue,
                other => break other,
            }
        };
        match result {
            Ok(true) => Ok(()),
            Ok(false) => {
                self.progress.emit(Event::Finished(desc));
                Ok(())
            }
            Err(e) => {
                self.start(desc, &started);
                self.progress.emit(Event::Failed(desc, &e.to_string()));
                Err(e)
            }
        }
    }

    /// `Started`, once per blob.
    fn start(&self, desc: &Descriptor, started: &std::sync::atomic::AtomicBool) {
        if !started.swap(true, std::sync::atomic::Ordering::Relaxed) {
            self.progress.emit(Event::Started(desc));
        }
    }

    /// Mounted when the destination can link it from the source; otherwise sent from a
    /// source body that reads again on a retry when the source offers one (between
    /// registries: one streaming PUT while it is received), or from a single fetch.
    /// Whether it was mounted.
    async fn blob_once(
        &self,
        desc: &Descriptor,
        started: &std::sync::atomic::AtomicBool,
    ) -> Result<bool> {
        let to_dst = |e: Error| {
            let side = if came_from_source(&e) {
                Side::Source
            } else {
                Side::Destination
            };
            e.at(side, desc)
        };
        let from = self.src.mount_source();
        let mut session = None;
        if let (Some(from), Some(mounter)) = (&from, self.dst.mounter())
            && mounter.can_mount_from(from)
        {
            match mounter.mount(desc, from).await.map_err(to_dst)? {
                Mounting::Linked => {
                    self.progress.emit(Event::Mounted(desc));
                    return Ok(true);
                }
                Mounting::Upload(opened) => session = Some(opened),
                Mounting::Declined => {}
            }
        }
        self.start(desc, started);
        let body = match self.src.replayable(desc) {
            Some(body) => body,
            None => {
                // The destination verifies what it stores: no need to hash on the way.
                let stream = self
                    .src
                    .fetch_unhashed(desc)
                    .await
                    .map_err(|e| e.at(Side::Source, desc))?;
                Body::from_stream(stream, Some(desc.size))
            }
        };
        let (progress, counted) = (self.progress.clone(), desc.clone());
        let body = if progress.0.is_some() {
            body.map_stream(move |s| progress.counting(&counted, s))
        } else {
            body
        };
        match session {
            // The registry answered the mount with an upload session: the blob goes there.
            Some(session) => session.upload(desc, body).await.map_err(to_dst)?,
            None => self.dst.push(desc, body).await.map_err(to_dst)?,
        }
        Ok(false)
    }
}

/// A node of the graph, as oras-go tracks it: media type, digest and size. One blob under
/// two media types (`{}` as the empty descriptor and as a config) is two nodes.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Node {
    media_type: String,
    digest: Digest,
    size: u64,
}

impl Node {
    fn of(d: &Descriptor) -> Self {
        Self {
            media_type: d.media_type.clone(),
            digest: d.digest.clone(),
            size: d.size,
        }
    }
}

/// What one copy has met: the nodes handled, the digests whose copy was started (or
/// checked), and those the destination is known to hold (found there, or copied; shared
/// with the tasks of one manifest's blobs).
#[derive(Default)]
struct Seen {
    nodes: HashSet<Node>,
    moved: HashSet<Digest>,
    known: Mutex<HashSet<Digest>>,
}

impl Seen {
    fn knows(&self, digest: &Digest) -> bool {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(digest)
    }

    fn remember(&self, digest: &Digest) {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(digest.clone());
    }
}

/// Whether a destination's failure was the source's: its stream broke, or gave bytes
/// that do not match.
fn came_from_source(e: &Error) -> bool {
    match e {
        Error::Stream(_) | Error::Verify(_) => true,
        Error::Registry(r) => r.kind() == ErrorKind::Body,
        _ => false,
    }
}

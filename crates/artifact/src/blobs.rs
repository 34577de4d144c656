//! Single blobs in bounded memory, whatever their size: a file hashed and streamed to a
//! target, a stream of known size pushed (hashed on the way when its digest is not
//! given), a blob streamed into any writer with its digest checked. What `oras blob push`
//! and `oras blob fetch` do.

use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use oras_distribution::{Body, BoxError, ByteStream};
use oras_oci::verify::Verifier;
use oras_oci::{Algorithm, Descriptor, Digest, Digester};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::content::{ReadOnlyTarget, Target};
use crate::overlap;
use crate::progress::{Event, Observer, Progress};
use crate::push::{hash_file, report, temp_name, upload};
use crate::stream::{HashThread, RemoveOnDrop, remove_unlocked, write_to};
use crate::{Error, Result};

/// The descriptor of a file as a blob of `media_type`: its size and SHA-256, read in
/// pieces.
pub async fn describe_file(path: &Path, media_type: &str) -> Result<Descriptor> {
    let (digest, size) = hash_file(path.to_owned()).await?;
    Ok(Descriptor::new(media_type, digest, size))
}

/// Pushes the file `path` as the blob `desc` unless the target has it, streamed from disk
/// (and read again from the start on a retry). Returns whether it was uploaded. Events:
/// `Skipped`, or `Started`, `Bytes`…, `Finished`.
pub async fn push_file(
    target: &dyn Target,
    desc: &Descriptor,
    path: &Path,
    observer: Option<Arc<dyn Observer>>,
) -> Result<bool> {
    let progress = Progress(observer);
    if target.exists(desc).await? {
        progress.emit(Event::Skipped(desc));
        return Ok(false);
    }
    progress.emit(Event::Queued(desc));
    upload(target, desc, path, &progress).await?;
    Ok(true)
}

/// Pushes the file `path` as a blob of `media_type`, its digest computed on the way, and
/// returns its descriptor. A large file (64 MiB and more) goes up through an upload
/// session of the target while another thread hashes it, and the digest goes with the
/// commit, so the push costs about the upload alone (a blob the target turns out to have
/// is skipped and the session abandoned); otherwise the file is [described](describe_file)
/// first and [pushed](push_file). Events as [`push_file`]'s.
pub async fn hash_and_push_file(
    target: &dyn Target,
    path: &Path,
    media_type: &str,
    observer: Option<Arc<dyn Observer>>,
) -> Result<Descriptor> {
    let progress = Progress(observer);
    if let Some(sessions) = target.upload_sessions()
        && let Some(size) = overlap::worth_it(path).await
        && let Ok(Some(session)) = sessions.open(size).await
    {
        let describe = |digest, size| Descriptor::new(media_type, digest, size);
        return overlap::push(target, session, path, size, describe, &progress, None).await;
    }
    let desc = describe_file(path, media_type).await?;
    push_file(target, &desc, path, progress.0.clone()).await?;
    Ok(desc)
}

/// The prefix of the files a stream without its digest is kept in, in the system's
/// temporary directory, while it is hashed (when the target has no upload sessions):
/// `oras-blob-stdin-<pid>-<n>`, each locked while its push runs.
const SPOOL_PREFIX: &str = "oras-blob-stdin";

/// Pushes `size` bytes of `stream` as a blob of `media_type` (bytes past `size` are left
/// unread; fewer is an error). With `digest` given the stream goes as it is (in one request
/// through an upload session when the target offers one), unless the target has that
/// blob; without, it is hashed as it goes: sent through an upload session
/// that takes the digest at the commit when the target offers one, else spooled to a
/// temporary file first. Returns the descriptor.
pub async fn push_stream(
    target: &dyn Target,
    media_type: &str,
    size: u64,
    digest: Option<Digest>,
    stream: ByteStream,
    observer: Option<Arc<dyn Observer>>,
) -> Result<Descriptor> {
    let progress = Progress(observer);
    let stream = exactly(stream, size);
    if let Some(digest) = digest {
        let desc = Descriptor::new(media_type, digest, size);
        if target.exists(&desc).await? {
            progress.emit(Event::Skipped(&desc));
            return Ok(desc);
        }
        progress.emit(Event::Queued(&desc));
        progress.emit(Event::Started(&desc));
        let body = Body::from_stream(progress.counting(&desc, stream), Some(size));
        // One streamed request where the target offers a session for it (a stream cannot
        // be sent twice anyway); else the target's own push, which sends a stream this
        // large in chunks it can retry one by one, at the cost of a request per chunk.
        let r = match target.upload_sessions() {
            Some(sessions) => match sessions.open(size).await? {
                Some(mut session) => match session.write(body, size).await {
                    Ok(()) => session.commit(&desc).await,
                    Err(e) => {
                        let _ = session.cancel().await;
                        Err(e)
                    }
                },
                None => target.push(&desc, body).await,
            },
            None => target.push(&desc, body).await,
        };
        report(&progress, &desc, &r);
        r?;
        return Ok(desc);
    }
    let hasher = Arc::new(Mutex::new(Digester::new(Algorithm::Sha256)));
    let hashed: ByteStream = Box::pin(Hashing {
        inner: stream,
        hasher: hasher.clone(),
    });
    if let Some(sessions) = target.upload_sessions()
        && let Some(mut session) = sessions.open(size).await?
    {
        let sent = session
            .write(Body::from_stream(hashed, Some(size)), size)
            .await;
        if let Err(e) = sent {
            let _ = session.cancel().await;
            return Err(e);
        }
        let digest = hasher
            .lock()
            .map_err(|_| Error::Cancelled)?
            .clone()
            .finish();
        let desc = Descriptor::new(media_type, digest, size);
        if target.exists(&desc).await? {
            let _ = session.cancel().await;
            progress.emit(Event::Skipped(&desc));
            return Ok(desc);
        }
        progress.emit(Event::Queued(&desc));
        progress.emit(Event::Started(&desc));
        progress.emit(Event::Bytes(&desc, size));
        let r = session.commit(&desc).await;
        report(&progress, &desc, &r);
        r?;
        return Ok(desc);
    }
    // No session: keep it on disk while it is hashed, then send the file.
    let spool = std::env::temp_dir().join(temp_name(SPOOL_PREFIX));
    let _remove = tokio::task::spawn_blocking({
        let spool = spool.clone();
        move || {
            // What killed processes left.
            remove_unlocked(&std::env::temp_dir(), &format!("{SPOOL_PREFIX}-"));
            RemoveOnDrop::locked(spool)
        }
    })
    .await??;
    write_to(hashed, &spool, false, None, false, || {}).await?;
    let digest = hasher
        .lock()
        .map_err(|_| Error::Cancelled)?
        .clone()
        .finish();
    let desc = Descriptor::new(media_type, digest, size);
    push_file(target, &desc, &spool, progress.0.clone()).await?;
    Ok(desc)
}

/// Streams the blob `desc` into `out`, checking its size and digest as it goes; a
/// mismatch is an error after the bytes were written (check before trusting them, or
/// write to a file with [`fetch_to_file`](crate::fetch_to_file), which keeps nothing
/// unverified). Events: `Started`, `Bytes`…, `Finished`.
pub async fn fetch_to_writer(
    target: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    out: &mut (dyn AsyncWrite + Unpin + Send),
    observer: Option<Arc<dyn Observer>>,
) -> Result<()> {
    let progress = Progress(observer);
    progress.emit(Event::Queued(desc));
    progress.emit(Event::Started(desc));
    let r = async {
        let hash = HashThread::spawn(Verifier::for_descriptor(desc)?)
            .map_err(|e| Error::io("<hashing thread>")(e))?;
        let mut stream = progress.counting(desc, target.fetch_unhashed(desc).await?);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(Error::Stream)?;
            // A hash that stopped early (too many bytes) answers below.
            let _ = hash.chunks.send(chunk.clone()).await;
            out.write_all(&chunk)
                .await
                .map_err(|e| Error::io("<output>")(e))?;
        }
        drop(hash.chunks);
        hash.done.await.unwrap_or(Err(Error::Cancelled))?;
        out.flush().await.map_err(|e| Error::io("<output>")(e))
    }
    .await;
    report(&progress, desc, &r);
    r
}

/// `stream` cut at `size` bytes; an error if it ends before.
fn exactly(stream: ByteStream, size: u64) -> ByteStream {
    Box::pin(Exactly {
        inner: stream,
        left: size,
    })
}

struct Exactly {
    inner: ByteStream,
    left: u64,
}

impl Stream for Exactly {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        match ready!(self.inner.as_mut().poll_next(cx)) {
            Some(Ok(mut chunk)) => {
                if chunk.len() as u64 > self.left {
                    chunk.truncate(self.left as usize);
                }
                self.left -= chunk.len() as u64;
                Poll::Ready(Some(Ok(chunk)))
            }
            Some(Err(e)) => Poll::Ready(Some(Err(e))),
            None => {
                let left = self.left;
                self.left = 0;
                Poll::Ready(Some(Err(format!(
                    "the input ended {left} bytes short of the size given"
                )
                .into())))
            }
        }
    }
}

/// A stream that hashes what passes.
struct Hashing {
    inner: ByteStream,
    hasher: Arc<Mutex<Digester>>,
}

impl Stream for Hashing {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(self.inner.as_mut().poll_next(cx));
        if let Some(Ok(chunk)) = &item
            && let Ok(mut h) = self.hasher.lock()
        {
            h.update(chunk);
        }
        Poll::Ready(item)
    }
}

//! Content as streams: files read as streams and bodies, registry blobs, streams drained
//! with verification, and temporary files that clean up after themselves.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};
use oras_distribution::{Body, BoxError, ByteStream};
use oras_oci::Descriptor;
use oras_oci::verify::Verifier;
use tokio::io::{AsyncRead, ReadBuf};

use crate::{Error, Result};

/// Read size for files: large enough for throughput, small enough for bounded memory.
pub(crate) const READ_SIZE: usize = 256 * 1024;

/// Wraps a content stream, for example to count bytes for progress.
pub type StreamWrap = std::sync::Arc<dyn Fn(ByteStream) -> ByteStream + Send + Sync>;

/// Reads an `AsyncRead` as a stream of chunks.
pub(crate) struct ReadStream<R> {
    reader: R,
    buf: Vec<u8>,
}

impl<R: AsyncRead + Unpin + Send + 'static> ReadStream<R> {
    pub(crate) fn boxed(reader: R) -> ByteStream {
        Box::pin(Self {
            reader,
            buf: vec![0; READ_SIZE],
        })
    }
}

impl<R: AsyncRead + Unpin> Stream for ReadStream<R> {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut rb = ReadBuf::new(&mut this.buf);
        match ready!(Pin::new(&mut this.reader).poll_read(cx, &mut rb)) {
            Err(e) => Poll::Ready(Some(Err(Box::new(e)))),
            Ok(()) if rb.filled().is_empty() => Poll::Ready(None),
            Ok(()) => Poll::Ready(Some(Ok(Bytes::copy_from_slice(rb.filled())))),
        }
    }
}

/// A file as a stream.
pub(crate) async fn file_stream(path: &Path) -> Result<ByteStream> {
    let f = tokio::fs::File::open(path).await.map_err(Error::io(path))?;
    Ok(ReadStream::boxed(f))
}

/// A file of `size` bytes as a body that opens the file again for every send, each
/// stream wrapped by `wrap` when given (for progress).
pub(crate) fn file_body(path: &Path, size: u64, wrap: Option<StreamWrap>) -> Result<Body> {
    let owned = path.to_owned();
    let open = move || -> Result<ByteStream, BoxError> {
        let f = std::fs::File::open(&owned)?;
        let stream = ReadStream::boxed(tokio::fs::File::from_std(f));
        Ok(match &wrap {
            Some(wrap) => wrap(stream),
            None => stream,
        })
    };
    Body::reopenable(Some(size), open).map_err(|e| {
        let source = match e.downcast::<std::io::Error>() {
            Ok(io) => *io,
            Err(other) => std::io::Error::other(other),
        };
        Error::Io {
            path: path.to_owned(),
            source,
        }
    })
}

/// A verified registry blob as a stream.
pub(crate) fn blob_stream(reader: oras_distribution::BlobReader) -> ByteStream {
    Box::pin(stream::unfold(reader, |mut r| async move {
        let item = r.chunk().await?;
        Some((item.map_err(|e| Box::new(e) as BoxError), r))
    }))
}

/// A stream of one chunk.
pub(crate) fn once(b: Bytes) -> ByteStream {
    Box::pin(stream::once(std::future::ready(Ok::<_, BoxError>(b))))
}

/// A stream that starts `open` only when first polled (a source opened only if needed).
pub(crate) fn lazy(
    open: impl Future<Output = Result<ByteStream, BoxError>> + Send + 'static,
) -> ByteStream {
    Box::pin(stream::once(open).try_flatten())
}

/// Reads a whole stream that must match `desc` (at most `desc.size` bytes held).
pub(crate) async fn collect_verified(mut stream: ByteStream, desc: &Descriptor) -> Result<Bytes> {
    let mut v = Verifier::for_descriptor(desc)?;
    let mut out = Vec::with_capacity(usize::try_from(desc.size).unwrap_or(0).min(8 << 20));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Error::Stream)?;
        v.update(&chunk)?;
        out.extend_from_slice(&chunk);
    }
    v.finish()?;
    Ok(Bytes::from(out))
}

/// Removes a temporary file or directory when dropped (also when the future that owns it
/// is cancelled).
pub(crate) struct RemoveOnDrop {
    path: Option<PathBuf>,
    /// Held locked while the file is in use.
    _lock: Option<std::fs::File>,
}

impl RemoveOnDrop {
    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        self.path.as_deref().expect("set until dropped")
    }

    /// A new, empty file at `path`, locked for as long as this lives, so that
    /// [`remove_unlocked`] in another process leaves it alone while this one runs and
    /// removes it once this process is gone without cleaning up (killed).
    pub(crate) fn locked(path: PathBuf) -> Result<Self> {
        let file = std::fs::File::create_new(&path).map_err(Error::io(&path))?;
        file.lock().map_err(Error::io(&path))?;
        Ok(Self {
            path: Some(path),
            _lock: Some(file),
        })
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(p) = self.path.take() {
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_dir() => {
                    let _ = std::fs::remove_dir_all(&p);
                }
                Ok(_) => {
                    let _ = std::fs::remove_file(&p);
                }
                Err(_) => {}
            }
        }
    }
}

/// Removes the files in `dir` whose names start with `prefix` and that no process holds
/// locked: temporary files of processes killed before they could clean up. Returns how
/// many went.
pub(crate) fn remove_unlocked(dir: &Path, prefix: &str) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(prefix)
            || !entry.file_type().is_ok_and(|t| t.is_file())
        {
            continue;
        }
        let Ok(file) = std::fs::File::open(entry.path()) else {
            continue;
        };
        if file.try_lock().is_ok() && std::fs::remove_file(entry.path()).is_ok() {
            tracing::debug!(path = %entry.path().display(), "removed what a killed process left");
            removed += 1;
        }
    }
    removed
}

/// Writes `stream` to a new file at `path`, verified against `desc` (unless `verified`:
/// the stream's source checks it already); see [`write_to`].
pub(crate) async fn write_verified(
    stream: ByteStream,
    desc: &Descriptor,
    path: &Path,
    verified: bool,
    sync: bool,
    on_exit: impl FnOnce() + Send + 'static,
) -> Result<()> {
    let verifier = (!verified)
        .then(|| Verifier::for_descriptor(desc))
        .transpose()?;
    write_to(stream, path, false, verifier, sync, on_exit).await
}

/// Blobs smaller than this are hashed as they are received rather than on a thread.
const HASH_THREAD_MIN: u64 = 1 << 20;

/// A thread of its own that checks chunks against a [`Verifier`], so hashing (the most
/// CPU a transfer costs) runs beside receiving and writing instead of between them.
pub(crate) struct HashThread {
    /// Where the chunks go, in order (bounded: 16 chunks); dropping it ends the hash.
    pub(crate) chunks: tokio::sync::mpsc::Sender<Bytes>,
    /// The verdict once every chunk was seen: a digest or size mismatch is an error.
    pub(crate) done: tokio::sync::oneshot::Receiver<Result<()>>,
}

impl HashThread {
    pub(crate) fn spawn(mut verifier: Verifier) -> std::io::Result<Self> {
        let (chunks, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
        let (done_tx, done) = tokio::sync::oneshot::channel();
        std::thread::Builder::new()
            .name("oras-hash".into())
            .spawn(move || {
                let mut result = Ok(());
                while let Some(chunk) = rx.blocking_recv() {
                    if let Err(e) = verifier.update(&chunk) {
                        result = Err(e.into());
                        break;
                    }
                }
                if result.is_ok() {
                    result = verifier.finish().map_err(Into::into);
                }
                let _ = done_tx.send(result);
            })?;
        Ok(Self { chunks, done })
    }
}

/// Writes `stream` to the file at `path` (a new one, or appended to when `append`),
/// checked by `verifier` when given, splitting the work three ways: this task receives
/// chunks, a blocking thread writes them, and another hashes them (each behind a bounded
/// channel of 16 chunks, which keeps memory flat; hashing, the slowest, paces the rest).
/// The file is synced when `sync`, and removed on any failure, a stream error included.
/// `on_exit` runs on the writing thread when both threads are done, whether or not this
/// future is still there to see it (cleanup after cancellation).
pub(crate) async fn write_to(
    mut stream: ByteStream,
    path: &Path,
    append: bool,
    verifier: Option<Verifier>,
    sync: bool,
    on_exit: impl FnOnce() + Send + 'static,
) -> Result<()> {
    // A small blob is hashed here as it arrives and written in one piece once whole:
    // threads fed chunk by chunk would cost more than the hash and the write.
    let verifier = match verifier {
        Some(v) if v.remaining() < HASH_THREAD_MIN => {
            return write_small(stream, path, append, v, sync, on_exit).await;
        }
        other => other,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let (htx, done_rx) = match verifier.map(HashThread::spawn).transpose() {
        Ok(Some(h)) => (Some(h.chunks), Some(h.done)),
        Ok(None) => (None, None),
        Err(e) => return Err(Error::io(path)(e)),
    };
    let owned = path.to_owned();
    let writer = tokio::task::spawn_blocking(move || {
        let written =
            write_pieces(&owned, append, sync, || rx.blocking_recv()).map_err(Error::io(&owned));
        // A write that failed (a full disk) stops the receiving task's sends, and with
        // them the hashing thread; waiting for the hash with the channel still open would
        // wait forever.
        drop(rx);
        // The hash's answer, once the hashing thread has seen every chunk.
        let hashed = match done_rx {
            Some(rx) => rx.blocking_recv().unwrap_or(Err(Error::Cancelled)),
            None => Ok(()),
        };
        // The write's failure first: it is why the hash saw fewer bytes.
        let result = written.and(hashed);
        if result.is_err() {
            let _ = std::fs::remove_file(&owned);
        }
        on_exit();
        result
    });
    let mut received = Ok(());
    while let Some(chunk) = stream.next().await {
        match chunk {
            // A thread that stopped (a digest or size error) is waited for below.
            Ok(c) => {
                if let Some(h) = &htx
                    && h.send(c.clone()).await.is_err()
                {
                    break;
                }
                if tx.send(c).await.is_err() {
                    break;
                }
            }
            Err(e) => {
                received = Err(Error::Stream(e));
                break;
            }
        }
    }
    drop(tx);
    drop(htx);
    let written = writer.await?;
    received.and(written)
}

/// [`write_to`] for a blob under [`HASH_THREAD_MIN`]: [received](receive_small) and
/// checked here, then [written](write_chunks) in one blocking call, so a blob costs one
/// hand-off to a thread.
async fn write_small(
    stream: ByteStream,
    path: &Path,
    append: bool,
    verifier: Verifier,
    sync: bool,
    on_exit: impl FnOnce() + Send + 'static,
) -> Result<()> {
    let exit = OnDrop(Some(on_exit));
    let bytes = receive_small(stream, verifier).await?;
    write_chunks(path, bytes, append, sync, exit).await
}

/// Whether a blob of `size` bytes is small enough to be received whole into memory and
/// checked there (see [`receive_small`]).
pub(crate) fn is_small(size: u64) -> bool {
    size < HASH_THREAD_MIN
}

/// Every chunk of a small blob's `stream`, as received, checked by `verifier` as it
/// arrives (the caller bounds the size: see [`is_small`]).
pub(crate) async fn receive_small(
    mut stream: ByteStream,
    mut verifier: Verifier,
) -> Result<Vec<Bytes>> {
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Error::Stream)?;
        verifier.update(&chunk)?;
        chunks.push(chunk);
    }
    verifier.finish()?;
    Ok(chunks)
}

/// Writes `chunks` to the file at `path` (new, or appended to when `append`) in one
/// blocking call, synced when `sync`; the file is removed if that fails. `exit` is dropped
/// on the writing thread once it is done (or here, should this future be dropped before
/// the thread starts).
pub(crate) async fn write_chunks(
    path: &Path,
    chunks: Vec<Bytes>,
    append: bool,
    sync: bool,
    exit: impl Send + 'static,
) -> Result<()> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let _exit = exit;
        let mut chunks = chunks.into_iter();
        let written = write_pieces(&owned, append, sync, || chunks.next());
        if written.is_err() {
            let _ = std::fs::remove_file(&owned);
        }
        written.map_err(Error::io(&owned))
    })
    .await?
}

/// Writes each piece `next` gives, until `None`, to the file at `path` (a new one, or
/// appended to when `append`), synced when `sync`. Blocking.
fn write_pieces<B: AsRef<[u8]>>(
    path: &Path,
    append: bool,
    sync: bool,
    mut next: impl FnMut() -> Option<B>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .append(append)
        .open(path)?;
    // Truncated only when there is something to cut: ext4 starts writing out, at close,
    // a file that was truncated to nothing (its replace-via-truncate heuristic,
    // `auto_da_alloc`), which made a 1 GiB `fetch_to_file` into a file created
    // beforehand (to hold its lock) 40 % slower.
    if !append && f.metadata()?.len() > 0 {
        f.set_len(0)?;
    }
    while let Some(piece) = next() {
        f.write_all(piece.as_ref())?;
    }
    if sync {
        f.sync_all()?;
    }
    Ok(())
}

/// Runs the function when dropped.
pub(crate) struct OnDrop<F: FnOnce()>(pub(crate) Option<F>);

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

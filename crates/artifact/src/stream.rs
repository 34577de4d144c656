//! Small stream helpers: reading files as streams, draining streams with verification.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use oras_distribution::{BoxError, ByteStream};
use oras_oci::Descriptor;
use oras_oci::verify::Verifier;
use tokio::io::{AsyncRead, ReadBuf};

use crate::{Error, Result};

/// Read size for files: large enough for throughput, small enough for bounded memory.
pub(crate) const READ_SIZE: usize = 256 * 1024;

/// The next chunk of a stream.
pub(crate) async fn next(stream: &mut ByteStream) -> Option<Result<Bytes, BoxError>> {
    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
}

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
pub(crate) async fn file_stream(path: &std::path::Path) -> Result<ByteStream> {
    let f = tokio::fs::File::open(path).await.map_err(Error::io(path))?;
    Ok(ReadStream::boxed(f))
}

/// A stream from a state and a step function (an async `unfold`).
pub(crate) struct Unfold<S, F, Fut> {
    state: Option<S>,
    step: F,
    pending: Option<Pin<Box<Fut>>>,
}

impl<S, F, Fut, T> Stream for Unfold<S, F, Fut>
where
    F: FnMut(S) -> Fut + Unpin,
    Fut: Future<Output = Option<(T, S)>>,
    S: Unpin,
{
    type Item = T;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        if this.pending.is_none() {
            let Some(state) = this.state.take() else {
                return Poll::Ready(None);
            };
            this.pending = Some(Box::pin((this.step)(state)));
        }
        let out = ready!(this.pending.as_mut().expect("set above").as_mut().poll(cx));
        this.pending = None;
        Poll::Ready(out.map(|(item, state)| {
            this.state = Some(state);
            item
        }))
    }
}

/// A verified registry blob as a stream.
pub(crate) fn blob_stream(reader: oras_distribution::BlobReader) -> ByteStream {
    Box::pin(Unfold {
        state: Some(reader),
        step: |mut r: oras_distribution::BlobReader| async move {
            let item = r.chunk().await?;
            Some((item.map_err(|e| Box::new(e) as BoxError), r))
        },
        pending: None,
    })
}

/// Reads a whole stream that must match `desc` (at most `desc.size` bytes held).
pub(crate) async fn collect_verified(mut stream: ByteStream, desc: &Descriptor) -> Result<Bytes> {
    let mut v = Verifier::for_descriptor(desc)?;
    let mut out = Vec::with_capacity(usize::try_from(desc.size).unwrap_or(0).min(8 << 20));
    while let Some(chunk) = next(&mut stream).await {
        let chunk = chunk.map_err(Error::Stream)?;
        v.update(&chunk)?;
        out.extend_from_slice(&chunk);
    }
    v.finish()?;
    Ok(Bytes::from(out))
}

/// A stream of one chunk.
pub(crate) fn once(b: Bytes) -> ByteStream {
    Box::pin(Unfold {
        state: Some(Some(b)),
        step: |s: Option<Bytes>| async move { s.map(|b| (Ok(b), None)) },
        pending: None,
    })
}

/// A stream that starts `open` only when first polled (a source opened only if needed).
pub(crate) fn lazy(
    open: impl Future<Output = Result<ByteStream, BoxError>> + Send + 'static,
) -> ByteStream {
    enum Lazy {
        Opening(Pin<Box<dyn Future<Output = Result<ByteStream, BoxError>> + Send>>),
        Open(ByteStream),
        Failed,
    }
    impl Stream for Lazy {
        type Item = Result<Bytes, BoxError>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            loop {
                match &mut *self {
                    Lazy::Opening(f) => match ready!(f.as_mut().poll(cx)) {
                        Ok(s) => *self = Lazy::Open(s),
                        Err(e) => {
                            *self = Lazy::Failed;
                            return Poll::Ready(Some(Err(e)));
                        }
                    },
                    Lazy::Open(s) => return s.as_mut().poll_next(cx),
                    Lazy::Failed => return Poll::Ready(None),
                }
            }
        }
    }
    Box::pin(Lazy::Opening(Box::pin(open)))
}

/// Removes a temporary file or directory when dropped (also when the future that owns it
/// is cancelled).
pub(crate) struct RemoveOnDrop {
    path: Option<std::path::PathBuf>,
}

impl RemoveOnDrop {
    pub(crate) fn new(path: std::path::PathBuf) -> Self {
        Self { path: Some(path) }
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

/// Writes `stream` to a new file at `path`, verified against `desc` (unless `verified`:
/// the stream's source checks it already), overlapping the two halves of the work: this
/// task receives chunks while a blocking thread hashes and writes them (a bounded channel
/// of 16 chunks between them keeps memory flat). The file is synced when `sync`, and
/// removed on any failure, a stream error included. `on_exit` runs on the thread when it
/// is done, whether or not this future is still there to see it (cleanup after
/// cancellation).
pub(crate) async fn write_verified(
    mut stream: ByteStream,
    desc: &Descriptor,
    path: &std::path::Path,
    verified: bool,
    sync: bool,
    on_exit: impl FnOnce() + Send + 'static,
) -> Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let (owned, d) = (path.to_owned(), desc.clone());
    let writer = tokio::task::spawn_blocking(move || {
        let result = (|| {
            use std::io::Write;
            let mut verifier = (!verified)
                .then(|| Verifier::for_descriptor(&d))
                .transpose()?;
            let mut f = std::fs::File::create(&owned).map_err(Error::io(&owned))?;
            while let Some(chunk) = rx.blocking_recv() {
                if let Some(v) = &mut verifier {
                    v.update(&chunk)?;
                }
                f.write_all(&chunk).map_err(Error::io(&owned))?;
            }
            if let Some(mut v) = verifier {
                v.finish()?;
            }
            if sync {
                f.sync_all().map_err(Error::io(&owned))?;
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&owned);
        }
        on_exit();
        result
    });
    let mut received = Ok(());
    while let Some(chunk) = next(&mut stream).await {
        match chunk {
            // A writer that stopped (a digest or size error) is waited for below.
            Ok(c) => {
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
    let written = writer
        .await
        .map_err(|e| Error::Input(format!("a file task failed: {e}")))?;
    received.and(written)
}

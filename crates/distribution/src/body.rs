//! Request and response bodies: empty, bytes, or a stream of chunks.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures_core::Stream;

use crate::BoxError;

/// A stream of body chunks.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

type Reopen = Arc<dyn Fn() -> Result<ByteStream, BoxError> + Send + Sync>;

/// A request body.
///
/// Whether it can be sent again (after a retry or a 401) is part of its type: empty and
/// byte bodies can, a stream can only when it was made with [`Body::reopenable`] (from a
/// source that can be read again, such as a file).
pub struct Body {
    inner: Inner,
}

enum Inner {
    Empty,
    Bytes(Bytes),
    Stream {
        stream: ByteStream,
        len: Option<u64>,
        reopen: Option<Reopen>,
    },
}

impl Body {
    /// No body.
    pub fn empty() -> Self {
        Self {
            inner: Inner::Empty,
        }
    }

    /// A body of bytes (replayable).
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        Self {
            inner: Inner::Bytes(bytes.into()),
        }
    }

    /// A one-shot stream of `len` bytes (if known); it cannot be sent twice.
    pub fn from_stream(stream: ByteStream, len: Option<u64>) -> Self {
        Self {
            inner: Inner::Stream {
                stream,
                len,
                reopen: None,
            },
        }
    }

    /// A stream of `len` bytes that `open` can produce again from the start, so the body
    /// can be re-sent.
    pub fn reopenable(
        len: Option<u64>,
        open: impl Fn() -> Result<ByteStream, BoxError> + Send + Sync + 'static,
    ) -> Result<Self, BoxError> {
        let reopen: Reopen = Arc::new(open);
        Ok(Self {
            inner: Inner::Stream {
                stream: reopen()?,
                len,
                reopen: Some(reopen),
            },
        })
    }

    /// The same content with `wrap` applied to its stream, and to every stream it is
    /// reopened as (for example to count bytes for progress). The body stays replayable
    /// if it was.
    pub fn map_stream(
        self,
        wrap: impl Fn(ByteStream) -> ByteStream + Send + Sync + 'static,
    ) -> Self {
        let wrap = Arc::new(wrap);
        let (stream, len, reopen): (ByteStream, Option<u64>, Option<Reopen>) = match self.inner {
            Inner::Empty => return self,
            Inner::Bytes(b) => {
                let len = Some(b.len() as u64);
                let again = b.clone();
                (
                    Box::pin(Once(Some(b))),
                    len,
                    Some(Arc::new(move || {
                        Ok(Box::pin(Once(Some(again.clone()))) as ByteStream)
                    })),
                )
            }
            Inner::Stream {
                stream,
                len,
                reopen,
            } => (stream, len, reopen),
        };
        let reopen = reopen.map(|r| {
            let wrap = wrap.clone();
            Arc::new(move || r().map(|s| wrap(s))) as Reopen
        });
        Self {
            inner: Inner::Stream {
                stream: wrap(stream),
                len,
                reopen,
            },
        }
    }

    /// The length, when known.
    pub fn len(&self) -> Option<u64> {
        match &self.inner {
            Inner::Empty => Some(0),
            Inner::Bytes(b) => Some(b.len() as u64),
            Inner::Stream { len, .. } => *len,
        }
    }

    /// Whether the body is known to be empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Whether [`try_clone`](Self::try_clone) can give a copy to send again.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.inner, Inner::Stream { reopen: None, .. })
    }

    /// Another body with the same content from the start, if the body is replayable.
    pub fn try_clone(&self) -> Option<Result<Self, BoxError>> {
        match &self.inner {
            Inner::Empty => Some(Ok(Self::empty())),
            Inner::Bytes(b) => Some(Ok(Self::from_bytes(b.clone()))),
            Inner::Stream { reopen: None, .. } => None,
            Inner::Stream {
                reopen: Some(r),
                len,
                ..
            } => Some(r().map(|stream| Self {
                inner: Inner::Stream {
                    stream,
                    len: *len,
                    reopen: Some(r.clone()),
                },
            })),
        }
    }

    /// The bytes, if the body is empty or bytes (not a stream).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match &self.inner {
            Inner::Empty => Some(&[]),
            Inner::Bytes(b) => Some(b),
            Inner::Stream { .. } => None,
        }
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> ByteStream {
        match self.inner {
            Inner::Empty => Box::pin(Once(None)),
            Inner::Bytes(b) => Box::pin(Once(Some(b))),
            Inner::Stream { stream, .. } => stream,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Empty => f.write_str("Body::Empty"),
            Inner::Bytes(b) => write!(f, "Body::Bytes({} bytes)", b.len()),
            Inner::Stream { len, reopen, .. } => write!(
                f,
                "Body::Stream(len {len:?}, replayable {})",
                reopen.is_some()
            ),
        }
    }
}

impl From<Bytes> for Body {
    fn from(b: Bytes) -> Self {
        Self::from_bytes(b)
    }
}

impl From<Vec<u8>> for Body {
    fn from(b: Vec<u8>) -> Self {
        Self::from_bytes(b)
    }
}

/// A stream of at most one chunk.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().filter(|b| !b.is_empty()).map(Ok))
    }
}

/// A response body: a stream of chunks as they arrive.
pub struct ResponseBody(ByteStream);

impl ResponseBody {
    /// A body from a stream of chunks.
    pub fn new(stream: ByteStream) -> Self {
        Self(stream)
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self(Box::pin(Once(None)))
    }

    /// A body of bytes.
    pub fn from_bytes(b: impl Into<Bytes>) -> Self {
        Self(Box::pin(Once(Some(b.into()))))
    }

    /// The next chunk, `None` at the end.
    pub async fn chunk(&mut self) -> Option<Result<Bytes, BoxError>> {
        std::future::poll_fn(|cx| self.0.as_mut().poll_next(cx)).await
    }

    /// Reads the whole body, failing with [`LimitExceeded`] as soon as it passes `limit`
    /// bytes: memory stays bounded whatever the server sends.
    pub async fn collect_limited(mut self, limit: usize) -> Result<Bytes, CollectError> {
        let mut buf = BytesMut::new();
        while let Some(chunk) = self.chunk().await {
            let chunk = chunk.map_err(CollectError::Body)?;
            if buf.len() + chunk.len() > limit {
                return Err(CollectError::Limit(LimitExceeded { limit }));
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    }

    /// Reads at most `limit` bytes and drops the rest of the body.
    pub async fn collect_truncated(mut self, limit: usize) -> Bytes {
        let mut buf = BytesMut::new();
        while let Some(Ok(chunk)) = self.chunk().await {
            let room = limit - buf.len();
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if buf.len() == limit {
                break;
            }
        }
        buf.freeze()
    }

    /// The underlying stream.
    pub fn into_stream(self) -> ByteStream {
        self.0
    }

    /// Reads chunks until more than `limit` bytes have come or the body ends, and gives
    /// them back with a body that yields them again before the rest: what was read for a
    /// log is not lost to the reader.
    pub(crate) async fn peek(mut self, limit: usize) -> (Vec<u8>, Self) {
        let mut seen = Vec::new();
        let mut chunks = std::collections::VecDeque::new();
        let mut end = None;
        while seen.len() <= limit {
            match self.chunk().await {
                Some(Ok(c)) => {
                    seen.extend_from_slice(&c[..c.len().min(limit + 1 - seen.len())]);
                    chunks.push_back(c);
                }
                Some(Err(e)) => {
                    end = Some(e);
                    break;
                }
                None => break,
            }
        }
        let again = Prefixed {
            chunks,
            failed: end,
            rest: self.0,
        };
        (seen, Self(Box::pin(again)))
    }
}

/// Chunks read ahead, then (or the failure met while reading them) the rest.
struct Prefixed {
    chunks: std::collections::VecDeque<Bytes>,
    failed: Option<BoxError>,
    rest: ByteStream,
}

impl Stream for Prefixed {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(c) = self.chunks.pop_front() {
            return Poll::Ready(Some(Ok(c)));
        }
        if let Some(e) = self.failed.take() {
            return Poll::Ready(Some(Err(e)));
        }
        self.rest.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseBody")
    }
}

/// A body longer than allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("body exceeds the limit of {limit} bytes")]
pub struct LimitExceeded {
    /// The limit.
    pub limit: usize,
}

/// A body that could not be read whole.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// It is longer than the limit.
    #[error(transparent)]
    Limit(LimitExceeded),
    /// The stream failed.
    #[error("reading the response body failed")]
    Body(#[source] BoxError),
}

#[cfg(feature = "hyper")]
impl http_body::Body for Body {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
        match &mut self.get_mut().inner {
            Inner::Empty => Poll::Ready(None),
            Inner::Bytes(b) if b.is_empty() => Poll::Ready(None),
            Inner::Bytes(b) => Poll::Ready(Some(Ok(http_body::Frame::data(std::mem::take(b))))),
            Inner::Stream { stream, .. } => stream
                .as_mut()
                .poll_next(cx)
                .map(|o| o.map(|r| r.map(http_body::Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.inner {
            Inner::Empty => true,
            Inner::Bytes(b) => b.is_empty(),
            Inner::Stream { .. } => false,
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.inner {
            Inner::Bytes(b) => http_body::SizeHint::with_exact(b.len() as u64),
            Inner::Empty => http_body::SizeHint::with_exact(0),
            Inner::Stream { len: Some(n), .. } => http_body::SizeHint::with_exact(*n),
            Inner::Stream { len: None, .. } => http_body::SizeHint::default(),
        }
    }
}

//! Progress: per-descriptor events that a CLI turns into bars and a service into metrics.

use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;
use oras_distribution::{BoxError, ByteStream};
use oras_oci::Descriptor;

/// Something that happened to one piece of content.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// It will be transferred.
    Queued(&'a Descriptor),
    /// Its transfer began.
    Started(&'a Descriptor),
    /// This many bytes of it have passed so far.
    Bytes(&'a Descriptor, u64),
    /// The destination had it already.
    Skipped(&'a Descriptor),
    /// It is listed again in the graph: the same content (media type, digest and size),
    /// perhaps under another title, was handled earlier in this operation, and nothing
    /// more moves for it.
    Repeated(&'a Descriptor),
    /// The registry linked it from another repository; no bytes moved.
    Mounted(&'a Descriptor),
    /// Its transfer completed and was verified.
    Finished(&'a Descriptor),
    /// Its transfer failed with this message.
    Failed(&'a Descriptor, &'a str),
    /// It is left out on purpose: a layer or config without a title, which a pull does not
    /// write; a foreign layer, which a copy leaves where its `urls` point.
    Excluded(&'a Descriptor),
}

/// Receives [`Event`]s. Called from the tasks doing the work: keep it quick.
pub trait Observer: Send + Sync {
    /// One event.
    fn event(&self, event: Event<'_>);
}

impl<F: Fn(Event<'_>) + Send + Sync> Observer for F {
    fn event(&self, event: Event<'_>) {
        self(event);
    }
}

/// An optional observer, called if present.
#[derive(Clone, Default)]
pub(crate) struct Progress(pub(crate) Option<Arc<dyn Observer>>);

impl Progress {
    pub(crate) fn emit(&self, e: Event<'_>) {
        log(e);
        if let Some(o) = &self.0 {
            o.event(e);
        }
    }

    /// Wraps a stream so each chunk reports the bytes done so far.
    pub(crate) fn counting(&self, desc: &Descriptor, stream: ByteStream) -> ByteStream {
        self.counting_from(desc, 0, stream)
    }

    /// The same, for a stream that continues from byte `start` (a resumed download).
    pub(crate) fn counting_from(
        &self,
        desc: &Descriptor,
        start: u64,
        stream: ByteStream,
    ) -> ByteStream {
        let known = Arc::new(OnceLock::new());
        let _ = known.set(desc.clone());
        match &self.0 {
            None => stream,
            Some(o) => Box::pin(Counting {
                inner: stream,
                desc: known,
                done: start,
                observer: o.clone(),
            }),
        }
    }

    /// Like [`Progress::counting`] for content whose descriptor is known only once `desc`
    /// is set: bytes passed before then are reported with the first chunk after.
    pub(crate) fn counting_pending(
        &self,
        desc: Arc<OnceLock<Descriptor>>,
        stream: ByteStream,
    ) -> ByteStream {
        match &self.0 {
            None => stream,
            Some(o) => Box::pin(Counting {
                inner: stream,
                desc,
                done: 0,
                observer: o.clone(),
            }),
        }
    }
}

/// Tells a `tracing` subscriber what happened to each piece of content (at DEBUG; byte
/// counts are left to progress observers).
fn log(e: Event<'_>) {
    let (what, d) = match e {
        Event::Queued(d) => ("queued", d),
        Event::Started(d) => ("started", d),
        Event::Bytes(..) => return,
        Event::Skipped(d) => ("already there, skipped", d),
        Event::Repeated(d) => ("listed again, handled once", d),
        Event::Mounted(d) => ("mounted", d),
        Event::Excluded(d) => ("left out", d),
        Event::Finished(d) => ("done", d),
        Event::Failed(d, why) => {
            tracing::debug!(digest = %d.digest, size = d.size, "failed: {why}");
            return;
        }
    };
    tracing::debug!(digest = %d.digest, size = d.size, media_type = %d.media_type, "{what}");
}

struct Counting {
    inner: ByteStream,
    desc: Arc<OnceLock<Descriptor>>,
    done: u64,
    observer: Arc<dyn Observer>,
}

impl Stream for Counting {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let item = ready!(self.inner.as_mut().poll_next(cx));
        if let Some(Ok(b)) = &item {
            self.done += b.len() as u64;
            if let Some(desc) = self.desc.get() {
                self.observer.event(Event::Bytes(desc, self.done));
            }
        }
        Poll::Ready(item)
    }
}

//! The one seam between the protocol and the network.

use std::fmt;
use std::time::Duration;

use http::{Request, Response};

use crate::{Body, BoxError, BoxFuture, ResponseBody};

/// Sends HTTP requests. Implement it to run the client over your own HTTP stack (a tower
/// service, a proxy-aware client, an in-memory fake).
///
/// The client gives absolute URLs (`https://host/v2/…`) and handles auth, retries and
/// redirects itself: a transport sends exactly the request it is given and must not
/// follow redirects. `sleep` is how the client waits between retries, so the transport
/// decides which runtime's timer to use.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends one request; the response body streams.
    fn send(
        &self,
        request: Request<Body>,
    ) -> BoxFuture<'static, Result<Response<ResponseBody>, TransportError>>;

    /// Waits `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// What kind of failure a transport had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect.
    Connect,
    /// A time-out fired.
    Timeout,
    /// The connection failed while sending or receiving.
    Io,
    /// TLS failed (certificate, handshake). Not retried.
    Tls,
    /// The request could not be sent as given. Not retried.
    Request,
    /// Anything else. Not retried.
    Other,
}

/// A request that did not get a response.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    #[source]
    source: Option<BoxError>,
}

impl TransportError {
    /// An error of a kind, with a message and an optional cause.
    pub fn new(
        kind: TransportErrorKind,
        message: impl Into<String>,
        source: Option<BoxError>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            source,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Whether sending again may succeed: connection failures, time-outs and I/O errors.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io
        )
    }
}

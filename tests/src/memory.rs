//! The fake registry behind a custom [`Transport`], in memory: no network, no runtime.
//! Faults are the same [`Fault`]s the HTTP server injects; sleeps between retries are
//! recorded instead of waited for.

use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderValue, Request, Response, StatusCode, header};
use oras_distribution::{
    Body, BoxError, BoxFuture, ByteStream, ResponseBody, Transport, TransportError,
    TransportErrorKind,
};

use crate::fake::{FakeAuth, FakeRegistry};
use crate::faults::{Fault, Faults};

/// Where the registry is reached: `http://registry.test`.
pub const ORIGIN: &str = "http://registry.test";

/// A second origin redirects can point to: blob storage that answers from the
/// registry's content.
pub const STORAGE: &str = "http://storage.test";

#[derive(Default)]
struct Shared {
    faults: Faults,
    sleeps: Vec<Duration>,
    /// The `Authorization` each request to another origin carried.
    elsewhere: Vec<Option<String>>,
    /// What the storage origin presents to the registry on the client's behalf, as a
    /// pre-signed URL would authorise it.
    storage_authorization: Option<String>,
}

/// A transport that hands requests to a [`FakeRegistry`] at [`ORIGIN`], with faults on
/// the way. Cheap to clone; clones share the registry and the faults.
#[derive(Clone)]
pub struct MemoryTransport {
    /// The registry behind it.
    pub registry: FakeRegistry,
    shared: Arc<Mutex<Shared>>,
}

impl std::fmt::Debug for MemoryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryTransport")
    }
}

impl MemoryTransport {
    /// A new registry with `auth`, at [`ORIGIN`].
    pub fn new(auth: FakeAuth) -> Self {
        Self::over(FakeRegistry::new(auth))
    }

    /// `registry`, at [`ORIGIN`].
    pub fn over(registry: FakeRegistry) -> Self {
        registry.set_origin(ORIGIN);
        Self {
            registry,
            shared: Arc::default(),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Injects `fault` into the next request to the registry whose `METHOD path?query`
    /// starts with `matching` (`"GET /v2/x/blobs/"`).
    pub fn fault(&self, matching: &str, fault: Fault) {
        self.shared().faults.push(matching, fault);
    }

    /// From now on, every `n`-th request meets a fault (see [`Faults::every`]).
    pub fn inject_every(&self, n: usize) {
        self.shared().faults.every(Some(n));
    }

    /// Faults queued and not yet met.
    pub fn pending_faults(&self) -> usize {
        self.shared().faults.pending()
    }

    /// The waits the client asked for, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.shared().sleeps.clone()
    }

    /// The `Authorization` headers requests to other origins carried, one per request.
    pub fn elsewhere_authorizations(&self) -> Vec<Option<String>> {
        self.shared().elsewhere.clone()
    }

    /// Makes the storage origin present `authorization` to the registry.
    pub fn set_storage_authorization(&self, authorization: &str) {
        self.shared().storage_authorization = Some(authorization.to_owned());
    }
}

async fn collect(mut stream: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(chunk) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        out.extend_from_slice(&chunk.expect("request bodies in these tests do not fail"));
    }
    out
}

/// A body that yields pieces, then breaks (when `broken`) or ends.
struct Pieces {
    pieces: std::vec::IntoIter<Bytes>,
    broken: bool,
}

impl Stream for Pieces {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Self::Item>> {
        Poll::Ready(match self.pieces.next() {
            Some(b) => Some(Ok(b)),
            None if self.broken => {
                self.broken = false;
                Some(Err("connection reset by peer".into()))
            }
            None => None,
        })
    }
}

/// A body that never ends.
struct Endless;

impl Stream for Endless {
    type Item = Result<Bytes, BoxError>;
    fn poll_next(self: std::pin::Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(Some(Ok(Bytes::from_static(&[b'x'; 64 * 1024]))))
    }
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).expect("a valid status")
}

impl Transport for MemoryTransport {
    fn send(
        &self,
        request: Request<Body>,
    ) -> BoxFuture<'static, Result<Response<ResponseBody>, TransportError>> {
        let this = self.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = collect(body.into_stream()).await;
            let mut req = Request::from_parts(parts, body);
            let key = format!(
                "{} {}",
                req.method(),
                req.uri().path_and_query().map_or("", |p| p.as_str())
            );
            let elsewhere = !req.uri().to_string().starts_with(ORIGIN);
            let fault = {
                let mut shared = this.shared();
                if elsewhere {
                    let auth = req
                        .headers()
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    shared.elsewhere.push(auth);
                    req.headers_mut().remove(header::AUTHORIZATION);
                    if let Some(signed) = &shared.storage_authorization {
                        req.headers_mut().insert(
                            header::AUTHORIZATION,
                            HeaderValue::from_str(signed).expect("header text"),
                        );
                    }
                    None
                } else {
                    shared.faults.take(&key)
                }
            };
            let answer = |code: u16, body: ResponseBody| {
                let mut r = Response::new(body);
                *r.status_mut() = status(code);
                r
            };
            match fault {
                Some(Fault::Status(code, headers, body)) => {
                    let mut r = answer(code, ResponseBody::from_bytes(body));
                    for (k, v) in headers {
                        r.headers_mut().append(
                            header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                            HeaderValue::from_str(&v).expect("header value"),
                        );
                    }
                    return Ok(r);
                }
                Some(Fault::Reset) => {
                    return Err(TransportError::new(
                        TransportErrorKind::Connect,
                        "connection refused",
                        None,
                    ));
                }
                Some(Fault::Stall) => std::future::pending().await,
                Some(Fault::Endless(code)) => {
                    return Ok(answer(code, ResponseBody::new(Box::pin(Endless))));
                }
                Some(Fault::RedirectTo { origin, query }) => {
                    let mut r = answer(307, ResponseBody::empty());
                    let to = Fault::location(&origin, query.as_deref(), req.uri().path());
                    r.headers_mut().insert(
                        header::LOCATION,
                        HeaderValue::from_str(&to).expect("location"),
                    );
                    return Ok(r);
                }
                _ => {}
            }
            let (parts, body) = this.registry.handle(&req).into_parts();
            let body = match fault {
                Some(Fault::CutAfter(n)) => ResponseBody::new(Box::pin(Pieces {
                    pieces: vec![Bytes::copy_from_slice(&body[..n.min(body.len())])].into_iter(),
                    broken: true,
                })),
                Some(Fault::StallAfter(n)) => {
                    let prefix = Bytes::copy_from_slice(&body[..n.min(body.len())]);
                    let stream = futures_util::stream::StreamExt::chain(
                        futures_util::stream::iter([Ok::<_, BoxError>(prefix)]),
                        futures_util::stream::pending(),
                    );
                    ResponseBody::new(Box::pin(stream))
                }
                Some(Fault::Corrupt) if !body.is_empty() => {
                    let mut b = body;
                    let last = b.len() - 1;
                    b[last] ^= 1;
                    ResponseBody::from_bytes(b)
                }
                Some(Fault::Trickle(piece, _)) => ResponseBody::new(Box::pin(Pieces {
                    pieces: body
                        .chunks(piece.max(1))
                        .map(Bytes::copy_from_slice)
                        .collect::<Vec<_>>()
                        .into_iter(),
                    broken: false,
                })),
                _ => ResponseBody::from_bytes(body),
            };
            Ok(Response::from_parts(parts, body))
        })
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.shared().sleeps.push(duration);
        Box::pin(std::future::ready(()))
    }
}

//! The fake registry served over HTTP/1.1 on 127.0.0.1, with faults injected on demand:
//! what a real registry cannot do when asked (token flows, 5xx bursts, cut connections,
//! corrupt bytes, redirects to a second origin, stalls).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::Frame;

use crate::fake::FakeRegistry;
use crate::faults::{Fault, Faults};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Body = BoxBody<Bytes, BoxError>;

#[derive(Default)]
struct Shared {
    faults: Faults,
    authorizations: Vec<Option<String>>,
}

/// A running server; stopped when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum Mode {
    /// Serve the registry.
    Registry,
    /// A storage origin for redirects: records the `Authorization` it is sent, then serves
    /// the registry's content presenting `signed` instead (what a pre-signed URL does).
    Storage { signed: Option<String> },
}

impl FakeServer {
    /// Serves `registry` on a free loopback port; its token realm points here.
    pub fn start(registry: FakeRegistry) -> Self {
        let server = Self::spawn(registry.clone(), Mode::Registry);
        registry.set_origin(&server.origin());
        server
    }

    /// A second origin serving `registry`'s content to anyone, as blob storage does; it
    /// records any `Authorization` header it receives.
    pub fn start_storage(registry: FakeRegistry, signed: Option<String>) -> Self {
        Self::spawn(registry, Mode::Storage { signed })
    }

    fn spawn(registry: FakeRegistry, mode: Mode) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("bound");
        let shared: Arc<Mutex<Shared>> = Arc::default();
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the test server");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut stopped => return,
                        accepted = listener.accept() => match accepted {
                            Ok(a) => a,
                            Err(_) => continue,
                        },
                    };
                    let (registry, state, mode) = (registry.clone(), state.clone(), mode.clone());
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req| {
                            let (registry, state, mode) =
                                (registry.clone(), state.clone(), mode.clone());
                            async move { handle(&registry, &state, &mode, req).await }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        Self {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Injects `fault` into the next request whose `METHOD path` starts with `matching`.
    pub fn fault(&self, matching: &str, fault: Fault) {
        self.shared().faults.push(matching, fault);
    }

    /// From now on, every `n`-th request meets a fault (see [`Faults::every`]).
    pub fn inject_every(&self, n: usize) {
        self.shared().faults.every(Some(n));
    }

    /// Stops [`inject_every`](Self::inject_every).
    pub fn stop_injecting(&self) {
        self.shared().faults.every(None);
    }

    /// Requests served so far.
    pub fn requests(&self) -> usize {
        self.shared().faults.requests()
    }

    /// Faults not yet used.
    pub fn pending_faults(&self) -> usize {
        self.shared().faults.pending()
    }

    /// Faults injected so far.
    pub fn injected(&self) -> usize {
        self.shared().faults.injected()
    }

    /// The `Authorization` headers a storage origin received, one entry per request.
    pub fn authorizations(&self) -> Vec<Option<String>> {
        self.shared().authorizations.clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn full(b: impl Into<Bytes>) -> Body {
    http_body_util::Full::new(b.into())
        .map_err(|never| match never {})
        .boxed()
}

/// The service's error: hyper drops the connection without an answer.
#[derive(Debug)]
struct Reset;

impl std::fmt::Display for Reset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by the test server")
    }
}

impl std::error::Error for Reset {}

/// A body sent a few bytes at a time, with pauses.
struct Trickle {
    rest: Bytes,
    piece: usize,
    pause: std::time::Duration,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for Trickle {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        if let Some(t) = self.timer.as_mut()
            && t.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        let pause = self.pause;
        self.timer = Some(Box::pin(tokio::time::sleep(pause)));
        let n = self.piece.min(self.rest.len());
        let piece = self.rest.split_to(n);
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }
}

/// A body that never ends.
struct Endless;

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(
            &[b'x'; 64 * 1024],
        )))))
    }
}

/// A body that yields a prefix, waits long enough for hyper to flush it, then fails
/// (hyper then cuts the connection mid-body).
struct Cut {
    prefix: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl hyper::body::Body for Cut {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(b) = self.prefix.take() {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if let Some(pause) = self.pause.as_mut()
            && pause.as_mut().poll(cx).is_pending()
        {
            return Poll::Pending;
        }
        self.pause = None;
        Poll::Ready(Some(Err("connection cut by the test server".into())))
    }
}

async fn handle(
    registry: &FakeRegistry,
    shared: &Arc<Mutex<Shared>>,
    mode: &Mode,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Body>, Reset> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes().to_vec())
        .unwrap_or_default();
    let mut req = Request::from_parts(parts, body);
    let key = format!(
        "{} {}",
        req.method(),
        req.uri().path_and_query().map_or("", |p| p.as_str())
    );
    let fault = {
        let mut s = shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Mode::Storage { signed } = mode {
            s.authorizations.push(
                req.headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
            );
            req.headers_mut().remove(header::AUTHORIZATION);
            if let Some(signed) = signed {
                req.headers_mut().insert(
                    header::AUTHORIZATION,
                    HeaderValue::from_str(signed).expect("header text"),
                );
            }
        }
        s.faults.take(&key)
    };
    match fault {
        Some(Fault::Status(code, headers, body)) => {
            let mut r = Response::new(full(body));
            *r.status_mut() = StatusCode::from_u16(code).expect("a valid status");
            for (k, v) in headers {
                r.headers_mut().append(
                    header::HeaderName::from_bytes(k.as_bytes()).expect("header name"),
                    HeaderValue::from_str(&v).expect("header value"),
                );
            }
            return Ok(r);
        }
        Some(Fault::Stall) => std::future::pending().await,
        // An error from the service makes hyper drop the connection without an answer.
        Some(Fault::Reset) => return Err(Reset),
        Some(Fault::Endless(code)) => {
            let mut r = Response::new(Endless.boxed());
            *r.status_mut() = StatusCode::from_u16(code).expect("a valid status");
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(oras_oci::media_type::OCI_MANIFEST),
            );
            return Ok(r);
        }
        Some(Fault::RedirectTo { origin, query }) => {
            let mut r = Response::new(full(Bytes::new()));
            *r.status_mut() = StatusCode::TEMPORARY_REDIRECT;
            let to = Fault::location(&origin, query.as_deref(), req.uri().path());
            r.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&to).expect("location"),
            );
            return Ok(r);
        }
        _ => {}
    }
    let (parts, body) = registry.handle(&req).into_parts();
    let body = match fault {
        Some(Fault::Trickle(piece, pause_ms)) => Trickle {
            rest: Bytes::from(body),
            piece: piece.max(1),
            pause: std::time::Duration::from_millis(pause_ms),
            timer: None,
        }
        .boxed(),
        Some(Fault::StallAfter(n)) => Cut {
            prefix: Some(Bytes::copy_from_slice(&body[..n.min(body.len())])),
            pause: Some(Box::pin(tokio::time::sleep(
                std::time::Duration::from_secs(86_400),
            ))),
        }
        .boxed(),
        Some(Fault::CutAfter(n)) => Cut {
            prefix: Some(Bytes::copy_from_slice(&body[..n.min(body.len())])),
            pause: Some(Box::pin(tokio::time::sleep(
                std::time::Duration::from_millis(100),
            ))),
        }
        .boxed(),
        Some(Fault::Corrupt) if !body.is_empty() => {
            let mut b = body;
            let last = b.len() - 1;
            b[last] ^= 1;
            full(b)
        }
        _ => full(body),
    };
    Ok(Response::from_parts(parts, body))
}

//! A complete custom [`Transport`]: the client over an HTTP stack of your own. This one
//! opens a plain-HTTP connection per request with hyper's low-level `http1` API, to show
//! every duty a transport has; put your own client (a proxy-aware one, a tower service, a
//! vendor SDK's) in its place.
//!
//! ```text
//! cargo run -p oras-distribution --example custom_transport -- localhost:5000/hello
//! ```
//!
//! It pushes a blob through the custom transport, reads it back verified, and asks the
//! registry for its size.
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use http_body::Body as _;
use hyper_util::rt::TokioIo;
use oras_auth::{Authenticator, CredentialChain};
use oras_distribution::{
    Body, BoxError, BoxFuture, Client, ClientConfig, PlainHttp, ResponseBody, Transport,
    TransportError, TransportErrorKind,
};

/// The duties of a transport:
/// - send exactly the request given (absolute URL, headers, streaming body) and never
///   follow redirects: the client follows them, and keeps credentials off other origins;
/// - return the response as soon as its headers arrive, with the body streaming;
/// - classify failures, since the client retries only `Connect`, `Timeout` and `Io`;
/// - sleep on the runtime it uses, for the client's back-off between retries.
#[derive(Debug, Default)]
struct PerRequestHttp;

impl Transport for PerRequestHttp {
    fn send(
        &self,
        request: Request<Body>,
    ) -> BoxFuture<'static, Result<Response<ResponseBody>, TransportError>> {
        Box::pin(async move {
            let uri = request.uri().clone();
            if uri.scheme_str() != Some("http") {
                return Err(TransportError::new(
                    TransportErrorKind::Request,
                    format!("{uri}: this example speaks plain HTTP only"),
                    None,
                ));
            }
            let host = uri.host().unwrap_or_default().to_owned();
            let port = uri.port_u16().unwrap_or(80);
            let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| error(TransportErrorKind::Connect, "connect", e))?;
            tcp.set_nodelay(true)
                .map_err(|e| error(TransportErrorKind::Io, "TCP_NODELAY", e))?;
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
                .await
                .map_err(|e| error(TransportErrorKind::Io, "handshake", e))?;
            // The connection runs until the response body has been read.
            tokio::spawn(connection);

            // HTTP/1.1 wants `Host` and a path-only request target.
            let (mut parts, body) = request.into_parts();
            let authority = uri
                .authority()
                .map(|a| a.as_str().to_owned())
                .unwrap_or(host);
            parts.headers.insert(
                http::header::HOST,
                http::HeaderValue::from_str(&authority)
                    .map_err(|e| error(TransportErrorKind::Request, "Host", e))?,
            );
            parts.uri = uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .parse()
                .map_err(|e| error(TransportErrorKind::Request, "URI", e))?;
            // With the `hyper` feature, `Body` is an `http_body::Body` that knows its size.
            let response = sender
                .send_request(Request::from_parts(parts, body))
                .await
                .map_err(|e| error(TransportErrorKind::Io, "request", e))?;
            let (parts, incoming) = response.into_parts();
            let stream = Box::pin(Chunks(incoming));
            Ok(Response::from_parts(parts, ResponseBody::new(stream)))
        })
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

fn error(
    kind: TransportErrorKind,
    what: &str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> TransportError {
    TransportError::new(kind, format!("{what}: {e}"), Some(Box::new(e)))
}

/// hyper's response body as the stream of byte chunks `ResponseBody` takes.
struct Chunks(hyper::body::Incoming);

impl Stream for Chunks {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match Pin::new(&mut self.0).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => Poll::Ready(Some(Ok(data))),
                    Err(_trailers) => continue,
                },
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(name) = std::env::args().nth(1) else {
        return Err("usage: custom_transport REGISTRY/REPOSITORY (a plain-HTTP registry)".into());
    };
    let mut config = ClientConfig::default();
    config.plain_http = PlainHttp::All;
    let auth = Authenticator::new(CredentialChain::standard());
    let client = Client::new(PerRequestHttp, auth, config);

    let repo = client.repository(&name.parse()?);
    let blob = repo
        .push_blob_bytes("text/plain", &b"sent through a custom transport"[..])
        .await?;
    println!("pushed blob {}", blob.digest);
    let back = repo.fetch_blob_bytes(&blob).await?;
    println!(
        "read it back verified: {:?}",
        String::from_utf8_lossy(&back)
    );
    let size = repo.blob_exists(&blob.digest).await?;
    println!("the registry says it holds {size:?} bytes of it");
    Ok(())
}

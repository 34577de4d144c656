//! The default transport: hyper 1 over hyper-rustls on tokio (feature `hyper`).

use std::collections::HashSet;
use std::future::Future;
use std::net::IpAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use http_body::Body as _;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::BoxFuture;
use crate::dial::{Dialer, Resolve};
use crate::proxy::{ProxyConfig, ProxyConnector};
use crate::transport::{Transport, TransportError, TransportErrorKind};
use crate::{Body, BoxError, ResponseBody};

/// How the hyper transport connects.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HyperOptions {
    /// Trust the Mozilla roots shipped with webpki-roots (default true).
    pub webpki_roots: bool,
    /// Trust the operating system's roots (default true).
    pub native_roots: bool,
    /// Also trust the CA certificates in these PEM files (`oras --ca-file`).
    pub ca_files: Vec<PathBuf>,
    /// A client certificate and its key, PEM (`--cert-file`, `--key-file`).
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Hosts (`name` or `name:port`) whose certificates are not checked (`--insecure`).
    /// Only these: every other host is verified as usual.
    pub insecure_hosts: Vec<String>,
    /// Time allowed to connect (default 30 s).
    pub connect_timeout: Duration,
    /// Time allowed for response headers, and between two pieces of a body (default 60 s).
    pub read_timeout: Duration,
    /// Which proxy requests go through (default: the environment's `HTTPS_PROXY`,
    /// `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY`; see [`ProxyConfig`]).
    pub proxy: ProxyConfig,
    /// Connect here for these hosts and ports instead of where DNS says (`--resolve`);
    /// of two rules for one host and port, the later applies.
    pub resolve: Vec<Resolve>,
}

impl Default for HyperOptions {
    fn default() -> Self {
        Self {
            webpki_roots: true,
            native_roots: true,
            ca_files: Vec::new(),
            client_cert: None,
            insecure_hosts: Vec::new(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            proxy: ProxyConfig::default(),
            resolve: Vec::new(),
        }
    }
}

type Connector = hyper_rustls::HttpsConnector<ProxyConnector>;

/// A [`Transport`] over hyper: connection pooling, HTTP/1.1 and HTTP/2 (ALPN), rustls,
/// and proxies ([`ProxyConfig`]: from the environment by default; HTTPS through a
/// `CONNECT` tunnel, so TLS is end to end with the registry).
#[derive(Clone, Debug)]
pub struct HyperTransport {
    client: HyperClient<Connector, Body>,
    proxies: ProxyConnector,
    read_timeout: Duration,
}

fn tls_error(message: String) -> TransportError {
    TransportError::new(TransportErrorKind::Tls, message, None)
}

impl HyperTransport {
    /// A transport with default options.
    pub fn new() -> Result<Self, TransportError> {
        Self::with_options(HyperOptions::default())
    }

    /// A transport with the given options.
    pub fn with_options(options: HyperOptions) -> Result<Self, TransportError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        if options.webpki_roots {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if options.native_roots {
            for cert in rustls_native_certs::load_native_certs().certs {
                // A broken system certificate is skipped, as browsers do.
                let _ = roots.add(cert);
            }
        }
        for file in &options.ca_files {
            let certs = CertificateDer::pem_file_iter(file)
                .map_err(|e| tls_error(format!("cannot read CA file {}: {e}", file.display())))?;
            for cert in certs {
                let cert = cert.map_err(|e| {
                    tls_error(format!(
                        "invalid certificate in CA file {}: {e}",
                        file.display()
                    ))
                })?;
                roots.add(cert).map_err(|e| {
                    tls_error(format!(
                        "unusable CA certificate in {}: {e}",
                        file.display()
                    ))
                })?;
            }
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| tls_error(format!("no usable trust roots: {e}")))?;
        let verifier = Arc::new(HostVerifier {
            webpki,
            insecure: options
                .insecure_hosts
                .iter()
                .map(|h| host_only(h).to_ascii_lowercase())
                .collect(),
            provider: provider.clone(),
        });
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        // ALPN (h2, http/1.1) is set by the connector builder below.
        let tls = match &options.client_cert {
            None => builder.with_no_client_auth(),
            Some((cert, key)) => {
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| {
                        tls_error(format!(
                            "cannot read client certificate {}: {e}",
                            cert.display()
                        ))
                    })?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                    tls_error(format!("cannot read client key {}: {e}", key.display()))
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| tls_error(format!("unusable client certificate: {e}")))?
            }
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(options.connect_timeout));
        let proxies =
            ProxyConnector::new(Dialer::new(http, options.resolve), options.proxy.matcher());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(proxies.clone());
        let client = HyperClient::builder(TokioExecutor::new()).build(https);
        Ok(Self {
            client,
            proxies,
            read_timeout: options.read_timeout,
        })
    }
}

/// `name` of `name:port` or `[v6]:port`, brackets dropped.
fn host_only(h: &str) -> &str {
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    h.rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(h, |(n, _)| n)
}

fn classify(e: &hyper_util::client::legacy::Error) -> TransportErrorKind {
    if is_tls(std::error::Error::source(e)) {
        TransportErrorKind::Tls
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    }
}

/// Whether a rustls error is anywhere in the chain. `io::Error::source` skips the error it
/// wraps, so wrapped I/O errors are opened with `get_ref` too.
fn is_tls(e: Option<&(dyn std::error::Error + 'static)>) -> bool {
    let Some(e) = e else { return false };
    if e.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && is_tls(Some(inner as &(dyn std::error::Error + 'static)))
    {
        return true;
    }
    is_tls(e.source())
}

/// What a failed send says of itself; the hyper error, kept as the source, says why.
fn summary(kind: TransportErrorKind) -> &'static str {
    match kind {
        TransportErrorKind::Connect => "cannot connect",
        TransportErrorKind::Tls => "TLS failed",
        _ => "the connection failed",
    }
}

impl Transport for HyperTransport {
    fn send(
        &self,
        mut request: Request<Body>,
    ) -> BoxFuture<'static, Result<Response<ResponseBody>, TransportError>> {
        // A plain-HTTP request through a proxy carries the proxy's credentials itself (a
        // tunnel's go in its CONNECT). Added here, after the client logged the request.
        if let Some(auth) = self.proxies.authorization(request.uri()) {
            request
                .headers_mut()
                .insert(http::header::PROXY_AUTHORIZATION, auth);
        }
        let client = self.client.clone();
        let timeout = self.read_timeout;
        Box::pin(async move {
            let response = match tokio::time::timeout(timeout, client.request(request)).await {
                Err(_) => {
                    return Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("no response within {timeout:?}"),
                        None,
                    ));
                }
                Ok(Err(e)) => {
                    let kind = classify(&e);
                    return Err(TransportError::new(kind, summary(kind), Some(Box::new(e))));
                }
                Ok(Ok(r)) => r,
            };
            let (parts, incoming) = response.into_parts();
            let stream = Incoming {
                body: incoming,
                timeout,
                timer: Box::pin(tokio::time::sleep(timeout)),
            };
            Ok(Response::from_parts(
                parts,
                ResponseBody::new(Box::pin(stream)),
            ))
        })
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A hyper body as a stream of data chunks, failing when no data comes for `timeout`.
struct Incoming {
    body: hyper::body::Incoming,
    timeout: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl Stream for Incoming {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    let deadline = tokio::time::Instant::now() + self.timeout;
                    self.timer.as_mut().reset(deadline);
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {
                    return match self.timer.as_mut().poll(cx) {
                        Poll::Ready(()) => {
                            let msg =
                                format!("no data for {:?} while reading the body", self.timeout);
                            Poll::Ready(Some(Err(Box::new(TransportError::new(
                                TransportErrorKind::Timeout,
                                msg,
                                None,
                            )))))
                        }
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

/// Verifies certificates with webpki, except for hosts named insecure.
#[derive(Debug)]
struct HostVerifier {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    insecure: HashSet<String>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for HostVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let name = match server_name {
            ServerName::DnsName(d) => d.as_ref().to_ascii_lowercase(),
            ServerName::IpAddress(ip) => IpAddr::from(*ip).to_string(),
            _ => String::new(),
        };
        if self.insecure.contains(&name) {
            return Ok(ServerCertVerified::assertion());
        }
        self.webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

//! Proxies for the hyper transport: which requests go through one (hyper-util's
//! [`Matcher`], curl's rules), and the connector that reaches a registry through it: plain
//! HTTP sent to the proxy in absolute form, HTTPS tunnelled with `CONNECT`, SOCKS5/SOCKS4.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderValue, Uri};
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::{SocksV4, SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::client::proxy::matcher::{Intercept, Matcher};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::BoxError;
use crate::dial::Dialer;

/// Which proxy the default transport uses ([`HyperOptions::proxy`](crate::HyperOptions)).
///
/// The rules are curl's, which the Go and Python tools follow too: `HTTPS_PROXY` for
/// `https://` registries, `HTTP_PROXY` for `http://` ones, `ALL_PROXY` for either when the
/// other is unset (each also in lower case; the upper case wins), and `NO_PROXY` (or
/// `no_proxy`) a comma-separated list of hosts reached directly: a domain matches itself
/// and its subdomains (`example.com` and `.example.com` alike), an IP address or a CIDR
/// range matches addresses, `*` matches everything. Loopback is not exempt by itself: put
/// `localhost,127.0.0.1` in `NO_PROXY` to reach a local registry directly. A proxy URL may
/// carry credentials (`http://user:password@proxy:3128`): they are sent as
/// `Proxy-Authorization` and never logged. Proxy schemes: `http`, `socks5`, `socks5h`
/// (names resolved by the proxy), `socks4`, `socks4a`; a proxy spoken to over TLS
/// (`https://proxy`) is not supported. As in curl, `HTTP_PROXY` is
/// ignored when `REQUEST_METHOD` is set (a CGI environment, where it is an attacker's
/// header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyConfig {
    /// Read the environment when the transport is built (the default).
    #[default]
    FromEnv,
    /// Every request goes directly.
    None,
    /// These settings, in the environment variables' syntax.
    Explicit {
        /// For `http://` registries (`HTTP_PROXY`).
        http: Option<String>,
        /// For `https://` registries (`HTTPS_PROXY`).
        https: Option<String>,
        /// For both, where the one above is not set (`ALL_PROXY`).
        all: Option<String>,
        /// Hosts reached directly (`NO_PROXY`).
        no_proxy: Option<String>,
    },
}

impl ProxyConfig {
    /// One proxy for every registry, with `no_proxy` reached directly.
    pub fn all(proxy: impl Into<String>, no_proxy: Option<String>) -> Self {
        Self::Explicit {
            http: None,
            https: None,
            all: Some(proxy.into()),
            no_proxy,
        }
    }

    /// The matcher for these settings; `None` when nothing is proxied (no settings, or
    /// `NO_PROXY` is `*`).
    pub(crate) fn matcher(&self) -> Option<Matcher> {
        // hyper-util applies `*` to names but not to IP addresses; curl applies it to all.
        let everything = |no: Option<String>| {
            no.is_some_and(|list| list.split(',').any(|entry| entry.trim() == "*"))
        };
        match self {
            Self::FromEnv => {
                let no = ["NO_PROXY", "no_proxy"]
                    .iter()
                    .find_map(|v| std::env::var(v).ok());
                (!everything(no)).then(Matcher::from_env)
            }
            Self::None => None,
            Self::Explicit { no_proxy, .. } if everything(no_proxy.clone()) => None,
            Self::Explicit {
                http,
                https,
                all,
                no_proxy,
            } => {
                let text = |v: &Option<String>| v.clone().unwrap_or_default();
                Some(
                    Matcher::builder()
                        .http(text(http))
                        .https(text(https))
                        .all(text(all))
                        .no(text(no_proxy))
                        .build(),
                )
            }
        }
    }
}

/// Reaches a host directly, or through the proxy the matcher picks for it.
#[derive(Clone)]
pub(crate) struct ProxyConnector {
    direct: Dialer,
    matcher: Option<Arc<Matcher>>,
}

impl fmt::Debug for ProxyConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The matcher's Debug shows the proxies' URLs without their credentials.
        f.debug_struct("ProxyConnector")
            .field("matcher", &self.matcher)
            .finish_non_exhaustive()
    }
}

impl ProxyConnector {
    pub(crate) fn new(direct: Dialer, matcher: Option<Matcher>) -> Self {
        Self {
            direct,
            matcher: matcher.map(Arc::new),
        }
    }

    /// The proxy for `dst`, if one applies.
    pub(crate) fn intercept(&self, dst: &Uri) -> Option<Intercept> {
        self.matcher.as_ref()?.intercept(dst)
    }

    /// The `Proxy-Authorization` a plain-HTTP request to `dst` carries to its proxy (an
    /// HTTPS request's goes in the `CONNECT`).
    pub(crate) fn authorization(&self, dst: &Uri) -> Option<HeaderValue> {
        if dst.scheme_str() != Some("http") {
            return None;
        }
        let proxy = self.intercept(dst)?;
        if proxy.uri().scheme_str() != Some("http") {
            return None;
        }
        proxy.basic_auth().cloned()
    }
}

/// A connection, and whether it goes to an HTTP proxy (then requests are written in
/// absolute form, `GET http://registry/v2/ HTTP/1.1`).
pub(crate) struct Proxied {
    io: TokioIo<TcpStream>,
    to_http_proxy: bool,
}

impl Connection for Proxied {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.to_http_proxy)
    }
}

impl Read for Proxied {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Proxied {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

/// A proxy that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach {dst} through the proxy {proxy}")]
pub(crate) struct ProxyError {
    dst: String,
    proxy: String,
    #[source]
    source: BoxError,
}

type Connecting = Pin<Box<dyn Future<Output = Result<Proxied, BoxError>> + Send>>;

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = Proxied;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower_service::Service::<Uri>::poll_ready(&mut self.direct, cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut direct = self.direct.clone();
        let Some(proxy) = self.intercept(&dst) else {
            return Box::pin(async move {
                let io = direct.call(dst).await?;
                Ok(Proxied {
                    io,
                    to_http_proxy: false,
                })
            });
        };
        Box::pin(async move {
            let failed = |source: BoxError| -> BoxError {
                Box::new(ProxyError {
                    dst: dst.authority().map_or("", |a| a.as_str()).to_owned(),
                    proxy: format!("{}", proxy.uri()),
                    source,
                })
            };
            let proxy_uri = proxy.uri().clone();
            let https = dst.scheme_str() == Some("https");
            let io = match proxy_uri.scheme_str() {
                Some("http") if !https => {
                    // Plain HTTP: the request goes to the proxy whole.
                    let io = direct.call(proxy_uri).await.map_err(failed)?;
                    return Ok(Proxied {
                        io,
                        to_http_proxy: true,
                    });
                }
                Some("http") => {
                    let mut tunnel = Tunnel::new(proxy_uri, direct);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth.clone());
                    }
                    tunnel
                        .call(dst.clone())
                        .await
                        .map_err(|e| failed(e.into()))?
                }
                Some(scheme @ ("socks5" | "socks5h")) => {
                    let mut socks =
                        SocksV5::new(proxy_uri.clone(), direct).local_dns(scheme == "socks5");
                    if let Some((user, pass)) = proxy.raw_auth() {
                        socks = socks.with_auth(user.to_owned(), pass.to_owned());
                    }
                    socks
                        .call(dst.clone())
                        .await
                        .map_err(|e| failed(e.into()))?
                }
                Some(scheme @ ("socks4" | "socks4a")) => SocksV4::new(proxy_uri.clone(), direct)
                    .local_dns(scheme == "socks4")
                    .call(dst.clone())
                    .await
                    .map_err(|e| failed(e.into()))?,
                other => {
                    return Err(failed(format!("unsupported proxy scheme {other:?}").into()));
                }
            };
            Ok(Proxied {
                io,
                to_http_proxy: false,
            })
        })
    }
}

//! Where the hyper transport connects: where DNS says, or where a [`Resolve`] rule sends a
//! host and port instead (curl's `--resolve`, the `oras` CLI's `--resolve`). The request
//! keeps its host: TLS is checked against the name, the `Host` header carries it.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::BoxError;

/// Connect to `address` for `host:port`, whatever DNS says of `host`.
///
/// ```
/// use oras_distribution::Resolve;
/// let r: Resolve = "registry.test:443:127.0.0.1:5000".parse()?;
/// assert_eq!(r.address, "127.0.0.1:5000".parse()?);
/// let same_port: Resolve = "registry.test:5000:10.0.0.7".parse()?;
/// assert_eq!(same_port.address.port(), 5000);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolve {
    /// The host name requests use (compared without case).
    pub host: String,
    /// The port requests use (443 and 80 when a URL has none).
    pub port: u16,
    /// Where to connect instead.
    pub address: SocketAddr,
}

impl Resolve {
    /// A rule sending `host:port` to `address`.
    pub fn new(host: impl Into<String>, port: u16, address: SocketAddr) -> Self {
        Self {
            host: host.into(),
            port,
            address,
        }
    }

    fn applies(&self, uri: &Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri
            .port_u16()
            .unwrap_or(if uri.scheme_str() == Some("http") {
                80
            } else {
                443
            });
        port == self.port && host.eq_ignore_ascii_case(&self.host)
    }
}

/// A `--resolve` rule that is not `host:port:address[:address_port]`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid resolve rule {input:?}: {reason} (expected host:port:address[:address_port])")]
pub struct ResolveError {
    input: String,
    reason: &'static str,
}

impl FromStr for Resolve {
    type Err = ResolveError;

    /// `host:port:address[:address_port]`; an IPv6 address in brackets (`[::1]`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| ResolveError {
            input: s.chars().take(256).collect(),
            reason,
        };
        let (host, rest) = s.split_once(':').ok_or_else(|| err("no port"))?;
        let (port, rest) = rest.split_once(':').ok_or_else(|| err("no address"))?;
        let port: u16 = port.parse().map_err(|_| err("the port is not a number"))?;
        let (address, address_port) = if let Some(v6) = rest.strip_prefix('[') {
            let (ip, after) = v6.split_once(']').ok_or_else(|| err("unclosed `[`"))?;
            (ip, after.strip_prefix(':'))
        } else {
            match rest.split_once(':') {
                Some((ip, p)) => (ip, Some(p)),
                None => (rest, None),
            }
        };
        let ip: IpAddr = address.parse().map_err(|_| err("invalid IP address"))?;
        let to = match address_port {
            None => port,
            Some(p) => p
                .parse()
                .map_err(|_| err("the address port is not a number"))?,
        };
        if host.is_empty() {
            return Err(err("no host"));
        }
        Ok(Self::new(host, port, SocketAddr::new(ip, to)))
    }
}

impl fmt::Display for Resolve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.host, self.port, self.address)
    }
}

/// Opens TCP connections, where the rules say for the hosts they name.
#[derive(Clone)]
pub(crate) struct Dialer {
    inner: HttpConnector,
    rules: Arc<[Resolve]>,
}

impl Dialer {
    pub(crate) fn new(inner: HttpConnector, rules: Vec<Resolve>) -> Self {
        Self {
            inner,
            rules: rules.into(),
        }
    }
}

impl tower_service::Service<Uri> for Dialer {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower_service::Service::<Uri>::poll_ready(&mut self.inner, cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        // A later rule for the same host and port replaces an earlier one, as the Go CLI
        // reads repeated `--resolve` rules (so `--from-resolve` wins over `--resolve`).
        let dst = match self.rules.iter().rev().find(|r| r.applies(&dst)) {
            Some(rule) => {
                let scheme = dst.scheme_str().unwrap_or("http");
                let path = dst.path_and_query().map_or("/", |p| p.as_str());
                format!("{scheme}://{}{path}", rule.address)
                    .parse()
                    .unwrap_or(dst)
            }
            None => dst,
        };
        let connecting = self.inner.call(dst);
        Box::pin(async move { connecting.await.map_err(Into::into) })
    }
}

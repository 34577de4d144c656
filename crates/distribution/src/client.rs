//! The client: configuration, and the request loop that handles auth, retries, redirects
//! and warnings for every operation.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use oras_auth::{Authenticator, Challenge, Origin, Scopes};
use oras_reference::Reference;

use crate::error::{Error, ErrorKind, Result};
use crate::log;
use crate::{Body, ReferrersMode, Registry, Repository, ResponseBody, Transport};

/// Which registries are spoken to over plain HTTP.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlainHttp {
    /// `localhost`, `127.0.0.1` and `[::1]` (any port), as the `oras` CLI does.
    #[default]
    Localhost,
    /// Those and the named hosts (`host` or `host:port`).
    Hosts(Vec<String>),
    /// Every registry.
    All,
    /// None.
    Never,
}

/// When and how requests are retried.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Retries after the first attempt (default 5).
    pub max_retries: u32,
    /// The first back-off (default 250 ms); it doubles each retry, with jitter.
    pub initial_backoff: Duration,
    /// The longest back-off (default 10 s).
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured (default 60 s); longer ones are cut to it.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Called once per registry and text for each `Warning: 299` header.
pub type WarningHook = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// How the client behaves. Build with `ClientConfig::default()` and set fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Which registries use plain HTTP.
    pub plain_http: PlainHttp,
    /// The largest manifest accepted (default 4 MiB).
    pub manifest_size_limit: usize,
    /// How much of an error body is read (default 64 KiB).
    pub error_body_limit: usize,
    /// Retries.
    pub retry: RetryPolicy,
    /// Redirects followed for GET and HEAD (default 10).
    pub max_redirects: usize,
    /// Pages followed when listing tags or repositories (default 10 000).
    pub max_pages: usize,
    /// Upload blobs in chunks of this size (PATCH) instead of one PUT. `None` (default)
    /// uploads blobs up to [`ClientConfig::monolithic_limit`] in one PUT and larger ones in
    /// chunks of [`DEFAULT_CHUNK_SIZE`].
    pub chunk_size: Option<usize>,
    /// The largest blob sent in one PUT when `chunk_size` is `None` (default 4 GiB; some
    /// registries refuse very large single requests, Quay above 20 GB).
    pub monolithic_limit: u64,
    /// `User-Agent`.
    pub user_agent: String,
    /// Headers added to every request (`oras -H`).
    pub headers: HeaderMap,
    /// Receives `Warning: 299` texts; by default they are dropped.
    pub on_warning: Option<WarningHook>,
    /// How referrers are found and kept.
    pub referrers: ReferrersMode,
    /// Delete the referrers index a new one replaces (default true).
    pub referrers_gc: bool,
}

/// The chunk size used for blobs larger than [`ClientConfig::monolithic_limit`].
pub const DEFAULT_CHUNK_SIZE: usize = 16 * 1024 * 1024;

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            plain_http: PlainHttp::default(),
            manifest_size_limit: oras_oci::manifest::DEFAULT_MANIFEST_SIZE_LIMIT,
            error_body_limit: 64 * 1024,
            retry: RetryPolicy::default(),
            max_redirects: 10,
            max_pages: 10_000,
            chunk_size: None,
            monolithic_limit: 4 << 30,
            user_agent: format!("oras-rs/{}", env!("CARGO_PKG_VERSION")),
            headers: HeaderMap::new(),
            on_warning: None,
            referrers: ReferrersMode::default(),
            referrers_gc: true,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("plain_http", &self.plain_http)
            .field("manifest_size_limit", &self.manifest_size_limit)
            .field("retry", &self.retry)
            .field("chunk_size", &self.chunk_size)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

/// A registry as the client reaches it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Target {
    /// The registry as written in references; credentials are looked up under it.
    pub(crate) host: String,
    /// `scheme://authority` the API is served from.
    pub(crate) base: String,
    pub(crate) https: bool,
}

impl Target {
    pub(crate) fn origin(&self) -> Origin {
        Origin::new(self.host.clone(), self.https)
    }
}

/// A distribution-spec client: cheap to clone, `Send + Sync`, usable from many tasks.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<dyn Transport>,
    auth: Authenticator,
    config: ClientConfig,
    warned: Mutex<HashSet<(String, String)>>,
    jitter: AtomicU64,
    /// Per `host/repository`: whether the referrers API is there.
    referrers: Mutex<HashMap<String, bool>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("transport", &self.inner.transport)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn is_localhost(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':')
            .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
            .map_or(host, |(h, _)| h)
    };
    matches!(name, "localhost" | "127.0.0.1" | "::1")
}

#[cfg(feature = "hyper")]
impl Client {
    /// The client most programs want: [`HyperTransport`](crate::HyperTransport) with its
    /// default options, the credentials of docker's and the containers' config files and
    /// their helpers ([`CredentialChain::standard`](oras_auth::CredentialChain::standard)),
    /// and [`ClientConfig::default`]. Fails only when no root certificates can be loaded.
    pub fn standard() -> std::result::Result<Self, crate::TransportError> {
        Ok(Self::new(
            crate::HyperTransport::new()?,
            Authenticator::new(oras_auth::CredentialChain::standard()),
            ClientConfig::default(),
        ))
    }
}

impl Client {
    /// A client over `transport`, authenticating with `auth`.
    pub fn new(transport: impl Transport, auth: Authenticator, config: ClientConfig) -> Self {
        Self::from_arc(Arc::new(transport), auth, config)
    }

    /// A client over a shared transport.
    pub fn from_arc(
        transport: Arc<dyn Transport>,
        auth: Authenticator,
        config: ClientConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                transport,
                auth,
                config,
                warned: Mutex::default(),
                jitter: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
                referrers: Mutex::default(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The authenticator.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.auth
    }

    pub(crate) fn target(&self, host: &str) -> Target {
        let https = match &self.inner.config.plain_http {
            PlainHttp::All => false,
            PlainHttp::Never => true,
            PlainHttp::Localhost => !is_localhost(host),
            PlainHttp::Hosts(hosts) => !(is_localhost(host) || hosts.iter().any(|h| h == host)),
        };
        let api = if host == oras_reference::DOCKER_HUB {
            oras_reference::DOCKER_HUB_API
        } else {
            host
        };
        Target {
            host: host.to_owned(),
            base: format!("{}://{api}", if https { "https" } else { "http" }),
            https,
        }
    }

    /// A registry by host (`ghcr.io`, `localhost:5000`).
    pub fn registry(&self, host: &str) -> Registry {
        Registry::new(self.clone(), self.target(host))
    }

    /// The repository a reference names (its tag and digest are not used).
    pub fn repository(&self, reference: &Reference) -> Repository {
        Repository::new(
            self.clone(),
            self.target(reference.registry()),
            reference.repository().to_owned(),
        )
    }

    pub(crate) fn referrers_capability(&self, key: &str) -> Option<bool> {
        self.inner
            .referrers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .copied()
    }

    pub(crate) fn set_referrers_capability(&self, key: String, supported: bool) {
        self.inner
            .referrers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, supported);
    }

    /// Waits the back-off the retry policy gives before retry number `attempt` (from 0),
    /// on the transport's timer: for callers that retry an operation of their own, such as
    /// sending a manifest again after uploading what the registry lacked.
    pub async fn wait_before_retry(&self, attempt: u32) {
        self.inner.transport.sleep(self.backoff(attempt)).await;
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let p = &self.inner.config.retry;
        let base = p
            .initial_backoff
            .saturating_mul(1u32 << attempt.min(16))
            .min(p.max_backoff);
        // xorshift: jitter between 50% and 150%, no RNG dependency.
        let mut x = self.inner.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.inner.jitter.store(x, Ordering::Relaxed);
        let factor = 0.5 + (x % 1000) as f64 / 1000.0;
        base.mul_f64(factor).min(p.max_backoff)
    }

    fn warnings(&self, target: &Target, headers: &HeaderMap) {
        let Some(hook) = &self.inner.config.on_warning else {
            return;
        };
        for v in headers.get_all(header::WARNING) {
            let Ok(text) = v.to_str() else { continue };
            // `299 - "text"`: only code 299 carries registry warnings.
            let Some(rest) = text.trim().strip_prefix("299") else {
                continue;
            };
            let msg = rest
                .trim_start()
                .trim_start_matches('-')
                .trim()
                .trim_matches('"')
                .to_owned();
            let fresh = self
                .inner
                .warned
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert((target.host.clone(), msg.clone()));
            if fresh {
                hook(&target.host, &msg);
            }
        }
    }

    /// Sends a request to `target` with auth, retries and redirects, and returns the final
    /// response whatever its status (callers decide what success is).
    pub(crate) async fn execute(
        &self,
        target: &Target,
        scopes: &Scopes,
        method: Method,
        url: String,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response<ResponseBody>> {
        let config = &self.inner.config;
        let origin = target.origin();
        let fail = |e: Error, url: &str| e.with_request(&method, url);
        let auth_failed = |e: oras_auth::AuthError, url: &str| {
            // A token service that could not be reached may answer later; refusals will not.
            let retryable = matches!(e, oras_auth::AuthError::Transport { .. });
            Error::new(ErrorKind::Auth, "authentication failed")
                .with_source(e)
                .with_request(&method, url)
                .retryable(retryable)
        };
        let mut authorization = self
            .inner
            .auth
            .authorization(&origin, scopes, |r| self.send_token_request(r))
            .await
            .map_err(|e| auth_failed(e, &url))?;
        let replayable = body.is_replayable();
        let mut first = Some(body);
        let mut template: Option<Body> = None;
        let (mut attempt, mut responded, mut redirects) = (0u32, false, 0usize);
        let mut url = url;
        loop {
            // The first send uses the body; later sends use a copy of it.
            let body = match first.take() {
                Some(b) => {
                    if replayable {
                        let copy = b.try_clone().expect("replayable").map_err(|e| {
                            fail(
                                Error::new(ErrorKind::Input, "cannot reopen the body")
                                    .with_source(e),
                                &url,
                            )
                        })?;
                        template = Some(b);
                        copy
                    } else {
                        b
                    }
                }
                None => match template.as_ref().and_then(Body::try_clone) {
                    Some(Ok(b)) => b,
                    Some(Err(e)) => {
                        return Err(fail(
                            Error::new(ErrorKind::Input, "cannot reopen the body").with_source(e),
                            &url,
                        ));
                    }
                    None => {
                        return Err(fail(
                            Error::new(
                                ErrorKind::NotReplayable,
                                "the request must be sent again but its body is a one-shot stream",
                            ),
                            &url,
                        ));
                    }
                },
            };
            let same_origin =
                url.starts_with(&target.base) && url[target.base.len()..].starts_with(['/', '?']);
            let mut req = Request::builder().method(method.clone()).uri(&url);
            let h = req.headers_mut().expect("a fresh builder has headers");
            h.extend(config.headers.clone());
            h.extend(headers.clone());
            h.insert(
                header::USER_AGENT,
                HeaderValue::from_str(&config.user_agent)
                    .unwrap_or(HeaderValue::from_static("oras-rs")),
            );
            if let Some(len) = body.len()
                && (len > 0 || matches!(method, Method::POST | Method::PUT | Method::PATCH))
            {
                h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            }
            // Credentials go to the registry's origin only, never where a redirect points.
            if let (Some(a), true) = (&authorization, same_origin) {
                h.insert(header::AUTHORIZATION, a.clone());
            }
            let req = req.body(body).map_err(|e| {
                fail(
                    Error::new(ErrorKind::Input, "invalid request").with_source(e),
                    &url,
                )
            })?;
            let can_resend = replayable || template.is_some();
            let shown = log::shown_url(&url, same_origin);
            log::request(&method, shown, req.headers());
            let response = match self.inner.transport.send(req).await {
                Ok(r) => r,
                Err(e) => {
                    log::failed(&method, shown, &e);
                    if e.is_retryable() && attempt < config.retry.max_retries && can_resend {
                        let wait = self.backoff(attempt);
                        tracing::debug!(attempt = attempt + 1, "retrying in {wait:?}");
                        self.inner.transport.sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    let retryable = e.is_retryable();
                    return Err(fail(
                        Error::new(ErrorKind::Transport, "request failed")
                            .with_source(e)
                            .retryable(retryable),
                        &url,
                    ));
                }
            };
            let status = response.status();
            log::response(&method, shown, status, response.headers(), &target.base);
            self.warnings(target, response.headers());
            if status == StatusCode::UNAUTHORIZED && same_origin && responded {
                // Refused again with fresh credentials: say so, and what to do.
                let hint = self.inner.auth.rejected(&origin.host).await;
                return Err(self
                    .status_error(&method, &url, response)
                    .await
                    .with_source(hint));
            }
            if status == StatusCode::UNAUTHORIZED && same_origin {
                let challenges = Challenge::from_headers(response.headers())
                    .map_err(|e| auth_failed(oras_auth::AuthError::Challenge(e), &url))?;
                drop(response);
                tracing::debug!(host = %origin.host, "the registry asks for credentials");
                let header = self
                    .inner
                    .auth
                    .respond(&origin, &challenges, scopes, authorization.as_ref(), |r| {
                        self.send_token_request(r)
                    })
                    .await
                    .map_err(|e| auth_failed(e, &url))?;
                authorization = Some(header);
                responded = true;
                continue;
            }
            let retryable_status = status.is_server_error()
                || status == StatusCode::REQUEST_TIMEOUT
                || status == StatusCode::TOO_MANY_REQUESTS;
            if retryable_status && attempt < config.retry.max_retries && can_resend {
                let wait = retry_after(response.headers()).map_or_else(
                    || self.backoff(attempt),
                    |d| d.min(config.retry.max_retry_after),
                );
                drop(response);
                tracing::debug!(attempt = attempt + 1, "retrying after {status} in {wait:?}");
                self.inner.transport.sleep(wait).await;
                attempt += 1;
                continue;
            }
            let redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
            if redirect && matches!(method, Method::GET | Method::HEAD) {
                if redirects >= config.max_redirects {
                    return Err(fail(
                        Error::new(
                            ErrorKind::Limit,
                            format!("more than {} redirects", config.max_redirects),
                        ),
                        &url,
                    ));
                }
                let location = response
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        fail(
                            Error::new(ErrorKind::Protocol, "redirect without Location"),
                            &url,
                        )
                    })?;
                url = resolve(&url, location).ok_or_else(|| {
                    fail(
                        Error::new(ErrorKind::Protocol, "redirect to an invalid Location"),
                        &url,
                    )
                })?;
                redirects += 1;
                let same = url
                    .strip_prefix(&target.base)
                    .is_some_and(|rest| rest.starts_with(['/', '?']));
                tracing::debug!("redirected to {}", log::shown_url(&url, same));
                continue;
            }
            return Ok(response);
        }
    }

    /// Sends a token request built by the authenticator and reads its response, at most
    /// one byte past the token response limit (so an oversized one is seen as such).
    async fn send_token_request(
        &self,
        req: Request<Vec<u8>>,
    ) -> std::result::Result<Response<Vec<u8>>, crate::TransportError> {
        let req = req.map(Body::from);
        let (method, url) = (req.method().clone(), req.uri().to_string());
        log::request(&method, &url, req.headers());
        let resp = self
            .inner
            .transport
            .send(req)
            .await
            .inspect_err(|e| log::failed(&method, &url, e))?;
        log::response(&method, &url, resp.status(), resp.headers(), "");
        let (parts, body) = resp.into_parts();
        let bytes = body
            .collect_truncated(oras_auth::token::TOKEN_RESPONSE_LIMIT + 1)
            .await;
        Ok(Response::from_parts(parts, bytes.to_vec()))
    }

    /// Reads an error response into an [`Error`], with a bounded body.
    pub(crate) async fn status_error(
        &self,
        method: &Method,
        url: &str,
        response: Response<ResponseBody>,
    ) -> Error {
        let status = response.status();
        let body = response
            .into_body()
            .collect_truncated(self.inner.config.error_body_limit)
            .await;
        Error::from_status(method, url, status, &body)
    }
}

/// `Retry-After` in seconds (HTTP dates are ignored: the back-off applies).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    v.parse::<u64>().ok().map(Duration::from_secs)
}

/// Resolves a `Location` against the URL it came from.
pub(crate) fn resolve(base: &str, location: &str) -> Option<String> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location
            .parse::<http::Uri>()
            .ok()
            .map(|_| location.to_owned());
    }
    let scheme_end = base.find("://")? + 3;
    let authority_end = base[scheme_end..]
        .find(['/', '?'])
        .map_or(base.len(), |i| scheme_end + i);
    let origin = &base[..authority_end];
    let resolved = if location.starts_with("//") {
        format!("{}{location}", &base[..scheme_end - 2])
    } else if location.starts_with('/') {
        format!("{origin}{location}")
    } else {
        let path_end = base.find('?').unwrap_or(base.len());
        let dir_end = base[..path_end]
            .rfind('/')
            .filter(|&i| i >= authority_end)
            .map_or(path_end, |i| i + 1);
        format!("{}{location}", &base[..dir_end])
    };
    resolved.parse::<http::Uri>().ok().map(|_| resolved)
}

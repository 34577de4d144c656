//! The client, and the request loop every operation goes through: authorize, send, answer
//! a challenge, retry, follow a redirect. Each step is a function of its own below
//! [`Client::execute`], which reads as the list of them.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use oras_auth::{AuthError, Authenticator, Challenge, Origin, Scopes};
use oras_reference::Reference;

use crate::config::{ClientConfig, PlainHttp};
use crate::error::{Error, ErrorKind, Result};
use crate::log;
use crate::url::Url;
use crate::{Body, Registry, Repository, ResponseBody, Transport, TransportError};

/// A registry as the client reaches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// The registry as written in references; credentials are looked up under it.
    pub(crate) host: String,
    /// `scheme://authority/` the API is served from.
    pub(crate) base: Url,
    pub(crate) https: bool,
}

impl Endpoint {
    /// The registry's identity for credentials and tokens.
    pub(crate) fn auth_origin(&self) -> Origin {
        Origin::new(self.host.clone(), self.https)
    }

    /// The API URL for `path` (`/v2/…`).
    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.at(path)
    }

    /// Whether `url` is on the registry's own origin, where credentials may go.
    pub(crate) fn owns(&self, url: &Url) -> bool {
        self.base.same_origin(url)
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
    pub fn standard() -> std::result::Result<Self, TransportError> {
        Ok(Self::new(
            crate::HyperTransport::new()?,
            Authenticator::new(oras_auth::CredentialChain::standard()),
            ClientConfig::default(),
        ))
    }
}

/// What one response means for the request loop.
enum Next {
    /// The final response, whatever its status: the operation decides what success is.
    Done(Response<ResponseBody>),
    /// The registry asked for credentials: answer its challenges and send again.
    Authenticate(Vec<Challenge>),
    /// A passing failure: send again after this long.
    Retry(Duration),
    /// A GET or HEAD redirected here.
    Redirect(Url),
}

/// The bodies of one request's sends: the first as given, later ones reopened from it.
struct Bodies {
    first: Option<Body>,
    /// A replayable body kept to make copies from.
    template: Option<Body>,
}

impl Bodies {
    fn new(body: Body) -> Self {
        Self {
            first: Some(body),
            template: None,
        }
    }

    /// Whether another send can have a body.
    fn can_resend(&self) -> bool {
        self.template.is_some() || self.first.as_ref().is_some_and(Body::is_replayable)
    }

    /// The body for the next send. A replayable body is kept and a copy of it sent, so
    /// every send starts from its beginning.
    fn next(&mut self) -> std::result::Result<Body, Error> {
        let reopen_failed =
            |e| Error::new(ErrorKind::Body, "cannot reopen the body").with_source(e);
        if let Some(body) = self.first.take() {
            if !body.is_replayable() {
                return Ok(body);
            }
            let copy = body
                .try_clone()
                .expect("replayable")
                .map_err(reopen_failed)?;
            self.template = Some(body);
            return Ok(copy);
        }
        match self.template.as_ref().and_then(Body::try_clone) {
            Some(copy) => copy.map_err(reopen_failed),
            None => Err(Error::new(
                ErrorKind::NotReplayable,
                "the request must be sent again but its body is a one-shot stream",
            )),
        }
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

    pub(crate) fn endpoint(&self, host: &str) -> Endpoint {
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
        Endpoint {
            host: host.to_owned(),
            base: Url::base(https, api)
                .unwrap_or_else(|| panic!("{api} is a valid authority: references are checked")),
            https,
        }
    }

    /// A registry by host (`ghcr.io`, `localhost:5000`).
    pub fn registry(&self, host: &str) -> Registry {
        Registry::new(self.clone(), self.endpoint(host))
    }

    /// The repository a reference names (its tag and digest are not used).
    pub fn repository(&self, reference: &Reference) -> Repository {
        Repository::new(
            self.clone(),
            self.endpoint(reference.registry()),
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

    /// Waits the retry policy's back-off before retry number `attempt` (from 0), on the
    /// transport's timer: for operations that retry a step of their own (a manifest sent
    /// again after the registry lost track of a blob).
    pub(crate) async fn back_off(&self, attempt: u32) {
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

    /// Sends a request to `endpoint` with auth, retries and redirects, and returns the
    /// final response whatever its status (callers decide what success is).
    pub(crate) async fn execute(
        &self,
        endpoint: &Endpoint,
        scopes: &Scopes,
        method: Method,
        url: Url,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response<ResponseBody>> {
        let mut url = url;
        let fail = |e: Error, url: &Url| e.with_request(&method, url);
        let mut authorization = self
            .authorize(endpoint, scopes)
            .await
            .map_err(|e| fail(e, &url))?;
        let mut bodies = Bodies::new(body);
        let (mut attempt, mut answered, mut redirects) = (0u32, false, 0usize);
        // One number per request as the log shows it: a retry keeps it, a send with new
        // credentials or to a redirect's target takes the next.
        let (mut id, mut logged) = (log::next_id(), false);
        loop {
            let body = bodies.next().map_err(|e| fail(e, &url))?;
            let owned = endpoint.owns(&url);
            let request = self
                .build(&method, &url, &headers, body, authorization.as_ref(), owned)
                .map_err(|e| fail(e, &url))?;
            let exchange = Exchange {
                id,
                logged,
                retry_possible: attempt < self.config().retry.max_retries && bodies.can_resend(),
            };
            logged = true;
            let response = match self.send(request, &url, endpoint, exchange).await {
                Ok(r) => r,
                Err(e) => match self.retry_transport(&e, attempt, bodies.can_resend()) {
                    Some(wait) => {
                        self.wait(wait, attempt).await;
                        attempt += 1;
                        continue;
                    }
                    None => {
                        let retryable = e.is_retryable();
                        let e = Error::new(ErrorKind::Transport, "request failed")
                            .with_source(e)
                            .retryable(retryable);
                        return Err(fail(e, &url));
                    }
                },
            };
            self.warnings(endpoint, response.headers());
            if response.status() == StatusCode::UNAUTHORIZED && owned && answered {
                return Err(self.refused_again(endpoint, &method, &url, response).await);
            }
            match self.next_step(&method, &url, response, owned, attempt, bodies.can_resend()) {
                Ok(Next::Done(r)) => return Ok(r),
                Ok(Next::Authenticate(challenges)) => {
                    let header = self
                        .answer(endpoint, &challenges, scopes, authorization.as_ref())
                        .await
                        .map_err(|e| fail(e, &url))?;
                    authorization = Some(header);
                    answered = true;
                    (id, logged) = (log::next_id(), false);
                }
                Ok(Next::Retry(wait)) => {
                    self.wait(wait, attempt).await;
                    attempt += 1;
                }
                Ok(Next::Redirect(to)) => {
                    if redirects >= self.config().max_redirects {
                        let limit = self.config().max_redirects;
                        let e =
                            Error::new(ErrorKind::Limit, format!("more than {limit} redirects"));
                        return Err(fail(e, &url));
                    }
                    redirects += 1;
                    tracing::debug!("redirected to {}", log::shown_url(&to, endpoint.owns(&to)));
                    url = to;
                    (id, logged) = (log::next_id(), false);
                }
                Err(e) => return Err(fail(e, &url)),
            }
        }
    }

    /// The `Authorization` to send first: Basic for hosts that asked for it, a cached
    /// token, or a token fetched up front for a challenge seen before.
    async fn authorize(&self, endpoint: &Endpoint, scopes: &Scopes) -> Result<Option<HeaderValue>> {
        self.inner
            .auth
            .authorization(&endpoint.auth_origin(), scopes, |r| {
                self.send_token_request(r)
            })
            .await
            .map_err(auth_failed)
    }

    /// The request for one send. Credentials go to the registry's origin only, never where
    /// a redirect points.
    fn build(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Body,
        authorization: Option<&HeaderValue>,
        owned: bool,
    ) -> Result<Request<Body>> {
        let config = &self.inner.config;
        let mut req = Request::builder()
            .method(method.clone())
            .uri(url.uri().clone());
        let h = req.headers_mut().expect("a fresh builder has headers");
        h.extend(config.headers.clone());
        h.extend(headers.clone());
        h.insert(
            header::USER_AGENT,
            HeaderValue::from_str(&config.user_agent)
                .unwrap_or(HeaderValue::from_static("oras-rs")),
        );
        if let Some(len) = body.len()
            && (len > 0 || matches!(*method, Method::POST | Method::PUT | Method::PATCH))
        {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
        }
        if let (Some(a), true) = (authorization, owned) {
            h.insert(header::AUTHORIZATION, a.clone());
        }
        req.body(body)
            .map_err(|e| Error::new(ErrorKind::Input, "invalid request").with_source(e))
    }

    /// One send through the transport to `url`, logged as request `exchange.id` (see
    /// [`log`] for what is shown of a URL or `Location` off the registry's origin): the
    /// request when it is first sent, the response (or the failure) unless it will be
    /// retried.
    async fn send(
        &self,
        request: Request<Body>,
        url: &Url,
        endpoint: &Endpoint,
        exchange: Exchange,
    ) -> std::result::Result<Response<ResponseBody>, TransportError> {
        if !log::enabled() {
            return self.inner.transport.send(request).await;
        }
        let method = request.method().clone();
        if !exchange.logged {
            let shown = log::shown_url(url, endpoint.owns(url));
            log::request(exchange.id, &method, &shown, request.headers());
        }
        match self.inner.transport.send(request).await {
            Ok(response) => {
                let retried = exchange.retry_possible && is_retryable_status(response.status());
                if retried {
                    return Ok(response);
                }
                let (response, body) = logged_body(&method, response).await;
                log::response(exchange.id, &response, Some(&endpoint.base), &body);
                Ok(response)
            }
            Err(e) => {
                if !(exchange.retry_possible && e.is_retryable()) {
                    log::failed(exchange.id, &e);
                }
                Err(e)
            }
        }
    }

    /// Whether a send that got no response is tried again, and after how long.
    fn retry_transport(
        &self,
        e: &TransportError,
        attempt: u32,
        can_resend: bool,
    ) -> Option<Duration> {
        (e.is_retryable() && attempt < self.config().retry.max_retries && can_resend)
            .then(|| self.backoff(attempt))
    }

    /// What a response means: the answer, a challenge to meet, a retry, or a redirect.
    fn next_step(
        &self,
        method: &Method,
        url: &Url,
        response: Response<ResponseBody>,
        owned: bool,
        attempt: u32,
        can_resend: bool,
    ) -> Result<Next> {
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED && owned {
            let challenges = Challenge::from_headers(response.headers())
                .map_err(|e| auth_failed(AuthError::Challenge(e)))?;
            tracing::debug!("the registry asks for credentials");
            return Ok(Next::Authenticate(challenges));
        }
        let retry = &self.config().retry;
        if is_retryable_status(status) && attempt < retry.max_retries && can_resend {
            let wait = retry_after(response.headers(), SystemTime::now())
                .map_or_else(|| self.backoff(attempt), |d| d.min(retry.max_retry_after));
            tracing::debug!("{status}: retrying");
            return Ok(Next::Retry(wait));
        }
        let redirect = matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
        if !(redirect && matches!(*method, Method::GET | Method::HEAD)) {
            return Ok(Next::Done(response));
        }
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "redirect without Location"))?;
        url.join(location)
            .map(Next::Redirect)
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "redirect to an invalid Location"))
    }

    /// The `Authorization` to send again with after a 401 (at most one per request: the
    /// bound that prevents loops).
    async fn answer(
        &self,
        endpoint: &Endpoint,
        challenges: &[Challenge],
        scopes: &Scopes,
        sent: Option<&HeaderValue>,
    ) -> Result<HeaderValue> {
        self.inner
            .auth
            .respond(&endpoint.auth_origin(), challenges, scopes, sent, |r| {
                self.send_token_request(r)
            })
            .await
            .map_err(auth_failed)
    }

    /// The error for a request refused again with fresh credentials: the registry's answer,
    /// caused by the credentials (or their absence) the authenticator knows of.
    async fn refused_again(
        &self,
        endpoint: &Endpoint,
        method: &Method,
        url: &Url,
        response: Response<ResponseBody>,
    ) -> Error {
        let cause = self.inner.auth.rejected(&endpoint.host).await;
        self.status_error(method, url, response)
            .await
            .with_source(cause)
    }

    async fn wait(&self, wait: Duration, attempt: u32) {
        tracing::debug!(attempt = attempt + 1, "retrying in {wait:?}");
        self.inner.transport.sleep(wait).await;
    }

    /// Tells the warning hook `text` about `endpoint`, once per registry and text, and
    /// `tracing` at WARN.
    pub(crate) fn warn(&self, endpoint: &Endpoint, text: &str) {
        tracing::warn!(registry = %endpoint.host, "{text}");
        let Some(hook) = &self.inner.config.on_warning else {
            return;
        };
        let fresh = self
            .inner
            .warned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((endpoint.host.clone(), text.to_owned()));
        if fresh {
            hook(&endpoint.host, text);
        }
    }

    /// The registry's `Warning: 299` headers, for the warning hook.
    fn warnings(&self, endpoint: &Endpoint, headers: &HeaderMap) {
        if self.inner.config.on_warning.is_none() {
            return;
        }
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
                .trim_matches('"');
            self.warn(endpoint, msg);
        }
    }

    /// Sends a token request built by the authenticator and reads its response, at most
    /// one byte past the token response limit (so an oversized one is seen as such).
    async fn send_token_request(
        &self,
        req: Request<Vec<u8>>,
    ) -> std::result::Result<Response<Vec<u8>>, TransportError> {
        let req = req.map(Body::from);
        let id = log::next_id();
        log::request(id, req.method(), &req.uri().to_string(), req.headers());
        let resp = self
            .inner
            .transport
            .send(req)
            .await
            .inspect_err(|e| log::failed(id, e))?;
        let (parts, body) = resp.into_parts();
        let body = if log::enabled() {
            let (seen, body) = body.peek(log::BODY_LIMIT).await;
            let resp = Response::from_parts(parts.clone(), ());
            log::response(id, &resp, None, &log::body_text(&seen));
            body
        } else {
            body
        };
        let bytes = body
            .collect_truncated(oras_auth::token::TOKEN_RESPONSE_LIMIT + 1)
            .await;
        Ok(Response::from_parts(parts, bytes.to_vec()))
    }

    /// Reads an error response into an [`Error`], with a bounded body.
    pub(crate) async fn status_error(
        &self,
        method: &Method,
        url: &Url,
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

fn auth_failed(e: AuthError) -> Error {
    // A token service that could not be reached may answer later; refusals will not.
    let retryable = matches!(e, AuthError::Transport { .. });
    Error::new(ErrorKind::Auth, "authentication failed")
        .with_source(e)
        .retryable(retryable)
}

/// Statuses that say "try again later": server errors, 408 and 429.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
}

/// `Retry-After` as a wait from `now`: seconds, or an HTTP date (a date in the past means
/// now).
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = v.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// What the log shows of a response's body (reading ahead what it shows, given back to
/// the response): nothing for a `HEAD` or an empty body, a word for a type that is not
/// JSON or text, else the start of it.
async fn logged_body(
    method: &Method,
    response: Response<ResponseBody>,
) -> (Response<ResponseBody>, String) {
    let headers = response.headers();
    let empty = *method == Method::HEAD
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
    if empty {
        return (response, "   No response body to print".to_owned());
    }
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default().to_owned())
    else {
        return (
            response,
            "   Response body without a content type is not printed".to_owned(),
        );
    };
    if !log::printable(&content_type) {
        let text = format!(
            "   Response body of content type {} is not printed",
            log::go_quote(&content_type)
        );
        return (response, text);
    }
    let (parts, body) = response.into_parts();
    let (seen, body) = body.peek(log::BODY_LIMIT).await;
    (Response::from_parts(parts, body), log::body_text(&seen))
}

/// One numbered request of the log: its number, whether it was logged already (this send
/// is a retry), and whether a failure of this send would be retried (then it is not
/// logged as the answer).
#[derive(Clone, Copy)]
struct Exchange {
    id: u64,
    logged: bool,
    retry_possible: bool,
}

//! The error at the client boundary: it answers questions and keeps the registry's codes.

use std::fmt;

use http::{Method, StatusCode};
use serde::Deserialize;

use crate::BoxError;
use crate::url::Url;

/// What went wrong, broadly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The registry answered with an error status.
    Status,
    /// No response (connection, TLS, time-out).
    Transport,
    /// Authentication failed before or after the request.
    Auth,
    /// Content did not match its digest or size.
    Verify,
    /// A manifest could not be read (invalid, too large, wrong media type).
    Manifest,
    /// The registry broke the protocol (missing `Location`, a digest header that does not
    /// match, a `Link` to another origin, ...).
    Protocol,
    /// A body that had to be sent again could not be (a one-shot stream).
    NotReplayable,
    /// Too many redirects or pages.
    Limit,
    /// Bad input from the caller.
    Input,
    /// The source of a request body failed while it was read (a file, or another
    /// registry's blob being copied).
    Body,
}

/// One entry of a registry's error body (`{"errors":[{"code","message","detail"}]}`).
/// Unknown codes are kept as they are.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ErrorCode {
    /// `MANIFEST_UNKNOWN`, `DENIED`, ...
    #[serde(default)]
    pub code: String,
    /// The registry's message.
    #[serde(default)]
    pub message: String,
    /// Extra detail, as the registry sent it.
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorCode>,
}

/// A failed registry operation.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    method: Option<Method>,
    url: Option<String>,
    status: Option<StatusCode>,
    codes: Vec<ErrorCode>,
    retryable: bool,
    source: Option<BoxError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                method: None,
                url: None,
                status: None,
                codes: Vec::new(),
                retryable: false,
                source: None,
            }),
        }
    }

    /// The request it is about. The URL is kept without its query (upload state,
    /// signatures of pre-signed URLs).
    pub(crate) fn with_request(mut self, method: &Method, url: &Url) -> Self {
        self.inner.method = Some(method.clone());
        self.inner.url = Some(url.without_query());
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn retryable(mut self, retryable: bool) -> Self {
        self.inner.retryable = retryable;
        self
    }

    /// An error for a response with an error status, from its (size-limited) body.
    pub(crate) fn from_status(method: &Method, url: &Url, status: StatusCode, body: &[u8]) -> Self {
        let codes = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.errors)
            .unwrap_or_default();
        let mut message = format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("error")
        );
        for c in &codes {
            let text: String = c.message.chars().take(300).collect();
            message.push_str(&format!("; {}: {text}", c.code));
        }
        let retryable = crate::client::is_retryable_status(status)
            || codes.iter().any(|c| c.code == "TOOMANYREQUESTS");
        let mut e = Self::new(ErrorKind::Status, message)
            .with_request(method, url)
            .retryable(retryable);
        e.inner.status = Some(status);
        e.inner.codes = codes;
        e
    }

    /// What went wrong, broadly.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status, when the registry answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The request's method.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The request's URL, without query (never credentials).
    pub fn url(&self) -> Option<&str> {
        self.inner.url.as_deref()
    }

    /// The registry's error codes, as sent.
    pub fn codes(&self) -> &[ErrorCode] {
        &self.inner.codes
    }

    /// Whether the registry sent this error code (`MANIFEST_BLOB_UNKNOWN`, `DENIED`, ...).
    pub fn has_code(&self, code: &str) -> bool {
        self.has_any_code(&[code])
    }

    fn has_any_code(&self, codes: &[&str]) -> bool {
        self.inner
            .codes
            .iter()
            .any(|c| codes.contains(&c.code.as_str()))
    }

    /// The content or repository does not exist.
    pub fn is_not_found(&self) -> bool {
        self.inner.status == Some(StatusCode::NOT_FOUND)
            || self.has_any_code(&["BLOB_UNKNOWN", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"])
    }

    /// Credentials are missing or were refused.
    pub fn is_unauthorized(&self) -> bool {
        self.inner.status == Some(StatusCode::UNAUTHORIZED)
            || self.has_any_code(&["UNAUTHORIZED"])
            || self
                .source_auth()
                .is_some_and(oras_auth::AuthError::is_unauthorized)
    }

    /// Authenticated, but not allowed.
    pub fn is_denied(&self) -> bool {
        self.inner.status == Some(StatusCode::FORBIDDEN) || self.has_any_code(&["DENIED"])
    }

    /// The registry does not do this at all (405 Method Not Allowed, or `UNSUPPORTED`):
    /// deletion disabled, for example.
    pub fn is_unsupported(&self) -> bool {
        self.inner.status == Some(StatusCode::METHOD_NOT_ALLOWED) || self.has_code("UNSUPPORTED")
    }

    /// The registry refused the request outright: it does not support it, or these
    /// credentials may not (`is_unsupported`, `is_denied`, `is_unauthorized`).
    pub fn is_refused(&self) -> bool {
        self.is_unsupported() || self.is_denied() || self.is_unauthorized()
    }

    /// Trying again later may succeed (5xx, 408, 429, connection failures).
    pub fn is_retryable(&self) -> bool {
        self.inner.retryable
    }

    fn source_auth(&self) -> Option<&oras_auth::AuthError> {
        self.inner.source.as_deref().and_then(|s| s.downcast_ref())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(m), Some(u)) = (&self.inner.method, &self.inner.url) {
            write!(f, "{m} {u}: ")?;
        }
        // The cause is `source()`'s to tell, not repeated here.
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("method", &self.inner.method)
            .field("url", &self.inner.url)
            .field("status", &self.inner.status)
            .field("codes", &self.inner.codes)
            .field("message", &self.inner.message)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

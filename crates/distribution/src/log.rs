//! What the client tells a `tracing` subscriber: a line per request and response at
//! DEBUG, their headers at TRACE, retries, challenges and redirects at DEBUG.
//!
//! Nothing secret is emitted: credential headers are shown as `<redacted>`, and the query
//! of a URL outside the registry's origin (a pre-signed storage URL carries its signature
//! there) is cut off. Bodies are never logged.

use http::{HeaderMap, Method, StatusCode};

/// The target every event of this crate's HTTP exchanges carries, so a subscriber can
/// turn them on alone (`oras_distribution::http=trace`).
pub(crate) const HTTP: &str = "oras_distribution::http";

/// A DEBUG span for one operation on a repository, named after it, with the registry and
/// the repository as fields (and whatever else is given: a digest, a reference).
macro_rules! op_span {
    ($repo:expr, $op:literal $(, $($field:tt)*)?) => {
        tracing::debug_span!(
            $op,
            registry = %$repo.registry(),
            repository = %$repo.name()
            $(, $($field)*)?
        )
    };
}

pub(crate) use op_span;

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-registry-auth",
];

/// `url` as it may be logged: whole on the registry's origin, without its query elsewhere.
pub(crate) fn shown_url(url: &str, same_origin: bool) -> &str {
    if same_origin {
        url
    } else {
        url.split_once('?').map_or(url, |(path, _)| path)
    }
}

/// Logs `headers` at TRACE. A `Location` that leaves `base` (the registry's origin) loses
/// its query, as URLs do.
fn headers(direction: &str, headers: &HeaderMap, base: &str) {
    if !tracing::enabled!(target: HTTP, tracing::Level::TRACE) {
        return;
    }
    for (name, value) in headers {
        let value = if SECRET_HEADERS.contains(&name.as_str()) {
            "<redacted>"
        } else if name == http::header::LOCATION {
            let v = value.to_str().unwrap_or("<binary>");
            let relative = v.starts_with('/') && !v.starts_with("//");
            let on_base = !base.is_empty()
                && v.strip_prefix(base)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
            shown_url(v, relative || on_base)
        } else {
            value.to_str().unwrap_or("<binary>")
        };
        tracing::trace!(target: HTTP, "{direction} {name}: {value}");
    }
}

/// A request about to be sent.
pub(crate) fn request(method: &Method, url: &str, h: &HeaderMap) {
    tracing::debug!(target: HTTP, "> {method} {url}");
    headers(">", h, "");
}

/// The response to it, from a server whose origin is `base` (empty when it is not the
/// registry's).
pub(crate) fn response(method: &Method, url: &str, status: StatusCode, h: &HeaderMap, base: &str) {
    tracing::debug!(target: HTTP, "< {status} {method} {url}");
    headers("<", h, base);
}

/// The transport's failure to get a response.
pub(crate) fn failed(method: &Method, url: &str, error: &dyn std::fmt::Display) {
    tracing::debug!(target: HTTP, "< error {method} {url}: {error}");
}

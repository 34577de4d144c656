//! What the client tells a `tracing` subscriber: a line per request and response at
//! DEBUG, their headers at TRACE, retries, challenges and redirects at DEBUG.
//!
//! Nothing secret is emitted: credential headers are shown as `<redacted>`, and the query
//! of a URL outside the registry's origin (a pre-signed storage URL carries its signature
//! there) is cut off. Bodies are never logged.

use http::{HeaderMap, Method, Response};

use crate::url::Url;

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
pub(crate) fn shown_url(url: &Url, on_registry: bool) -> String {
    if on_registry {
        url.to_string()
    } else {
        url.without_query()
    }
}

/// Logs `headers` at TRACE. A `Location` that leaves the registry's origin `base` loses
/// its query, as URLs do.
fn headers(direction: &str, headers: &HeaderMap, base: Option<&Url>) {
    if !tracing::enabled!(target: HTTP, tracing::Level::TRACE) {
        return;
    }
    for (name, value) in headers {
        let text = value.to_str().unwrap_or("<binary>");
        let shown = if SECRET_HEADERS.contains(&name.as_str()) {
            "<redacted>".to_owned()
        } else if name == http::header::LOCATION {
            match base.and_then(|b| b.join(text).map(|to| (b.same_origin(&to), to))) {
                Some((true, _)) => text.to_owned(),
                Some((false, to)) => to.without_query(),
                None => text
                    .split_once('?')
                    .map_or(text, |(path, _)| path)
                    .to_owned(),
            }
        } else {
            text.to_owned()
        };
        tracing::trace!(target: HTTP, "{direction} {name}: {shown}");
    }
}

/// A request about to be sent.
pub(crate) fn request(method: &Method, url: &str, h: &HeaderMap) {
    tracing::debug!(target: HTTP, "> {method} {url}");
    headers(">", h, None);
}

/// The response to it; `base` is the registry's origin (`None` for a token service).
pub(crate) fn response<B>(method: &Method, url: &str, response: &Response<B>, base: Option<&Url>) {
    tracing::debug!(target: HTTP, "< {} {method} {url}", response.status());
    headers("<", response.headers(), base);
}

/// The transport's failure to get a response.
pub(crate) fn failed(method: &Method, url: &str, error: &dyn std::fmt::Display) {
    tracing::debug!(target: HTTP, "< error {method} {url}: {error}");
}

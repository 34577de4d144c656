//! What the client tells a `tracing` subscriber: each request and its response as one
//! DEBUG event each, numbered as the Go CLI's `--debug` numbers them (`--> Request #0`,
//! `<-- Response #0`, one number per request however often it is retried), with their
//! headers and the start of a printable response body; retries, challenges and redirects
//! at DEBUG.
//!
//! Nothing secret is emitted: credential headers are shown as `*****`, the query of a URL
//! outside the registry's origin (a pre-signed storage URL carries its signature there)
//! is cut off, request bodies are never shown, and a response body is shown only when its
//! type is JSON or text, up to 16 KiB, and not when it may hold a token.

use std::sync::atomic::{AtomicU64, Ordering};

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

/// How much of a response body is shown, as the Go CLI shows.
pub(crate) const BODY_LIMIT: usize = 16 * 1024;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// The number of the next request (one per process, as the Go CLI counts).
pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// Whether requests are logged at all.
pub(crate) fn enabled() -> bool {
    tracing::enabled!(target: HTTP, tracing::Level::DEBUG)
}

/// `url` as it may be logged: whole on the registry's origin, without its query elsewhere.
pub(crate) fn shown_url(url: &Url, on_registry: bool) -> String {
    if on_registry {
        url.to_string()
    } else {
        url.without_query()
    }
}

/// `text` as Go's `%q` writes it: in double quotes, with `"` and `\` escaped and control
/// characters written as escapes.
pub(crate) fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let n = c as u32;
                if n < 0x80 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else {
                    out.push_str(&format!("\\u{n:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A header name as Go writes it (`content-type` as `Content-Type`).
fn canonical(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        });
        upper = c == '-';
    }
    out
}

/// The header lines of a block: `   "Name": "value, value"`, credentials as `*****`; a
/// `Location` that leaves the registry's origin `base` loses its query, as URLs do.
fn header_lines(headers: &HeaderMap, base: Option<&Url>) -> String {
    if headers.is_empty() {
        return "   Empty header".to_owned();
    }
    let mut lines = Vec::new();
    for name in headers.keys() {
        let values: Vec<String> = headers
            .get_all(name)
            .iter()
            .map(|value| {
                let text = value.to_str().unwrap_or("<binary>");
                if SECRET_HEADERS.contains(&name.as_str()) {
                    "*****".to_owned()
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
                }
            })
            .collect();
        lines.push(format!(
            "   {}: {}",
            go_quote(&canonical(name.as_str())),
            go_quote(&values.join(", "))
        ));
    }
    lines.join("\n")
}

/// A request about to be sent, as request number `id`.
pub(crate) fn request(id: u64, method: &Method, url: &str, h: &HeaderMap) {
    if !enabled() {
        return;
    }
    tracing::debug!(
        target: HTTP,
        "--> Request #{id}\n> Request URL: {}\n> Request method: {}\n> Request headers:\n{}",
        go_quote(url),
        go_quote(method.as_str()),
        header_lines(h, None)
    );
}

/// The response to request `id`; `base` is the registry's origin (`None` for a token
/// service); `body` what is shown of its body ([`body_text`]).
pub(crate) fn response<B>(id: u64, response: &Response<B>, base: Option<&Url>, body: &str) {
    if !enabled() {
        return;
    }
    let status = response.status();
    tracing::debug!(
        target: HTTP,
        "<-- Response #{id}\n< Response Status: {}\n< Response headers:\n{}\n< Response body:\n{body}",
        go_quote(&format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        )),
        header_lines(response.headers(), base)
    );
}

/// The transport's failure to get a response to request `id`.
pub(crate) fn failed(id: u64, error: &dyn std::fmt::Display) {
    tracing::debug!(target: HTTP, "<-- Response #{id}\nError in getting response: {error}");
}

/// Whether a response of this `Content-Type` has its body shown: JSON and text.
pub(crate) fn printable(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/json" | "text/plain" | "text/html"
    ) || essence.ends_with("+json")
}

/// What is shown of a body that is `bytes` (at most [`BODY_LIMIT`] + 1 of them, so a
/// longer one is known to be cut).
pub(crate) fn body_text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "   Response body is empty".to_owned();
    }
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_LIMIT)]);
    if text.contains("\"token\"") || text.contains("\"access_token\"") {
        return "   Response body redacted due to potential credentials".to_owned();
    }
    if bytes.len() > BODY_LIMIT {
        format!("{text}\n...(truncated)")
    } else {
        text.into_owned()
    }
}

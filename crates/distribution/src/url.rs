//! URLs the client sends requests to, and the one same-origin test every decision about
//! credentials, redirects and `Link` pages goes through.

use std::fmt;

use http::Uri;

/// An absolute `http` or `https` URL: the registry's API, or a place it points to (an
/// upload location, a redirect, the next page).
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Url(Uri);

/// Scheme, host and port: what RFC 6454 compares to decide whether two URLs belong to the
/// same server. Hosts compare case-insensitively; a missing port is the scheme's default.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Url {
    /// `text` if it is an absolute `http` or `https` URL with a host.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let uri: Uri = text.parse().ok()?;
        let scheme = uri.scheme_str()?;
        if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
            return None;
        }
        uri.authority()?;
        Some(Self(uri))
    }

    /// `scheme://authority` with nothing after it.
    pub(crate) fn base(https: bool, authority: &str) -> Option<Self> {
        Self::parse(&format!(
            "{}://{authority}/",
            if https { "https" } else { "http" }
        ))
    }

    /// The URL for `path` (which starts with `/`, and may carry a query) on this URL's
    /// origin.
    pub(crate) fn at(&self, path: &str) -> Self {
        let origin = self.origin_text();
        Self::parse(&format!("{origin}{path}"))
            .unwrap_or_else(|| panic!("{origin}{path} is not a valid URL"))
    }

    /// Resolves a reference (`Location`, `Link`) against this URL: absolute URLs as they
    /// are, `//authority/…` with this scheme, `/path` on this origin, and a relative path
    /// against this URL's directory. `None` when the result is not a valid URL.
    pub(crate) fn join(&self, reference: &str) -> Option<Self> {
        let lower = reference.get(..8).unwrap_or(reference).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            return Self::parse(reference);
        }
        let scheme = self.0.scheme_str().unwrap_or("https");
        if let Some(rest) = reference.strip_prefix("//") {
            return Self::parse(&format!("{scheme}://{rest}"));
        }
        if reference.starts_with('/') {
            return Self::parse(&format!("{}{reference}", self.origin_text()));
        }
        let path = self.0.path();
        let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
        Self::parse(&format!("{}{dir}{reference}", self.origin_text()))
    }

    /// This URL with `name=value` added to its query (`&` or `?` as the query needs).
    pub(crate) fn with_query(&self, name: &str, value: &str) -> Self {
        let text = self.to_string();
        let sep = if self.0.query().is_some() { '&' } else { '?' };
        Self::parse(&format!("{text}{sep}{name}={value}"))
            .unwrap_or_else(|| panic!("adding {name}={value} to {text} gave no URL"))
    }

    /// The origin.
    pub(crate) fn origin(&self) -> Origin {
        let https = self
            .0
            .scheme_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("https"));
        let authority = self.0.authority().expect("parse checked the authority");
        Origin {
            https,
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(if https { 443 } else { 80 }),
        }
    }

    /// Whether both URLs are on the same origin.
    pub(crate) fn same_origin(&self, other: &Self) -> bool {
        self.origin() == other.origin()
    }

    /// The URL without its query, for errors and for logs of other origins: a pre-signed
    /// storage URL carries its signature in the query, an upload location its state.
    pub(crate) fn without_query(&self) -> String {
        format!("{}{}", self.origin_text(), self.0.path())
    }

    /// The URL as an `http::Uri`, for a request.
    pub(crate) fn uri(&self) -> &Uri {
        &self.0
    }

    fn origin_text(&self) -> String {
        let authority = self.0.authority().expect("parse checked the authority");
        format!("{}://{authority}", self.0.scheme_str().unwrap_or("https"))
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Url({})", self.without_query())
    }
}

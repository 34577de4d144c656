//! How a [`Client`](crate::Client) behaves: plain HTTP, limits, retries, chunking,
//! headers, referrers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderMap;

use crate::ReferrersMode;

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

/// Called once per registry and text: for each `Warning: 299` header the registry sends,
/// and for each clean-up the client attempts on its own that the registry refused (a
/// superseded referrers index it would not delete). Arguments: the registry host, the
/// text.
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
    /// Receives the registry's `Warning: 299` texts and refused clean-ups; by default
    /// they go to `tracing` only.
    pub on_warning: Option<WarningHook>,
    /// How referrers are found and kept.
    pub referrers: ReferrersMode,
    /// On registries without the referrers API, delete the referrers index a new one
    /// replaces (default true, as oras-go). Many registries refuse DELETE (distribution's
    /// default configuration, Docker Hub, GHCR): a refusal is then a warning, never a
    /// failure of the push or delete whose writes succeeded. The `oras` CLI turns this
    /// off, as the Go CLI does. Either way, when the last referrer of a subject goes, the
    /// referrers tag is left on an empty index if the old one could not be deleted (or
    /// was not to be), so no stale list remains.
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

//! Operations on one registry and one repository.

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};
use oras_auth::{Scope, Scopes};
use oras_oci::verify::{Verifier, VerifyError};
use oras_oci::{Algorithm, Descriptor, Digest, Digester, Manifest, media_type};
use serde::Deserialize;
use tracing::Instrument;

use crate::client::{DEFAULT_CHUNK_SIZE, Target, resolve};
use crate::error::{Error, ErrorKind, Result};
use crate::log::op_span;
use crate::{Body, Client, ResponseBody};

/// One-shot bodies up to this size are buffered so their upload can be retried.
const ONE_SHOT_BUFFER_LIMIT: u64 = 4 << 20;

/// Larger one-shot bodies are uploaded in chunks of this size, each retryable on its own.
const ONE_SHOT_CHUNK_SIZE: usize = 8 << 20;

/// Reads a one-shot body of `size` bytes into memory.
async fn buffer(body: Body, size: u64) -> Result<Bytes> {
    let mut stream = ResponseBody::new(body.into_stream());
    let mut out = BytesMut::with_capacity(usize::try_from(size).unwrap_or(0));
    while let Some(chunk) = stream.chunk().await {
        let chunk = chunk.map_err(|e| {
            Error::new(ErrorKind::Input, "reading the blob to upload failed").with_source(e)
        })?;
        if (out.len() + chunk.len()) as u64 > size {
            return Err(Error::new(
                ErrorKind::Input,
                format!("the blob's source gave more than the {size} bytes its descriptor says"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out.freeze())
}

/// Where a tags or catalog page says the next one is: `Link: <url>; rel="next"`.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .filter_map(|p| p.split_once('='))
                .any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .then(|| url.to_owned())
        })
}

/// A registry: ping and catalog.
#[derive(Clone, Debug)]
pub struct Registry {
    client: Client,
    target: Target,
}

impl Registry {
    pub(crate) fn new(client: Client, target: Target) -> Self {
        Self { client, target }
    }

    /// The registry's host as written.
    pub fn host(&self) -> &str {
        &self.target.host
    }

    /// `GET /v2/`: whether the registry speaks the API and accepts our credentials.
    pub async fn ping(&self) -> Result<()> {
        let url = format!("{}/v2/", self.target.base);
        let r = self
            .client
            .execute(
                &self.target,
                &Scopes::new(),
                Method::GET,
                url.clone(),
                HeaderMap::new(),
                Body::empty(),
            )
            .await?;
        if r.status().is_success() {
            Ok(())
        } else {
            Err(self.client.status_error(&Method::GET, &url, r).await)
        }
    }

    /// Every repository in the catalog (`GET /v2/_catalog`, following pages).
    pub async fn catalog(&self, page_size: Option<usize>) -> Result<Vec<String>> {
        let mut url = format!("{}/v2/_catalog", self.target.base);
        if let Some(n) = page_size {
            url.push_str(&format!("?n={n}"));
        }
        paginate(
            &self.client,
            &self.target,
            &Scopes::from_iter([Scope::catalog()]),
            url,
            "repositories",
        )
        .await
    }

    /// A repository of this registry.
    pub fn repository(&self, name: &str) -> Result<Repository> {
        if !oras_reference::is_valid_repository(name) {
            return Err(Error::new(
                ErrorKind::Input,
                format!("invalid repository name {name:?}"),
            ));
        }
        Ok(Repository::new(
            self.client.clone(),
            self.target.clone(),
            name.to_owned(),
        ))
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

/// Follows `Link: rel="next"` pages, on the same origin only, at most `max_pages`.
async fn paginate(
    client: &Client,
    target: &Target,
    scopes: &Scopes,
    first: String,
    key: &str,
) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut url = first;
    let max_pages = client.config().max_pages;
    for _ in 0..max_pages {
        let r = client
            .execute(
                target,
                scopes,
                Method::GET,
                url.clone(),
                HeaderMap::new(),
                Body::empty(),
            )
            .await?;
        if !r.status().is_success() {
            return Err(client.status_error(&Method::GET, &url, r).await);
        }
        let next = next_link(r.headers());
        let body = r
            .into_body()
            .collect_limited(client.config().manifest_size_limit)
            .await
            .map_err(|e| {
                Error::new(ErrorKind::Protocol, "listing page")
                    .with_source(e)
                    .with_request(&Method::GET, &url)
            })?;
        let page: Page = serde_json::from_slice(&body).map_err(|e| {
            Error::new(ErrorKind::Protocol, "invalid listing page")
                .with_source(e)
                .with_request(&Method::GET, &url)
        })?;
        // `tags: null` (or no list at all) is an empty page.
        out.extend(
            if key == "tags" {
                page.tags
            } else {
                page.repositories
            }
            .unwrap_or_default(),
        );
        let Some(next) = next else { return Ok(out) };
        let resolved = resolve(&url, &next).ok_or_else(|| {
            Error::new(ErrorKind::Protocol, "invalid Link header").with_request(&Method::GET, &url)
        })?;
        if !(resolved.starts_with(&target.base) && resolved[target.base.len()..].starts_with('/')) {
            return Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "Link header points to another origin: {}",
                    crate::error::display_url(&resolved)
                ),
            )
            .with_request(&Method::GET, &url));
        }
        url = resolved;
    }
    Err(
        Error::new(ErrorKind::Limit, format!("more than {max_pages} pages"))
            .with_request(&Method::GET, &url),
    )
}

/// The outcome of [`Repository::mount_blob`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mounted {
    /// The registry linked the blob from the other repository; no bytes moved.
    Mounted,
    /// The registry opened an upload instead, and the blob was uploaded.
    Uploaded,
}

/// One repository: manifests, blobs, tags.
#[derive(Clone, Debug)]
pub struct Repository {
    client: Client,
    target: Target,
    name: String,
}

fn accept_manifests() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::ACCEPT,
        HeaderValue::from_str(&media_type::MANIFEST_TYPES.join(", "))
            .expect("media types are valid header text"),
    );
    h
}

fn content_digest(headers: &HeaderMap) -> Option<std::result::Result<Digest, String>> {
    let v = headers.get("docker-content-digest")?;
    let text = v.to_str().map_err(|_| "not text".to_owned());
    Some(text.and_then(|t| Digest::parse(t.trim()).map_err(|e| e.to_string())))
}

/// Whether `bytes` have digest `d` (in `d`'s algorithm).
fn matches_digest(d: &Digest, bytes: &[u8]) -> bool {
    d.algorithm()
        .is_some_and(|alg| Digest::compute(alg, bytes) == *d)
}

impl Repository {
    pub(crate) fn new(client: Client, target: Target, name: String) -> Self {
        Self {
            client,
            target,
            name,
        }
    }

    /// The repository's name within its registry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The registry host as written.
    pub fn registry(&self) -> &str {
        &self.target.host
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/v2/{}/{tail}", self.target.base, self.name)
    }

    pub(crate) fn url_for(&self, tail: &str) -> String {
        self.url(tail)
    }

    pub(crate) fn target(&self) -> &Target {
        &self.target
    }

    pub(crate) fn pull_scopes(&self) -> Scopes {
        self.pull()
    }

    pub(crate) fn same_origin(&self, url: &str) -> bool {
        url.starts_with(&self.target.base) && url[self.target.base.len()..].starts_with('/')
    }

    fn pull(&self) -> Scopes {
        Scopes::for_pull(&self.name)
    }

    fn push(&self) -> Scopes {
        Scopes::for_push(&self.name)
    }

    async fn send(
        &self,
        scopes: &Scopes,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Body,
    ) -> Result<Response<ResponseBody>> {
        self.client
            .execute(&self.target, scopes, method, url.to_owned(), headers, body)
            .await
    }

    async fn expect(
        &self,
        r: Response<ResponseBody>,
        method: &Method,
        url: &str,
        ok: &[StatusCode],
    ) -> Result<Response<ResponseBody>> {
        if ok.contains(&r.status()) {
            Ok(r)
        } else {
            Err(self.client.status_error(method, url, r).await)
        }
    }

    // ---- manifests ----

    /// The descriptor of a manifest by tag or digest (`HEAD`), without fetching it. Falls
    /// back to a `GET` when the registry does not send `Docker-Content-Digest`.
    pub async fn resolve(&self, reference: &str) -> Result<Descriptor> {
        let span = op_span!(self, "resolve", reference = %reference);
        async move {
            let url = self.url(&format!("manifests/{reference}"));
            let r = self
                .send(
                    &self.pull(),
                    Method::HEAD,
                    &url,
                    accept_manifests(),
                    Body::empty(),
                )
                .await?;
            let r = self
                .expect(r, &Method::HEAD, &url, &[StatusCode::OK])
                .await?;
            let h = r.headers();
            let media = h
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| media_type::essence(v).to_owned());
            let size = h
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            match (content_digest(h), media, size) {
                (Some(Ok(d)), Some(m), Some(size)) if !m.is_empty() => {
                    if reference.contains(':') && d.as_str() != reference {
                        return Err(Error::new(
                            ErrorKind::Protocol,
                            format!(
                                "Docker-Content-Digest {d} does not match the requested digest"
                            ),
                        )
                        .with_request(&Method::HEAD, &url));
                    }
                    Ok(Descriptor::new(m, d, size))
                }
                (Some(Err(e)), ..) => Err(Error::new(
                    ErrorKind::Protocol,
                    format!("invalid Docker-Content-Digest: {e}"),
                )
                .with_request(&Method::HEAD, &url)),
                _ => Ok(self.fetch_manifest(reference).await?.descriptor()),
            }
        }
        .instrument(span)
        .await
    }

    /// Fetches a manifest by tag or digest: `Accept` offers every manifest type, the body
    /// is cut at the size limit, `Content-Type` must agree with `mediaType`, and the bytes
    /// must match the requested digest and `Docker-Content-Digest` when either is given.
    pub async fn fetch_manifest(&self, reference: &str) -> Result<Manifest> {
        self.fetch_manifest_with_etag(reference)
            .await
            .map(|(m, _)| m)
    }

    /// [`fetch_manifest`](Self::fetch_manifest), and the `ETag` the registry sent.
    pub(crate) async fn fetch_manifest_with_etag(
        &self,
        reference: &str,
    ) -> Result<(Manifest, Option<String>)> {
        let span = op_span!(self, "fetch_manifest", reference = %reference);
        async move {
            let url = self.url(&format!("manifests/{reference}"));
            let r = self
                .send(
                    &self.pull(),
                    Method::GET,
                    &url,
                    accept_manifests(),
                    Body::empty(),
                )
                .await?;
            let r = self
                .expect(r, &Method::GET, &url, &[StatusCode::OK])
                .await?;
            let fail = |kind, msg: String| Error::new(kind, msg).with_request(&Method::GET, &url);
            let limit = self.client.config().manifest_size_limit;
            if let Some(len) = r
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                && len > limit as u64
            {
                return Err(fail(
                    ErrorKind::Manifest,
                    format!("manifest of {len} bytes exceeds the limit of {limit} bytes"),
                ));
            }
            let content_type = r
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let header_digest = content_digest(r.headers());
            let etag = r
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = r
                .into_body()
                .collect_limited(limit)
                .await
                .map_err(|e| fail(ErrorKind::Manifest, format!("manifest: {e}")))?;
            if let Ok(want) = Digest::parse(reference)
                && !matches_digest(&want, &bytes)
            {
                return Err(fail(
                    ErrorKind::Verify,
                    format!("manifest does not match the requested digest {want}"),
                ));
            }
            match header_digest {
                Some(Ok(d)) if !matches_digest(&d, &bytes) => {
                    return Err(fail(
                        ErrorKind::Verify,
                        format!("manifest does not match its Docker-Content-Digest {d}"),
                    ));
                }
                Some(Err(e)) => {
                    return Err(fail(
                        ErrorKind::Protocol,
                        format!("invalid Docker-Content-Digest: {e}"),
                    ));
                }
                _ => {}
            }
            let m = Manifest::parse_with_limit(bytes, content_type.as_deref(), limit)
                .map_err(|e| fail(ErrorKind::Manifest, e.to_string()))?;
            Ok((m, etag))
        }
        .instrument(span)
        .await
    }

    /// Fetches the manifest a descriptor points to, checking its size and digest.
    pub async fn fetch_manifest_for(&self, desc: &Descriptor) -> Result<Manifest> {
        let m = self.fetch_manifest(desc.digest.as_str()).await?;
        if m.size() != desc.size {
            return Err(Error::new(
                ErrorKind::Verify,
                format!(
                    "manifest {} is {} bytes, its descriptor says {}",
                    desc.digest,
                    m.size(),
                    desc.size
                ),
            ));
        }
        Ok(m)
    }

    /// Pushes a manifest under a tag or its digest. The registry's `Docker-Content-Digest`,
    /// when sent, must be the manifest's digest. A manifest with a subject pushed to a
    /// registry that does not answer `OCI-Subject` is added to the subject's referrers
    /// index (the tag schema), as the spec asks of clients.
    pub async fn push_manifest(&self, reference: &str, manifest: &Manifest) -> Result<Descriptor> {
        let oci_subject = self.put_manifest(reference, manifest, None).await?;
        self.after_push(manifest, oci_subject).await?;
        Ok(manifest.descriptor())
    }

    /// Pushes under `reference` only if the current manifest there still has `etag`.
    pub(crate) async fn push_manifest_if_match(
        &self,
        reference: &str,
        manifest: &Manifest,
        etag: Option<&str>,
    ) -> Result<()> {
        self.put_manifest(reference, manifest, etag).await.map(drop)
    }

    /// PUTs a manifest; returns whether the registry answered `OCI-Subject`.
    async fn put_manifest(
        &self,
        reference: &str,
        manifest: &Manifest,
        if_match: Option<&str>,
    ) -> Result<bool> {
        let span = op_span!(self, "push_manifest", reference = %reference);
        async move {
            let url = self.url(&format!("manifests/{reference}"));
            let mut h = HeaderMap::new();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(manifest.media_type()).map_err(|e| {
                    Error::new(ErrorKind::Input, "invalid media type").with_source(e)
                })?,
            );
            if let Some(etag) = if_match.and_then(|e| HeaderValue::from_str(e).ok()) {
                h.insert(header::IF_MATCH, etag);
            }
            let r = self
                .send(
                    &self.push(),
                    Method::PUT,
                    &url,
                    h,
                    Body::from_bytes(manifest.bytes().clone()),
                )
                .await?;
            let r = self
                .expect(
                    r,
                    &Method::PUT,
                    &url,
                    &[StatusCode::CREATED, StatusCode::OK, StatusCode::ACCEPTED],
                )
                .await?;
            match content_digest(r.headers()) {
                Some(Ok(d))
                    if d.algorithm() == Some(Algorithm::Sha256) && &d != manifest.digest() =>
                {
                    Err(Error::new(
                        ErrorKind::Protocol,
                        format!(
                            "registry stored the manifest as {d}, not {}",
                            manifest.digest()
                        ),
                    )
                    .with_request(&Method::PUT, &url))
                }
                _ => Ok(r.headers().contains_key("oci-subject")),
            }
        }
        .instrument(span)
        .await
    }

    /// Tags the manifest `reference` (tag or digest) as `tag`: the same bytes, pushed under
    /// another name.
    pub async fn tag(&self, reference: &str, tag: &str) -> Result<Descriptor> {
        if !oras_reference::is_valid_tag(tag) {
            return Err(Error::new(ErrorKind::Input, format!("invalid tag {tag:?}")));
        }
        let m = self.fetch_manifest(reference).await?;
        self.push_manifest(tag, &m).await
    }

    /// Deletes a manifest by digest. On a registry without the referrers API, a manifest
    /// with a subject is first removed from the subject's referrers index.
    pub async fn delete_manifest(&self, digest: &Digest) -> Result<()> {
        self.before_delete(digest).await?;
        self.delete_manifest_only(digest).await
    }

    pub(crate) async fn delete_manifest_only(&self, digest: &Digest) -> Result<()> {
        let span = op_span!(self, "delete_manifest", digest = %digest);
        async move {
            let url = self.url(&format!("manifests/{digest}"));
            self.delete_at(&self.delete_scope(), &url).await
        }
        .instrument(span)
        .await
    }

    fn delete_scope(&self) -> Scopes {
        Scopes::from_iter([Scope::repository(&self.name, [oras_auth::DELETE])])
    }

    /// `DELETE url`, accepting any of the success statuses registries answer it with.
    async fn delete_at(&self, scopes: &Scopes, url: &str) -> Result<()> {
        let r = self
            .send(scopes, Method::DELETE, url, HeaderMap::new(), Body::empty())
            .await?;
        self.expect(
            r,
            &Method::DELETE,
            url,
            &[StatusCode::ACCEPTED, StatusCode::OK, StatusCode::NO_CONTENT],
        )
        .await
        .map(drop)
    }

    // ---- tags ----

    /// Every tag (following `Link` pages), `page_size` tags a page when given.
    pub async fn tags(&self, page_size: Option<usize>) -> Result<Vec<String>> {
        let span = op_span!(self, "tags");
        async move {
            let mut url = self.url("tags/list");
            if let Some(n) = page_size {
                url.push_str(&format!("?n={n}"));
            }
            paginate(&self.client, &self.target, &self.pull(), url, "tags").await
        }
        .instrument(span)
        .await
    }

    // ---- blobs ----

    /// The size of a blob if the repository has it (`HEAD`), `None` if not.
    pub async fn blob_exists(&self, digest: &Digest) -> Result<Option<u64>> {
        let span = op_span!(self, "blob_exists", digest = %digest);
        async move {
            let url = self.url(&format!("blobs/{digest}"));
            let r = self
                .send(
                    &self.pull(),
                    Method::HEAD,
                    &url,
                    HeaderMap::new(),
                    Body::empty(),
                )
                .await?;
            match r.status() {
                StatusCode::OK => Ok(r
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .or(Some(0))),
                StatusCode::NOT_FOUND => Ok(None),
                _ => Err(self.client.status_error(&Method::HEAD, &url, r).await),
            }
        }
        .instrument(span)
        .await
    }

    async fn open_blob(
        &self,
        digest: &Digest,
        start: u64,
    ) -> Result<(Response<ResponseBody>, String)> {
        let url = self.url(&format!("blobs/{digest}"));
        let mut h = HeaderMap::new();
        if start > 0 {
            h.insert(
                header::RANGE,
                HeaderValue::from_str(&format!("bytes={start}-"))
                    .expect("digits are valid header text"),
            );
        }
        let r = self
            .send(&self.pull(), Method::GET, &url, h, Body::empty())
            .await?;
        let ok: &[StatusCode] = if start > 0 {
            &[StatusCode::OK, StatusCode::PARTIAL_CONTENT]
        } else {
            &[StatusCode::OK]
        };
        Ok((self.expect(r, &Method::GET, &url, ok).await?, url))
    }

    /// Fetches a blob as a verified stream (see [`BlobReader`]).
    pub async fn fetch_blob(&self, desc: &Descriptor) -> Result<BlobReader> {
        let verifier = Verifier::for_descriptor(desc)
            .map_err(|e| Error::new(ErrorKind::Verify, e.to_string()))?;
        self.reader(desc, verifier, 0).await
    }

    /// Fetches a blob from byte `start`, for resuming a download whose first `start` bytes
    /// were hashed into `prefix`. The end is verified against the whole blob's digest.
    pub async fn fetch_blob_from(
        &self,
        desc: &Descriptor,
        start: u64,
        prefix: Digester,
    ) -> Result<BlobReader> {
        let verifier = Verifier::resume(desc.digest.clone(), desc.size, prefix, start)
            .map_err(|e| Error::new(ErrorKind::Verify, e.to_string()))?;
        self.reader(desc, verifier, start).await
    }

    async fn reader(
        &self,
        desc: &Descriptor,
        verifier: Verifier,
        start: u64,
    ) -> Result<BlobReader> {
        let span = op_span!(self, "fetch_blob", digest = %desc.digest, start);
        async move {
            let (r, url) = self.open_blob(&desc.digest, start).await?;
            let skip = if start > 0 && r.status() == StatusCode::OK {
                start
            } else {
                0
            };
            Ok(BlobReader {
                repo: self.clone(),
                desc: desc.clone(),
                body: r.into_body(),
                verifier,
                url,
                skip,
                resumes: 0,
                done: false,
            })
        }
        .instrument(span)
        .await
    }

    /// Fetches a small blob whole, verified.
    pub async fn fetch_blob_bytes(&self, desc: &Descriptor) -> Result<Bytes> {
        let mut r = self.fetch_blob(desc).await?;
        let mut out =
            BytesMut::with_capacity(usize::try_from(desc.size).unwrap_or(0).min(64 << 20));
        while let Some(chunk) = r.chunk().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out.freeze())
    }

    /// Deletes a blob.
    pub async fn delete_blob(&self, digest: &Digest) -> Result<()> {
        let span = op_span!(self, "delete_blob", digest = %digest);
        async move {
            let url = self.url(&format!("blobs/{digest}"));
            self.delete_at(&self.delete_scope(), &url).await
        }
        .instrument(span)
        .await
    }

    /// Pushes bytes as a blob; returns its descriptor.
    pub async fn push_blob_bytes(
        &self,
        media_type: &str,
        data: impl Into<Bytes>,
    ) -> Result<Descriptor> {
        let data = data.into();
        let desc = Descriptor::of(media_type, &data);
        self.push_blob(&desc, Body::from_bytes(data)).await?;
        Ok(desc)
    }

    /// Pushes a blob the descriptor describes, streaming `body`: one PUT for blobs up to
    /// the monolithic limit, PATCH chunks otherwise or when a chunk size is configured.
    pub async fn push_blob(&self, desc: &Descriptor, body: Body) -> Result<()> {
        let span = op_span!(self, "push_blob", digest = %desc.digest, size = desc.size);
        async move {
            let (url, started) = self.open_upload().await?;
            self.continue_upload(&url, &started, desc, body).await
        }
        .instrument(span)
        .await
    }

    /// Opens an upload session (`POST .../blobs/uploads/`): the request URL, and the
    /// response's headers (owned: a borrowed response would make callers' futures !Send).
    async fn open_upload(&self) -> Result<(String, HeaderMap)> {
        let url = self.url("blobs/uploads/");
        let r = self
            .send(
                &self.push(),
                Method::POST,
                &url,
                HeaderMap::new(),
                Body::empty(),
            )
            .await?;
        let r = self
            .expect(r, &Method::POST, &url, &[StatusCode::ACCEPTED])
            .await?;
        Ok((url, r.headers().clone()))
    }

    /// Mounts a blob from another repository of the same registry. When the registry
    /// opens an upload instead (202), the blob is uploaded from `body()`.
    pub async fn mount_blob(
        &self,
        desc: &Descriptor,
        from: &str,
        body: impl FnOnce() -> Result<Body>,
    ) -> Result<Mounted> {
        let span = op_span!(self, "mount_blob", digest = %desc.digest, from);
        async move {
            let url = self.url(&format!("blobs/uploads/?mount={}&from={from}", desc.digest));
            let scopes = Scopes::for_mount(from, &self.name);
            let r = self
                .send(&scopes, Method::POST, &url, HeaderMap::new(), Body::empty())
                .await?;
            match r.status() {
                StatusCode::CREATED => Ok(Mounted::Mounted),
                StatusCode::ACCEPTED => {
                    self.continue_upload(&url, r.headers(), desc, body()?)
                        .await?;
                    Ok(Mounted::Uploaded)
                }
                _ => Err(self.client.status_error(&Method::POST, &url, r).await),
            }
        }
        .instrument(span)
        .await
    }

    async fn continue_upload(
        &self,
        url: &str,
        started: &HeaderMap,
        desc: &Descriptor,
        body: Body,
    ) -> Result<()> {
        // Headers, not the response: a borrowed body stream would make the future !Send.
        let location = location(url, started, &Method::POST)?;
        let min_chunk = started
            .get("oci-chunk-min-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let config = self.client.config();
        let mut body = body;
        let mut chunk_size = config.chunk_size;
        if chunk_size.is_none() && !body.is_replayable() {
            // A one-shot stream cannot be re-sent if the PUT fails. Keep the upload retryable
            // request by request in bounded memory: buffer a small blob whole, send a large
            // one in chunks that are each held until the registry took them.
            if desc.size <= ONE_SHOT_BUFFER_LIMIT {
                body = Body::from_bytes(buffer(body, desc.size).await?);
            } else {
                chunk_size = Some(ONE_SHOT_CHUNK_SIZE);
            }
        }
        let chunked = chunk_size.is_some() || desc.size > config.monolithic_limit;
        if chunked {
            let size = chunk_size
                .unwrap_or(DEFAULT_CHUNK_SIZE)
                .max(min_chunk.unwrap_or(0))
                .max(1);
            self.upload_chunked(location, size, desc, body).await
        } else {
            self.commit(&location, desc, body).await
        }
    }

    /// Ends an upload session: `PUT <location>?digest=` with the last bytes (if any); the
    /// registry checks the digest, and so does this against `Docker-Content-Digest`.
    async fn commit(&self, location: &str, desc: &Descriptor, body: Body) -> Result<()> {
        let put = with_digest(location, &desc.digest);
        let r = self
            .send(&self.push(), Method::PUT, &put, octet_stream(None), body)
            .await?;
        let r = self
            .expect(r, &Method::PUT, &put, &[StatusCode::CREATED])
            .await?;
        check_blob_digest(&r, desc, &put)
    }

    async fn upload_chunked(
        &self,
        mut location: String,
        chunk_size: usize,
        desc: &Descriptor,
        body: Body,
    ) -> Result<()> {
        let mut stream = ResponseBody::new(body.into_stream());
        let mut pending = Bytes::new();
        let mut offset = 0u64;
        loop {
            // Gather one chunk from the source's chunks, whatever their sizes.
            let mut buf = BytesMut::with_capacity(chunk_size);
            while buf.len() < chunk_size {
                if pending.is_empty() {
                    match stream.chunk().await {
                        Some(Ok(b)) => pending = b,
                        Some(Err(e)) => {
                            return Err(Error::new(
                                ErrorKind::Input,
                                "reading the blob to upload failed",
                            )
                            .with_source(e));
                        }
                        None => break,
                    }
                }
                let take = pending.len().min(chunk_size - buf.len());
                buf.extend_from_slice(&pending.split_to(take));
            }
            if buf.is_empty() {
                break;
            }
            let chunk = buf.freeze();
            location = self.patch_chunk(location, offset, &chunk).await?;
            offset += chunk.len() as u64;
        }
        if offset != desc.size {
            return Err(Error::new(
                ErrorKind::Input,
                format!(
                    "the blob's source gave {offset} bytes, its descriptor says {}",
                    desc.size
                ),
            ));
        }
        self.commit(&location, desc, Body::empty()).await
    }

    /// Sends one chunk at `offset`; on 416 asks the registry how much it has and sends the
    /// rest of the chunk from there. Returns the next `Location`.
    async fn patch_chunk(&self, location: String, offset: u64, chunk: &Bytes) -> Result<String> {
        let mut sent_from = 0usize;
        let mut refused_at_zero = false;
        for _ in 0..3 {
            let part = chunk.slice(sent_from..);
            let start = offset + sent_from as u64;
            let end = start + part.len() as u64 - 1;
            let h = octet_stream(Some((start, end)));
            let r = self
                .send(
                    &self.push(),
                    Method::PATCH,
                    &location,
                    h,
                    Body::from_bytes(part),
                )
                .await?;
            match r.status() {
                StatusCode::ACCEPTED | StatusCode::NO_CONTENT | StatusCode::CREATED => {
                    return location_or(&location, r.headers());
                }
                StatusCode::RANGE_NOT_SATISFIABLE => {
                    let have = self.upload_offset(&location, refused_at_zero).await?;
                    refused_at_zero = have == 0;
                    let chunk_end = offset + chunk.len() as u64;
                    if have < offset || have > chunk_end {
                        return Err(Error::new(ErrorKind::Protocol, format!("upload out of step: the registry has {have} bytes, this chunk is {offset}..{chunk_end}")).with_request(&Method::PATCH, &location));
                    }
                    if have == chunk_end {
                        return Ok(location);
                    }
                    sent_from = usize::try_from(have - offset).expect("within the chunk");
                }
                _ => return Err(self.client.status_error(&Method::PATCH, &location, r).await),
            }
        }
        Err(Error::new(
            ErrorKind::Protocol,
            "the registry kept refusing the chunk's range",
        )
        .with_request(&Method::PATCH, &location))
    }

    /// How many bytes an upload session holds (`GET <location>` -> 204 `Range: 0-N`).
    /// `one_byte` says how to read the ambiguous `0-0`: as empty the first time, as one
    /// byte when resending from zero was refused too.
    async fn upload_offset(&self, location: &str, one_byte: bool) -> Result<u64> {
        let r = self
            .send(
                &self.push(),
                Method::GET,
                location,
                HeaderMap::new(),
                Body::empty(),
            )
            .await?;
        let r = self
            .expect(
                r,
                &Method::GET,
                location,
                &[StatusCode::NO_CONTENT, StatusCode::OK],
            )
            .await?;
        let range = r
            .headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // `0-0` is what registries send for an empty upload and for a one-byte one alike.
        let empty_or_one = range.trim() == "0-0";
        let have = range
            .rsplit_once('-')
            .and_then(|(_, end)| end.trim().parse::<u64>().ok())
            .map_or(0, |e| e + 1);
        Ok(if empty_or_one && !one_byte { 0 } else { have })
    }
}

/// An upload session whose digest need not be known until it is committed: open it with
/// [`Repository::start_upload`], send bytes with [`BlobUpload::write`] (one PATCH each,
/// streamed), then [`BlobUpload::finish`] with the descriptor, or
/// [`BlobUpload::cancel`]. This lets a caller hash a file while its bytes are already on
/// the way. Unlike [`Repository::push_blob`], a failed PATCH is not resumed here; start
/// again, or push the blob the ordinary way.
#[derive(Debug)]
pub struct BlobUpload<'r> {
    repo: &'r Repository,
    location: String,
    offset: u64,
}

impl Repository {
    /// Opens an upload session (`POST /v2/<name>/blobs/uploads/`).
    pub async fn start_upload(&self) -> Result<BlobUpload<'_>> {
        let (url, started) = self.open_upload().await?;
        let location = location(&url, &started, &Method::POST)?;
        Ok(BlobUpload {
            repo: self,
            location,
            offset: 0,
        })
    }
}

impl BlobUpload<'_> {
    /// Bytes the registry has accepted so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Sends the next `len` bytes, read from `body`, in one PATCH with their
    /// `Content-Range`. A stream body is sent as it is read, never held whole.
    pub async fn write(&mut self, body: Body, len: u64) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        let (start, end) = (self.offset, self.offset + len - 1);
        let h = octet_stream(Some((start, end)));
        let repo = self.repo;
        let r = repo
            .send(&repo.push(), Method::PATCH, &self.location, h, body)
            .await?;
        match r.status() {
            StatusCode::ACCEPTED | StatusCode::NO_CONTENT | StatusCode::CREATED => {
                self.location = location_or(&self.location, r.headers())?;
                self.offset += len;
                Ok(())
            }
            _ => Err(repo
                .client
                .status_error(&Method::PATCH, &self.location, r)
                .await),
        }
    }

    /// Commits the bytes sent as the blob `desc` describes (`PUT ?digest=`); the registry
    /// checks the digest.
    pub async fn finish(self, desc: &Descriptor) -> Result<()> {
        if self.offset != desc.size {
            return Err(Error::new(
                ErrorKind::Input,
                format!(
                    "the upload holds {} bytes, the descriptor says {}",
                    self.offset, desc.size
                ),
            ));
        }
        self.repo.commit(&self.location, desc, Body::empty()).await
    }

    /// Abandons the session (`DELETE <location>`), so the registry can drop what it holds.
    pub async fn cancel(self) -> Result<()> {
        self.repo.delete_at(&self.repo.push(), &self.location).await
    }
}

/// The upload location a response gives, resolved against the request URL.
fn location(url: &str, headers: &HeaderMap, method: &Method) -> Result<String> {
    let loc = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::new(ErrorKind::Protocol, "upload response without Location")
                .with_request(method, url)
        })?;
    resolve(url, loc).ok_or_else(|| {
        Error::new(ErrorKind::Protocol, "invalid upload Location").with_request(method, url)
    })
}

fn location_or(url: &str, headers: &HeaderMap) -> Result<String> {
    if headers.contains_key(header::LOCATION) {
        location(url, headers, &Method::PATCH)
    } else {
        Ok(url.to_owned())
    }
}

/// Headers of an upload request: the octet-stream content type, and the `Content-Range`
/// (`start-end`, inclusive) of a PATCH.
fn octet_stream(range: Option<(u64, u64)>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some((start, end)) = range {
        h.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_str(&format!("{start}-{end}")).expect("digits are valid header text"),
        );
    }
    h
}

/// `location` with `digest=` added to its query (never building the URL ourselves).
fn with_digest(location: &str, digest: &Digest) -> String {
    let sep = if location.contains('?') { '&' } else { '?' };
    format!("{location}{sep}digest={digest}")
}

fn check_blob_digest(r: &Response<ResponseBody>, desc: &Descriptor, url: &str) -> Result<()> {
    match content_digest(r.headers()) {
        Some(Ok(d)) if d.algorithm() == desc.digest.algorithm() && d != desc.digest => {
            Err(Error::new(
                ErrorKind::Protocol,
                format!("registry stored the blob as {d}, not {}", desc.digest),
            )
            .with_request(&Method::PUT, url))
        }
        _ => Ok(()),
    }
}

/// A blob arriving as verified chunks.
///
/// Size and digest are checked as chunks pass: no chunk past the descriptor's size is
/// returned, the chunk that completes corrupt content is an error instead, and the end
/// (`None`) comes only after the whole blob matched. A connection that breaks part-way is
/// resumed with `Range` from the last byte received (at most 5 times); a registry that
/// ignores `Range` resends from the start and the bytes already seen are skipped.
pub struct BlobReader {
    repo: Repository,
    desc: Descriptor,
    body: ResponseBody,
    verifier: Verifier,
    url: String,
    skip: u64,
    resumes: u32,
    done: bool,
}

const MAX_RESUMES: u32 = 5;

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader")
            .field("digest", &self.desc.digest)
            .field("received", &self.verifier.received())
            .finish_non_exhaustive()
    }
}

impl BlobReader {
    /// The blob's descriptor.
    pub fn descriptor(&self) -> &Descriptor {
        &self.desc
    }

    /// Bytes received and verified so far.
    pub fn received(&self) -> u64 {
        self.verifier.received()
    }

    fn verify_error(&self, e: VerifyError) -> Error {
        Error::new(ErrorKind::Verify, e.to_string()).with_request(&Method::GET, &self.url)
    }

    /// The next verified chunk; `None` once the whole blob arrived and matched.
    pub async fn chunk(&mut self) -> Option<Result<Bytes>> {
        if self.done {
            return None;
        }
        loop {
            let broken = match self.body.chunk().await {
                Some(Ok(mut b)) => {
                    if self.skip > 0 {
                        let drop_now = usize::try_from(self.skip)
                            .unwrap_or(usize::MAX)
                            .min(b.len());
                        let _ = b.split_to(drop_now);
                        self.skip -= drop_now as u64;
                    }
                    if b.is_empty() {
                        continue;
                    }
                    return Some(match self.verifier.update(&b) {
                        Ok(()) => Ok(b),
                        Err(e) => {
                            self.done = true;
                            Err(self.verify_error(e))
                        }
                    });
                }
                Some(Err(e)) => Some(e),
                None => match self.verifier.finish() {
                    Ok(()) => {
                        self.done = true;
                        return None;
                    }
                    Err(VerifyError::Truncated { .. }) => None,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(self.verify_error(e)));
                    }
                },
            };
            // The body ended early or broke: resume from what was verified so far.
            if self.resumes >= MAX_RESUMES {
                self.done = true;
                let message = format!(
                    "blob {} broke off after {} of {} bytes, {MAX_RESUMES} resumes",
                    self.desc.digest,
                    self.verifier.received(),
                    self.desc.size
                );
                let e = Error::new(ErrorKind::Transport, message)
                    .with_request(&Method::GET, &self.url)
                    .retryable(true);
                return Some(Err(match broken {
                    Some(cause) => e.with_source(cause),
                    None => e,
                }));
            }
            self.resumes += 1;
            match self
                .repo
                .open_blob(&self.desc.digest, self.verifier.received())
                .await
            {
                Ok((r, _)) => {
                    self.skip = if r.status() == StatusCode::OK {
                        self.verifier.received()
                    } else {
                        0
                    };
                    self.body = r.into_body();
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

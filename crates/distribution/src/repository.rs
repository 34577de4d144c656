//! One repository: its manifests and tags. Blobs are in `blob.rs` (reading) and
//! `upload.rs` (writing), referrers in `referrers.rs`.

use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};
use oras_auth::{Scope, Scopes};
use oras_oci::{Algorithm, Descriptor, Digest, IntoManifestRef, Manifest, ManifestRef, media_type};
use serde::Deserialize;
use tracing::Instrument;

use crate::client::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::log::op_span;
use crate::page::Listing;
use crate::request::Call;
use crate::url::Url;
use crate::{Body, BoxFuture, Client, ResponseBody};

/// One repository: manifests, blobs, tags.
#[derive(Clone, Debug)]
pub struct Repository {
    client: Client,
    endpoint: Endpoint,
    name: String,
}

/// Uploads blobs again for [`Repository::push_manifest_tagged`], when the registry refused
/// the manifest for blobs it no longer has.
pub trait Resupply: Send + Sync {
    /// Uploads `blobs` to `repo` again.
    fn resupply<'a>(
        &'a self,
        repo: &'a Repository,
        blobs: &'a [Descriptor],
    ) -> BoxFuture<'a, Result<()>>;
}

/// How many times a manifest or tag refused for an unknown blob is sent again.
const MANIFEST_RESENDS: u32 = 3;

/// The `Docker-Content-Digest` header, if sent: the digest, or why it is not one.
pub(crate) fn content_digest(headers: &HeaderMap) -> Option<std::result::Result<Digest, String>> {
    let v = headers.get("docker-content-digest")?;
    let text = v.to_str().map_err(|_| "not text".to_owned());
    Some(text.and_then(|t| Digest::parse(t.trim()).map_err(|e| e.to_string())))
}

/// Whether `bytes` have digest `d` (in `d`'s algorithm).
fn matches_digest(d: &Digest, bytes: &[u8]) -> bool {
    d.algorithm()
        .is_some_and(|alg| Digest::compute(alg, bytes) == *d)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    header_text(headers, header::CONTENT_LENGTH).and_then(|v| v.parse().ok())
}

/// The caller's text as a manifest reference, or an input error naming it. A layout's
/// reference name that is neither a tag nor a digest is refused: registries name
/// manifests by tag or digest only.
pub(crate) fn manifest_ref(reference: impl IntoManifestRef) -> Result<ManifestRef> {
    let r = reference
        .into_manifest_ref()
        .map_err(|e| Error::new(ErrorKind::Input, "not a tag or digest").with_source(e))?;
    if r.is_name() {
        return Err(Error::new(
            ErrorKind::Input,
            format!(
                "{:?} is not a tag or digest",
                r.as_str().chars().take(256).collect::<String>()
            ),
        ));
    }
    Ok(r)
}

/// Whether the registry refused a manifest because a blob it references is unknown
/// (distribution 2.8 does while another writer is still linking the same blob).
fn blob_unknown(e: &Error) -> bool {
    e.has_code("MANIFEST_BLOB_UNKNOWN")
}

/// The digests a refusal names in the `detail` of its `MANIFEST_BLOB_UNKNOWN` errors: a
/// digest string (distribution) or an object with a `digest` field.
fn unknown_blobs(e: &Error) -> Vec<String> {
    e.codes()
        .iter()
        .filter(|c| c.code == "MANIFEST_BLOB_UNKNOWN")
        .filter_map(|c| match c.detail.as_ref()? {
            serde_json::Value::String(d) => Some(d.clone()),
            serde_json::Value::Object(o) => o.get("digest")?.as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

impl Repository {
    pub(crate) fn new(client: Client, endpoint: Endpoint, name: String) -> Self {
        Self {
            client,
            endpoint,
            name,
        }
    }

    /// The repository's name within its registry.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The registry host as written.
    pub fn registry(&self) -> &str {
        &self.endpoint.host
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The URL of `/v2/<name>/<tail>`.
    pub(crate) fn url(&self, tail: &str) -> Url {
        self.endpoint.url(&format!("/v2/{}/{tail}", self.name))
    }

    /// A request to this repository's registry.
    pub(crate) fn call(&self, method: Method, url: Url, scopes: Scopes) -> Call<'_> {
        Call::new(&self.client, &self.endpoint, method, url, scopes)
    }

    pub(crate) fn pull_scopes(&self) -> Scopes {
        Scopes::for_pull(&self.name)
    }

    pub(crate) fn push_scopes(&self) -> Scopes {
        Scopes::for_push(&self.name)
    }

    fn delete_scopes(&self) -> Scopes {
        Scopes::from_iter([Scope::repository(&self.name, [oras_auth::DELETE])])
    }

    fn manifest_call(&self, method: Method, reference: &ManifestRef) -> Call<'_> {
        let url = self.url(&format!("manifests/{reference}"));
        self.call(method, url, self.pull_scopes())
            .accept(&media_type::MANIFEST_TYPES.join(", "))
    }

    // ---- manifests ----

    /// The descriptor of a manifest by tag or digest (`HEAD`), without fetching it. Falls
    /// back to a `GET` when the registry does not send `Docker-Content-Digest`.
    pub async fn resolve(&self, reference: impl IntoManifestRef) -> Result<Descriptor> {
        let reference = manifest_ref(reference)?;
        let span = op_span!(self, "resolve", reference = %reference);
        async move {
            let call = self
                .manifest_call(Method::HEAD, &reference)
                .expect(&[StatusCode::OK]);
            let url = call.url().clone();
            let r = call.send().await?;
            let h = r.headers();
            let media =
                header_text(h, header::CONTENT_TYPE).map(|v| media_type::essence(v).to_owned());
            match (content_digest(h), media, content_length(h)) {
                (Some(Ok(d)), Some(m), Some(size)) if !m.is_empty() => {
                    if reference.digest().is_some_and(|want| *want != d) {
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
                _ => Ok(self.fetch_manifest(&reference).await?.descriptor()),
            }
        }
        .instrument(span)
        .await
    }

    /// Fetches a manifest by tag or digest: `Accept` offers every manifest type, the body
    /// is cut at the size limit, `Content-Type` must agree with `mediaType`, and the bytes
    /// must match the requested digest and `Docker-Content-Digest` when either is given.
    pub async fn fetch_manifest(&self, reference: impl IntoManifestRef) -> Result<Manifest> {
        let reference = manifest_ref(reference)?;
        self.fetch_manifest_with_etag(&reference, None)
            .await
            .map(|(m, _)| m)
    }

    /// [`fetch_manifest`](Self::fetch_manifest) offering only these media types in
    /// `Accept` (`oras manifest fetch --media-type`): the registry answers with one of
    /// them, or refuses.
    pub async fn fetch_manifest_accepting(
        &self,
        reference: impl IntoManifestRef,
        media_types: &[String],
    ) -> Result<Manifest> {
        let reference = manifest_ref(reference)?;
        let accept = media_types.join(", ");
        if http::HeaderValue::from_str(&accept).is_err() {
            return Err(Error::new(
                ErrorKind::Input,
                format!("invalid media types {accept:?}"),
            ));
        }
        self.fetch_manifest_with_etag(&reference, Some(accept.as_str()).filter(|a| !a.is_empty()))
            .await
            .map(|(m, _)| m)
    }

    /// [`fetch_manifest`](Self::fetch_manifest), and the `ETag` the registry sent.
    pub(crate) async fn fetch_manifest_with_etag(
        &self,
        reference: &ManifestRef,
        accept: Option<&str>,
    ) -> Result<(Manifest, Option<String>)> {
        let span = op_span!(self, "fetch_manifest", reference = %reference);
        async move {
            let mut call = self.manifest_call(Method::GET, reference);
            if let Some(a) = accept {
                call = call.accept(a);
            }
            let call = call.expect(&[StatusCode::OK]);
            let url = call.url().clone();
            let r = call.send().await?;
            let fail = |kind, msg: String| Error::new(kind, msg).with_request(&Method::GET, &url);
            let limit = self.client.config().manifest_size_limit;
            if let Some(len) = content_length(r.headers())
                && len > limit as u64
            {
                return Err(fail(
                    ErrorKind::Manifest,
                    format!("manifest of {len} bytes exceeds the limit of {limit} bytes"),
                ));
            }
            let content_type = header_text(r.headers(), header::CONTENT_TYPE).map(str::to_owned);
            let header_digest = content_digest(r.headers());
            let etag = header_text(r.headers(), header::ETAG).map(str::to_owned);
            let bytes = r.into_body().collect_limited(limit).await.map_err(|e| {
                fail(ErrorKind::Manifest, "the manifest could not be read".into()).with_source(e)
            })?;
            if let Some(want) = reference.digest()
                && !matches_digest(want, &bytes)
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
            let m =
                Manifest::parse_with_limit(bytes, content_type.as_deref(), limit).map_err(|e| {
                    fail(ErrorKind::Manifest, "the manifest is not valid".into()).with_source(e)
                })?;
            Ok((m, etag))
        }
        .instrument(span)
        .await
    }

    /// Fetches the manifest a descriptor points to, checking its size and digest.
    pub async fn fetch_manifest_for(&self, desc: &Descriptor) -> Result<Manifest> {
        let m = self.fetch_manifest(&desc.digest).await?;
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
    pub async fn push_manifest(
        &self,
        reference: impl IntoManifestRef,
        manifest: &Manifest,
    ) -> Result<Descriptor> {
        let reference = manifest_ref(reference)?;
        let oci_subject = self.put_manifest(&reference, manifest, None).await?;
        self.after_push(manifest, oci_subject).await?;
        Ok(manifest.descriptor())
    }

    /// Pushes a manifest under its digest and then under each of `tags`, the way a push of
    /// an artifact ends. A registry can refuse one of these PUTs with
    /// `MANIFEST_BLOB_UNKNOWN` for a blob it has, or had moments ago: distribution 2.8 does
    /// while several writers upload the same blob at once. Then this waits the retry
    /// policy's back-off, hands `resupply` the blobs the refusal names and those a `HEAD`
    /// finds missing, and sends the manifest and its tags again, up to three more times.
    /// Without `resupply` it only waits and sends again.
    pub async fn push_manifest_tagged(
        &self,
        manifest: &Manifest,
        tags: &[String],
        resupply: Option<&dyn Resupply>,
    ) -> Result<Descriptor> {
        let mut names = vec![ManifestRef::from(manifest.digest())];
        for t in tags {
            names.push(manifest_ref(t.as_str())?);
        }
        let mut resends = 0;
        loop {
            let sent = async {
                for name in &names {
                    self.push_manifest(name, manifest).await?;
                }
                Ok::<_, Error>(())
            }
            .await;
            match sent {
                Ok(()) => return Ok(manifest.descriptor()),
                Err(e) if blob_unknown(&e) && resends < MANIFEST_RESENDS => {
                    self.client.back_off(resends).await;
                    resends += 1;
                    if let Some(resupply) = resupply {
                        let lost = self.lost_blobs(manifest, &unknown_blobs(&e)).await?;
                        resupply.resupply(self, &lost).await?;
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The blobs of `manifest` the registry should be given again: those a refusal
    /// `named`, even when a `HEAD` finds them (distribution 2.8 has been seen answering
    /// the HEAD while refusing the manifest that names the blob), and those it lacks.
    async fn lost_blobs(&self, manifest: &Manifest, named: &[String]) -> Result<Vec<Descriptor>> {
        let mut lost = Vec::new();
        for d in manifest.successors() {
            if media_type::is_manifest(&d.media_type) || lost.contains(d) {
                continue;
            }
            if named.iter().any(|n| n == d.digest.as_str())
                || self.blob_exists(&d.digest).await?.is_none()
            {
                lost.push(d.clone());
            }
        }
        Ok(lost)
    }

    /// Pushes under `reference` only if the current manifest there still has `etag`.
    pub(crate) async fn push_manifest_if_match(
        &self,
        reference: &ManifestRef,
        manifest: &Manifest,
        etag: Option<&str>,
    ) -> Result<()> {
        self.put_manifest(reference, manifest, etag).await.map(drop)
    }

    /// PUTs a manifest; returns whether the registry answered `OCI-Subject`.
    async fn put_manifest(
        &self,
        reference: &ManifestRef,
        manifest: &Manifest,
        if_match: Option<&str>,
    ) -> Result<bool> {
        let span = op_span!(self, "push_manifest", reference = %reference);
        async move {
            let url = self.url(&format!("manifests/{reference}"));
            let content_type = HeaderValue::from_str(manifest.media_type())
                .map_err(|e| Error::new(ErrorKind::Input, "invalid media type").with_source(e))?;
            let mut call = self
                .call(Method::PUT, url.clone(), self.push_scopes())
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from_bytes(manifest.bytes().clone()))
                .expect(&[StatusCode::CREATED, StatusCode::OK, StatusCode::ACCEPTED]);
            if let Some(etag) = if_match.and_then(|e| HeaderValue::from_str(e).ok()) {
                call = call.header(header::IF_MATCH, etag);
            }
            let r = call.send().await?;
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
    /// another name, sent again after a back-off when the registry refuses them for a blob
    /// it is still linking (see [`push_manifest_tagged`](Self::push_manifest_tagged)).
    pub async fn tag(&self, reference: impl IntoManifestRef, tag: &str) -> Result<Descriptor> {
        let tag = manifest_ref(tag).and_then(|t| match t.tag() {
            Some(_) => Ok(t),
            None => Err(Error::new(ErrorKind::Input, format!("invalid tag {tag:?}"))),
        })?;
        let m = self.fetch_manifest(reference).await?;
        let mut resends = 0;
        loop {
            match self.push_manifest(&tag, &m).await {
                Err(e) if blob_unknown(&e) && resends < MANIFEST_RESENDS => {
                    self.client.back_off(resends).await;
                    resends += 1;
                }
                other => return other,
            }
        }
    }

    /// Deletes a manifest by digest. On a registry without the referrers API, a manifest
    /// with a subject is then removed from the subject's referrers index (after the
    /// delete, so a registry that refuses the delete leaves the index as it was).
    pub async fn delete_manifest(&self, digest: &Digest) -> Result<()> {
        let subject = self.indexed_subject(digest).await?;
        self.delete_manifest_only(digest).await?;
        if let Some(subject) = subject {
            self.after_delete(&subject, digest).await?;
        }
        Ok(())
    }

    pub(crate) async fn delete_manifest_only(&self, digest: &Digest) -> Result<()> {
        let span = op_span!(self, "delete_manifest", digest = %digest);
        async move {
            self.delete_at(self.url(&format!("manifests/{digest}")))
                .await
        }
        .instrument(span)
        .await
    }

    /// `DELETE url`, accepting any of the success statuses registries answer it with.
    pub(crate) async fn delete_at(&self, url: Url) -> Result<()> {
        self.call(Method::DELETE, url, self.delete_scopes())
            .expect(&[StatusCode::ACCEPTED, StatusCode::OK, StatusCode::NO_CONTENT])
            .send()
            .await
            .map(drop)
    }

    /// Reads an error response into an [`Error`].
    pub(crate) async fn status_error(
        &self,
        method: &Method,
        url: &Url,
        r: Response<ResponseBody>,
    ) -> Error {
        self.client.status_error(method, url, r).await
    }

    // ---- tags ----

    /// Every tag (following `Link` pages), `page_size` tags a page when given.
    pub async fn tags(&self, page_size: Option<usize>) -> Result<Vec<String>> {
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let span = op_span!(self, "tags");
        async move {
            let tail = match page_size {
                Some(n) => format!("tags/list?n={n}"),
                None => "tags/list".to_owned(),
            };
            let listing = Listing {
                client: &self.client,
                endpoint: &self.endpoint,
                scopes: self.pull_scopes(),
                first: self.url(&tail),
                accept: None,
                absent_on_404: false,
            };
            let all = listing
                .collect(|_, body| {
                    let page: Page = serde_json::from_slice(&body).map_err(|e| {
                        Error::new(ErrorKind::Protocol, "invalid tags page").with_source(e)
                    })?;
                    // `tags: null` is an empty page.
                    Ok(page.tags.unwrap_or_default())
                })
                .await?;
            Ok(all.unwrap_or_default())
        }
        .instrument(span)
        .await
    }
}

//! Writing blobs: upload sessions (one streaming PUT, or PATCH chunks resumed after a
//! refused range), sessions whose digest is given only at the commit, and mounts.

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use oras_auth::Scopes;
use oras_oci::Descriptor;
use tracing::Instrument;

use crate::config::DEFAULT_CHUNK_SIZE;
use crate::error::{Error, ErrorKind, Result};
use crate::log::op_span;
use crate::repository::content_digest;
use crate::url::Url;
use crate::{Body, Repository, ResponseBody};

/// One-shot bodies up to this size are buffered so their upload can be retried.
const ONE_SHOT_BUFFER_LIMIT: u64 = 4 << 20;

/// Larger one-shot bodies are uploaded in chunks of this size, each retryable on its own.
const ONE_SHOT_CHUNK_SIZE: usize = 8 << 20;

/// An open upload session (`POST /v2/<name>/blobs/uploads/` answered 202).
///
/// Send a whole blob with [`upload`](Self::upload): one streaming PUT up to the
/// monolithic limit, PATCH chunks beyond it or when a chunk size is configured. Or send
/// bytes whose digest is not known yet with [`write`](Self::write) (one PATCH each,
/// streamed) and name the digest at [`finish`](Self::finish): a caller can hash a file
/// while its bytes are already on the way. [`cancel`](Self::cancel) abandons the session.
#[derive(Debug)]
pub struct BlobUpload<'r> {
    repo: &'r Repository,
    location: Url,
    offset: u64,
    /// `OCI-Chunk-Min-Length` from the response that opened the session.
    min_chunk: Option<usize>,
}

/// What a registry did with a mount request ([`Repository::mount_blob`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Mount<'r> {
    /// It linked the blob from the other repository; no bytes moved.
    Mounted,
    /// It opened an upload session instead: send the blob through it.
    Upload(BlobUpload<'r>),
}

impl Repository {
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

    /// Pushes a blob the descriptor describes, streaming `body` (see
    /// [`BlobUpload::upload`]).
    pub async fn push_blob(&self, desc: &Descriptor, body: Body) -> Result<()> {
        let span = op_span!(self, "push_blob", digest = %desc.digest, size = desc.size);
        async move { self.start_upload().await?.upload(desc, body).await }
            .instrument(span)
            .await
    }

    /// Opens an upload session (`POST /v2/<name>/blobs/uploads/`).
    pub async fn start_upload(&self) -> Result<BlobUpload<'_>> {
        let url = self.url("blobs/uploads/");
        let r = self
            .call(Method::POST, url.clone(), self.push_scopes())
            .expect(&[StatusCode::ACCEPTED])
            .send()
            .await?;
        BlobUpload::opened(self, &url, r.headers(), &Method::POST)
    }

    /// Asks the registry to link a blob from another repository of the same registry
    /// (`POST …/blobs/uploads/?mount=<digest>&from=<repository>`, with a token for `pull`
    /// on `from` and `push` here). When it opens an upload session instead, the blob is
    /// the caller's to send through it.
    pub async fn mount_blob(&self, desc: &Descriptor, from: &str) -> Result<Mount<'_>> {
        let span = op_span!(self, "mount_blob", digest = %desc.digest, from);
        async move {
            let url = self.url(&format!("blobs/uploads/?mount={}&from={from}", desc.digest));
            let scopes = Scopes::for_mount(from, self.name());
            let r = self.call(Method::POST, url.clone(), scopes).send().await?;
            match r.status() {
                StatusCode::CREATED => Ok(Mount::Mounted),
                StatusCode::ACCEPTED => Ok(Mount::Upload(BlobUpload::opened(
                    self,
                    &url,
                    r.headers(),
                    &Method::POST,
                )?)),
                _ => Err(self.status_error(&Method::POST, &url, r).await),
            }
        }
        .instrument(span)
        .await
    }
}

impl<'r> BlobUpload<'r> {
    /// The session a response to `url` opened: its `Location` (never built by hand) and
    /// the smallest chunk it takes.
    fn opened(
        repo: &'r Repository,
        url: &Url,
        headers: &HeaderMap,
        method: &Method,
    ) -> Result<Self> {
        Ok(Self {
            repo,
            location: location(url, headers, method)?,
            offset: 0,
            min_chunk: headers
                .get("oci-chunk-min-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<usize>().ok()),
        })
    }

    /// Bytes the registry has accepted so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Sends the whole blob `desc` describes and commits it. A replayable body goes up in
    /// one PUT that is retried whole; a one-shot stream is kept retryable request by
    /// request in bounded memory: a small blob is buffered, a large one sent in chunks,
    /// each held until the registry took it. Blobs over the monolithic limit, or any blob
    /// when a chunk size is configured, go up in PATCH chunks of at least the registry's
    /// `OCI-Chunk-Min-Length`.
    pub async fn upload(self, desc: &Descriptor, body: Body) -> Result<()> {
        let config = self.repo.client().config();
        let mut body = body;
        let mut chunk_size = config.chunk_size;
        if chunk_size.is_none() && !body.is_replayable() {
            if desc.size <= ONE_SHOT_BUFFER_LIMIT {
                body = Body::from_bytes(buffer(body, desc.size).await?);
            } else {
                chunk_size = Some(ONE_SHOT_CHUNK_SIZE);
            }
        }
        let min_chunk = self.min_chunk.unwrap_or(0);
        if chunk_size.is_none() && desc.size <= config.monolithic_limit {
            // A registry may refuse one request this large (413: Quay limits a single PUT):
            // then the blob goes again in chunks, through a new session.
            let again = body.try_clone();
            return match self.repo.commit(&self.location, desc, body).await {
                Err(e) if e.status() == Some(StatusCode::PAYLOAD_TOO_LARGE) => {
                    let Some(Ok(body)) = again else {
                        return Err(e);
                    };
                    tracing::debug!("the registry takes no blob this large in one request: chunks");
                    let session = self.repo.start_upload().await?;
                    let size = DEFAULT_CHUNK_SIZE.max(session.min_chunk.unwrap_or(0));
                    self.repo
                        .upload_chunked(session.location, size, min_chunk, desc, body)
                        .await
                }
                other => other,
            };
        }
        let size = chunk_size
            .unwrap_or(DEFAULT_CHUNK_SIZE)
            .max(min_chunk)
            .max(1);
        self.repo
            .upload_chunked(self.location, size, min_chunk, desc, body)
            .await
    }

    /// Sends the next `len` bytes, read from `body`, in one PATCH with their
    /// `Content-Range`. A stream body is sent as it is read, never held whole. Unlike
    /// [`upload`](Self::upload), a failed PATCH is not resumed: start again, or push the
    /// blob the ordinary way.
    pub async fn write(&mut self, body: Body, len: u64) -> Result<()> {
        if len == 0 {
            return Ok(());
        }
        let (start, end) = (self.offset, self.offset + len - 1);
        self.location = self.repo.patch(&self.location, (start, end), body).await?;
        self.offset += len;
        Ok(())
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
        let scopes = self.repo.push_scopes();
        self.repo
            .call(Method::DELETE, self.location, scopes)
            .expect(&[StatusCode::ACCEPTED, StatusCode::OK, StatusCode::NO_CONTENT])
            .send()
            .await
            .map(drop)
    }
}

impl Repository {
    /// Ends an upload session: `PUT <location>?digest=` with the last bytes (if any); the
    /// registry checks the digest, and so does this against `Docker-Content-Digest`.
    async fn commit(&self, location: &Url, desc: &Descriptor, body: Body) -> Result<()> {
        let put = location.with_query("digest", desc.digest.as_str());
        let r = self
            .call(Method::PUT, put.clone(), self.push_scopes())
            .header(header::CONTENT_TYPE, octet_stream())
            .body(body)
            .expect(&[StatusCode::CREATED])
            .send()
            .await?;
        match content_digest(r.headers()) {
            Some(Ok(d)) if d.algorithm() == desc.digest.algorithm() && d != desc.digest => {
                Err(Error::new(
                    ErrorKind::Protocol,
                    format!("registry stored the blob as {d}, not {}", desc.digest),
                )
                .with_request(&Method::PUT, &put))
            }
            _ => Ok(()),
        }
    }

    /// One PATCH of the bytes `start..=end`; returns the next `Location`.
    async fn patch(&self, location: &Url, (start, end): (u64, u64), body: Body) -> Result<Url> {
        let r = self.send_patch(location, (start, end), body).await?;
        match r.status() {
            StatusCode::ACCEPTED | StatusCode::NO_CONTENT | StatusCode::CREATED => {
                location_or(location, r.headers())
            }
            _ => Err(self.status_error(&Method::PATCH, location, r).await),
        }
    }

    async fn send_patch(
        &self,
        location: &Url,
        (start, end): (u64, u64),
        body: Body,
    ) -> Result<http::Response<ResponseBody>> {
        let range =
            HeaderValue::from_str(&format!("{start}-{end}")).expect("digits are valid header text");
        self.call(Method::PATCH, location.clone(), self.push_scopes())
            .header(header::CONTENT_TYPE, octet_stream())
            .header(header::CONTENT_RANGE, range)
            .body(body)
            .send()
            .await
    }

    /// Sends `body` in PATCH chunks of `chunk_size`, then commits. A registry that refuses
    /// a chunk as too large (413: GHCR once capped them at 4 MiB) gets it again in halves,
    /// and smaller chunks from then on, down to `min_chunk` (or 64 KiB).
    async fn upload_chunked(
        &self,
        mut location: Url,
        chunk_size: usize,
        min_chunk: usize,
        desc: &Descriptor,
        body: Body,
    ) -> Result<()> {
        let mut stream = ResponseBody::new(body.into_stream());
        let mut pending = Bytes::new();
        let mut offset = 0u64;
        let mut chunk_size = chunk_size;
        let floor = min_chunk.max(64 << 10);
        loop {
            // Gather one chunk from the source's chunks, whatever their sizes.
            let mut buf = BytesMut::with_capacity(chunk_size);
            while buf.len() < chunk_size {
                if pending.is_empty() {
                    match stream.chunk().await {
                        Some(Ok(b)) => pending = b,
                        Some(Err(e)) => return Err(source_failed(e)),
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
            // The chunk, in pieces no larger than the registry takes.
            let mut sent = 0;
            while sent < chunk.len() {
                let piece = chunk.slice(sent..chunk.len().min(sent + chunk_size));
                match self.patch_chunk(location.clone(), offset, &piece).await {
                    Ok(next) => {
                        location = next;
                        sent += piece.len();
                        offset += piece.len() as u64;
                    }
                    Err(e)
                        if e.status() == Some(StatusCode::PAYLOAD_TOO_LARGE)
                            && piece.len() / 2 >= floor =>
                    {
                        chunk_size = piece.len() / 2;
                        tracing::debug!(chunk_size, "the registry refused the chunk as too large");
                    }
                    Err(e) => return Err(e),
                }
            }
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
    async fn patch_chunk(&self, location: Url, offset: u64, chunk: &Bytes) -> Result<Url> {
        let mut sent_from = 0usize;
        let mut refused_at_zero = false;
        for _ in 0..3 {
            let part = chunk.slice(sent_from..);
            let start = offset + sent_from as u64;
            let end = start + part.len() as u64 - 1;
            let r = self
                .send_patch(&location, (start, end), Body::from_bytes(part))
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
                        return Err(Error::new(
                            ErrorKind::Protocol,
                            format!(
                                "upload out of step: the registry has {have} bytes, this chunk is {offset}..{chunk_end}"
                            ),
                        )
                        .with_request(&Method::PATCH, &location));
                    }
                    if have == chunk_end {
                        return Ok(location);
                    }
                    sent_from = usize::try_from(have - offset).expect("within the chunk");
                }
                _ => return Err(self.status_error(&Method::PATCH, &location, r).await),
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
    async fn upload_offset(&self, location: &Url, one_byte: bool) -> Result<u64> {
        let r = self
            .call(Method::GET, location.clone(), self.push_scopes())
            .expect(&[StatusCode::NO_CONTENT, StatusCode::OK])
            .send()
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

/// Reads a one-shot body of `size` bytes into memory.
async fn buffer(body: Body, size: u64) -> Result<Bytes> {
    let mut stream = ResponseBody::new(body.into_stream());
    let mut out = BytesMut::with_capacity(usize::try_from(size).unwrap_or(0));
    while let Some(chunk) = stream.chunk().await {
        let chunk = chunk.map_err(source_failed)?;
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

fn source_failed(e: crate::BoxError) -> Error {
    Error::new(ErrorKind::Body, "reading the blob to upload failed").with_source(e)
}

/// The upload location a response gives, resolved against the request URL.
fn location(url: &Url, headers: &HeaderMap, method: &Method) -> Result<Url> {
    let loc = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            Error::new(ErrorKind::Protocol, "upload response without Location")
                .with_request(method, url)
        })?;
    url.join(loc).ok_or_else(|| {
        Error::new(ErrorKind::Protocol, "invalid upload Location").with_request(method, url)
    })
}

fn location_or(url: &Url, headers: &HeaderMap) -> Result<Url> {
    if headers.contains_key(header::LOCATION) {
        location(url, headers, &Method::PATCH)
    } else {
        Ok(url.clone())
    }
}

/// The content type of every upload request.
fn octet_stream() -> HeaderValue {
    HeaderValue::from_static("application/octet-stream")
}

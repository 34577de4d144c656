//! Reading blobs: existence, verified streaming with resumption, deletion.

use bytes::{Bytes, BytesMut};
use http::header::{self, HeaderValue};
use http::{Method, Response, StatusCode};
use oras_oci::verify::{Verifier, VerifyError};
use oras_oci::{Descriptor, Digest, Digester};
use tracing::Instrument;

use crate::error::{Error, ErrorKind, Result};
use crate::log::op_span;
use crate::url::Url;
use crate::{Repository, ResponseBody};

impl Repository {
    /// The size of a blob if the repository has it (`HEAD`), `None` if not.
    pub async fn blob_exists(&self, digest: &Digest) -> Result<Option<u64>> {
        let span = op_span!(self, "blob_exists", digest = %digest);
        async move {
            let url = self.url(&format!("blobs/{digest}"));
            let r = self
                .call(Method::HEAD, url.clone(), self.pull_scopes())
                .send()
                .await?;
            match r.status() {
                StatusCode::OK => Ok(r
                    .headers()
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .or(Some(0))),
                StatusCode::NOT_FOUND => Ok(None),
                _ => Err(self.status_error(&Method::HEAD, &url, r).await),
            }
        }
        .instrument(span)
        .await
    }

    /// `GET` of a blob from byte `start` (`Range` when past 0): the response and its URL.
    async fn open_blob(
        &self,
        digest: &Digest,
        start: u64,
    ) -> Result<(Response<ResponseBody>, Url)> {
        let url = self.url(&format!("blobs/{digest}"));
        let mut call = self.call(Method::GET, url.clone(), self.pull_scopes());
        call = if start > 0 {
            let range = HeaderValue::from_str(&format!("bytes={start}-"))
                .expect("digits are valid header text");
            call.header(header::RANGE, range)
                .expect(&[StatusCode::OK, StatusCode::PARTIAL_CONTENT])
        } else {
            call.expect(&[StatusCode::OK])
        };
        Ok((call.send().await?, url))
    }

    /// Fetches a blob as a verified stream (see [`BlobReader`]).
    pub async fn fetch_blob(&self, desc: &Descriptor) -> Result<BlobReader> {
        let verifier = Verifier::for_descriptor(desc)
            .map_err(|e| Error::new(ErrorKind::Verify, "cannot verify the blob").with_source(e))?;
        self.reader(desc, verifier, 0).await
    }

    /// [`fetch_blob`](Self::fetch_blob) without hashing: resumed the same way and checked
    /// for its length, for a consumer that hashes the bytes itself (they are hashed once,
    /// where the consumer has a core for it).
    pub async fn fetch_blob_unhashed(&self, desc: &Descriptor) -> Result<BlobReader> {
        self.reader(desc, Verifier::length_only(desc), 0).await
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
            .map_err(|e| Error::new(ErrorKind::Verify, "cannot verify the blob").with_source(e))?;
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
        async move { self.delete_at(self.url(&format!("blobs/{digest}"))).await }
            .instrument(span)
            .await
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
    url: Url,
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

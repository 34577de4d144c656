//! Checking size and digest of content as it streams.
//!
//! [`Verifier`] is the sans-IO core: feed it chunks, it says when the content is longer than
//! expected, and it checks the digest the moment the last expected byte arrives.
//! [`VerifyingReader`] (over [`std::io::Read`]) and [`VerifyingAsyncReader`] (over
//! [`futures_io::AsyncRead`], any runtime) wrap it:
//!
//! - no byte past the expected size is ever handed out;
//! - the read that completes the expected size fails instead of returning its bytes when
//!   the digest does not match;
//! - end of stream (`Ok(0)`) is returned only after the size and digest matched and the
//!   source itself ended; a source that ends early, or goes on past the size, is an error.
//!
//! Errors reach readers' callers as [`std::io::Error`] of kind
//! [`InvalidData`](std::io::ErrorKind::InvalidData) wrapping a [`VerifyError`]
//! (see [`VerifyError::from_io`]).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::{Descriptor, Digest, Digester};

/// Content that does not match what was expected of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The expected digest uses an algorithm this crate cannot compute.
    #[error("cannot verify {digest}: unsupported digest algorithm {:?}", digest.algorithm_name())]
    UnsupportedAlgorithm {
        /// The expected digest.
        digest: Digest,
    },
    /// More bytes arrived than the expected size.
    #[error("content of {digest} is longer than the expected {expected} bytes")]
    TooLong {
        /// The expected digest.
        digest: Digest,
        /// The expected size.
        expected: u64,
    },
    /// The content ended before the expected size.
    #[error("content of {digest} ended after {received} of {expected} bytes")]
    Truncated {
        /// The expected digest.
        digest: Digest,
        /// The expected size.
        expected: u64,
        /// How many bytes arrived.
        received: u64,
    },
    /// The content has the expected size but another digest.
    #[error("digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The expected digest.
        expected: Digest,
        /// The digest of the bytes that arrived.
        actual: Digest,
    },
}

impl VerifyError {
    /// The `VerifyError` inside an I/O error returned by a verifying reader, if it is one.
    pub fn from_io(err: &io::Error) -> Option<&Self> {
        err.get_ref().and_then(|e| e.downcast_ref())
    }

    fn into_io(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

/// Checks that a stream of chunks has an expected size and digest.
///
/// ```
/// use oras_oci::{Digest, verify::Verifier};
/// let mut v = Verifier::new(Digest::sha256(b"hello"), 5)?;
/// v.update(b"hel")?;
/// v.update(b"lo")?; // the digest is checked here, as the last byte arrives
/// v.finish()?;
/// assert!(Verifier::new(Digest::sha256(b"hello"), 5)?.update(b"hello!").is_err());
/// # Ok::<(), oras_oci::verify::VerifyError>(())
/// ```
#[derive(Debug)]
pub struct Verifier {
    expected: Digest,
    size: u64,
    received: u64,
    /// Taken when the hash is finalised.
    digester: Option<Digester>,
    /// The actual digest, when it was found to differ.
    mismatch: Option<Digest>,
}

impl Verifier {
    /// Expects `size` bytes with digest `expected`.
    pub fn new(expected: Digest, size: u64) -> Result<Self, VerifyError> {
        let Some(algorithm) = expected.algorithm() else {
            return Err(VerifyError::UnsupportedAlgorithm { digest: expected });
        };
        Ok(Self {
            digester: Some(Digester::new(algorithm)),
            expected,
            size,
            received: 0,
            mismatch: None,
        })
    }

    /// Expects the content a descriptor describes.
    pub fn for_descriptor(desc: &Descriptor) -> Result<Self, VerifyError> {
        Self::new(desc.digest.clone(), desc.size)
    }

    /// Checks only the length of the content `desc` describes, not its digest: for a
    /// stream whose consumer hashes the bytes itself (on a thread of its own, say), so they
    /// are hashed once.
    pub fn length_only(desc: &Descriptor) -> Self {
        Self {
            digester: None,
            expected: desc.digest.clone(),
            size: desc.size,
            received: 0,
            mismatch: None,
        }
    }

    /// Continues verifying content whose first `received` bytes were already fed to
    /// `digester` (resuming a download from where a file on disk ends).
    pub fn resume(
        expected: Digest,
        size: u64,
        digester: Digester,
        received: u64,
    ) -> Result<Self, VerifyError> {
        if expected.algorithm() != Some(digester.algorithm()) {
            return Err(VerifyError::UnsupportedAlgorithm { digest: expected });
        }
        if received > size {
            return Err(VerifyError::TooLong {
                digest: expected,
                expected: size,
            });
        }
        let mut v = Self {
            digester: Some(digester),
            expected,
            size,
            received,
            mismatch: None,
        };
        if received == size {
            v.check_digest()?;
        }
        Ok(v)
    }

    /// Feeds a chunk. Fails when the content becomes longer than expected, or when this
    /// chunk completes the expected size and the digest does not match.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), VerifyError> {
        if chunk.is_empty() {
            return Ok(());
        }
        let len = chunk.len() as u64;
        if len > self.remaining() {
            return Err(VerifyError::TooLong {
                digest: self.expected.clone(),
                expected: self.size,
            });
        }
        self.received += len;
        if let Some(d) = self.digester.as_mut() {
            d.update(chunk);
        }
        if self.received == self.size {
            self.check_digest()?;
        }
        Ok(())
    }

    /// Finalises the hash once and compares; later calls repeat the first answer.
    fn check_digest(&mut self) -> Result<(), VerifyError> {
        if let Some(digester) = self.digester.take() {
            let actual = digester.finish();
            if actual != self.expected {
                self.mismatch = Some(actual);
            }
        }
        match &self.mismatch {
            None => Ok(()),
            Some(actual) => Err(VerifyError::DigestMismatch {
                expected: self.expected.clone(),
                actual: actual.clone(),
            }),
        }
    }

    /// Ends the stream: fails when fewer bytes than expected arrived or the digest differs.
    /// Calling it again gives the same answer.
    pub fn finish(&mut self) -> Result<(), VerifyError> {
        if self.received < self.size {
            return Err(VerifyError::Truncated {
                digest: self.expected.clone(),
                expected: self.size,
                received: self.received,
            });
        }
        self.check_digest()
    }

    /// How many more bytes are expected.
    pub fn remaining(&self) -> u64 {
        self.size - self.received
    }

    /// How many bytes arrived so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The expected digest.
    pub fn expected(&self) -> &Digest {
        &self.expected
    }
}

/// What a reader should do next; shared by the sync and async readers.
enum Next {
    Eof,
    Fail(io::Error),
    /// Every expected byte was returned and verified: check that the source has ended.
    Probe,
    /// Read at most this many bytes from the source.
    Read(usize),
}

#[derive(Debug)]
struct Core {
    verifier: Verifier,
    failed: Option<VerifyError>,
    done: bool,
}

impl Core {
    fn new(verifier: Verifier) -> Self {
        Self {
            verifier,
            failed: None,
            done: false,
        }
    }

    fn next(&mut self, buf_len: usize) -> Next {
        if self.done {
            return Next::Eof;
        }
        if let Some(e) = &self.failed {
            return Next::Fail(e.clone().into_io());
        }
        let remaining = self.verifier.remaining();
        if remaining == 0 {
            return match self.verifier.finish() {
                Ok(()) => Next::Probe,
                Err(e) => Next::Fail(self.fail(e)),
            };
        }
        if buf_len == 0 {
            return Next::Eof;
        }
        Next::Read(usize::try_from(remaining).map_or(buf_len, |r| r.min(buf_len)))
    }

    fn fail(&mut self, e: VerifyError) -> io::Error {
        self.failed = Some(e.clone());
        e.into_io()
    }

    fn after_read(&mut self, chunk: &[u8]) -> io::Result<usize> {
        if chunk.is_empty() {
            let e = VerifyError::Truncated {
                digest: self.verifier.expected.clone(),
                expected: self.verifier.size,
                received: self.verifier.received,
            };
            return Err(self.fail(e));
        }
        match self.verifier.update(chunk) {
            Ok(()) => Ok(chunk.len()),
            Err(e) => Err(self.fail(e)),
        }
    }

    fn after_probe(&mut self, n: usize) -> io::Result<usize> {
        if n == 0 {
            self.done = true;
            return Ok(0);
        }
        let e = VerifyError::TooLong {
            digest: self.verifier.expected.clone(),
            expected: self.verifier.size,
        };
        Err(self.fail(e))
    }
}

/// A reader that verifies size and digest as bytes pass (see the [module docs](self)): a
/// [`std::io::Read`] over an `io::Read`, and a [`futures_io::AsyncRead`] over an
/// `AsyncRead` (runtime-neutral: tokio users wrap with `tokio_util::compat`). One type for
/// both, so the two cannot drift.
///
/// ```
/// use std::io::Read;
/// use oras_oci::{Digest, verify::{VerifyError, VerifyingReader}};
///
/// let mut out = Vec::new();
/// let mut r = VerifyingReader::new(&b"hello"[..], Digest::sha256(b"hello"), 5)?;
/// r.read_to_end(&mut out)?;
///
/// let mut bad = VerifyingReader::new(&b"hellO"[..], Digest::sha256(b"hello"), 5)?;
/// let err = bad.read_to_end(&mut Vec::new()).unwrap_err();
/// assert!(matches!(VerifyError::from_io(&err), Some(VerifyError::DigestMismatch { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct VerifyingReader<R> {
    inner: R,
    core: Core,
}

/// The same reader under the name async callers look for.
pub type VerifyingAsyncReader<R> = VerifyingReader<R>;

impl<R> VerifyingReader<R> {
    /// Reads `inner`, expecting `size` bytes with digest `expected`.
    pub fn new(inner: R, expected: Digest, size: u64) -> Result<Self, VerifyError> {
        Ok(Self {
            inner,
            core: Core::new(Verifier::new(expected, size)?),
        })
    }

    /// Reads `inner`, expecting the content `desc` describes.
    pub fn for_descriptor(inner: R, desc: &Descriptor) -> Result<Self, VerifyError> {
        Self::new(inner, desc.digest.clone(), desc.size)
    }

    /// Whether every byte was read and verified, and the source ended.
    pub fn is_verified(&self) -> bool {
        self.core.done
    }

    /// The wrapped reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: io::Read> io::Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.core.next(buf.len()) {
            Next::Eof => Ok(0),
            Next::Fail(e) => Err(e),
            Next::Probe => {
                let mut probe = [0u8; 1];
                let n = loop {
                    match self.inner.read(&mut probe) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.core.after_probe(n)
            }
            Next::Read(max) => {
                let n = self.inner.read(&mut buf[..max])?;
                self.core.after_read(&buf[..n])
            }
        }
    }
}

impl<R: futures_io::AsyncRead + Unpin> futures_io::AsyncRead for VerifyingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.core.next(buf.len()) {
            Next::Eof => Poll::Ready(Ok(0)),
            Next::Fail(e) => Poll::Ready(Err(e)),
            Next::Probe => {
                let mut probe = [0u8; 1];
                let n = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut probe))?;
                Poll::Ready(this.core.after_probe(n))
            }
            Next::Read(max) => {
                let n = ready!(Pin::new(&mut this.inner).poll_read(cx, &mut buf[..max]))?;
                Poll::Ready(this.core.after_read(&buf[..n]))
            }
        }
    }
}

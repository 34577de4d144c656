//! What can go wrong moving artifacts.

use std::path::PathBuf;

/// An artifact operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A registry operation failed.
    #[error(transparent)]
    Registry(#[from] oras_distribution::Error),
    /// Reading or writing a local file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Content did not match its descriptor.
    #[error("{0}")]
    Verify(#[from] oras_oci::verify::VerifyError),
    /// Nothing found under a reference or digest.
    #[error("not found: {0}")]
    NotFound(String),
    /// A manifest that cannot be read or used.
    #[error("invalid manifest: {0}")]
    Manifest(String),
    /// A manifest that cannot be packed.
    #[error(transparent)]
    Pack(#[from] oras_oci::pack::PackError),
    /// An index without a manifest for the wanted platform.
    #[error("no manifest for platform {wanted} in the index; it has: {available}")]
    Platform {
        /// The platform asked for.
        wanted: String,
        /// The platforms the index lists.
        available: String,
    },
    /// A path that would write outside the output directory, or another unsafe entry.
    #[error("refusing {path:?}: {reason}")]
    Unsafe {
        /// The title or archive entry.
        path: String,
        /// Why.
        reason: String,
    },
    /// Bad input from the caller.
    #[error("{0}")]
    Input(String),
    /// A stream from a target failed.
    #[error("reading content failed: {0}")]
    Stream(oras_distribution::BoxError),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// Whether trying again may succeed: a registry error that says so, or a source
    /// stream that broke.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Registry(e) => e.is_retryable(),
            Self::Stream(_) => true,
            _ => false,
        }
    }

    /// Whether the content or reference does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            Self::NotFound(_) => true,
            Self::Registry(e) => e.is_not_found(),
            _ => false,
        }
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

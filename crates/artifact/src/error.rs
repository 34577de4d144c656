//! What can go wrong moving artifacts. Each variant states one fact; its cause, if any,
//! is its [`source`](std::error::Error::source), never repeated in the message.

use std::fmt;
use std::path::PathBuf;

use oras_oci::Descriptor;

/// An artifact operation that failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A registry operation failed.
    #[error(transparent)]
    Registry(#[from] oras_distribution::Error),
    /// Reading or writing a local file failed (the I/O error is the source).
    #[error("{}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Content did not match its descriptor.
    #[error(transparent)]
    Verify(#[from] oras_oci::verify::VerifyError),
    /// Nothing found under a reference or digest.
    #[error("not found: {0}")]
    NotFound(String),
    /// A manifest that cannot be parsed.
    #[error("{what} is not a valid manifest")]
    InvalidManifest {
        /// The manifest: a digest, or a file.
        what: String,
        /// Why.
        source: oras_oci::manifest::ManifestError,
    },
    /// A manifest larger than the limit.
    #[error("manifest {digest} of {size} bytes exceeds the limit of {limit} bytes")]
    ManifestTooLarge {
        /// The manifest.
        digest: oras_oci::Digest,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// A platform was asked of a manifest that is not an index.
    #[error("{0} is not an index: there is no platform to choose")]
    NotAnIndex(oras_oci::Digest),
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
    /// Two files to push have the same title.
    #[error("{0:?} is given twice")]
    DuplicateTitle(String),
    /// A file a pull would write exists, and old files are kept.
    #[error("{} exists and old files are kept", .0.display())]
    Exists(PathBuf),
    /// Something to push that is neither a file, a directory nor a symbolic link.
    #[error("{}: only files, directories and symbolic links can be pushed", .0.display())]
    NotPushable(PathBuf),
    /// An annotation whose value cannot be used.
    #[error("annotation {name} of {digest} is invalid: {value:?}")]
    InvalidAnnotation {
        /// The annotation.
        name: &'static str,
        /// The descriptor carrying it.
        digest: oras_oci::Digest,
        /// Its value (cut to 256 bytes).
        value: String,
    },
    /// A directory that is not an OCI image layout, or one this crate cannot read.
    #[error("{}: {reason}", path.display())]
    InvalidLayout {
        /// The layout, or the file in it.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// An annotation file that is not a map of names to string maps.
    #[error("{}: annotation file must map names to string maps", path.display())]
    AnnotationFile {
        /// The file.
        path: PathBuf,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// Text that is neither a tag nor a digest.
    #[error(transparent)]
    Reference(#[from] oras_oci::ManifestRefError),
    /// A thread doing file work (hashing, writing, unpacking) panicked or was cancelled.
    #[error("a file task failed")]
    Task(#[from] tokio::task::JoinError),
    /// A stream from a target failed.
    #[error("reading content failed")]
    Stream(#[source] oras_distribution::BoxError),
    /// The operation was cancelled while a thread was still working for it.
    #[error("the operation was cancelled")]
    Cancelled,
    /// A copy failed reading the source or writing the destination.
    #[error(
        "copying {} {} failed at the {side}",
        descriptor.media_type,
        descriptor.digest
    )]
    Copy {
        /// Which side failed.
        side: Side,
        /// What was being copied.
        descriptor: Box<Descriptor>,
        /// What went wrong there.
        source: Box<Error>,
    },
}

/// The side of a copy that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Side {
    /// Reading from the source.
    Source,
    /// Writing to the destination.
    Destination,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Source => "source",
            Self::Destination => "destination",
        })
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// The error under any [`Copy`](Self::Copy) wrappers: what actually went wrong.
    pub fn cause(&self) -> &Self {
        match self {
            Self::Copy { source, .. } => source.cause(),
            other => other,
        }
    }

    /// Whether trying again may succeed: a registry error that says so, or a source
    /// stream that broke.
    pub fn is_retryable(&self) -> bool {
        match self.cause() {
            Self::Registry(e) => e.is_retryable(),
            Self::Stream(_) => true,
            _ => false,
        }
    }

    /// Whether the content or reference does not exist.
    pub fn is_not_found(&self) -> bool {
        match self.cause() {
            Self::NotFound(_) => true,
            Self::Registry(e) => e.is_not_found(),
            _ => false,
        }
    }

    /// The registry's error, if a registry operation failed.
    pub fn registry(&self) -> Option<&oras_distribution::Error> {
        match self.cause() {
            Self::Registry(e) => Some(e),
            _ => None,
        }
    }

    /// This error as the failure of one side of copying `descriptor`.
    pub(crate) fn at(self, side: Side, descriptor: &Descriptor) -> Self {
        if matches!(self, Self::Copy { .. }) {
            return self;
        }
        Self::Copy {
            side,
            descriptor: Box::new(descriptor.clone()),
            source: Box::new(self),
        }
    }
}

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

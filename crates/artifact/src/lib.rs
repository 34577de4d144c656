//! Push, pull, copy, attach and discover OCI artifacts: files and directories stored in
//! registries, OCI image layouts on disk, or memory.
//!
//! The principal pieces:
//!
//! - [`content`]: where artifacts live, as small capabilities grouped into a
//!   [`ReadOnlyTarget`] and a [`Target`], with optional abilities (mounts, upload sessions
//!   that take the digest at the commit, verifying fetches). [`Remote`] (a registry
//!   repository), [`OciLayout`] (a layout directory, read and write), [`OciLayoutTar`] (a
//!   layout packed as `.tar`, read-only) and [`MemoryStore`] implement them.
//! - [`push`] and [`pull`]: files and directories as an artifact, the way the `oras` CLI
//!   stores them (titles, tar+gzip directories), every byte verified, the output directory
//!   untouched unless the whole pull succeeded.
//! - [`copy`]: a whole graph between any two targets; [`attach`] and [`discover`]:
//!   artifacts that refer to others.
//! - [`progress::Observer`]: per-descriptor events for progress bars and metrics.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use oras_artifact::{FileSpec, OciLayout, PullOptions, PushOptions, pull, push};
//!
//! let work = std::env::temp_dir().join(format!("oras-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&work)?;
//! std::fs::write(work.join("hello.txt"), "hello world")?;
//! let layout = OciLayout::open(work.join("layout"))?;
//!
//! let mut opts = PushOptions::default();
//! opts.artifact_type = Some("application/vnd.example.greeting".into());
//! opts.tags = vec!["v1".into()];
//! push(&layout, &[FileSpec::named(work.join("hello.txt"), "hello.txt")], &opts).await?;
//!
//! let pulled = pull(&layout, "v1", &work.join("out"), &PullOptions::default()).await?;
//! assert_eq!(std::fs::read_to_string(&pulled.files[0].path)?, "hello world");
//! # std::fs::remove_dir_all(&work)?;
//! # Ok(()) }
//! ```
//!
//! One dependency is enough: the lower crates are re-exported as
//! [`reference`](mod@reference), [`oci`], [`auth`] and [`distribution`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod archive;
mod blobs;
pub mod content;
mod copy;
mod error;
mod manifests;
mod overlap;
mod platform;
pub mod prelude;
pub mod progress;
mod pull;
mod push;
mod referrers;
mod staging;
mod stream;

pub use archive::UnpackLimits;
pub use blobs::{describe_file, fetch_to_writer, hash_and_push_file, push_file, push_stream};
pub use content::cache::Cached;
pub use content::layout::OciLayout;
pub use content::layout_tar::OciLayoutTar;
pub use content::memory::MemoryStore;
pub use content::remote::Remote;
pub use content::{
    ReadOnlyTarget, Target, fetch_blob, fetch_manifest, fetch_to_file, push_blob, push_manifest,
};
pub use copy::{CopyOptions, copy};
pub use error::{Error, Result, Side};
pub use manifests::{index_entry, index_entry_of, tag};
pub use platform::select_platform;
pub use pull::{PullOptions, Pulled, PulledFile, pull};
pub use push::{FileSpec, PushOptions, Pushed, push};
pub use referrers::{ReferrerTree, attach, discover, discover_from};
pub use stream::StreamWrap;

pub use oras_auth as auth;
pub use oras_distribution as distribution;
pub use oras_oci as oci;
pub use oras_reference as reference;

/// The guide's pages (`docs/guide/`), so `cargo test --doc` compiles their Rust snippets
/// and runs those that need no registry. Only built for doctests: the pages are outside
/// the published package.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../../docs/guide/getting-started.md")]
    struct GettingStarted;
    #[doc = include_str!("../../../docs/guide/authentication.md")]
    struct Authentication;
    #[doc = include_str!("../../../docs/guide/layouts.md")]
    struct Layouts;
    #[doc = include_str!("../../../docs/guide/copying.md")]
    struct Copying;
    #[doc = include_str!("../../../docs/guide/referrers.md")]
    struct Referrers;
    #[doc = include_str!("../../../docs/guide/platforms.md")]
    struct Platforms;
    #[doc = include_str!("../../../docs/guide/transport.md")]
    struct Transport;
    #[doc = include_str!("../../../docs/guide/targets.md")]
    struct Targets;
    #[doc = include_str!("../../../docs/guide/progress.md")]
    struct Progress;
    #[doc = include_str!("../../../docs/guide/errors.md")]
    struct Errors;
    #[doc = include_str!("../../../docs/guide/migration.md")]
    struct Migration;
}

/// Entry points for the fuzz targets; not part of the API.
#[doc(hidden)]
pub mod fuzzing {
    /// Unpacks a tar+gzip file into `dest` with the pull's rules and default limits.
    pub fn unpack(gz: &std::path::Path, dest: &std::path::Path) -> crate::Result<()> {
        crate::archive::unpack(gz, dest, None, crate::UnpackLimits::default(), None)
    }
}

/// The README's examples, compiled (and run unless marked otherwise) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

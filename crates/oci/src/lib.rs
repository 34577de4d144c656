//! OCI content types: digests, descriptors, manifests, indexes, platforms, and the rules
//! for packing and verifying them.
//!
//! The principal types:
//!
//! - [`Digest`] (`sha256:…`, validated) and [`Digester`] (streaming SHA-256/SHA-512, with a
//!   fast aws-lc-rs backend behind the `aws-lc-rs` feature).
//! - [`Descriptor`]: media type, digest and size of a piece of content, and [`Platform`].
//! - [`ManifestRef`]: what names a manifest in a repository, a tag or a digest (or a
//!   layout's reference name).
//! - [`ImageManifest`] and [`ImageIndex`]: the structured forms; [`Manifest`]: a manifest
//!   kept as the exact bytes it was read from, so its digest is always over those bytes.
//! - [`pack::pack_manifest`]: the image spec 1.0 and 1.1 packing rules ORAS uses.
//! - [`verify`]: size and digest checks while bytes stream, sync and async.
//! - [`time`]: RFC 3339 date-times, parsed and written.
//!
//! ```
//! use oras_oci::{Descriptor, Manifest, pack::{pack_manifest, Created, PackOptions}};
//!
//! // Pack a manifest for one file, as `oras push` does.
//! let file = b"hello world";
//! let mut layer = Descriptor::of("text/plain", file);
//! layer.set_annotation(oras_oci::annotations::TITLE, "hello.txt");
//! let mut opts = PackOptions::default();
//! opts.artifact_type = Some("application/vnd.example.greeting".into());
//! opts.layers = vec![layer];
//! opts.created = Created::Omit;
//! let packed = pack_manifest(opts)?;
//!
//! // Reading the bytes back gives the same manifest and digest.
//! let again = Manifest::parse(packed.manifest.bytes().clone(), Some(packed.manifest.media_type()))?;
//! assert_eq!(again.digest(), packed.manifest.digest());
//! assert_eq!(again.as_image().unwrap().layers[0].title(), Some("hello.txt"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Why not `oci-spec`'s types
//!
//! The `oci-spec` crate's image types drop unknown JSON fields on a round trip, build
//! through fallible builders, and close some enums. A registry client must keep what it
//! does not understand and never re-serialise a manifest under an old digest, so this crate
//! has its own small types with public fields, an `extra` map for unknown fields, and a
//! [`Manifest`] that keeps bytes. With the `oci-spec` feature, [`Descriptor`],
//! [`ImageManifest`], [`ImageIndex`] and [`Platform`] convert to and from `oci-spec`'s
//! types (`TryFrom`, through their shared JSON form).
//!
//! # Features
//!
//! - `aws-lc-rs`: hash with aws-lc-rs (about twice as fast as `sha2` on CPUs without SHA
//!   extensions). [`Digester::new`] uses the fastest backend compiled in.
//! - `oci-spec`: conversions to and from the `oci-spec` crate.
//!
//! Most users want the higher-level `oras-artifact` crate, which re-exports this one.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod annotations;
mod descriptor;
mod digest;
pub mod manifest;
mod manifest_ref;
pub mod media_type;
#[cfg(feature = "oci-spec")]
mod oci_spec_compat;
pub mod pack;
pub mod platform;
pub mod time;
pub mod verify;

#[cfg(test)]
mod tests;

pub use descriptor::{Descriptor, EMPTY_JSON, Extra};
pub use digest::{Algorithm, Backend, BackendUnavailable, Digest, DigestError, Digester};
pub use manifest::{ImageIndex, ImageManifest, Manifest};
pub use manifest_ref::{IntoManifestRef, ManifestRef, ManifestRefError};
#[cfg(feature = "oci-spec")]
pub use oci_spec_compat::OciSpecError;
pub use platform::Platform;

/// Untrusted text quoted in an error, cut so a hostile megabyte does not become a
/// megabyte-long message.
fn truncated(s: &str) -> String {
    const MAX: usize = 256;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// The README's examples, compiled (and run unless marked otherwise) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

//! Packing an artifact's blobs into a manifest, by the rules of image spec 1.0 or 1.1 as
//! ORAS applies them.
//!
//! Image spec 1.1 (the default):
//! - the manifest has an `artifactType`; it is required when the config is empty or absent;
//! - without a config, the config is the [empty descriptor](Descriptor::empty);
//! - without layers, the single layer is the empty descriptor (a manifest needs one).
//!
//! Image spec 1.0 (for registries that reject 1.1 fields):
//! - no `artifactType` field and no `subject`; the artifact type becomes the media type of
//!   a config blob `{}` (default `application/vnd.unknown.config.v1+json`);
//! - no layers is an empty list.
//!
//! Both add `org.opencontainers.image.created` (RFC 3339, UTC, seconds) unless the
//! annotations have it (then it must be valid RFC 3339) or [`Created::Omit`] asks for
//! reproducible output. The JSON is deterministic: equal inputs give equal bytes.

use std::collections::BTreeMap;
use std::time::SystemTime;

use bytes::Bytes;

use crate::descriptor::EMPTY_JSON;
use crate::time::{format_rfc3339, is_rfc3339};
use crate::{Descriptor, ImageManifest, Manifest, annotations, media_type};

/// Which image spec's rules to pack by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PackVersion {
    /// Image spec 1.0.
    V1_0,
    /// Image spec 1.1 (default).
    #[default]
    V1_1,
}

/// Where the `org.opencontainers.image.created` annotation comes from when the annotations
/// do not already have it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Created {
    /// The current time (default, as the `oras` CLI does).
    #[default]
    Now,
    /// A given time.
    At(SystemTime),
    /// No annotation: the same inputs always give the same manifest digest.
    Omit,
}

/// What to pack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PackOptions {
    /// Which rules to apply.
    pub version: PackVersion,
    /// The artifact type.
    pub artifact_type: Option<String>,
    /// The config blob, already pushed. `None` packs an empty config.
    pub config: Option<Descriptor>,
    /// Annotations of a config blob generated for image spec 1.0.
    pub config_annotations: Option<BTreeMap<String, String>>,
    /// The layers, already pushed.
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (image spec 1.1 only).
    pub subject: Option<Descriptor>,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// Where the creation time comes from.
    pub created: Created,
}

/// A packed manifest, with the blobs the packer made up (an empty config or layer) that
/// must be pushed before it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Packed {
    /// The manifest.
    pub manifest: Manifest,
    /// Generated blobs and their descriptors (each listed once).
    pub blobs: Vec<(Descriptor, Bytes)>,
}

/// Packs a manifest.
///
/// ```
/// use oras_oci::pack::{pack_manifest, Created, PackOptions};
/// use oras_oci::Descriptor;
///
/// let mut opts = PackOptions::default();
/// opts.artifact_type = Some("application/vnd.example+type".into());
/// opts.layers = vec![Descriptor::of("text/plain", b"hello")];
/// opts.created = Created::Omit;
/// let packed = pack_manifest(opts)?;
/// let m = packed.manifest.as_image().unwrap();
/// assert_eq!(m.config, Descriptor::empty());
/// assert_eq!(packed.blobs.len(), 1); // the empty config blob `{}`
/// # Ok::<(), oras_oci::pack::PackError>(())
/// ```
pub fn pack_manifest(opts: PackOptions) -> Result<Packed, PackError> {
    if let Some(t) = &opts.artifact_type {
        check_media_type("artifact type", t)?;
    }
    if let Some(c) = &opts.config {
        check_media_type("config media type", &c.media_type)?;
    }
    let annotations = with_created(opts.annotations, opts.created)?;
    let annotations = (!annotations.is_empty()).then_some(annotations);
    let mut blobs = Vec::new();
    let manifest = match opts.version {
        PackVersion::V1_1 => {
            let config_is_empty = opts
                .config
                .as_ref()
                .is_none_or(|c| c.media_type == media_type::OCI_EMPTY);
            if opts.artifact_type.is_none() && config_is_empty {
                return Err(PackError::MissingArtifactType);
            }
            let config = opts.config.unwrap_or_else(|| {
                blobs.push((Descriptor::empty(), Bytes::from_static(EMPTY_JSON)));
                Descriptor::empty()
            });
            let mut layers = opts.layers;
            if layers.is_empty() {
                if blobs.is_empty() {
                    blobs.push((Descriptor::empty(), Bytes::from_static(EMPTY_JSON)));
                }
                layers.push(Descriptor::empty());
            }
            let mut m = ImageManifest::new(config, layers);
            m.artifact_type = opts.artifact_type;
            m.subject = opts.subject;
            m.annotations = annotations;
            m
        }
        PackVersion::V1_0 => {
            if opts.subject.is_some() {
                return Err(PackError::Unsupported("a subject needs image spec 1.1"));
            }
            let config = match (opts.config, opts.artifact_type) {
                (Some(_), Some(_)) => {
                    return Err(PackError::Unsupported(
                        "image spec 1.0 carries the artifact type as the config media type, so it cannot be set with a config",
                    ));
                }
                (Some(c), None) => c,
                (None, artifact_type) => {
                    let mut c = Descriptor::of(
                        artifact_type.unwrap_or_else(|| media_type::ORAS_UNKNOWN_CONFIG.to_owned()),
                        EMPTY_JSON,
                    );
                    c.annotations = opts.config_annotations;
                    blobs.push((c.clone(), Bytes::from_static(EMPTY_JSON)));
                    c
                }
            };
            let mut m = ImageManifest::new(config, opts.layers);
            m.annotations = annotations;
            m
        }
    };
    Ok(Packed {
        manifest: Manifest::from_image(manifest),
        blobs,
    })
}

fn check_media_type(what: &'static str, value: &str) -> Result<(), PackError> {
    if media_type::is_valid(value) {
        Ok(())
    } else {
        Err(PackError::InvalidMediaType {
            what,
            value: crate::truncated(value),
        })
    }
}

fn with_created(
    mut annotations: BTreeMap<String, String>,
    created: Created,
) -> Result<BTreeMap<String, String>, PackError> {
    if let Some(v) = annotations.get(annotations::CREATED) {
        if !is_rfc3339(v) {
            return Err(PackError::InvalidCreated(crate::truncated(v)));
        }
        return Ok(annotations);
    }
    let at = match created {
        Created::Now => SystemTime::now(),
        Created::At(t) => t,
        Created::Omit => return Ok(annotations),
    };
    annotations.insert(annotations::CREATED.to_owned(), format_rfc3339(at));
    Ok(annotations)
}

/// A manifest that cannot be packed as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// Image spec 1.1 needs an artifact type when the config is empty.
    #[error(
        "an artifact type is required when packing an image spec 1.1 manifest without a config"
    )]
    MissingArtifactType,
    /// A media type or artifact type is not `type/subtype`.
    #[error("invalid {what} {value:?}: expected type/subtype as in RFC 6838")]
    InvalidMediaType {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// The `org.opencontainers.image.created` annotation is not RFC 3339.
    #[error(
        "invalid org.opencontainers.image.created annotation {0:?}: expected an RFC 3339 date-time such as 2024-01-31T12:00:00Z"
    )]
    InvalidCreated(String),
    /// The chosen image spec version cannot express what was asked.
    #[error("cannot pack: {0}")]
    Unsupported(&'static str),
}

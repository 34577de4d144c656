//! Image manifests, image indexes, and [`Manifest`]: a manifest kept as the exact bytes it
//! was read from.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::descriptor::Extra;
use crate::{Descriptor, Digest, media_type};

/// The size limit applied to manifests unless told otherwise: 4 MiB, what registries must
/// accept and what the `oras` CLI allows.
pub const DEFAULT_MANIFEST_SIZE_LIMIT: usize = 4 * 1024 * 1024;

fn schema_version_2() -> u32 {
    2
}

/// An OCI image manifest (also read from Docker v2 schema 2 manifests, which share the
/// structure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ImageManifest {
    /// Always 2.
    #[serde(default = "schema_version_2")]
    pub schema_version: u32,
    /// The manifest's own media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The type of artifact, when the manifest is not a container image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The configuration blob.
    pub config: Descriptor,
    /// The layers, in order.
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (signatures, SBOMs, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Fields not known to this crate, preserved.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ImageManifest {
    /// An OCI image manifest with a config and layers.
    pub fn new(config: Descriptor, layers: Vec<Descriptor>) -> Self {
        Self {
            schema_version: 2,
            media_type: Some(media_type::OCI_MANIFEST.to_owned()),
            artifact_type: None,
            config,
            layers,
            subject: None,
            annotations: None,
            extra: Extra::new(),
        }
    }

    /// Deterministic compact JSON: fields in the spec's order, maps sorted.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest of strings and numbers always serialises")
    }
}

/// An OCI image index (also read from Docker manifest lists).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ImageIndex {
    /// Always 2.
    #[serde(default = "schema_version_2")]
    pub schema_version: u32,
    /// The index's own media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The type of artifact, when the index is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The manifests, usually one per platform.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// The manifest this one refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Fields not known to this crate, preserved.
    #[serde(flatten)]
    pub extra: Extra,
}

impl ImageIndex {
    /// An OCI image index listing `manifests`.
    pub fn new(manifests: Vec<Descriptor>) -> Self {
        Self {
            schema_version: 2,
            media_type: Some(media_type::OCI_INDEX.to_owned()),
            artifact_type: None,
            manifests,
            subject: None,
            annotations: None,
            extra: Extra::new(),
        }
    }

    /// Deterministic compact JSON: fields in the spec's order, maps sorted.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an index of strings and numbers always serialises")
    }
}

/// What a [`Manifest`]'s bytes hold.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "a manifest is read once and held; boxing would cost a pointer chase on every access for no gain"
)]
pub enum Content {
    /// An image manifest (OCI or Docker v2 schema 2).
    Image(ImageManifest),
    /// An index (OCI image index or Docker manifest list).
    Index(ImageIndex),
    /// A media type this crate does not parse; the bytes are kept as they are.
    Other,
}

/// A manifest as bytes, its media type and digest, and the parsed content.
///
/// The bytes are never re-serialised: [`Manifest::digest`] is over exactly the bytes that
/// were read, and [`Manifest::bytes`] returns them for pushing elsewhere. Unknown fields
/// and unknown media types are kept, not rejected.
///
/// ```
/// use oras_oci::{Manifest, media_type};
/// let bytes = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"x-unknown":1}"#;
/// let m = Manifest::parse(&bytes[..], Some(media_type::OCI_INDEX))?;
/// assert!(m.as_index().is_some());
/// assert_eq!(m.bytes().as_ref(), &bytes[..]);
/// assert_eq!(m.digest(), &oras_oci::Digest::sha256(bytes));
/// # Ok::<(), oras_oci::manifest::ManifestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    bytes: Bytes,
    digest: Digest,
    media_type: String,
    content: Content,
}

/// Just enough of a manifest to tell what it is.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    manifests: Option<serde::de::IgnoredAny>,
    config: Option<serde::de::IgnoredAny>,
}

impl Manifest {
    /// Reads a manifest with the default size limit ([`DEFAULT_MANIFEST_SIZE_LIMIT`]).
    ///
    /// `content_type` is what the registry said (`Content-Type`), parameters ignored. The
    /// media type is the manifest's `mediaType` field; when both are present they must
    /// agree. Without either, the structure decides (`manifests` = index, `config` =
    /// image manifest).
    pub fn parse(
        bytes: impl Into<Bytes>,
        content_type: Option<&str>,
    ) -> Result<Self, ManifestError> {
        Self::parse_with_limit(bytes, content_type, DEFAULT_MANIFEST_SIZE_LIMIT)
    }

    /// Reads a manifest of at most `limit` bytes.
    pub fn parse_with_limit(
        bytes: impl Into<Bytes>,
        content_type: Option<&str>,
        limit: usize,
    ) -> Result<Self, ManifestError> {
        let bytes = bytes.into();
        if bytes.len() > limit {
            return Err(ManifestError::TooLarge {
                size: bytes.len() as u64,
                limit,
            });
        }
        let content_type = content_type
            .map(media_type::essence)
            .filter(|c| !c.is_empty());
        let probe: Option<Probe> = serde_json::from_slice(&bytes).ok();
        let field = probe.as_ref().and_then(|p| p.media_type.as_deref());
        let media_type = match (field, content_type) {
            (Some(f), Some(c)) if f != c => {
                return Err(ManifestError::MediaTypeMismatch {
                    content_type: c.to_owned(),
                    field: crate::truncated(f),
                });
            }
            (Some(f), _) => f.to_owned(),
            (None, Some(c)) => c.to_owned(),
            (None, None) => match &probe {
                Some(p) if p.manifests.is_some() => media_type::OCI_INDEX.to_owned(),
                Some(p) if p.config.is_some() => media_type::OCI_MANIFEST.to_owned(),
                _ => return Err(ManifestError::UnknownMediaType),
            },
        };
        let invalid = |source| ManifestError::Invalid {
            media_type: media_type.clone(),
            source,
        };
        let content = if media_type::is_image_manifest(&media_type) {
            let m: ImageManifest = serde_json::from_slice(&bytes).map_err(invalid)?;
            check_schema_version(m.schema_version)?;
            Content::Image(m)
        } else if media_type::is_index(&media_type) {
            let i: ImageIndex = serde_json::from_slice(&bytes).map_err(invalid)?;
            check_schema_version(i.schema_version)?;
            Content::Index(i)
        } else {
            Content::Other
        };
        Ok(Self {
            digest: Digest::sha256(&bytes),
            bytes,
            media_type,
            content,
        })
    }

    /// Serialises an image manifest (deterministic JSON) and keeps those bytes.
    pub fn from_image(m: ImageManifest) -> Self {
        let bytes = Bytes::from(m.to_json());
        Self {
            digest: Digest::sha256(&bytes),
            bytes,
            media_type: m
                .media_type
                .clone()
                .unwrap_or_else(|| media_type::OCI_MANIFEST.to_owned()),
            content: Content::Image(m),
        }
    }

    /// Serialises an image index (deterministic JSON) and keeps those bytes.
    pub fn from_index(i: ImageIndex) -> Self {
        let bytes = Bytes::from(i.to_json());
        Self {
            digest: Digest::sha256(&bytes),
            bytes,
            media_type: i
                .media_type
                .clone()
                .unwrap_or_else(|| media_type::OCI_INDEX.to_owned()),
            content: Content::Index(i),
        }
    }

    /// The exact bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The SHA-256 digest of the bytes.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The media type.
    pub fn media_type(&self) -> &str {
        &self.media_type
    }

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// The parsed content.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// The image manifest, if this is one.
    pub fn as_image(&self) -> Option<&ImageManifest> {
        match &self.content {
            Content::Image(m) => Some(m),
            _ => None,
        }
    }

    /// The index, if this is one.
    pub fn as_index(&self) -> Option<&ImageIndex> {
        match &self.content {
            Content::Index(i) => Some(i),
            _ => None,
        }
    }

    /// The manifest this one refers to, if any.
    pub fn subject(&self) -> Option<&Descriptor> {
        match &self.content {
            Content::Image(m) => m.subject.as_ref(),
            Content::Index(i) => i.subject.as_ref(),
            Content::Other => None,
        }
    }

    /// The manifest's annotations, if any.
    pub fn annotations(&self) -> Option<&BTreeMap<String, String>> {
        match &self.content {
            Content::Image(m) => m.annotations.as_ref(),
            Content::Index(i) => i.annotations.as_ref(),
            Content::Other => None,
        }
    }

    /// The artifact type as the referrers API reports it: the `artifactType` field, else
    /// (for an image manifest) the config's media type.
    pub fn artifact_type(&self) -> Option<&str> {
        match &self.content {
            Content::Image(m) => Some(m.artifact_type.as_deref().unwrap_or(&m.config.media_type)),
            Content::Index(i) => i.artifact_type.as_deref(),
            Content::Other => None,
        }
    }

    /// A descriptor of these bytes: media type, digest, size.
    pub fn descriptor(&self) -> Descriptor {
        Descriptor::new(self.media_type.clone(), self.digest.clone(), self.size())
    }

    /// The descriptor that goes into a referrers index: the plain descriptor plus the
    /// [artifact type](Self::artifact_type) and the manifest's annotations.
    pub fn referrer_descriptor(&self) -> Descriptor {
        let mut d = self.descriptor();
        d.artifact_type = self.artifact_type().map(str::to_owned);
        d.annotations = self.annotations().cloned();
        d
    }

    /// The descriptors this manifest points to, in the order a copy visits them: the
    /// subject, then the config and layers of an image manifest or the manifests of an index.
    pub fn successors(&self) -> Vec<&Descriptor> {
        let mut out: Vec<&Descriptor> = self.subject().into_iter().collect();
        match &self.content {
            Content::Image(m) => {
                out.push(&m.config);
                out.extend(&m.layers);
            }
            Content::Index(i) => out.extend(&i.manifests),
            Content::Other => {}
        }
        out
    }
}

fn check_schema_version(v: u32) -> Result<(), ManifestError> {
    if v == 2 {
        Ok(())
    } else {
        Err(ManifestError::SchemaVersion(v))
    }
}

/// A manifest that could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// The manifest is larger than the limit.
    #[error("manifest of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// `Content-Type` and the `mediaType` field disagree.
    #[error("manifest media type {field:?} does not match the Content-Type {content_type:?}")]
    MediaTypeMismatch {
        /// What `Content-Type` said.
        content_type: String,
        /// What the `mediaType` field said.
        field: String,
    },
    /// Neither a `mediaType` field, a `Content-Type`, nor the structure tell what it is.
    #[error(
        "cannot tell the manifest's media type: no mediaType field, no Content-Type, and neither `manifests` nor `config`"
    )]
    UnknownMediaType,
    /// The bytes are not a valid manifest of their media type.
    #[error("invalid manifest of type {media_type}")]
    Invalid {
        /// The media type it was read as.
        media_type: String,
        /// What serde_json found.
        source: serde_json::Error,
    },
    /// `schemaVersion` is not 2.
    #[error("unsupported manifest schemaVersion {0} (only 2 is defined)")]
    SchemaVersion(u32),
}

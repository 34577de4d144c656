//! Content descriptors.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::{Digest, Platform, media_type};

/// Fields a JSON object had that this crate does not know; kept so that nothing is lost
/// when a value is read and written again.
pub type Extra = BTreeMap<String, serde_json::Value>;

/// Describes a piece of content: media type, digest and size, with optional annotations,
/// platform, artifact type and embedded data.
///
/// Fields are public; build one with [`Descriptor::new`] and set what else applies.
/// Serialisation writes the fields in the image spec's order and the annotations sorted,
/// so equal values give equal bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Descriptor {
    /// Media type of the content.
    pub media_type: String,
    /// Digest of the content.
    pub digest: Digest,
    /// Size of the content in bytes (at most `i64::MAX`, as the spec's int64).
    #[serde(deserialize_with = "deserialize_size")]
    pub size: u64,
    /// Places the content may also be fetched from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    /// Arbitrary metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// The content itself, base64-encoded, for small content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The platform a manifest in an index is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The artifact type of the manifest this descriptor points to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// Fields not known to this crate, preserved.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Descriptor {
    /// A descriptor with only the required fields.
    pub fn new(media_type: impl Into<String>, digest: Digest, size: u64) -> Self {
        Self {
            media_type: media_type.into(),
            digest,
            size,
            urls: None,
            annotations: None,
            data: None,
            platform: None,
            artifact_type: None,
            extra: Extra::new(),
        }
    }

    /// A descriptor of `data` (SHA-256).
    pub fn of(media_type: impl Into<String>, data: &[u8]) -> Self {
        Self::new(media_type, Digest::sha256(data), data.len() as u64)
    }

    /// The empty descriptor: `application/vnd.oci.empty.v1+json` for the two bytes `{}`, with
    /// the bytes embedded as `data`, as the image spec defines it.
    pub fn empty() -> Self {
        let mut d = Self::of(media_type::OCI_EMPTY, EMPTY_JSON);
        d.data = Some("e30=".to_owned());
        d
    }

    /// The value of an annotation.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The file name given by the `org.opencontainers.image.title` annotation.
    pub fn title(&self) -> Option<&str> {
        self.annotation(crate::annotations::TITLE)
    }

    /// Sets an annotation.
    pub fn set_annotation(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(key.into(), value.into());
    }
}

/// The content of the empty descriptor: `{}`.
pub const EMPTY_JSON: &[u8] = b"{}";

/// Sizes are int64 in the spec: negative values and values past `i64::MAX` are refused
/// with a message that says so.
fn deserialize_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = u64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a size in bytes between 0 and 2^63-1")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::custom(format!("descriptor size {v} is negative")))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u64, E> {
            if i64::try_from(v).is_ok() {
                Ok(v)
            } else {
                Err(E::custom(format!(
                    "descriptor size {v} is larger than 2^63-1"
                )))
            }
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u64, E> {
            Err(E::custom(format!(
                "descriptor size {v} is not a whole number"
            )))
        }
    }
    d.deserialize_any(V)
}

//! The JSON (and template data) of each command's result, field for field the Go CLI's
//! schemas (`docs/guide/cli-formats.md`).

use std::collections::BTreeMap;

use oras_artifact::oci::Descriptor;
use serde::Serialize;

/// A descriptor and the `name@digest` reference that reaches it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Desc {
    pub(crate) reference: String,
    #[serde(rename = "mediaType")]
    pub(crate) media_type: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) annotations: Option<BTreeMap<String, String>>,
    #[serde(rename = "artifactType", skip_serializing_if = "Option::is_none")]
    pub(crate) artifact_type: Option<String>,
}

impl Desc {
    /// `d`, reached as `name@digest`.
    pub(crate) fn new(name: &str, d: &Descriptor) -> Self {
        Self {
            reference: format!("{name}@{}", d.digest),
            media_type: d.media_type.clone(),
            digest: d.digest.to_string(),
            size: d.size,
            annotations: d.annotations.clone().filter(|a| !a.is_empty()),
            artifact_type: d.artifact_type.clone().filter(|t| !t.is_empty()),
        }
    }
}

/// `push`: the manifest and the references of its tags (`null` when untagged).
#[derive(Serialize)]
pub(crate) struct Push {
    #[serde(flatten)]
    pub(crate) desc: Desc,
    #[serde(rename = "referenceAsTags")]
    pub(crate) reference_as_tags: Option<Vec<String>>,
}

/// One file a pull wrote.
#[derive(Serialize)]
pub(crate) struct File {
    /// Absolute; a directory ends with `/`.
    pub(crate) path: String,
    #[serde(flatten)]
    pub(crate) desc: Desc,
}

/// `pull`: the manifest pulled and the files written (`null` when none).
#[derive(Serialize)]
pub(crate) struct Pull {
    pub(crate) reference: String,
    pub(crate) files: Option<Vec<File>>,
}

/// `discover`: a manifest and, recursively, its referrers.
#[derive(Serialize)]
pub(crate) struct Node {
    #[serde(flatten)]
    pub(crate) desc: Desc,
    pub(crate) referrers: Vec<Node>,
}

/// `manifest fetch --format json`: the descriptor and the manifest as a JSON value.
#[derive(Serialize)]
pub(crate) struct Fetched {
    #[serde(flatten)]
    pub(crate) desc: Desc,
    pub(crate) content: serde_json::Value,
}

/// `repo ls`.
#[derive(Serialize)]
pub(crate) struct Repositories {
    pub(crate) registry: String,
    pub(crate) repositories: Vec<String>,
}

/// `repo tags`.
#[derive(Serialize)]
pub(crate) struct Tags {
    pub(crate) tags: Vec<String>,
}

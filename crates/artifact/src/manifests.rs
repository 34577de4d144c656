//! Manifests by reference: tagging one, and describing one for an index.

use oras_oci::{Descriptor, IntoManifestRef, Manifest, Platform};

use crate::Result;
use crate::content::{ReadOnlyTarget, Target, fetch_blob, fetch_manifest};

/// Points `tag` at what `reference` names.
pub async fn tag(
    target: &dyn Target,
    reference: impl IntoManifestRef,
    tag: &str,
) -> Result<Descriptor> {
    let reference = reference.into_manifest_ref()?;
    let d = target.resolve(&reference).await?;
    target.tag(&d, tag).await?;
    Ok(d)
}

/// The descriptor of the manifest `reference` names, as an entry of an image index (as
/// `oras manifest index create` makes it): media type, digest and size; for an image
/// manifest the platform its config states (any config up to 4 MiB that has `os` or
/// `architecture`) and its artifact type; for an index its artifact type.
pub async fn index_entry(
    target: &dyn ReadOnlyTarget,
    reference: impl IntoManifestRef,
) -> Result<Descriptor> {
    let reference = reference.into_manifest_ref()?;
    let resolved = target.resolve(&reference).await?;
    let m = fetch_manifest(target, &resolved).await?;
    index_entry_of(target, &m).await
}

/// [`index_entry`] for a manifest already fetched from `target` (which has its config).
pub async fn index_entry_of(target: &dyn ReadOnlyTarget, m: &Manifest) -> Result<Descriptor> {
    let mut d = Descriptor::new(m.media_type(), m.digest().clone(), m.size());
    if let Some(image) = m.as_image() {
        if image.config.size <= CONFIG_LIMIT {
            let config = fetch_blob(target, &image.config).await?;
            d.platform = platform_of(&config);
        }
        d.artifact_type = image.artifact_type.clone();
    } else if let Some(index) = m.as_index() {
        d.artifact_type = index.artifact_type.clone();
    }
    Ok(d)
}

/// The platform an image config states: its `os`, `architecture`, `variant`,
/// `os.version` and `os.features` and nothing else of it (a config holds much more); none
/// when it names neither an OS nor an architecture.
fn platform_of(config: &[u8]) -> Option<Platform> {
    #[derive(serde::Deserialize)]
    struct Stated {
        #[serde(default)]
        os: String,
        #[serde(default)]
        architecture: String,
        #[serde(default)]
        variant: Option<String>,
        #[serde(default, rename = "os.version")]
        os_version: Option<String>,
        #[serde(default, rename = "os.features")]
        os_features: Option<Vec<String>>,
    }
    let s: Stated = serde_json::from_slice(config).ok()?;
    if s.os.is_empty() && s.architecture.is_empty() {
        return None;
    }
    let mut p = Platform::new(s.os, s.architecture);
    p.variant = s.variant;
    p.os_version = s.os_version;
    p.os_features = s.os_features;
    Some(p)
}

/// The largest config read for its platform.
const CONFIG_LIMIT: u64 = 4 << 20;

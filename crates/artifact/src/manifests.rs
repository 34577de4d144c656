//! Manifests by reference: tagging one, and describing one for an index.

use oras_oci::{Descriptor, IntoManifestRef, Platform, media_type};

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

/// The descriptor of the manifest `reference` names, as an entry of an image index: with
/// the platform its OCI image config states, and the artifact type its manifest states.
pub async fn index_entry(
    target: &dyn ReadOnlyTarget,
    reference: impl IntoManifestRef,
) -> Result<Descriptor> {
    let reference = reference.into_manifest_ref()?;
    let mut d = target.resolve(&reference).await?;
    let m = fetch_manifest(target, &d).await?;
    if let Some(image) = m.as_image() {
        if image.config.media_type == media_type::OCI_CONFIG {
            let config = fetch_blob(target, &image.config).await?;
            d.platform = serde_json::from_slice::<Platform>(&config).ok();
        }
        d.artifact_type = image.artifact_type.clone();
    }
    Ok(d)
}

//! Artifacts that refer to others: attach one, discover them.

use std::collections::HashSet;

use oras_distribution::BoxFuture;
use oras_oci::{Descriptor, IntoManifestRef};
use tracing::Instrument;

use crate::Result;
use crate::content::{ReadOnlyTarget, Target};
use crate::push::{PushOptions, Pushed, push};

/// Attaches files to `subject_ref` as a new artifact of `artifact_type` (pushed by digest,
/// untagged, with `subject` set).
pub async fn attach(
    target: &dyn Target,
    subject_ref: impl IntoManifestRef,
    files: &[crate::FileSpec],
    artifact_type: &str,
    options: &PushOptions,
) -> Result<Pushed> {
    let subject_ref = subject_ref.into_manifest_ref()?;
    let span = tracing::debug_span!("attach", subject = %subject_ref, artifact_type);
    async move {
        let subject = target.resolve(&subject_ref).await?;
        let mut options = options.clone();
        options.subject = Some(subject);
        options.artifact_type = Some(artifact_type.to_owned());
        options.tags.clear();
        push(target, files, &options).await
    }
    .instrument(span)
    .await
}

/// A manifest and the manifests that refer to it, recursively.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReferrerTree {
    /// The manifest.
    pub descriptor: Descriptor,
    /// Its referrers, each with theirs.
    pub referrers: Vec<ReferrerTree>,
}

/// The referrers of `reference`, `depth` levels deep (1: direct referrers only). A
/// manifest met again below itself (a cycle a hostile registry can make up) is listed but
/// not followed again.
pub async fn discover(
    target: &dyn ReadOnlyTarget,
    reference: impl IntoManifestRef,
    artifact_type: Option<&str>,
    depth: usize,
) -> Result<ReferrerTree> {
    let reference = reference.into_manifest_ref()?;
    let span = tracing::debug_span!("discover", reference = %reference, depth);
    async move {
        let root = target.resolve(&reference).await?;
        discover_node(target, root, artifact_type, depth, &mut HashSet::new()).await
    }
    .instrument(span)
    .await
}

/// The same from a descriptor already resolved (a platform's manifest in an index, say).
pub async fn discover_from(
    target: &dyn ReadOnlyTarget,
    root: &Descriptor,
    artifact_type: Option<&str>,
    depth: usize,
) -> Result<ReferrerTree> {
    let span = tracing::debug_span!("discover", digest = %root.digest, depth);
    discover_node(
        target,
        root.clone(),
        artifact_type,
        depth,
        &mut HashSet::new(),
    )
    .instrument(span)
    .await
}

fn discover_node<'a>(
    target: &'a dyn ReadOnlyTarget,
    desc: Descriptor,
    artifact_type: Option<&'a str>,
    depth: usize,
    visited: &'a mut HashSet<oras_oci::Digest>,
) -> BoxFuture<'a, Result<ReferrerTree>> {
    Box::pin(async move {
        let mut referrers = Vec::new();
        if depth > 0 && visited.insert(desc.digest.clone()) {
            for r in target.referrers(&desc, artifact_type).await? {
                referrers.push(discover_node(target, r, artifact_type, depth - 1, visited).await?);
            }
        }
        Ok(ReferrerTree {
            descriptor: desc,
            referrers,
        })
    })
}

//! Pull: the titled layers of an artifact written as files and directories, all or
//! nothing. The plan (which layers, where) is made and checked here before anything is
//! written; `staging.rs` downloads, verifies and unpacks into a staging directory inside
//! the output and moves the results into place only when all succeeded.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oras_oci::{Descriptor, IntoManifestRef, Manifest, Platform, media_type};
use tracing::Instrument;

use crate::archive::UnpackLimits;
use crate::content::{ReadOnlyTarget, fetch_manifest};
use crate::platform::select_platform;
use crate::progress::{Event, Observer, Progress};
use crate::push::title_is_safe;
use crate::staging::Staging;
use crate::{Error, Result};

/// How to pull.
#[derive(Clone)]
#[non_exhaustive]
pub struct PullOptions {
    /// For an index: the platform to pull (required when it lists several).
    pub platform: Option<Platform>,
    /// Layers downloaded at once (default 3, as `oras pull`).
    pub concurrency: usize,
    /// Refuse to replace existing files (`oras pull -k`).
    pub keep_old_files: bool,
    /// Allow titles that are absolute or leave the output directory.
    pub allow_path_traversal: bool,
    /// Only layers of these media types (all when empty).
    pub media_types: Vec<String>,
    /// Also write the config, when it has a title.
    pub include_config: bool,
    /// Write the config as this file (a path in the output directory, as a title is),
    /// when its media type is `config_media_type` or that is `None` (`oras pull
    /// --config PATH[:TYPE]`).
    pub config_title: Option<String>,
    /// The media type `config_title` applies to.
    pub config_media_type: Option<String>,
    /// Also pull the files of the subject, and of its subject, and so on.
    pub include_subject: bool,
    /// Also pull titled foreign and non-distributable layers
    /// ([`media_type::is_non_distributable`](oras_oci::media_type::is_non_distributable)),
    /// which registries do not hold; by default they are left out.
    pub include_non_distributable: bool,
    /// Bounds for unpacking directory layers.
    pub limits: UnpackLimits,
    /// Receives progress events.
    pub observer: Option<Arc<dyn Observer>>,
}

impl Default for PullOptions {
    fn default() -> Self {
        Self {
            platform: None,
            concurrency: 3,
            keep_old_files: false,
            allow_path_traversal: false,
            media_types: Vec::new(),
            include_config: false,
            config_title: None,
            config_media_type: None,
            include_subject: false,
            include_non_distributable: false,
            limits: UnpackLimits::default(),
            observer: None,
        }
    }
}

/// One file or directory a pull wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PulledFile {
    /// Where it was written.
    pub path: PathBuf,
    /// The layer it came from.
    pub descriptor: Descriptor,
}

/// What a pull wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pulled {
    /// The manifest pulled (the platform's, for an index).
    pub manifest: Descriptor,
    /// The files and directories written, in layer order.
    pub files: Vec<PulledFile>,
    /// The layers and config left out: without a title, of other media types than asked,
    /// or foreign (the empty config artifacts carry is not counted).
    pub skipped: Vec<Descriptor>,
}

/// Pulls an artifact into `out`: every titled layer is downloaded concurrently, verified,
/// and (directories) unpacked into a staging directory inside `out`; only when all of them
/// succeeded are they moved into place. On any failure `out` is left as it was.
pub async fn pull(
    target: &dyn ReadOnlyTarget,
    reference: impl IntoManifestRef,
    out: &Path,
    options: &PullOptions,
) -> Result<Pulled> {
    let reference = reference.into_manifest_ref()?;
    let span = tracing::debug_span!("pull", reference = %reference, out = %out.display());
    async move {
        let progress = Progress(options.observer.clone());
        let mut desc = target.resolve(&reference).await?;
        if media_type::is_index(&desc.media_type) {
            let index = fetch_manifest(target, &desc).await?;
            desc = select_platform(&index, options.platform.as_ref())?;
        }
        let mut manifest = fetched(target, &desc, &progress).await?;
        if manifest.as_index().is_some() {
            // The resolved media type said otherwise.
            desc = select_platform(&manifest, options.platform.as_ref())?;
            manifest = fetched(target, &desc, &progress).await?;
        }
        let mut manifests = vec![desc.clone()];
        let (layers, skipped) =
            wanted_layers(target, manifest, options, &progress, &mut manifests).await?;
        let plan = plan(layers, out, options).await?;
        let staging = Staging::create(out, &plan).await?;
        let files = staging.run(target, &plan, options, &progress).await?;
        // A manifest is done when everything under it is in place.
        for m in manifests.iter().rev() {
            progress.emit(Event::Finished(m));
        }
        Ok(Pulled {
            manifest: desc,
            files,
            skipped,
        })
    }
    .instrument(span)
    .await
}

/// A manifest the pull reads, reported as started.
async fn fetched(
    target: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    progress: &Progress,
) -> Result<Manifest> {
    progress.emit(Event::Queued(desc));
    progress.emit(Event::Started(desc));
    let r = fetch_manifest(target, desc).await;
    if let Err(e) = &r {
        progress.emit(Event::Failed(desc, &e.to_string()));
    }
    r
}

/// Every titled layer of the manifest (and of its subjects, if asked) of a wanted media
/// type, and the config when asked and titled; not foreign layers unless asked. What is
/// left out is reported and returned second, but for the empty config artifacts carry.
/// The subjects read are added to `manifests`.
async fn wanted_layers(
    target: &dyn ReadOnlyTarget,
    manifest: Manifest,
    options: &PullOptions,
    progress: &Progress,
    manifests: &mut Vec<Descriptor>,
) -> Result<(Vec<Descriptor>, Vec<Descriptor>)> {
    let mut wanted = Vec::new();
    let mut skipped = Vec::new();
    let mut current = Some(manifest);
    let mut seen = HashSet::new();
    while let Some(m) = current.take() {
        if !seen.insert(m.digest().clone()) {
            break;
        }
        if let Some(image) = m.as_image() {
            for d in &image.layers {
                let distributed = options.include_non_distributable
                    || !oras_oci::media_type::is_non_distributable(&d.media_type);
                if d.title().is_some()
                    && distributed
                    && (options.media_types.is_empty()
                        || options.media_types.contains(&d.media_type))
                {
                    wanted.push(d.clone());
                } else if !is_empty_json(d) {
                    progress.emit(Event::Excluded(d));
                    skipped.push(d.clone());
                }
            }
            let mut config = image.config.clone();
            if let Some(title) = &options.config_title
                && options
                    .config_media_type
                    .as_ref()
                    .is_none_or(|t| *t == config.media_type)
                && wanted.iter().all(|w| w.digest != config.digest)
            {
                config.set_annotation(oras_oci::annotations::TITLE, title.clone());
                wanted.push(config);
            } else if options.include_config && config.title().is_some() {
                wanted.push(config);
            } else if !is_empty_json_content(&config) {
                progress.emit(Event::Excluded(&config));
                skipped.push(config);
            }
        }
        if options.include_subject
            && let Some(subject) = m.subject()
        {
            manifests.push(subject.clone());
            current = Some(fetched(target, subject, progress).await?);
        }
    }
    Ok((wanted, skipped))
}

/// The empty JSON blob (`{}`) artifacts carry as their only layer.
fn is_empty_json(d: &Descriptor) -> bool {
    d.media_type == media_type::OCI_EMPTY && is_empty_json_content(d)
}

/// Content that is `{}`, whatever its media type (artifacts' configs often are).
fn is_empty_json_content(d: &Descriptor) -> bool {
    d.size == 2 && d.digest == oras_oci::Digest::sha256(b"{}")
}

/// Where each layer goes, every title checked before anything is written: titles are
/// unique, stay inside `out` unless allowed otherwise, and meet no existing file when old
/// files are kept.
async fn plan(
    layers: Vec<Descriptor>,
    out: &Path,
    options: &PullOptions,
) -> Result<Vec<(Descriptor, PathBuf)>> {
    let mut titles = HashSet::new();
    let mut plan = Vec::new();
    for d in layers {
        let title = d.title().expect("filtered on titles").to_owned();
        if !titles.insert(title.clone()) {
            return Err(Error::Unsafe {
                path: title,
                reason: "two layers have this title".into(),
            });
        }
        if !options.allow_path_traversal && !title_is_safe(&title) {
            return Err(Error::Unsafe {
                path: title,
                reason: "it would be written outside the output directory".into(),
            });
        }
        let dest = out.join(&title);
        if options.keep_old_files && tokio::fs::symlink_metadata(&dest).await.is_ok() {
            return Err(Error::Exists(dest));
        }
        plan.push((d, dest));
    }
    Ok(plan)
}

//! Push: files and directories as an artifact. Each becomes a layer titled by its path
//! (a directory as tar+gzip that a pull unpacks), hashed one at a time and uploaded as
//! soon as it is described, `concurrency` at a time; then the manifest, packed by the
//! image-spec rules, and its tags.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_util::future::join_all;
use oras_distribution::Body;
use oras_oci::pack::{Created, PackOptions, PackVersion, pack_manifest};
use oras_oci::{
    Algorithm, Descriptor, Digest, Digester, Manifest, Platform, annotations, media_type,
};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::archive::pack_dir;
use crate::content::{Resupply, Target};
use crate::overlap;
use crate::progress::{Event, Observer, Progress};
use crate::stream::{RemoveOnDrop, StreamWrap, file_body, remove_unlocked};
use crate::{Error, Result};

/// A file or directory to push, with an optional media type (`path[:media_type]` on the
/// command line).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FileSpec {
    /// The file or directory.
    pub path: PathBuf,
    /// The layer's title (the name it is pulled as). Default: the path as given.
    pub title: Option<String>,
    /// The layer's media type (default: `application/vnd.oci.image.layer.v1.tar` for files,
    /// `...tar+gzip` for directories).
    pub media_type: Option<String>,
}

impl FileSpec {
    /// A file with the default media type.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            title: None,
            media_type: None,
        }
    }

    /// A file pushed under another name than its path.
    pub fn named(path: impl Into<PathBuf>, title: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            title: Some(title.into()),
            media_type: None,
        }
    }

    /// The same, with a media type.
    pub fn with_media_type(mut self, media_type: impl Into<String>) -> Self {
        self.media_type = Some(media_type.into());
        self
    }

    pub(crate) fn title(&self) -> String {
        self.title.clone().unwrap_or_else(|| title_of(&self.path))
    }

    /// Parses `path[:media_type]`.
    pub fn parse(arg: &str) -> Self {
        match arg.rsplit_once(':') {
            Some((path, mt)) if media_type::is_valid(mt) => Self::new(path).with_media_type(mt),
            _ => Self::new(arg),
        }
    }
}

/// How to push.
#[derive(Clone)]
#[non_exhaustive]
pub struct PushOptions {
    /// The artifact type (required by image spec 1.1 when there is no config).
    pub artifact_type: Option<String>,
    /// A config file and its media type (default `application/vnd.oci.image.config.v1+json`).
    pub config: Option<FileSpec>,
    /// The platform the artifact is for, stored as its config (an image config holding
    /// only the platform, as `oras push --artifact-platform`), so an index can list it
    /// by platform. Ignored when `config` is given.
    pub platform: Option<Platform>,
    /// Manifest annotations.
    pub annotations: BTreeMap<String, String>,
    /// Annotations per layer, keyed by title.
    pub file_annotations: BTreeMap<String, BTreeMap<String, String>>,
    /// Annotations of the config.
    pub config_annotations: BTreeMap<String, String>,
    /// The manifest this artifact refers to.
    pub subject: Option<Descriptor>,
    /// Tags to point at the manifest.
    pub tags: Vec<String>,
    /// Image spec 1.1 (default) or 1.0 rules.
    pub version: PackVersion,
    /// The creation-time annotation.
    pub created: Created,
    /// Blobs uploaded at once (default 5, as `oras push`).
    pub concurrency: usize,
    /// Keep owners and times in directory archives.
    pub preserve_metadata: bool,
    /// Allow absolute titles and titles with `..`.
    pub disable_path_validation: bool,
    /// Receives progress events.
    pub observer: Option<Arc<dyn Observer>>,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self {
            artifact_type: None,
            config: None,
            platform: None,
            annotations: BTreeMap::new(),
            file_annotations: BTreeMap::new(),
            config_annotations: BTreeMap::new(),
            subject: None,
            tags: Vec::new(),
            version: PackVersion::default(),
            created: Created::default(),
            concurrency: 5,
            preserve_metadata: false,
            disable_path_validation: false,
            observer: None,
        }
    }
}

impl PushOptions {
    /// Reads annotations from a file in oras-py's and the `oras` CLI's format:
    /// `{"$manifest": {...}, "$config": {...}, "<title>": {...}}`.
    pub fn read_annotation_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let all: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_slice(&bytes)
            .map_err(|source| Error::AnnotationFile {
                path: path.to_owned(),
                source,
            })?;
        for (key, values) in all {
            match key.as_str() {
                "$manifest" => self.annotations.extend(values),
                "$config" => self.config_annotations.extend(values),
                _ => self.file_annotations.entry(key).or_default().extend(values),
            }
        }
        Ok(())
    }
}

/// What a push stored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pushed {
    /// The manifest.
    pub manifest: Descriptor,
    /// The layers, in order.
    pub layers: Vec<Descriptor>,
    /// The manifest as pushed, bytes and all (to save it, or read it without fetching).
    pub content: Manifest,
}

static TEMP: AtomicU64 = AtomicU64::new(0);

/// The prefix of the temporary archives directories are packed into, in the system's
/// temporary directory: `oras-push-dir-<pid>-<n>.tar.gz`, each locked while its push runs.
const ARCHIVE_PREFIX: &str = "oras-push-dir";

/// A name for a temporary file or directory, unique in this process and among processes.
pub(crate) fn temp_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        TEMP.fetch_add(1, Ordering::Relaxed)
    )
}

/// The title a path gets: as given, with `/` separators and no `./`.
fn title_of(path: &Path) -> String {
    path.components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a title stays inside the directory it is written to.
pub(crate) fn title_is_safe(title: &str) -> bool {
    let p = Path::new(title);
    !title.is_empty()
        && !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && !title.contains('\\')
}

/// Pushes files and directories as an artifact: each becomes a layer titled by its path
/// (directories as tar+gzip that `oras pull` unpacks), uploaded concurrently unless the
/// target has it; then the manifest, tagged with every tag.
pub async fn push(
    target: &dyn Target,
    files: &[FileSpec],
    options: &PushOptions,
) -> Result<Pushed> {
    let span = tracing::debug_span!("push", files = files.len());
    async move {
        check_titles(files, options)?;
        if files.iter().any(|f| f.path.is_dir()) {
            // Archives of pushes killed before they could remove theirs.
            let tmp = std::env::temp_dir();
            tokio::task::spawn_blocking(move || remove_unlocked(&tmp, ARCHIVE_PREFIX)).await?;
        }
        let progress = Progress(options.observer.clone());
        // Temporary archives go when this future ends, however it ends.
        let temps = std::sync::Mutex::new(Vec::new());
        let layers = upload_layers(target, files, options, &progress, &temps).await?;
        let config = upload_config(target, options, &progress).await?;
        let platform_config = match (&config, &options.platform) {
            (None, Some(p)) => Some(platform_config(p, options)),
            _ => None,
        };
        let mut pack = PackOptions::default();
        pack.version = options.version;
        pack.artifact_type = options.artifact_type.clone();
        pack.config = config
            .as_ref()
            .map(|(d, _)| d.clone())
            .or_else(|| platform_config.as_ref().map(|(d, _)| d.clone()));
        pack.config_annotations =
            (!options.config_annotations.is_empty()).then(|| options.config_annotations.clone());
        pack.layers = layers.iter().map(|(d, _)| d.clone()).collect();
        pack.subject = options.subject.clone();
        pack.annotations = options.annotations.clone();
        pack.created = options.created;
        let packed = pack_manifest(pack)?;
        let generated: Vec<(Descriptor, Bytes)> =
            platform_config.into_iter().chain(packed.blobs).collect();
        // Generated blobs are a couple of bytes: uploading them outright is cheaper than
        // asking, and does not trust a "yes" from a registry still committing someone
        // else's upload.
        for (d, bytes) in &generated {
            progress.emit(Event::Queued(d));
            progress.emit(Event::Started(d));
            let r = target.push(d, Body::from_bytes(bytes.clone())).await;
            report(&progress, d, &r);
            r?;
        }
        let sources = Sources {
            files: layers.iter().chain(config.iter()).cloned().collect(),
            bytes: generated,
        };
        let manifest = packed.manifest.descriptor();
        progress.emit(Event::Queued(&manifest));
        progress.emit(Event::Started(&manifest));
        let r = target
            .push_manifest(&packed.manifest, &options.tags, &sources)
            .await;
        report(&progress, &manifest, &r);
        r?;
        drop(temps);
        Ok(Pushed {
            manifest,
            layers: layers.into_iter().map(|(d, _)| d).collect(),
            content: packed.manifest,
        })
    }
    .instrument(span)
    .await
}

/// `Finished` or `Failed` for `desc`, as `r` went.
pub(crate) fn report<T>(progress: &Progress, desc: &Descriptor, r: &Result<T>) {
    match r {
        Ok(_) => progress.emit(Event::Finished(desc)),
        Err(e) => progress.emit(Event::Failed(desc, &e.to_string())),
    }
}

/// The config of an artifact made for `platform`: an image config holding only it.
fn platform_config(platform: &Platform, options: &PushOptions) -> (Descriptor, Bytes) {
    let bytes = Bytes::from(serde_json::to_vec(platform).expect("a platform serializes"));
    let mut d = Descriptor::of(media_type::OCI_CONFIG, &bytes);
    if !options.config_annotations.is_empty() {
        d.annotations = Some(options.config_annotations.clone());
    }
    (d, bytes)
}

/// Every title is safe (unless allowed otherwise) and given once.
fn check_titles(files: &[FileSpec], options: &PushOptions) -> Result<()> {
    let mut titles = HashSet::new();
    for f in files {
        let title = f.title();
        if !options.disable_path_validation && !title_is_safe(&title) {
            return Err(Error::Unsafe {
                path: title,
                reason: "a title must be a relative path without `..`".into(),
            });
        }
        if !titles.insert(title.clone()) {
            return Err(Error::DuplicateTitle(title));
        }
    }
    Ok(())
}

/// Describes and uploads every file. Each layer is uploaded as soon as it is described, so
/// hashing the next file overlaps the uploads of the ones before it. Files are described
/// one at a time, in order (one hashing lane: on a small machine parallel hashing would
/// only slow the uploads), and uploaded `concurrency` at a time. Returns each layer and
/// the file it was read from.
async fn upload_layers(
    target: &dyn Target,
    files: &[FileSpec],
    options: &PushOptions,
    progress: &Progress,
    temps: &std::sync::Mutex<Vec<RemoveOnDrop>>,
) -> Result<Vec<(Descriptor, PathBuf)>> {
    let hashing = Semaphore::new(1);
    let limit = Semaphore::new(options.concurrency.max(1));
    let (hashing, limit) = (&hashing, &limit);
    let uploads = files.iter().map(|f| async move {
        let turn = hashing
            .acquire()
            .await
            .expect("the semaphore is never closed");
        if let Some(sessions) = target.upload_sessions()
            && let Some(size) = overlap::worth_it(&f.path).await
        {
            let permit = limit
                .acquire()
                .await
                .expect("the semaphore is never closed");
            if let Ok(Some(session)) = sessions.open(size).await {
                let describe = |digest, size| file_layer(f, options, digest, size);
                let desc = overlap::push(
                    target,
                    session,
                    &f.path,
                    size,
                    describe,
                    progress,
                    Some(turn),
                )
                .await?;
                drop(permit);
                return Ok((desc, f.path.clone()));
            }
            // The ordinary upload meets whatever refused the session, and reports it.
        }
        let (desc, path) = describe(f, options, temps).await?;
        drop(turn);
        progress.emit(Event::Queued(&desc));
        let _permit = limit
            .acquire()
            .await
            .expect("the semaphore is never closed");
        upload(target, &desc, &path, progress).await?;
        Ok((desc, path))
    });
    join_all(uploads).await.into_iter().collect()
}

/// Hashes and uploads the config file, if one is given.
async fn upload_config(
    target: &dyn Target,
    options: &PushOptions,
    progress: &Progress,
) -> Result<Option<(Descriptor, PathBuf)>> {
    let Some(c) = &options.config else {
        return Ok(None);
    };
    let (digest, size) = hash_file(c.path.clone()).await?;
    let mut d = Descriptor::new(
        c.media_type
            .clone()
            .unwrap_or_else(|| media_type::OCI_CONFIG.to_owned()),
        digest,
        size,
    );
    if !options.config_annotations.is_empty() {
        d.annotations = Some(options.config_annotations.clone());
    }
    progress.emit(Event::Queued(&d));
    upload(target, &d, &c.path, progress).await?;
    Ok(Some((d, c.path.clone())))
}

/// What a push uploaded, by digest: files (reopened) and generated bytes.
struct Sources {
    files: Vec<(Descriptor, PathBuf)>,
    bytes: Vec<(Descriptor, Bytes)>,
}

impl Resupply for Sources {
    fn content(&self, desc: &Descriptor) -> Option<Body> {
        if let Some((d, path)) = self.files.iter().find(|(d, _)| d.digest == desc.digest) {
            return file_body(path, d.size, None).ok();
        }
        self.bytes
            .iter()
            .find(|(d, _)| d.digest == desc.digest)
            .map(|(_, b)| Body::from_bytes(b.clone()))
    }
}

/// Hashes a file on a thread of its own: its digest and size.
pub(crate) async fn hash_file(path: PathBuf) -> Result<(Digest, u64)> {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut f = std::fs::File::open(&path).map_err(Error::io(&path))?;
        let mut d = Digester::new(Algorithm::Sha256);
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = f.read(&mut buf).map_err(Error::io(&path))?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n]);
            size += n as u64;
        }
        Ok((d.finish(), size))
    })
    .await?
}

/// Uploads a file as `desc`, reporting the bytes as they go.
pub(crate) async fn push_file_counting(
    target: &dyn Target,
    desc: &Descriptor,
    source: &Path,
    progress: &Progress,
) -> Result<()> {
    let wrap: Option<StreamWrap> = progress.0.is_some().then(|| {
        let (progress, desc) = (progress.clone(), desc.clone());
        Arc::new(move |s| progress.counting(&desc, s)) as StreamWrap
    });
    target.push(desc, file_body(source, desc.size, wrap)?).await
}

/// Uploads one blob unless the target has it, reporting progress.
pub(crate) async fn upload(
    target: &dyn Target,
    desc: &Descriptor,
    source: &Path,
    progress: &Progress,
) -> Result<()> {
    if target.exists(desc).await? {
        progress.emit(Event::Skipped(desc));
        return Ok(());
    }
    progress.emit(Event::Started(desc));
    let r = push_file_counting(target, desc, source, progress).await;
    report(progress, desc, &r);
    r
}

/// Describes one file or directory as a layer: hashes a file, packs a directory into a
/// temporary tar+gzip (removed when `temps` goes). Returns the descriptor and the path to
/// upload from.
async fn describe(
    f: &FileSpec,
    options: &PushOptions,
    temps: &std::sync::Mutex<Vec<RemoveOnDrop>>,
) -> Result<(Descriptor, PathBuf)> {
    let meta = tokio::fs::metadata(&f.path)
        .await
        .map_err(Error::io(&f.path))?;
    if !meta.is_dir() {
        let (digest, size) = hash_file(f.path.clone()).await?;
        return Ok((file_layer(f, options, digest, size), f.path.clone()));
    }
    let out = std::env::temp_dir().join(temp_name(ARCHIVE_PREFIX) + ".tar.gz");
    let archive = RemoveOnDrop::locked(out.clone())?;
    temps
        .lock()
        .expect("no panic while holding the list")
        .push(archive);
    let (dir, name, archive, preserve) = (
        f.path.clone(),
        f.title(),
        out.clone(),
        options.preserve_metadata,
    );
    let packed =
        tokio::task::spawn_blocking(move || pack_dir(&dir, &name, &archive, preserve)).await??;
    let mut d = Descriptor::new(
        f.media_type
            .clone()
            .unwrap_or_else(|| media_type::OCI_LAYER_GZIP.to_owned()),
        packed.digest,
        packed.size,
    );
    d.set_annotation(
        annotations::ORAS_CONTENT_DIGEST,
        packed.tar_digest.to_string(),
    );
    d.set_annotation(annotations::ORAS_CONTENT_UNPACK, "true");
    annotate(&mut d, f, options);
    Ok((d, out))
}

/// A file's layer descriptor.
pub(crate) fn file_layer(
    f: &FileSpec,
    options: &PushOptions,
    digest: Digest,
    size: u64,
) -> Descriptor {
    let mut d = Descriptor::new(
        f.media_type
            .clone()
            .unwrap_or_else(|| media_type::ORAS_DEFAULT_FILE.to_owned()),
        digest,
        size,
    );
    annotate(&mut d, f, options);
    d
}

/// The title, and the annotations given for that title.
fn annotate(desc: &mut Descriptor, f: &FileSpec, options: &PushOptions) {
    let title = f.title();
    if let Some(extra) = options.file_annotations.get(&title) {
        for (k, v) in extra {
            desc.set_annotation(k.clone(), v.clone());
        }
    }
    desc.set_annotation(annotations::TITLE, title);
}

//! The operations: push, pull, copy, attach, discover.

use std::collections::{BTreeMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;

use oras_distribution::{Body, BoxError, ByteStream, Repository};
use oras_oci::pack::{Created, PackOptions, PackVersion, pack_manifest};
use oras_oci::{
    Algorithm, Descriptor, Digest, Digester, Manifest, Platform, annotations, media_type,
};
use tokio::sync::Semaphore;
use tracing::Instrument;

use crate::archive::{UnpackLimits, pack_dir, unpack};
use crate::exec::join_all;
use crate::progress::{Event, Observer, Progress};
use crate::stream::{RemoveOnDrop, once};
use crate::target::{Target, fetch_manifest};
use crate::{Error, Result};

static TEMP: AtomicU64 = AtomicU64::new(0);

fn temp_name(prefix: &str) -> String {
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        TEMP.fetch_add(1, Ordering::Relaxed)
    )
}

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

    fn title(&self) -> String {
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
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct PushOptions {
    /// The artifact type (required by image spec 1.1 when there is no config).
    pub artifact_type: Option<String>,
    /// A config file and its media type (default `application/vnd.oci.image.config.v1+json`).
    pub config: Option<FileSpec>,
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

impl PushOptions {
    /// Reads annotations from a file in oras-py's and the `oras` CLI's format:
    /// `{"$manifest": {...}, "$config": {...}, "<title>": {...}}`.
    pub fn read_annotation_file(&mut self, path: &Path) -> Result<()> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        let all: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_slice(&bytes)
            .map_err(|e| {
                Error::Input(format!(
                    "{}: annotation file must map names to string maps: {e}",
                    path.display()
                ))
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
fn title_is_safe(title: &str) -> bool {
    let p = Path::new(title);
    !title.is_empty()
        && !p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        && !title.contains('\\')
}

async fn hash_file(path: PathBuf) -> Result<(oras_oci::Digest, u64)> {
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
    .await
    .map_err(|e| Error::Input(format!("hashing task failed: {e}")))?
}

/// Uploads a file as `desc`, reporting the bytes as they go.
async fn push_file_counting(
    target: &dyn Target,
    desc: &Descriptor,
    source: &Path,
    progress: &Progress,
) -> Result<()> {
    let wrap: Option<crate::target::StreamWrap> = progress.0.is_some().then(|| {
        let (progress, desc) = (progress.clone(), desc.clone());
        Arc::new(move |s| progress.counting(&desc, s)) as crate::target::StreamWrap
    });
    target.push_file(desc, source, wrap).await
}

/// Uploads one blob unless the target has it, reporting progress.
async fn upload(
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
    match &r {
        Ok(()) => progress.emit(Event::Finished(desc)),
        Err(e) => progress.emit(Event::Failed(desc, &e.to_string())),
    }
    r
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
        let progress = Progress(options.observer.clone());
        let mut titles = HashSet::new();
        for f in files {
            let title = f.title();
            if !options.disable_path_validation && !title_is_safe(&title) {
                return Err(Error::Unsafe {
                    path: title,
                    reason: "a title must be a relative path without `..` \
                         (disable path validation to push it anyway)"
                        .into(),
                });
            }
            if !titles.insert(title.clone()) {
                return Err(Error::Input(format!("{title:?} is given twice")));
            }
        }
        // Temporary archives go when this future ends, however it ends.
        let mut temps: Vec<RemoveOnDrop> = Vec::new();
        push_inner(target, files, options, &progress, &mut temps).await
    }
    .instrument(span)
    .await
}

/// Describes one file or directory as a layer: hashes a file, packs a directory into a
/// temporary tar+gzip (removed when `temps` goes). Returns the descriptor and the path to
/// upload from.
async fn describe(
    f: &FileSpec,
    options: &PushOptions,
    temps: &std::sync::Mutex<Vec<RemoveOnDrop>>,
) -> Result<(Descriptor, PathBuf)> {
    let title = f.title();
    let meta = tokio::fs::metadata(&f.path)
        .await
        .map_err(Error::io(&f.path))?;
    let (mut desc, path) = if meta.is_dir() {
        let out = std::env::temp_dir().join(temp_name("oras-push-dir") + ".tar.gz");
        temps
            .lock()
            .expect("no panic while holding the list")
            .push(RemoveOnDrop::new(out.clone()));
        let (dir, name, out2, preserve) = (
            f.path.clone(),
            title.clone(),
            out.clone(),
            options.preserve_metadata,
        );
        let packed = tokio::task::spawn_blocking(move || pack_dir(&dir, &name, &out2, preserve))
            .await
            .map_err(|e| Error::Input(e.to_string()))??;
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
        (d, out)
    } else {
        let (digest, size) = hash_file(f.path.clone()).await?;
        return Ok((file_layer(f, options, digest, size), f.path.clone()));
    };
    annotate(&mut desc, f, options);
    Ok((desc, path))
}

/// A file's layer descriptor.
fn file_layer(f: &FileSpec, options: &PushOptions, digest: Digest, size: u64) -> Descriptor {
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

/// Files at least this large are uploaded while they are hashed: for smaller ones the
/// hash takes less time than the extra request the overlap costs (at about 1.8 GB/s,
/// 64 MiB hash in some 35 ms).
const OVERLAP_MIN: u64 = 64 << 20;

/// The registry and the size, when `f` is a file worth uploading while it is hashed (see
/// [`push_overlapped`]): large, pushed to a registry that takes it in one request.
async fn overlappable<'t>(target: &'t dyn Target, f: &FileSpec) -> Option<(&'t Repository, u64)> {
    let repo = target.as_remote()?;
    let meta = tokio::fs::metadata(&f.path).await.ok()?;
    let config = repo.client().config();
    (meta.is_file()
        && meta.len() >= OVERLAP_MIN
        && config.chunk_size.is_none()
        && meta.len() <= config.monolithic_limit)
        .then_some((repo, meta.len()))
}

/// Pushes a large file while hashing it, so the push costs about max(hash, upload)
/// rather than their sum: the bytes stream in one PATCH of an open upload session while
/// another thread computes the digest. With the digest known, a blob the registry already
/// has is skipped (the session is abandoned; at most the bytes sent meanwhile were spent),
/// otherwise the session is committed under it. If the overlapped upload fails anywhere,
/// the blob is uploaded again the ordinary way, with its retries and resumption.
/// `turn` (the hashing lane) is released as soon as the hash is done.
async fn push_overlapped(
    target: &dyn Target,
    repo: &Repository,
    f: &FileSpec,
    size: u64,
    options: &PushOptions,
    progress: &Progress,
    turn: tokio::sync::SemaphorePermit<'_>,
) -> Result<Descriptor> {
    let known = Arc::new(OnceLock::new());
    let (path, counter, slot) = (f.path.clone(), progress.clone(), known.clone());
    let reopen = move || -> Result<ByteStream, BoxError> {
        let file = std::fs::File::open(&path)?;
        let stream = crate::stream::ReadStream::boxed(tokio::fs::File::from_std(file));
        Ok(counter.counting_pending(slot.clone(), stream))
    };
    let body = Body::reopenable(Some(size), reopen).map_err(|e| Error::Io {
        path: f.path.clone(),
        source: std::io::Error::other(e),
    })?;
    let Ok(mut up) = repo.start_upload().await else {
        // The ordinary upload meets whatever refused the session, and reports it.
        let (digest, hashed_size) = hash_file(f.path.clone()).await?;
        drop(turn);
        let desc = file_layer(f, options, digest, hashed_size);
        progress.emit(Event::Queued(&desc));
        upload(target, &desc, &f.path, progress).await?;
        return Ok(desc);
    };
    let mut sending = Box::pin(up.write(body, size));
    let mut hashing = Box::pin(hash_file(f.path.clone()));
    let mut sent = None;
    let hashed = std::future::poll_fn(|cx| {
        if sent.is_none()
            && let Poll::Ready(r) = sending.as_mut().poll(cx)
        {
            sent = Some(r);
        }
        hashing.as_mut().poll(cx)
    })
    .await;
    drop(turn);
    let (digest, hashed_size) = match hashed {
        Ok(h) => h,
        Err(e) => {
            drop(sending);
            let _ = up.cancel().await;
            return Err(e);
        }
    };
    let desc = file_layer(f, options, digest, hashed_size);
    let exists = target.exists(&desc).await;
    if !matches!(exists, Ok(false)) {
        drop(sending);
        // Best effort: a registry also expires abandoned sessions by itself.
        let _ = up.cancel().await;
        exists?;
        progress.emit(Event::Skipped(&desc));
        return Ok(desc);
    }
    progress.emit(Event::Queued(&desc));
    progress.emit(Event::Started(&desc));
    let _ = known.set(desc.clone());
    let sent = match sent {
        Some(r) => {
            drop(sending);
            r
        }
        None => sending.await,
    };
    if sent.is_ok() {
        // Bytes that passed before the digest was known were not reported yet (all of
        // them, when the upload finished first).
        progress.emit(Event::Bytes(&desc, size));
    }
    let committed = match sent {
        Ok(()) => up.finish(&desc).await,
        Err(e) => {
            let _ = up.cancel().await;
            Err(e)
        }
    };
    let result = match committed {
        Ok(()) => Ok(()),
        Err(_) => push_file_counting(target, &desc, &f.path, progress).await,
    };
    match &result {
        Ok(()) => progress.emit(Event::Finished(&desc)),
        Err(e) => progress.emit(Event::Failed(&desc, &e.to_string())),
    }
    result.map(|()| desc)
}

async fn push_inner(
    target: &dyn Target,
    files: &[FileSpec],
    options: &PushOptions,
    progress: &Progress,
    temps: &mut Vec<RemoveOnDrop>,
) -> Result<Pushed> {
    // Each layer is uploaded as soon as it is described, so hashing the next file overlaps
    // the uploads of the ones before it. Files are described one at a time, in order (one
    // hashing lane: on a small machine parallel hashing would only slow the uploads), and
    // uploaded `concurrency` at a time.
    let hashing = Semaphore::new(1);
    let limit = Semaphore::new(options.concurrency.max(1));
    let packed_dirs = std::sync::Mutex::new(Vec::new());
    let (hashing, limit, packed_dirs) = (&hashing, &limit, &packed_dirs);
    let lane = |e: tokio::sync::AcquireError| Error::Input(format!("push queue closed: {e}"));
    let uploads: Vec<_> = files
        .iter()
        .map(|f| {
            Box::pin(async move {
                let turn = hashing.acquire().await.map_err(lane)?;
                if let Some((repo, size)) = overlappable(target, f).await {
                    let _permit = limit.acquire().await.map_err(lane)?;
                    let desc =
                        push_overlapped(target, repo, f, size, options, progress, turn).await?;
                    return Ok((desc, f.path.clone()));
                }
                let (desc, path) = describe(f, options, packed_dirs).await?;
                drop(turn);
                progress.emit(Event::Queued(&desc));
                let _permit = limit.acquire().await.map_err(lane)?;
                upload(target, &desc, &path, progress).await?;
                Ok((desc, path))
            })
                as std::pin::Pin<
                    Box<
                        dyn std::future::Future<Output = Result<(Descriptor, PathBuf)>> + Send + '_,
                    >,
                >
        })
        .collect();
    let results = join_all(uploads).await;
    temps.append(&mut packed_dirs.lock().expect("no panic while holding the list"));
    let layers: Vec<(Descriptor, PathBuf)> = results.into_iter().collect::<Result<_>>()?;

    let config = match &options.config {
        Some(c) => {
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
            Some((d, c.path.clone()))
        }
        None => None,
    };

    // The manifest.
    let mut pack = PackOptions::default();
    pack.version = options.version;
    pack.artifact_type = options.artifact_type.clone();
    pack.config = config.as_ref().map(|(d, _)| d.clone());
    pack.config_annotations =
        (!options.config_annotations.is_empty()).then(|| options.config_annotations.clone());
    pack.layers = layers.iter().map(|(d, _)| d.clone()).collect();
    pack.subject = options.subject.clone();
    pack.annotations = options.annotations.clone();
    pack.created = options.created;
    let packed = pack_manifest(pack)?;
    // Generated blobs are a couple of bytes: uploading them outright is cheaper than asking,
    // and does not trust a "yes" from a registry still committing someone else's upload.
    for (d, bytes) in &packed.blobs {
        target.push_bytes(d, bytes.clone()).await?;
    }
    let manifest = packed.manifest.descriptor();
    // A registry can lose track of a blob this push checked or uploaded (distribution 2.8
    // races when several pushes upload the same content at once, the empty config most
    // often): then upload what it now lacks and send the manifest again, a bounded number
    // of times.
    let mut retries = 0;
    loop {
        // The manifest and its tags: a tag is a manifest PUT too, refused the same way.
        let sent = async {
            target
                .push(&manifest, once(packed.manifest.bytes().clone()))
                .await?;
            for tag in &options.tags {
                target.tag(&manifest, tag).await?;
            }
            Ok::<(), Error>(())
        }
        .await;
        let named = match sent {
            Ok(()) => break,
            Err(e) if blob_unknown(&e) && retries < MANIFEST_RETRIES => {
                // Often a registry's passing state (distribution 2.8 refuses a manifest
                // while other pushes are still linking the same blob): wait as the retry
                // policy says, so those pushes finish, before uploading again.
                back_off(target, retries).await;
                retries += 1;
                unknown_blobs(&e)
            }
            Err(e) => return Err(e),
        };
        // What the refusal names, and what a HEAD finds missing. A named blob is uploaded
        // again even when a HEAD finds it: the refusal is the registry's word that it
        // cannot use the blob now (distribution 2.8 has been seen answering the HEAD
        // while refusing the manifest that names the blob).
        let wanted = |d: &Descriptor| named.iter().any(|n| n == d.digest.as_str());
        for (d, path) in layers.iter().chain(config.iter()) {
            if wanted(d) || !target.exists(d).await? {
                target.push_file(d, path, None).await?;
            }
        }
        for (d, bytes) in &packed.blobs {
            if wanted(d) || !target.exists(d).await? {
                target.push_bytes(d, bytes.clone()).await?;
            }
        }
    }
    Ok(Pushed {
        manifest,
        layers: layers.into_iter().map(|(d, _)| d).collect(),
    })
}

/// How many times a manifest refused for an unknown blob is sent again after the blobs.
const MANIFEST_RETRIES: u32 = 3;

/// Waits the retry policy's back-off before retry `attempt` of a manifest or tag PUT, on a
/// registry (local targets have no passing states to wait out).
async fn back_off(target: &dyn Target, attempt: u32) {
    if let Some(repo) = target.as_remote() {
        repo.client().wait_before_retry(attempt).await;
    }
}

/// Whether a registry refused a manifest because a blob it references is unknown.
fn blob_unknown(e: &Error) -> bool {
    matches!(e, Error::Registry(r) if r.codes().iter().any(|c| c.code == "MANIFEST_BLOB_UNKNOWN"))
}

/// The digests a refusal names in the `detail` of its `MANIFEST_BLOB_UNKNOWN` errors: a
/// digest string (distribution) or an object with a `digest` field.
fn unknown_blobs(e: &Error) -> Vec<String> {
    let Error::Registry(r) = e else {
        return Vec::new();
    };
    r.codes()
        .iter()
        .filter(|c| c.code == "MANIFEST_BLOB_UNKNOWN")
        .filter_map(|c| match c.detail.as_ref()? {
            serde_json::Value::String(d) => Some(d.clone()),
            serde_json::Value::Object(o) => o.get("digest")?.as_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

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
    /// Also pull the files of the subject, and of its subject, and so on.
    pub include_subject: bool,
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
            include_subject: false,
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
}

/// The manifest for `platform` in an index, or an error listing what there is.
pub async fn select_platform(
    target: &dyn Target,
    index: &Manifest,
    platform: Option<&Platform>,
) -> Result<Descriptor> {
    let list = &index
        .as_index()
        .ok_or_else(|| {
            Error::Manifest(format!(
                "{} is not an index: there is no platform to choose",
                index.descriptor().digest
            ))
        })?
        .manifests;
    if let Some(want) = platform
        && let Some(d) = list
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| want.matches(p)))
    {
        return Ok(d.clone());
    }
    if platform.is_none() && list.len() == 1 {
        return Ok(list[0].clone());
    }
    let available = list
        .iter()
        .map(|d| {
            d.platform
                .as_ref()
                .map_or_else(|| "(none)".to_owned(), ToString::to_string)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let _ = target;
    Err(Error::Platform {
        wanted: platform.map_or_else(|| "(none given)".to_owned(), ToString::to_string),
        available,
    })
}

/// Pulls an artifact into `out`: every titled layer is downloaded concurrently, verified,
/// and (directories) unpacked into a staging directory inside `out`; only when all of them
/// succeeded are they moved into place. On any failure `out` is left as it was.
pub async fn pull(
    target: &dyn Target,
    reference: &str,
    out: &Path,
    options: &PullOptions,
) -> Result<Pulled> {
    let span = tracing::debug_span!("pull", reference, out = %out.display());
    async move {
        let progress = Progress(options.observer.clone());
        let mut desc = target.resolve(reference).await?;
        let mut manifest = fetch_manifest(target, &desc).await?;
        if manifest.as_index().is_some() {
            desc = select_platform(target, &manifest, options.platform.as_ref()).await?;
            manifest = fetch_manifest(target, &desc).await?;
        }
        let root = desc.clone();

        // Every titled layer, of this manifest and (if asked) its subjects.
        let mut wanted: Vec<Descriptor> = Vec::new();
        let mut current = Some(manifest);
        let mut seen = HashSet::new();
        while let Some(m) = current.take() {
            if !seen.insert(m.digest().clone()) {
                break;
            }
            if let Some(image) = m.as_image() {
                let config = options.include_config.then_some(&image.config);
                for d in image.layers.iter().chain(config) {
                    if d.title().is_some()
                        && (options.media_types.is_empty()
                            || options.media_types.contains(&d.media_type))
                    {
                        wanted.push(d.clone());
                    }
                }
            }
            if options.include_subject
                && let Some(subject) = m.subject()
            {
                current = Some(fetch_manifest(target, subject).await?);
            }
        }

        // Check every title before anything is written.
        let mut titles = HashSet::new();
        let mut plan: Vec<(Descriptor, PathBuf)> = Vec::new();
        for d in wanted {
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
                    reason: "it would be written outside the output directory \
                         (allow path traversal to pull it anyway)"
                        .into(),
                });
            }
            let dest = out.join(&title);
            if options.keep_old_files && tokio::fs::symlink_metadata(&dest).await.is_ok() {
                return Err(Error::Input(format!(
                    "{} exists and old files are kept",
                    dest.display()
                )));
            }
            plan.push((d, dest));
        }

        // The directories this pull creates, deepest first: removed again (while empty)
        // if it fails, so a failed pull leaves the file system as it found it.
        let mut created = Vec::new();
        let mut missing = Some(out);
        while let Some(dir) = missing {
            if dir.as_os_str().is_empty() || tokio::fs::symlink_metadata(dir).await.is_ok() {
                break;
            }
            created.push(dir.to_path_buf());
            missing = dir.parent();
        }
        tokio::fs::create_dir_all(out)
            .await
            .map_err(Error::io(out))?;
        let staging = out.join(format!(".{}", temp_name("oras-pull")));
        tokio::fs::create_dir(&staging)
            .await
            .map_err(Error::io(&staging))?;
        // The staging directory goes when this future ends, also if it is cancelled.
        let cancel = Cancel {
            staging: staging.clone(),
            flag: Arc::default(),
            active: Arc::default(),
        };
        let mut guard = StagingGuard {
            cancel: cancel.clone(),
            created,
            succeeded: false,
        };
        let result = pull_into(target, &plan, &staging, options, &progress, &cancel).await;
        let moved = match result {
            Ok(staged) => move_into_place(&plan, staged).await,
            Err(e) => Err(e),
        };
        let files = moved?;
        guard.succeeded = true;
        Ok(Pulled {
            manifest: root,
            files,
        })
    }
    .instrument(span)
    .await
}

enum Staged {
    File(PathBuf),
    Dir(PathBuf),
}

async fn pull_into(
    target: &dyn Target,
    plan: &[(Descriptor, PathBuf)],
    staging: &Path,
    options: &PullOptions,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<Vec<Staged>> {
    let limit = Arc::new(Semaphore::new(options.concurrency.max(1)));
    let jobs: Vec<_> = plan
        .iter()
        .enumerate()
        .map(|(i, (desc, _))| {
            progress.emit(Event::Queued(desc));
            let limit = limit.clone();
            Box::pin(async move {
                let _permit = limit
                    .acquire()
                    .await
                    .map_err(|_| Error::Input("download queue closed".into()))?;
                progress.emit(Event::Started(desc));
                let r = download(
                    target,
                    desc,
                    &staging.join(i.to_string()),
                    options.limits,
                    progress,
                    cancel,
                )
                .await;
                match &r {
                    Ok(_) => progress.emit(Event::Finished(desc)),
                    Err(e) => progress.emit(Event::Failed(desc, &e.to_string())),
                }
                r
            })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Result<Staged>> + Send + '_>>
        })
        .collect();
    join_all(jobs).await.into_iter().collect()
}

/// Downloads one layer to `at`, verified; unpacks a directory layer into `at.d`.
async fn download(
    target: &dyn Target,
    desc: &Descriptor,
    at: &Path,
    limits: UnpackLimits,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<Staged> {
    let stream = progress.counting(desc, target.fetch(desc).await?);
    // Writing (and hashing, unless the source verifies as it streams: then this task
    // hashes while it receives) runs on a thread of its own. If the pull is dropped
    // meanwhile, that thread removes the staging directory when it ends.
    let verified = target.fetch_verifies();
    crate::stream::write_verified(stream, desc, at, verified, false, cancel.enter()).await?;
    if desc.annotation(annotations::ORAS_CONTENT_UNPACK) != Some("true") {
        return Ok(Staged::File(at.to_owned()));
    }
    let dir = at.with_extension("d");
    let expected = match desc.annotation(annotations::ORAS_CONTENT_DIGEST) {
        Some(d) => Some(oras_oci::Digest::parse(d).map_err(|e| Error::Manifest(e.to_string()))?),
        None => None,
    };
    let (gz, d2, flag, exit) = (
        at.to_owned(),
        dir.clone(),
        cancel.flag.clone(),
        cancel.enter(),
    );
    tokio::task::spawn_blocking(move || {
        let r = std::fs::create_dir(&d2)
            .map_err(Error::io(&d2))
            .and_then(|()| unpack(&gz, &d2, expected.as_ref(), limits, Some(&flag)));
        exit();
        r
    })
    .await
    .map_err(|e| Error::Input(e.to_string()))??;
    Ok(Staged::Dir(dir))
}

/// The staging directory of a pull, whether the pull was dropped, and how many threads
/// (writers, unpackers) still work in it.
#[derive(Clone)]
struct Cancel {
    staging: PathBuf,
    flag: Arc<std::sync::atomic::AtomicBool>,
    active: Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>,
}

impl Cancel {
    /// Counts a thread in; the returned function counts it out (and, after a cancellation,
    /// removes the staging directory should the guard have given up waiting).
    fn enter(&self) -> impl FnOnce() + Send + 'static {
        *self
            .active
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) += 1;
        let me = self.clone();
        move || {
            if me.flag.load(std::sync::atomic::Ordering::SeqCst) {
                let _ = std::fs::remove_dir_all(&me.staging);
            }
            let mut n = me
                .active
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *n -= 1;
            me.active.1.notify_all();
        }
    }
}

/// Removes the staging directory when the pull ends however it ends. When it was dropped
/// with threads still working in the directory, it tells them to stop and waits for them
/// (they end within moments once their input is gone), so nothing is left behind. Unless
/// the pull succeeded, the directories it created go too, if they are empty.
struct StagingGuard {
    cancel: Cancel,
    /// Created by this pull, deepest first.
    created: Vec<PathBuf>,
    succeeded: bool,
}

impl Drop for StagingGuard {
    fn drop(&mut self) {
        let cancel = &self.cancel;
        cancel.flag.store(true, std::sync::atomic::Ordering::SeqCst);
        let (count, done) = &*cancel.active;
        let guard = count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = done.wait_timeout_while(guard, std::time::Duration::from_secs(30), |n| *n > 0);
        let _ = std::fs::remove_dir_all(&cancel.staging);
        if !self.succeeded {
            // `remove_dir` refuses a directory that is not empty: stop at the first.
            for dir in &self.created {
                if std::fs::remove_dir(dir).is_err() {
                    break;
                }
            }
        }
    }
}

async fn move_into_place(
    plan: &[(Descriptor, PathBuf)],
    staged: Vec<Staged>,
) -> Result<Vec<PulledFile>> {
    let mut files = Vec::new();
    for ((desc, dest), s) in plan.iter().zip(staged) {
        match s {
            Staged::File(from) => {
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(Error::io(parent))?;
                }
                tokio::fs::rename(&from, dest)
                    .await
                    .map_err(Error::io(dest))?;
            }
            Staged::Dir(from) => {
                // The archive holds its entries under the title; move what it holds.
                let base = dest.parent().unwrap_or(Path::new("."));
                let mut entries = tokio::fs::read_dir(&from).await.map_err(Error::io(&from))?;
                while let Some(e) = entries.next_entry().await.map_err(Error::io(&from))? {
                    let target = base.join(e.file_name());
                    if let Ok(meta) = tokio::fs::symlink_metadata(&target).await {
                        if meta.is_dir() {
                            tokio::fs::remove_dir_all(&target)
                                .await
                                .map_err(Error::io(&target))?;
                        } else {
                            tokio::fs::remove_file(&target)
                                .await
                                .map_err(Error::io(&target))?;
                        }
                    }
                    tokio::fs::create_dir_all(base)
                        .await
                        .map_err(Error::io(base))?;
                    tokio::fs::rename(e.path(), &target)
                        .await
                        .map_err(Error::io(&target))?;
                }
            }
        }
        files.push(PulledFile {
            path: dest.clone(),
            descriptor: desc.clone(),
        });
    }
    Ok(files)
}

/// How to copy.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct CopyOptions {
    /// Blobs copied at once (default 3, as oras-go).
    pub concurrency: usize,
    /// For an index: copy only this platform's manifest.
    pub platform: Option<Platform>,
    /// Also copy the referrers of what is copied, this many levels deep (0: none).
    pub referrers_depth: usize,
    /// Only referrers of this artifact type.
    pub referrers_artifact_type: Option<String>,
    /// Receives progress events.
    pub observer: Option<Arc<dyn Observer>>,
}

/// Copies the graph under `src_ref` (index, manifests, configs, layers, subjects) from
/// `src` to `dst`, skipping what `dst` has, mounting blobs across repositories of one
/// registry, and tags it `dst_tag` when given. Returns the root descriptor.
pub async fn copy(
    src: &dyn Target,
    src_ref: &str,
    dst: &dyn Target,
    dst_tag: Option<&str>,
    options: &CopyOptions,
) -> Result<Descriptor> {
    let span = tracing::debug_span!("copy", reference = src_ref, tag = dst_tag);
    async move {
        let progress = Progress(options.observer.clone());
        let mut root = src.resolve(src_ref).await?;
        if options.platform.is_some() && media_type::is_index(&root.media_type) {
            let index = fetch_manifest(src, &root).await?;
            root = select_platform(src, &index, options.platform.as_ref()).await?;
        }
        let mut done = HashSet::new();
        copy_graph(src, dst, &root, options, &progress, &mut done).await?;
        if let Some(tag) = dst_tag {
            tag_with_retries(dst, &root, tag).await?;
        }
        if options.referrers_depth > 0 {
            copy_referrers(
                src,
                dst,
                &root,
                options.referrers_depth,
                options,
                &progress,
                &mut done,
            )
            .await?;
        }
        Ok(root)
    }
    .instrument(span)
    .await
}

/// Tags a copied root. A tag is a manifest PUT, which a registry can refuse for a blob
/// it is still linking for another writer (see [`push`]): waited for with the retry
/// policy's back-off and tried again, a bounded number of times.
async fn tag_with_retries(dst: &dyn Target, root: &Descriptor, tag: &str) -> Result<()> {
    let mut retries = 0;
    loop {
        match dst.tag(root, tag).await {
            Err(e) if blob_unknown(&e) && retries < MANIFEST_RETRIES => {
                back_off(dst, retries).await;
                retries += 1;
            }
            other => return other,
        }
    }
}

fn copy_referrers<'a>(
    src: &'a dyn Target,
    dst: &'a dyn Target,
    subject: &'a Descriptor,
    depth: usize,
    options: &'a CopyOptions,
    progress: &'a Progress,
    done: &'a mut HashSet<oras_oci::Digest>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        if depth == 0 {
            return Ok(());
        }
        for r in src
            .referrers(subject, options.referrers_artifact_type.as_deref())
            .await?
        {
            let plain = Descriptor::new(r.media_type.clone(), r.digest.clone(), r.size);
            copy_graph(src, dst, &plain, options, progress, done).await?;
            copy_referrers(src, dst, &plain, depth - 1, options, progress, done).await?;
        }
        Ok(())
    })
}

fn copy_graph<'a>(
    src: &'a dyn Target,
    dst: &'a dyn Target,
    node: &'a Descriptor,
    options: &'a CopyOptions,
    progress: &'a Progress,
    done: &'a mut HashSet<oras_oci::Digest>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + 'a>> {
    Box::pin(async move {
        if !done.insert(node.digest.clone()) {
            return Ok(());
        }
        if dst.exists(node).await? {
            progress.emit(Event::Skipped(node));
            return Ok(());
        }
        let is_manifest = media_type::is_image_manifest(&node.media_type)
            || media_type::is_index(&node.media_type);
        if !is_manifest {
            return copy_blob(src, dst, node, progress).await;
        }
        let manifest = fetch_manifest(src, node).await?;
        // Children first: manifests one by one (each copies its own blobs concurrently),
        // then this manifest's blobs concurrently.
        let mut blobs = Vec::new();
        for child in manifest.successors() {
            let child_is_manifest = media_type::is_image_manifest(&child.media_type)
                || media_type::is_index(&child.media_type);
            if child_is_manifest {
                copy_graph(src, dst, child, options, progress, done).await?;
            } else if done.insert(child.digest.clone()) {
                blobs.push(child.clone());
            }
        }
        let limit = Arc::new(Semaphore::new(options.concurrency.max(1)));
        let jobs: Vec<_> = blobs
            .iter()
            .map(|b| {
                progress.emit(Event::Queued(b));
                let limit = limit.clone();
                Box::pin(async move {
                    let _permit = limit
                        .acquire()
                        .await
                        .map_err(|_| Error::Input("copy queue closed".into()))?;
                    if dst.exists(b).await? {
                        progress.emit(Event::Skipped(b));
                        return Ok(());
                    }
                    copy_blob(src, dst, b, progress).await
                })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = Result<()>> + Send + '_>>
            })
            .collect();
        for r in join_all(jobs).await {
            r?;
        }
        dst.push(node, once(manifest.bytes().clone())).await
    })
}

/// How many times a blob copy starts over from the source after a retryable failure: the
/// body is streamed from the source, so a request that failed part-way cannot be re-sent
/// with it; the source is opened again instead.
const COPY_ATTEMPTS: usize = 3;

async fn copy_blob(
    src: &dyn Target,
    dst: &dyn Target,
    desc: &Descriptor,
    progress: &Progress,
) -> Result<()> {
    progress.emit(Event::Started(desc));
    let mut attempt = 0;
    let result = loop {
        attempt += 1;
        match copy_blob_once(src, dst, desc, progress).await {
            Err(e) if e.is_retryable() && attempt < COPY_ATTEMPTS => continue,
            other => break other,
        }
    };
    match &result {
        Ok(()) => progress.emit(Event::Finished(desc)),
        Err(e) => progress.emit(Event::Failed(desc, &e.to_string())),
    }
    result
}

async fn copy_blob_once(
    src: &dyn Target,
    dst: &dyn Target,
    desc: &Descriptor,
    progress: &Progress,
) -> Result<()> {
    if let (Some(s), Some(d)) = (src.as_remote(), dst.as_remote())
        && s.registry() == d.registry()
        && s.name() != d.name()
    {
        // The source is opened only if the registry refuses the mount and an upload follows.
        let (repo, source, size) = (s.clone(), desc.clone(), desc.size);
        let fallback = crate::stream::lazy(async move {
            let reader = repo
                .fetch_blob(&source)
                .await
                .map_err(|e| Box::new(e) as oras_distribution::BoxError)?;
            Ok(crate::stream::blob_stream(reader))
        });
        let outcome = d
            .mount_blob(desc, s.name(), move || {
                Ok(Body::from_stream(fallback, Some(size)))
            })
            .await?;
        if outcome == oras_distribution::Mounted::Mounted {
            progress.emit(Event::Mounted(desc));
        }
        return Ok(());
    }
    if let (Some(s), Some(d)) = (src.as_remote(), dst.as_remote()) {
        // Registry to registry: a body that reopens by fetching the blob again. Being
        // replayable, it goes up in one streaming PUT, receiving and sending at once,
        // where a one-shot stream would be cut into chunks each held until the registry
        // took it; a retry of the PUT reads the source again.
        let (repo, source, progress) = (s.clone(), desc.clone(), progress.clone());
        let body = Body::reopenable(Some(desc.size), move || {
            let (repo, fetched) = (repo.clone(), source.clone());
            let stream = crate::stream::lazy(async move {
                let reader = repo
                    .fetch_blob(&fetched)
                    .await
                    .map_err(|e| Box::new(e) as BoxError)?;
                Ok(crate::stream::blob_stream(reader))
            });
            Ok(progress.counting(&source, stream))
        })
        .map_err(Error::Stream)?;
        d.push_blob(desc, body).await?;
        return Ok(());
    }
    let stream = progress.counting(desc, src.fetch(desc).await?);
    dst.push(desc, stream).await
}

/// Attaches files to `subject_ref` as a new artifact of `artifact_type` (pushed by digest,
/// untagged, with `subject` set).
pub async fn attach(
    target: &dyn Target,
    subject_ref: &str,
    files: &[FileSpec],
    artifact_type: &str,
    options: &PushOptions,
) -> Result<Pushed> {
    let span = tracing::debug_span!("attach", subject = subject_ref, artifact_type);
    async move {
        let subject = target.resolve(subject_ref).await?;
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

/// The referrers of `reference`, `depth` levels deep (1: direct referrers only).
pub async fn discover(
    target: &dyn Target,
    reference: &str,
    artifact_type: Option<&str>,
    depth: usize,
) -> Result<ReferrerTree> {
    let span = tracing::debug_span!("discover", reference, depth);
    async move {
        let root = target.resolve(reference).await?;
        discover_node(target, root, artifact_type, depth).await
    }
    .instrument(span)
    .await
}

fn discover_node<'a>(
    target: &'a dyn Target,
    desc: Descriptor,
    artifact_type: Option<&'a str>,
    depth: usize,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<ReferrerTree>> + Send + 'a>> {
    Box::pin(async move {
        let mut referrers = Vec::new();
        if depth > 0 {
            for r in target.referrers(&desc, artifact_type).await? {
                referrers.push(discover_node(target, r, artifact_type, depth - 1).await?);
            }
        }
        Ok(ReferrerTree {
            descriptor: desc,
            referrers,
        })
    })
}

/// Points `tag` at what `reference` names.
pub async fn tag(target: &dyn Target, reference: &str, tag: &str) -> Result<Descriptor> {
    let d = target.resolve(reference).await?;
    target.tag(&d, tag).await?;
    Ok(d)
}

//! The pull's staging directory: layers downloaded, verified and unpacked inside the
//! output directory, moved into place only when every one succeeded, and removed however
//! the pull ends, cancellation included.
//!
//! A process killed outright (SIGKILL, a lost machine) runs no clean-up. Each staging
//! directory holds a file `lock`, locked for as long as its pull runs; the next pull into
//! the same output finds the directories whose lock is free (their process is gone),
//! takes the partial downloads it needs from them, resumes those from the bytes already on
//! disk (with `Range` from a registry; verified against the whole blob's digest as
//! always), and removes them.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use futures_util::future::join_all;
use oras_oci::verify::Verifier;
use oras_oci::{Descriptor, Digest, Digester, annotations};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::archive::{UnpackLimits, unpack};
use crate::content::ReadOnlyTarget;
use crate::progress::{Event, Progress};
use crate::pull::{PullOptions, PulledFile};
use crate::push::temp_name;
use crate::stream::{OnDrop, is_small, receive_small, write_chunks, write_to, write_verified};
use crate::{Error, Result};

/// A staging directory inside the output, and the directories the pull created to hold
/// it. Dropped, it removes the staging directory, waiting for threads still working in it;
/// unless the pull succeeded, the created directories go too, while they are empty.
pub(crate) struct Staging {
    cancel: Cancel,
    /// Created by this pull, deepest first.
    created: Vec<PathBuf>,
    succeeded: bool,
    /// Held locked while the pull runs: its process is alive.
    _lock: Option<std::fs::File>,
    /// The staged names of the partial downloads taken over from killed pulls.
    reclaimed: HashSet<String>,
}

/// The prefix of staging directories' names (`.oras-pull-<pid>-<n>`).
const PREFIX: &str = ".oras-pull-";

/// The name a layer's download has in the staging directory: its place in the plan and
/// its digest, so a later pull can find the bytes of a blob it wants.
fn staged_name(i: usize, desc: &Descriptor) -> String {
    format!(
        "{i}.{}-{}",
        desc.digest.algorithm_name(),
        desc.digest.encoded()
    )
}

/// What a layer became in the staging directory.
enum Staged {
    File(PathBuf),
    Dir(PathBuf),
}

impl Staging {
    /// Creates `out` (noting which directories did not exist) and a staging directory in
    /// it; takes over what pulls killed before left there for the layers of `plan`.
    pub(crate) async fn create(out: &Path, plan: &[(Descriptor, PathBuf)]) -> Result<Self> {
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
        // From here on, dropping `Self` cleans up.
        let mut this = Self {
            cancel: Cancel {
                staging: staging.clone(),
                flag: Arc::default(),
                active: Arc::default(),
            },
            created,
            succeeded: false,
            _lock: None,
            reclaimed: HashSet::new(),
        };
        tokio::fs::create_dir(&staging)
            .await
            .map_err(Error::io(&staging))?;
        let (out, wanted): (PathBuf, Vec<(String, Descriptor)>) = (
            out.to_owned(),
            plan.iter()
                .enumerate()
                .map(|(i, (d, _))| (staged_name(i, d), d.clone()))
                .collect(),
        );
        let (lock, reclaimed) = tokio::task::spawn_blocking(move || {
            let lock_path = staging.join("lock");
            let lock = std::fs::File::create(&lock_path).map_err(Error::io(&lock_path))?;
            lock.lock().map_err(Error::io(&lock_path))?;
            Ok::<_, Error>((lock, reclaim(&out, &staging, &wanted)))
        })
        .await??;
        this._lock = Some(lock);
        this.reclaimed = reclaimed;
        Ok(this)
    }

    /// Downloads every layer of `plan` concurrently into the staging directory, then moves
    /// the results to their destinations. A file layer listed again under another title
    /// is downloaded once and copied (reported `Skipped`: it was at hand).
    pub(crate) async fn run(
        mut self,
        target: &dyn ReadOnlyTarget,
        plan: &[(Descriptor, PathBuf)],
        options: &PullOptions,
        progress: &Progress,
    ) -> Result<Vec<PulledFile>> {
        // A small blob leaves its download slot once received, for one of as many
        // writing slots, so the next download need not wait for the disk; at most twice
        // the concurrency of small blobs are in memory.
        let limit = Semaphore::new(options.concurrency.max(1));
        let writing = Semaphore::new(options.concurrency.max(1));
        let slots = Slots {
            download: &limit,
            write: &writing,
        };
        let (cancel, reclaimed) = (&self.cancel, &self.reclaimed);
        // For each file entry, the earlier file entry with the same content, if any.
        let mut first: HashMap<&Digest, usize> = HashMap::new();
        let copy_of: Vec<Option<usize>> = plan
            .iter()
            .enumerate()
            .map(|(i, (d, _))| {
                if d.annotation(annotations::ORAS_CONTENT_UNPACK) == Some("true") {
                    return None;
                }
                match first.get(&d.digest) {
                    Some(&j) => Some(j),
                    None => {
                        first.insert(&d.digest, i);
                        None
                    }
                }
            })
            .collect();
        let jobs = plan
            .iter()
            .enumerate()
            .filter(|(i, _)| copy_of[*i].is_none())
            .map(|(i, (desc, _))| {
                progress.emit(Event::Queued(desc));
                async move {
                    let permit = slots.download.acquire().await.expect(NEVER_CLOSED);
                    progress.emit(Event::Started(desc));
                    let name = staged_name(i, desc);
                    let at = cancel.staging.join(&name);
                    let partial = reclaimed.contains(&name);
                    let how = How {
                        partial,
                        limits: options.limits,
                        progress,
                        cancel,
                    };
                    let r = download(target, desc, &at, &how, permit, slots.write).await;
                    match &r {
                        Ok(_) => progress.emit(Event::Finished(desc)),
                        Err(e) => progress.emit(Event::Failed(desc, &e.to_string())),
                    }
                    r.map(|s| (i, s))
                }
            });
        let downloaded: Vec<(usize, Staged)> =
            join_all(jobs).await.into_iter().collect::<Result<_>>()?;
        let mut staged: Vec<Option<Staged>> = (0..plan.len()).map(|_| None).collect();
        for (i, s) in downloaded {
            staged[i] = Some(s);
        }
        for (i, (desc, _)) in plan.iter().enumerate() {
            let Some(j) = copy_of[i] else { continue };
            let Some(Staged::File(from)) = &staged[j] else {
                unreachable!("only file entries are copies of file entries");
            };
            let at = cancel.staging.join(staged_name(i, desc));
            tokio::fs::copy(from, &at).await.map_err(Error::io(&at))?;
            progress.emit(Event::Skipped(desc));
            staged[i] = Some(Staged::File(at));
        }
        let staged: Vec<Staged> = staged.into_iter().flatten().collect();
        let files = move_into_place(plan, staged, &self.cancel).await?;
        self.succeeded = true;
        Ok(files)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let cancel = &self.cancel;
        cancel.flag.store(true, Ordering::SeqCst);
        let (count, done) = &*cancel.active;
        let guard = count.lock().unwrap_or_else(PoisonError::into_inner);
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

/// Takes over what dead pulls left in `out`: every staging directory whose lock is free
/// (or that has none) gives the partial downloads of blobs in `wanted` (by staged name's
/// digest part) to `staging`, under the names they have there, and is removed. Best effort:
/// anything that cannot be read is downloaded again. Returns the names taken over.
fn reclaim(out: &Path, staging: &Path, wanted: &[(String, Descriptor)]) -> HashSet<String> {
    let mut taken = HashSet::new();
    let Ok(entries) = std::fs::read_dir(out) else {
        return taken;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with(PREFIX)
            || dir == staging
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let alive = std::fs::File::open(dir.join("lock"))
            .map(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
            .unwrap_or(false);
        if alive {
            continue;
        }
        for file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let left = file.file_name().to_string_lossy().into_owned();
            let Some((_, digest)) = left.split_once('.') else {
                continue;
            };
            let ours = wanted
                .iter()
                .find(|(mine, _)| mine.split_once('.').is_some_and(|(_, d)| d == digest));
            if let Some((mine, _)) = ours
                && file.file_type().is_ok_and(|t| t.is_file())
                && !taken.contains(mine)
                && std::fs::rename(file.path(), staging.join(mine)).is_ok()
            {
                taken.insert(mine.clone());
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    taken
}

/// The slots downloads take turns in.
#[derive(Clone, Copy)]
struct Slots<'a> {
    download: &'a Semaphore,
    write: &'a Semaphore,
}

const NEVER_CLOSED: &str = "the semaphore is never closed";

/// How one layer is downloaded.
struct How<'a> {
    /// Bytes a killed pull left are at hand, taken over.
    partial: bool,
    limits: UnpackLimits,
    progress: &'a Progress,
    cancel: &'a Cancel,
}

/// Downloads one layer to `at`, verified, holding the download slot `permit`; unpacks a
/// directory layer into `at.d`. Bytes a killed pull left at `at` (`how.partial`) are kept
/// and the rest fetched after them; if they turn out not to be the start of the blob, it
/// is downloaded whole. A small blob is received into memory and checked there, then
/// gives up its download slot for a `write` slot while it is written.
async fn download(
    target: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    at: &Path,
    how: &How<'_>,
    permit: SemaphorePermit<'_>,
    write: &Semaphore,
) -> Result<Staged> {
    let How {
        partial,
        limits,
        progress,
        cancel,
    } = *how;
    let resumed = if partial {
        match resume(target, desc, at, progress, cancel).await {
            Ok(done) => done,
            Err(Error::Verify(_)) => {
                let _ = tokio::fs::remove_file(at).await;
                false
            }
            Err(e) => return Err(e),
        }
    } else {
        false
    };
    if !resumed {
        let stream = progress.counting(desc, target.fetch_unhashed(desc).await?);
        if is_small(desc.size) {
            let exit = OnDrop(Some(cancel.enter()));
            let bytes = receive_small(stream, Verifier::for_descriptor(desc)?).await?;
            let _writing = write.acquire().await.expect(NEVER_CLOSED);
            drop(permit);
            write_chunks(at, bytes, false, false, exit).await?;
        } else {
            // Writing and hashing run on threads of their own while this task receives.
            // If the pull is dropped meanwhile, the writing thread removes the staging
            // directory when it ends.
            write_verified(stream, desc, at, false, false, cancel.enter()).await?;
        }
    }
    if desc.annotation(annotations::ORAS_CONTENT_UNPACK) != Some("true") {
        return Ok(Staged::File(at.to_owned()));
    }
    let dir = at.with_extension("d");
    let expected = match desc.annotation(annotations::ORAS_CONTENT_DIGEST) {
        Some(d) => Some(Digest::parse(d).map_err(|_| Error::InvalidAnnotation {
            name: annotations::ORAS_CONTENT_DIGEST,
            digest: desc.digest.clone(),
            value: d.chars().take(256).collect(),
        })?),
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
    .await??;
    Ok(Staged::Dir(dir))
}

/// Completes the partial download at `at`, if there is one: hashes what is there, fetches
/// the rest from where it ends, and checks the whole. `Ok(false)` when there is nothing to
/// resume from (no file, or more bytes than the blob has).
async fn resume(
    target: &dyn ReadOnlyTarget,
    desc: &Descriptor,
    at: &Path,
    progress: &Progress,
    cancel: &Cancel,
) -> Result<bool> {
    let Ok(meta) = tokio::fs::metadata(at).await else {
        return Ok(false);
    };
    let have = meta.len();
    if have == 0 || have > desc.size {
        let _ = tokio::fs::remove_file(at).await;
        return Ok(false);
    }
    let Some(algorithm) = desc.digest.algorithm() else {
        return Ok(false);
    };
    let path = at.to_owned();
    let prefix = tokio::task::spawn_blocking(move || {
        let mut d = Digester::new(algorithm);
        let mut f = std::fs::File::open(&path).map_err(Error::io(&path))?;
        std::io::copy(&mut f, &mut d).map_err(Error::io(&path))?;
        Ok::<_, Error>(d)
    })
    .await??;
    tracing::debug!(digest = %desc.digest, have, "resuming a download a killed pull left");
    let verifier = (!target.fetch_verifies())
        .then(|| Verifier::resume(desc.digest.clone(), desc.size, prefix.clone(), have))
        .transpose()?;
    if have == desc.size {
        let mut v = Verifier::resume(desc.digest.clone(), desc.size, prefix, have)?;
        v.finish()?;
        progress.emit(Event::Bytes(desc, have));
        return Ok(true);
    }
    let stream = target.fetch_from(desc, have, prefix).await?;
    let stream = progress.counting_from(desc, have, stream);
    write_to(stream, at, true, verifier, false, cancel.enter()).await?;
    Ok(true)
}

/// The staging directory of a pull, whether the pull was dropped, and how many threads
/// (writers, unpackers) still work in it.
#[derive(Clone)]
struct Cancel {
    staging: PathBuf,
    flag: Arc<AtomicBool>,
    active: Arc<(Mutex<usize>, Condvar)>,
}

impl Cancel {
    /// Counts a thread in; the returned function counts it out (and, after a cancellation,
    /// removes the staging directory should the guard have given up waiting).
    fn enter(&self) -> impl FnOnce() + Send + 'static {
        *self.active.0.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        let me = self.clone();
        move || {
            if me.flag.load(Ordering::SeqCst) {
                let _ = std::fs::remove_dir_all(&me.staging);
            }
            let mut n = me.active.0.lock().unwrap_or_else(PoisonError::into_inner);
            *n -= 1;
            me.active.1.notify_all();
        }
    }
}

/// Moves what was staged to its destination: a file renamed, a directory's entries (the
/// archive holds them under the title) moved over whatever had their names. All on one
/// blocking thread (a pull of many small files would otherwise pay a thread hand-off per
/// call); it stops at the next file when the pull is dropped.
async fn move_into_place(
    plan: &[(Descriptor, PathBuf)],
    staged: Vec<Staged>,
    cancel: &Cancel,
) -> Result<Vec<PulledFile>> {
    let plan = plan.to_vec();
    let (flag, exit) = (cancel.flag.clone(), cancel.enter());
    tokio::task::spawn_blocking(move || {
        let r = move_blocking(&plan, staged, &flag);
        exit();
        r
    })
    .await?
}

fn move_blocking(
    plan: &[(Descriptor, PathBuf)],
    staged: Vec<Staged>,
    cancelled: &AtomicBool,
) -> Result<Vec<PulledFile>> {
    let mut files = Vec::new();
    let mut made: Option<&Path> = None;
    for ((desc, dest), s) in plan.iter().zip(staged) {
        if cancelled.load(Ordering::SeqCst) {
            return Err(Error::Cancelled);
        }
        match s {
            Staged::File(from) => {
                if let Some(parent) = dest.parent()
                    && made != Some(parent)
                {
                    std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
                    made = Some(parent);
                }
                std::fs::rename(&from, dest).map_err(Error::io(dest))?;
            }
            Staged::Dir(from) => {
                let base = dest.parent().unwrap_or(Path::new("."));
                for e in std::fs::read_dir(&from).map_err(Error::io(&from))? {
                    let e = e.map_err(Error::io(&from))?;
                    let target = base.join(e.file_name());
                    if let Ok(meta) = std::fs::symlink_metadata(&target) {
                        let removed = if meta.is_dir() {
                            std::fs::remove_dir_all(&target)
                        } else {
                            std::fs::remove_file(&target)
                        };
                        removed.map_err(Error::io(&target))?;
                    }
                    std::fs::create_dir_all(base).map_err(Error::io(base))?;
                    std::fs::rename(e.path(), &target).map_err(Error::io(&target))?;
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

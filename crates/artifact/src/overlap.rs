//! Pushing a large file while it is hashed, through a target's upload session that takes
//! the digest at the commit: the push then costs about max(hash, upload) rather than their
//! sum.

use std::sync::{Arc, OnceLock};
use std::task::Poll;

use std::path::Path;

use oras_oci::{Descriptor, Digest};
use tokio::sync::SemaphorePermit;

use crate::Result;
use crate::content::{Target, UploadSession};
use crate::progress::{Event, Progress};
use crate::push::{hash_file, push_file_counting};
use crate::stream::{StreamWrap, file_body};

/// Files at least this large are uploaded while they are hashed: for smaller ones the
/// hash takes less time than the extra request the overlap costs (at about 1.8 GB/s,
/// 64 MiB hash in some 35 ms).
const OVERLAP_MIN: u64 = 64 << 20;

/// The size of `path`, when it is a file large enough to be worth uploading while hashed.
pub(crate) async fn worth_it(path: &Path) -> Option<u64> {
    let meta = tokio::fs::metadata(path).await.ok()?;
    (meta.is_file() && meta.len() >= OVERLAP_MIN).then_some(meta.len())
}

/// Sends the file at `path` in one write of `session` while another thread computes its
/// digest, and `describe` makes the blob's descriptor of it. With the digest known, a blob the target already has is skipped (the session is
/// abandoned; at most the bytes sent meanwhile were spent), otherwise the session is
/// committed under it. If the overlapped upload fails anywhere, the blob is uploaded again
/// the ordinary way, with its retries and resumption. `turn` (the hashing lane, when there
/// is one) is released as soon as the hash is done.
pub(crate) async fn push(
    target: &dyn Target,
    mut session: Box<dyn UploadSession + '_>,
    path: &Path,
    size: u64,
    describe: impl FnOnce(Digest, u64) -> Descriptor,
    progress: &Progress,
    turn: Option<SemaphorePermit<'_>>,
) -> Result<Descriptor> {
    // Bytes are counted for progress once the descriptor is known.
    let known = Arc::new(OnceLock::new());
    let (counter, slot) = (progress.clone(), known.clone());
    let count: StreamWrap = Arc::new(move |s| counter.counting_pending(slot.clone(), s));
    let body = file_body(path, size, Some(count))?;
    let mut sending = Box::pin(session.write(body, size));
    let mut hashing = Box::pin(hash_file(path.to_owned()));
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
            let _ = session.cancel().await;
            return Err(e);
        }
    };
    let desc = describe(digest, hashed_size);
    let exists = target.exists(&desc).await;
    if !matches!(exists, Ok(false)) {
        drop(sending);
        // Best effort: a registry also expires abandoned sessions by itself.
        let _ = session.cancel().await;
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
        Ok(()) => session.commit(&desc).await,
        Err(e) => {
            let _ = session.cancel().await;
            Err(e)
        }
    };
    let result = match committed {
        Ok(()) => Ok(()),
        Err(_) => push_file_counting(target, &desc, path, progress).await,
    };
    match &result {
        Ok(()) => progress.emit(Event::Finished(&desc)),
        Err(e) => progress.emit(Event::Failed(&desc, &e.to_string())),
    }
    result.map(|()| desc)
}

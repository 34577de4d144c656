//! oras-artifact's integration tests: one binary.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]
#![allow(
    clippy::new_without_default,
    reason = "a temporary directory is made, not defaulted"
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

// Registries need the default transport; layouts and memory need nothing (these run with
// `--no-default-features` too).
#[cfg(feature = "hyper")]
mod faults;
mod hostile;
#[cfg(feature = "hyper")]
mod images;
mod local;
#[cfg(feature = "hyper")]
mod profiles;
#[cfg(feature = "hyper")]
mod remote;
mod scenarios;

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh, empty directory.
    pub fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "oras-artifact-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }

    /// A path inside it.
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every path under `dir`, relative, sorted (a snapshot to compare before and after).
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let e = e.unwrap();
            let p = e.path();
            out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
            if e.file_type().unwrap().is_dir() {
                walk(base, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// A small tree of files to push: `files/a.txt`, `files/b.bin`, `files/dir/{x,sub/y}`.
pub fn sample(work: &TempDir) -> PathBuf {
    let root = work.join("files");
    std::fs::create_dir_all(root.join("dir/sub")).unwrap();
    std::fs::write(root.join("a.txt"), "alpha").unwrap();
    std::fs::write(
        root.join("b.bin"),
        (0..70_000u32).map(|i| (i % 253) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    std::fs::write(root.join("dir/x"), "x content").unwrap();
    std::fs::write(root.join("dir/sub/y"), "y content").unwrap();
    root
}

/// A descriptor's identity: media type, digest and size. A layout resolving a tag gives
/// its index entry, `org.opencontainers.image.ref.name` and all (as oras-go's does).
pub fn plain(d: &oras_artifact::oci::Descriptor) -> oras_artifact::oci::Descriptor {
    oras_artifact::oci::Descriptor::new(d.media_type.clone(), d.digest.clone(), d.size)
}

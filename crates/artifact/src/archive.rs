//! Directories as tar+gzip layers, packed reproducibly and unpacked safely.

use std::fs;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use oras_oci::{Algorithm, Digest, Digester};

use crate::{Error, Result};

/// Bounds on what unpacking a directory layer may create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnpackLimits {
    /// Most bytes of file content (default 64 GiB).
    pub max_bytes: u64,
    /// Most entries (default 1 000 000).
    pub max_entries: u64,
}

impl Default for UnpackLimits {
    fn default() -> Self {
        Self {
            max_bytes: 64 << 30,
            max_entries: 1_000_000,
        }
    }
}

/// A writer that hashes and counts what passes through.
struct Hashing<W> {
    inner: W,
    digester: Digester,
    count: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digester.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The archive file, noting whether a write to it failed: tar reports a failure to read
/// a source file and one to write the archive alike, and they need different words.
struct Archive {
    file: fs::File,
    failed: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Write for Archive {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.file.write(buf);
        self.failed.set(self.failed.get() || r.is_err());
        r
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// A packed directory: the gzip file's digest and size, and the digest of the tar inside
/// (ORAS's `io.deis.oras.content.digest`).
#[derive(Clone, Debug)]
pub(crate) struct Packed {
    pub(crate) digest: Digest,
    pub(crate) size: u64,
    pub(crate) tar_digest: Digest,
}

/// Packs `dir` into `out` as tar+gzip, entries under `name/`, sorted, with owner and
/// times zeroed unless `preserve` (so the same tree always gives the same digest).
pub(crate) fn pack_dir(dir: &Path, name: &str, out: &Path, preserve: bool) -> Result<Packed> {
    let failed = std::rc::Rc::default();
    let file = Archive {
        file: fs::File::create(out).map_err(Error::io(out))?,
        failed: std::rc::Rc::clone(&failed),
    };
    let gz_hash = Hashing {
        inner: io::BufWriter::with_capacity(1 << 20, file),
        digester: Digester::new(Algorithm::Sha256),
        count: 0,
    };
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(gz_hash, flate2::Compression::default());
    let tar_hash = Hashing {
        inner: gz,
        digester: Digester::new(Algorithm::Sha256),
        count: 0,
    };
    let mut builder = tar::Builder::new(tar_hash);
    builder.follow_symlinks(false);
    // An error while the archive could not be written (a full disk) is the archive's,
    // whichever source file was being read.
    append_tree(&mut builder, dir, Path::new(name), preserve).map_err(|e| match e {
        Error::Io { source, .. } if failed.get() => Error::io(out)(source),
        e => e,
    })?;
    let tar_hash = builder.into_inner().map_err(Error::io(out))?;
    let tar_digest = tar_hash.digester.finish();
    let mut gz_hash = tar_hash.inner.finish().map_err(Error::io(out))?;
    gz_hash.flush().map_err(Error::io(out))?;
    gz_hash
        .inner
        .get_ref()
        .file
        .sync_all()
        .map_err(Error::io(out))?;
    Ok(Packed {
        digest: gz_hash.digester.finish(),
        size: gz_hash.count,
        tar_digest,
    })
}

fn append_tree<W: Write>(
    b: &mut tar::Builder<W>,
    path: &Path,
    name: &Path,
    preserve: bool,
) -> Result<()> {
    let meta = fs::symlink_metadata(path).map_err(Error::io(path))?;
    let mut header = tar::Header::new_gnu();
    header.set_metadata_in_mode(
        &meta,
        if preserve {
            tar::HeaderMode::Complete
        } else {
            tar::HeaderMode::Deterministic
        },
    );
    if !preserve {
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
    }
    let ft = meta.file_type();
    if ft.is_dir() {
        header.set_size(0);
        b.append_data(&mut header, name, io::empty())
            .map_err(Error::io(path))?;
        let mut children: Vec<_> = fs::read_dir(path)
            .map_err(Error::io(path))?
            .collect::<io::Result<_>>()
            .map_err(Error::io(path))?;
        children.sort_by_key(fs::DirEntry::file_name);
        for c in children {
            append_tree(b, &c.path(), &name.join(c.file_name()), preserve)?;
        }
    } else if ft.is_file() {
        let f = fs::File::open(path).map_err(Error::io(path))?;
        header.set_size(meta.len());
        b.append_data(&mut header, name, f)
            .map_err(Error::io(path))?;
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(Error::io(path))?;
        header.set_size(0);
        b.append_link(&mut header, name, &target)
            .map_err(Error::io(path))?;
    } else {
        return Err(Error::NotPushable(path.to_owned()));
    }
    Ok(())
}

/// A relative path with no `..`, root or prefix, as its normal components.
fn safe_relative(p: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

/// `base.join(rel)` resolved lexically (`..` applied), if it stays under `base`.
fn lexical_inside(base: &Path, rel: &Path) -> Option<PathBuf> {
    let mut parts: Vec<std::ffi::OsString> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => parts.push(n.to_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.iter().fold(base.to_owned(), |p, c| p.join(c)))
}

/// Refuses to go through a symbolic link on the way from `dest` to `rel`'s parent.
fn check_no_symlink_on_path(dest: &Path, rel: &Path) -> Result<()> {
    let mut p = dest.to_owned();
    let comps: Vec<_> = rel.components().collect();
    for c in &comps[..comps.len().saturating_sub(1)] {
        p.push(c);
        if fs::symlink_metadata(&p).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Error::Unsafe {
                path: rel.display().to_string(),
                reason: "it would be written through a symbolic link".into(),
            });
        }
    }
    Ok(())
}

/// Unpacks a tar+gzip file into `dest` (which must exist), refusing entries that would
/// land outside it, links that point outside it, device files, and more than `limits`.
/// When `expected` is given, the tar inside must have that digest.
pub(crate) fn unpack(
    gz: &Path,
    dest: &Path,
    expected: Option<&Digest>,
    limits: UnpackLimits,
    cancelled: Option<&std::sync::atomic::AtomicBool>,
) -> Result<()> {
    struct HashingReader<R> {
        inner: R,
        digester: Digester,
    }
    impl<R: Read> Read for HashingReader<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.digester.update(&buf[..n]);
            Ok(n)
        }
    }
    let file = fs::File::open(gz).map_err(Error::io(gz))?;
    let reader = HashingReader {
        inner: flate2::read::GzDecoder::new(io::BufReader::with_capacity(1 << 20, file)),
        digester: Digester::new(
            expected
                .and_then(Digest::algorithm)
                .unwrap_or(Algorithm::Sha256),
        ),
    };
    let mut archive = tar::Archive::new(reader);
    let (mut entries_seen, mut bytes) = (0u64, 0u64);
    let unsafe_entry = |p: &Path, reason: &str| Error::Unsafe {
        path: p.display().to_string(),
        reason: reason.into(),
    };
    for entry in archive.entries().map_err(Error::io(gz))? {
        let mut entry = entry.map_err(Error::io(gz))?;
        if cancelled.is_some_and(|c| c.load(std::sync::atomic::Ordering::SeqCst)) {
            return Err(Error::Cancelled);
        }
        entries_seen += 1;
        if entries_seen > limits.max_entries {
            return Err(unsafe_entry(
                gz,
                &format!("the archive has more than {} entries", limits.max_entries),
            ));
        }
        let raw = entry.path().map_err(Error::io(gz))?.into_owned();
        let rel = safe_relative(&raw).ok_or_else(|| {
            unsafe_entry(
                &raw,
                "absolute paths and `..` would write outside the output directory",
            )
        })?;
        check_no_symlink_on_path(dest, &rel)?;
        let target = dest.join(&rel);
        let kind = entry.header().entry_type();
        let mode = entry.header().mode().unwrap_or(0o644) & 0o777;
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(Error::io(parent))?;
        }
        match kind {
            tar::EntryType::Directory => {
                fs::create_dir_all(&target).map_err(Error::io(&target))?;
            }
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                bytes += entry.size();
                if bytes > limits.max_bytes {
                    return Err(unsafe_entry(
                        &raw,
                        &format!("the archive holds more than {} bytes", limits.max_bytes),
                    ));
                }
                if fs::symlink_metadata(&target).is_ok() {
                    fs::remove_file(&target).map_err(Error::io(&target))?;
                }
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&target)
                    .map_err(Error::io(&target))?;
                let size = entry.size();
                io::copy(&mut (&mut entry).take(size), &mut out).map_err(Error::io(&target))?;
                set_mode(&target, mode)?;
            }
            tar::EntryType::Symlink => {
                let link = entry
                    .link_name()
                    .map_err(Error::io(gz))?
                    .ok_or_else(|| unsafe_entry(&raw, "a symbolic link without a target"))?
                    .into_owned();
                let parent = rel.parent().unwrap_or(Path::new(""));
                if link.is_absolute()
                    || lexical_inside(Path::new("/inside"), &parent.join(&link)).is_none()
                {
                    return Err(unsafe_entry(
                        &raw,
                        &format!(
                            "its link to {} points outside the output directory",
                            link.display()
                        ),
                    ));
                }
                symlink(&link, &target)?;
            }
            tar::EntryType::Link => {
                let link = entry
                    .link_name()
                    .map_err(Error::io(gz))?
                    .ok_or_else(|| unsafe_entry(&raw, "a hard link without a target"))?
                    .into_owned();
                let link_rel = safe_relative(&link).ok_or_else(|| {
                    unsafe_entry(&raw, "its hard link points outside the output directory")
                })?;
                check_no_symlink_on_path(dest, &link_rel)?;
                let source = dest.join(&link_rel);
                if !fs::symlink_metadata(&source).is_ok_and(|m| m.file_type().is_file()) {
                    return Err(unsafe_entry(
                        &raw,
                        "its hard link does not point to a file unpacked before it",
                    ));
                }
                fs::hard_link(&source, &target).map_err(Error::io(&target))?;
            }
            tar::EntryType::XGlobalHeader
            | tar::EntryType::XHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink => {}
            other => {
                return Err(unsafe_entry(
                    &raw,
                    &format!("{other:?} entries (devices, FIFOs) are not created"),
                ));
            }
        }
    }
    // Read to the end so the digest covers the whole tar, padding included.
    let mut reader = archive.into_inner();
    io::copy(&mut reader, &mut io::sink()).map_err(Error::io(gz))?;
    if let Some(want) = expected {
        let got = reader.digester.finish();
        if &got != want {
            return Err(Error::Verify(
                oras_oci::verify::VerifyError::DigestMismatch {
                    expected: want.clone(),
                    actual: got,
                },
            ));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(Error::io(path))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn symlink(link: &Path, at: &Path) -> Result<()> {
    if fs::symlink_metadata(at).is_ok() {
        fs::remove_file(at).map_err(Error::io(at))?;
    }
    std::os::unix::fs::symlink(link, at).map_err(Error::io(at))
}

#[cfg(not(unix))]
fn symlink(_: &Path, at: &Path) -> Result<()> {
    Err(Error::Unsafe {
        path: at.display().to_string(),
        reason: "symbolic links are only unpacked on Unix".into(),
    })
}

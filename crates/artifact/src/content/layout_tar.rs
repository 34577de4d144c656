//! An OCI image layout packed as a `.tar`, read in place from a table of contents built
//! once: a read-only target.

use std::collections::HashMap;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use oras_distribution::{BoxFuture, ByteStream};
use oras_oci::{Descriptor, Digest, ImageIndex, ManifestRef};

use super::layout::{blocking, check_layout_file, find, parse_index, referrers_in, tags_in};
use super::{Fetch, ListReferrers, ListTags, ReadOnlyTarget, Resolve};
use crate::stream::ReadStream;
use crate::{Error, Result};

/// An OCI image layout packed as a `.tar`, read in place.
///
/// It is read-only by type: a [`ReadOnlyTarget`], not a [`Target`](super::Target), so it
/// can be pulled from and copied from, and pushing to it does not compile:
///
/// ```compile_fail
/// # async fn f(layout: &oras_artifact::OciLayoutTar) -> oras_artifact::Result<()> {
/// oras_artifact::push(layout, &[], &oras_artifact::PushOptions::default()).await?;
/// # Ok(()) }
/// ```
///
/// where the same with a layout directory does:
///
/// ```
/// # async fn f(layout: &oras_artifact::OciLayout) -> oras_artifact::Result<()> {
/// oras_artifact::push(layout, &[], &oras_artifact::PushOptions::default()).await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct OciLayoutTar {
    path: PathBuf,
    /// `blobs/<alg>/<encoded>` and `index.json` -> (offset, size) in the tar.
    entries: HashMap<String, (u64, u64)>,
    index: ImageIndex,
}

impl OciLayoutTar {
    /// Reads the tar's table of contents and its `index.json`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self> {
        let path = path.into();
        let file = fs::File::open(&path).map_err(Error::io(&path))?;
        let mut archive = tar::Archive::new(file);
        let mut entries = HashMap::new();
        for entry in archive.entries().map_err(Error::io(&path))? {
            let entry = entry.map_err(Error::io(&path))?;
            if entry.header().entry_type() != tar::EntryType::Regular {
                continue;
            }
            let name = entry
                .path()
                .map_err(Error::io(&path))?
                .to_string_lossy()
                .trim_start_matches("./")
                .to_owned();
            entries.insert(name, (entry.raw_file_position(), entry.size()));
        }
        let read = |(offset, size): (u64, u64), what: &str| -> Result<Vec<u8>> {
            if size > oras_oci::manifest::DEFAULT_MANIFEST_SIZE_LIMIT as u64 {
                return Err(Error::InvalidLayout {
                    path: path.clone(),
                    reason: format!("{what} is too large"),
                });
            }
            let mut bytes = vec![0; usize::try_from(size).expect("below the manifest limit")];
            let mut f = fs::File::open(&path).map_err(Error::io(&path))?;
            f.seek(SeekFrom::Start(offset))
                .and_then(|_| f.read_exact(&mut bytes))
                .map_err(Error::io(&path))?;
            Ok(bytes)
        };
        let missing = |what: &str| Error::InvalidLayout {
            path: path.clone(),
            reason: format!("invalid OCI Image Layout: {what} is missing"),
        };
        let layout = *entries
            .get("oci-layout")
            .ok_or_else(|| missing("oci-layout"))?;
        check_layout_file(&path, &read(layout, "oci-layout")?)?;
        let index = *entries
            .get("index.json")
            .ok_or_else(|| missing("index.json"))?;
        let index = parse_index(&path.join("index.json"), read(index, "index.json")?)?;
        Ok(Self {
            path,
            entries,
            index,
        })
    }

    /// Where a blob is in the tar: (offset, size).
    fn entry(&self, digest: &Digest) -> Option<(u64, u64)> {
        let key = format!("blobs/{}/{}", digest.algorithm_name(), digest.encoded());
        self.entries.get(&key).copied()
    }

    fn not_found(&self, what: impl std::fmt::Display) -> Error {
        Error::NotFound(format!("{what} in {}", self.path.display()))
    }
}

impl Fetch for OciLayoutTar {
    fn fetch<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<ByteStream>> {
        Box::pin(async move {
            let (offset, size) = self
                .entry(&desc.digest)
                .ok_or_else(|| self.not_found(&desc.digest))?;
            let path = self.path.clone();
            let file = blocking(move || {
                let mut f = fs::File::open(&path).map_err(Error::io(&path))?;
                f.seek(SeekFrom::Start(offset)).map_err(Error::io(&path))?;
                Ok(f)
            })
            .await?;
            Ok(ReadStream::boxed(tokio::io::AsyncReadExt::take(
                tokio::fs::File::from_std(file),
                size,
            )))
        })
    }

    fn exists<'a>(&'a self, desc: &'a Descriptor) -> BoxFuture<'a, Result<bool>> {
        Box::pin(async move { Ok(self.entry(&desc.digest).is_some()) })
    }

    fn blob_size<'a>(&'a self, digest: &'a Digest) -> BoxFuture<'a, Result<Option<u64>>> {
        Box::pin(async move { Ok(self.entry(digest).map(|(_, size)| size)) })
    }
}

impl Resolve for OciLayoutTar {
    fn resolve<'a>(&'a self, reference: &'a ManifestRef) -> BoxFuture<'a, Result<Descriptor>> {
        Box::pin(
            async move { find(&self.index, reference).ok_or_else(|| self.not_found(reference)) },
        )
    }
}

impl ListTags for OciLayoutTar {
    fn tags(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(async move { Ok(tags_in(&self.index)) })
    }
}

impl ListReferrers for OciLayoutTar {
    fn referrers<'a>(
        &'a self,
        subject: &'a Descriptor,
        artifact_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<Descriptor>>> {
        Box::pin(async move { referrers_in(self, &self.index, subject, artifact_type).await })
    }
}

impl ReadOnlyTarget for OciLayoutTar {}

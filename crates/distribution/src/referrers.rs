//! Referrers: the API where the registry has it, the `<alg>-<hex>` tag schema where not,
//! and the referrers index this client keeps up to date on registries without the API.

use http::header::{self, HeaderMap};
use http::{Method, StatusCode};
use oras_oci::{Descriptor, Digest, ImageIndex, Manifest, ManifestRef, media_type};

use tracing::Instrument;

use crate::error::{Error, ErrorKind, Result};
use crate::log::op_span;
use crate::page::Listing;
use crate::repository::Repository;

/// How referrers are found and kept (the `oras` CLI's `--distribution-spec`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReferrersMode {
    /// Try the referrers API; fall back to the tag schema when the registry lacks it, and
    /// remember which per repository.
    #[default]
    Auto,
    /// Use only the API (`v1.1-referrers-api`).
    Api,
    /// Use only the tag schema (`v1.1-referrers-tag`), and keep its index on push.
    TagSchema,
}

/// The tag under which the tag schema keeps the referrers of `digest`:
/// `<algorithm>-<encoded>`, the encoded part cut to 64 characters, and any character a
/// tag may not hold replaced by `-`, as the spec says.
pub fn referrers_tag(digest: &Digest) -> String {
    let encoded = digest.encoded();
    let tag: String = format!(
        "{}-{}",
        digest.algorithm_name(),
        &encoded[..encoded.len().min(64)]
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() || "._-".contains(c) {
            c
        } else {
            '-'
        }
    })
    .take(128)
    .collect();
    tag
}

/// [`referrers_tag`] as a reference.
fn referrers_tag_ref(digest: &Digest) -> ManifestRef {
    ManifestRef::tag_of(&referrers_tag(digest))
        .expect("an algorithm starts with a letter or digit and the rest is made tag-safe")
}

/// A page of the referrers API: an image index.
fn referrers_page(headers: &HeaderMap, bytes: bytes::Bytes, limit: usize) -> Result<ImageIndex> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let index = Manifest::parse_with_limit(bytes, content_type, limit).map_err(|e| {
        Error::new(
            ErrorKind::Manifest,
            "the referrers API sent an invalid index",
        )
        .with_source(e)
    })?;
    index.as_index().cloned().ok_or_else(|| {
        Error::new(
            ErrorKind::Protocol,
            "the referrers API did not answer with an index",
        )
    })
}

enum Change {
    Add(Box<Descriptor>),
    Remove(Digest),
}

impl Repository {
    /// Deletes the referrers index `digest` that `tag` no longer needs; whether it is gone.
    /// A registry that refuses or fails the delete is warned about, not an error: what the
    /// caller set out to write is written.
    async fn delete_superseded(&self, tag: &ManifestRef, digest: &Digest) -> bool {
        match self.delete_manifest_only(digest).await {
            Ok(()) => true,
            Err(e) if e.is_not_found() => true,
            Err(e) => {
                let why = if e.is_refused() {
                    "the registry refused to delete it"
                } else {
                    "deleting it failed"
                };
                let detail = e.status().map_or_else(String::new, |s| format!(" ({s})"));
                self.client().warn(
                    self.endpoint(),
                    &format!(
                        "the superseded referrers index {digest} (once tagged {tag}) is still there: {why}{detail}"
                    ),
                );
                false
            }
        }
    }

    fn capability_key(&self) -> String {
        format!("{}/{}", self.registry(), self.name())
    }

    /// Whether the registry is known to have the referrers API for this repository.
    pub fn referrers_api(&self) -> Option<bool> {
        match self.client().config().referrers {
            ReferrersMode::Api => Some(true),
            ReferrersMode::TagSchema => Some(false),
            ReferrersMode::Auto => self.client().referrers_capability(&self.capability_key()),
        }
    }

    fn set_referrers_api(&self, supported: bool) {
        if self.client().config().referrers == ReferrersMode::Auto {
            self.client()
                .set_referrers_capability(self.capability_key(), supported);
        }
    }

    /// The manifests that refer to `subject`, optionally only those of `artifact_type`.
    pub async fn referrers(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let span = op_span!(self, "referrers", subject = %subject);
        async move {
            if self.referrers_api() != Some(false) {
                match self.referrers_from_api(subject, artifact_type).await? {
                    Some(list) => return Ok(list),
                    None if self.client().config().referrers == ReferrersMode::Api => {
                        return Err(Error::new(
                            ErrorKind::Protocol,
                            "the registry has no referrers API (404)",
                        ));
                    }
                    None => {}
                }
            }
            let mut list = self
                .referrers_from_tag(subject)
                .await?
                .map(|(i, _)| i.manifests)
                .unwrap_or_default();
            if let Some(t) = artifact_type {
                list.retain(|d| d.artifact_type.as_deref() == Some(t));
            }
            Ok(list)
        }
        .instrument(span)
        .await
    }

    /// `Ok(None)` when the registry has no referrers API.
    async fn referrers_from_api(
        &self,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>> {
        let mut tail = format!("referrers/{subject}");
        if let Some(t) = artifact_type {
            tail.push_str(&format!("?artifactType={}", t.replace('+', "%2B")));
        }
        let limit = self.client().config().manifest_size_limit;
        let listing = Listing {
            client: self.client(),
            endpoint: self.endpoint(),
            scopes: self.pull_scopes(),
            first: self.url(&tail),
            accept: Some(media_type::OCI_INDEX),
            absent_on_404: true,
        };
        let list = listing
            .collect(|headers, bytes| {
                let index = referrers_page(headers, bytes, limit)?;
                let filtered = headers
                    .get_all("oci-filters-applied")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .any(|v| v.split(',').any(|f| f.trim() == "artifactType"));
                let mut list = index.manifests;
                if let (Some(t), false) = (artifact_type, filtered) {
                    list.retain(|d| d.artifact_type.as_deref() == Some(t));
                }
                Ok(list)
            })
            .await?;
        self.set_referrers_api(list.is_some());
        Ok(list)
    }

    /// The tag schema's index and its ETag, if any.
    async fn referrers_from_tag(
        &self,
        subject: &Digest,
    ) -> Result<Option<(ImageIndex, Option<(Digest, Option<String>)>)>> {
        let tag = referrers_tag_ref(subject);
        match self.fetch_manifest_with_etag(&tag, None).await {
            Ok((m, etag)) => match m.as_index() {
                Some(i) => Ok(Some((i.clone(), Some((m.digest().clone(), etag))))),
                // Something else under that tag: no referrers index.
                None => Ok(None),
            },
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// After pushing `manifest`: when it has a subject and the registry did not say it
    /// indexed it (`OCI-Subject`), add it to the subject's referrers index.
    pub(crate) async fn after_push(&self, manifest: &Manifest, oci_subject: bool) -> Result<()> {
        let Some(subject) = manifest.subject() else {
            return Ok(());
        };
        if oci_subject && self.client().config().referrers != ReferrersMode::TagSchema {
            self.set_referrers_api(true);
            return Ok(());
        }
        if self.client().config().referrers == ReferrersMode::Api
            || self.probe_referrers_api().await?
        {
            return Ok(());
        }
        self.update_referrers_index(
            &subject.digest,
            Change::Add(Box::new(manifest.referrer_descriptor())),
        )
        .await
    }

    /// Whether the API is there, asking the registry once per repository (the referrers of
    /// an all-zero digest: 200 means yes, 404 no).
    async fn probe_referrers_api(&self) -> Result<bool> {
        if let Some(known) = self.referrers_api() {
            return Ok(known);
        }
        let zero = Digest::parse(&format!("sha256:{}", "0".repeat(64))).expect("a valid digest");
        let call = self
            .call(
                Method::GET,
                self.url(&format!("referrers/{zero}")),
                self.pull_scopes(),
            )
            .accept(media_type::OCI_INDEX);
        let url = call.url().clone();
        let r = call.send().await?;
        let supported = match r.status() {
            StatusCode::OK => true,
            StatusCode::NOT_FOUND => false,
            _ => return Err(self.status_error(&Method::GET, &url, r).await),
        };
        self.set_referrers_api(supported);
        Ok(supported)
    }

    /// The subject of the manifest `digest`, when the repository keeps referrers by tag
    /// and the manifest has one: what a delete must take out of the subject's index.
    pub(crate) async fn indexed_subject(&self, digest: &Digest) -> Result<Option<Digest>> {
        if self.referrers_api() == Some(true) {
            return Ok(None);
        }
        match self.fetch_manifest(digest).await {
            Ok(m) => Ok(m.subject().map(|s| s.digest.clone())),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// After the manifest `digest` was deleted: takes it out of its subject's index.
    pub(crate) async fn after_delete(&self, subject: &Digest, digest: &Digest) -> Result<()> {
        self.update_referrers_index(subject, Change::Remove(digest.clone()))
            .await
    }

    /// Reads the index, applies the change, writes it back conditionally (If-Match when the
    /// registry gave an ETag; re-read and retried when another writer got there first),
    /// then deletes the index it replaced when `referrers_gc` says so. A list that became
    /// empty is deleted rather than written, unless it is not to be or cannot be: then an
    /// empty index is written, so the tag lists nothing stale. A registry that refuses the
    /// delete (or fails it) gets a warning, not an error: the change itself is written.
    async fn update_referrers_index(&self, subject: &Digest, change: Change) -> Result<()> {
        let tag = referrers_tag_ref(subject);
        let gc = self.client().config().referrers_gc;
        for _ in 0..5 {
            let current = self.referrers_from_tag(subject).await?;
            let (old_list, old) = match current {
                Some((index, old)) => (index.manifests, old),
                None => (Vec::new(), None),
            };
            let mut list: Vec<Descriptor> = Vec::with_capacity(old_list.len() + 1);
            for d in &old_list {
                if !list.iter().any(|x: &Descriptor| x.digest == d.digest) {
                    list.push(d.clone());
                }
            }
            match &change {
                Change::Add(d) => {
                    if !list.iter().any(|x| x.digest == d.digest) {
                        list.push((**d).clone());
                    }
                }
                Change::Remove(digest) => list.retain(|x| &x.digest != digest),
            }
            if list == old_list {
                return Ok(());
            }
            let (old_digest, etag) = match old {
                Some((digest, etag)) => (Some(digest), etag),
                None => (None, None),
            };
            let write_empty = list.is_empty()
                && match &old_digest {
                    Some(d) if gc => !self.delete_superseded(&tag, d).await,
                    Some(_) => true,
                    None => false,
                };
            if !list.is_empty() || write_empty {
                let index = Manifest::from_index(ImageIndex::new(list.clone()));
                match self
                    .push_manifest_if_match(&tag, &index, etag.as_deref())
                    .await
                {
                    Ok(()) => {}
                    Err(e) if e.status() == Some(StatusCode::PRECONDITION_FAILED) => continue,
                    Err(e) => return Err(e),
                }
            }
            if let (Some(old_digest), true, false) = (&old_digest, gc, list.is_empty()) {
                self.delete_superseded(&tag, old_digest).await;
            }
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::Protocol,
            format!("the referrers index {tag} kept changing under concurrent writers"),
        ))
    }
}

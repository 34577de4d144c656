//! What names a manifest inside a repository: a tag or a digest (and, in an OCI image
//! layout, any reference name).

use std::fmt;
use std::str::FromStr;

use crate::{Digest, DigestError};

/// A tag (`v1`) or a digest (`sha256:…`): the `<reference>` of `/v2/<name>/manifests/<reference>`.
///
/// Every value is valid: a tag matches the distribution tag grammar, a digest the
/// image-spec digest grammar. [`parse`](Self::parse) tells them apart by the grammar (a
/// tag cannot contain `:`), not by guessing.
///
/// An OCI image layout names its manifests with any text
/// (`org.opencontainers.image.ref.name`), and the Go CLI tags layouts with names such as
/// `example.com/app:v1`: [`name_of`](Self::name_of) makes such a reference. It is taken
/// where a tag is ([`tag`](Self::tag) gives the name) by layouts and memory stores;
/// registries refuse it.
///
/// ```
/// use oras_oci::ManifestRef;
///
/// let tag: ManifestRef = "v1.2".parse()?;
/// assert_eq!(tag.tag(), Some("v1.2"));
/// let digest: ManifestRef = "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae".parse()?;
/// assert!(digest.digest().is_some());
/// assert!("not a tag!".parse::<ManifestRef>().is_err());
/// # Ok::<(), oras_oci::ManifestRefError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ManifestRef(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    Tag(String),
    Digest(Digest),
    /// A layout's reference name that is neither a tag nor a digest.
    Name(String),
}

/// Text that is neither a tag nor a digest.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestRefError {
    /// Not a tag: tags are 1 to 128 of `[A-Za-z0-9_.-]`, not starting with `.` or `-`.
    #[error("invalid tag {0:?}")]
    Tag(String),
    /// Has a `:`, so it names a digest, but not a valid one.
    #[error("invalid digest {input:?}")]
    Digest {
        /// The text given.
        input: String,
        /// Why it is not a digest.
        #[source]
        source: DigestError,
    },
    /// An empty reference name.
    #[error("empty reference name")]
    EmptyName,
}

impl ManifestRef {
    /// A tag or, when the text has a `:`, a digest.
    pub fn parse(s: &str) -> Result<Self, ManifestRefError> {
        if s.contains(':') {
            return Digest::parse(s)
                .map(Self::from)
                .map_err(|source| ManifestRefError::Digest {
                    input: crate::truncated(s),
                    source,
                });
        }
        Self::tag_of(s)
    }

    /// A tag, checked against the tag grammar.
    pub fn tag_of(tag: &str) -> Result<Self, ManifestRefError> {
        if oras_reference::is_valid_tag(tag) {
            Ok(Self(Repr::Tag(tag.to_owned())))
        } else {
            Err(ManifestRefError::Tag(crate::truncated(tag)))
        }
    }

    /// A reference name of an OCI image layout: a tag or a digest when the text is one
    /// (as [`parse`](Self::parse) tells), else any other non-empty text, as oras-go's
    /// layout store takes (`example.com/app:v1`).
    ///
    /// ```
    /// use oras_oci::ManifestRef;
    ///
    /// let name = ManifestRef::name_of("example.com/app:v1")?;
    /// assert!(name.is_name());
    /// assert_eq!(name.tag(), Some("example.com/app:v1"));
    /// assert!(!ManifestRef::name_of("v1")?.is_name());
    /// # Ok::<(), oras_oci::ManifestRefError>(())
    /// ```
    pub fn name_of(name: &str) -> Result<Self, ManifestRefError> {
        if name.is_empty() {
            return Err(ManifestRefError::EmptyName);
        }
        match Self::parse(name) {
            Ok(r) => Ok(r),
            Err(_) => Ok(Self(Repr::Name(name.to_owned()))),
        }
    }

    /// The tag, if this is one; for a layout's reference name ([`name_of`](Self::name_of)),
    /// the name.
    pub fn tag(&self) -> Option<&str> {
        match &self.0 {
            Repr::Tag(t) | Repr::Name(t) => Some(t),
            Repr::Digest(_) => None,
        }
    }

    /// Whether this is a layout's reference name that is neither a tag nor a digest
    /// (which registries do not take).
    pub fn is_name(&self) -> bool {
        matches!(self.0, Repr::Name(_))
    }

    /// The digest, if this is one.
    pub fn digest(&self) -> Option<&Digest> {
        match &self.0 {
            Repr::Tag(_) | Repr::Name(_) => None,
            Repr::Digest(d) => Some(d),
        }
    }

    /// The text, as it goes into a URL (or, for a name, into a layout's index).
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Tag(t) | Repr::Name(t) => t,
            Repr::Digest(d) => d.as_str(),
        }
    }

    /// How it is joined to a repository name in a full reference: `:` before a tag (or
    /// name), `@` before a digest.
    pub fn separator(&self) -> char {
        match &self.0 {
            Repr::Tag(_) | Repr::Name(_) => ':',
            Repr::Digest(_) => '@',
        }
    }
}

impl From<Digest> for ManifestRef {
    fn from(d: Digest) -> Self {
        Self(Repr::Digest(d))
    }
}

impl From<&Digest> for ManifestRef {
    fn from(d: &Digest) -> Self {
        Self(Repr::Digest(d.clone()))
    }
}

impl FromStr for ManifestRef {
    type Err = ManifestRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ManifestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ManifestRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Tag(t) => write!(f, "Tag({t:?})"),
            Repr::Digest(d) => write!(f, "Digest({d})"),
            Repr::Name(n) => write!(f, "Name({n:?})"),
        }
    }
}

/// What an API that names a manifest takes: a [`ManifestRef`], a [`Digest`], or text that
/// parses as one (`"v1"`, `"sha256:…"`), so callers need not parse first. Text that is
/// neither is an error of the call.
pub trait IntoManifestRef {
    /// The reference, or why the text is not one.
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError>;
}

impl IntoManifestRef for ManifestRef {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        Ok(self)
    }
}

impl IntoManifestRef for &ManifestRef {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        Ok(self.clone())
    }
}

impl IntoManifestRef for Digest {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        Ok(self.into())
    }
}

impl IntoManifestRef for &Digest {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        Ok(self.into())
    }
}

impl IntoManifestRef for &str {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        ManifestRef::parse(self)
    }
}

impl IntoManifestRef for String {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        ManifestRef::parse(&self)
    }
}

impl IntoManifestRef for &String {
    fn into_manifest_ref(self) -> Result<ManifestRef, ManifestRefError> {
        ManifestRef::parse(self)
    }
}

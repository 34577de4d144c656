//! Parse, validate, normalise and display OCI image references.
//!
//! A [`Reference`] names content in a registry:
//! `registry/repository[:tag][@digest]`, for example
//! `ghcr.io/oras-project/oras:v1.2.0` or `localhost:5000/hello@sha256:…`.
//!
//! There are two ways in:
//!
//! - [`Reference::parse`] (and [`FromStr`]) is strict: the registry must be written, as the
//!   `oras` CLI requires. The part before the first `/` is the registry.
//! - [`Reference::parse_normalized`] follows Docker: a name without a registry is on Docker
//!   Hub (`ubuntu` means `docker.io/library/ubuntu:latest`). Callers opt into this.
//!
//! [`Display`](fmt::Display) writes the canonical form, which [`Reference::parse`] reads back
//! to an equal value. [`Reference::tag_or_digest`] is the string that goes into a
//! distribution API path such as `/v2/<repository>/manifests/<tag_or_digest>`.
//!
//! ```
//! use oras_reference::Reference;
//!
//! let r: Reference = "localhost:5000/team/app:v1".parse()?;
//! assert_eq!(r.registry(), "localhost:5000");
//! assert_eq!(r.repository(), "team/app");
//! assert_eq!(r.tag_or_digest(), Some("v1"));
//!
//! let hub = Reference::parse_normalized("ubuntu")?;
//! assert_eq!(hub.to_string(), "docker.io/library/ubuntu:latest");
//! assert_eq!(hub.api_registry(), "registry-1.docker.io");
//!
//! let err = Reference::parse("localhost/app:Bad Tag").unwrap_err();
//! assert_eq!(err.to_string(), r#"invalid tag "Bad Tag" in reference "localhost/app:Bad Tag""#);
//! # Ok::<(), oras_reference::ParseError>(())
//! ```
//!
//! The grammar is distribution's (`distribution/reference`), written out by hand so this
//! crate depends on nothing but `thiserror`. Two deliberate differences: digests of an
//! algorithm other than sha256 and sha512 are accepted when they fit the grammar (the
//! registry decides whether it knows them), and ports must be at most 65535.
//!
//! This crate knows nothing about HTTP or async; most users want the higher-level
//! `oras-artifact` crate, which re-exports it.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::str::FromStr;

mod grammar;
#[cfg(test)]
mod tests;

use grammar::DomainRule;

/// The registry a reference without one is on, under Docker's rules.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves the distribution API for [`DOCKER_HUB`].
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// The tag Docker's rules add when a reference has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// The longest `registry/repository` accepted, in bytes.
pub const NAME_MAX_LEN: usize = grammar::NAME_TOTAL_LENGTH_MAX;

/// A reference to a repository, optionally to a tag and/or digest in it.
///
/// Every part is valid by construction. When both a tag and a digest are present, the
/// digest identifies the content and the tag is informational (as in `docker pull`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    registry: String,
    repository: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses `registry/repository[:tag][@digest]`, where the registry is required.
    ///
    /// This is the rule of the `oras` CLI: the part before the first `/` is the registry
    /// (a host name, IPv4 address or `[IPv6]` literal, with an optional port).
    pub fn parse(input: &str) -> Result<Self, ParseError> {
        let parts =
            grammar::split(input, DomainRule::Required).map_err(|k| ParseError::new(input, k))?;
        Ok(Self::from_parts(parts, ""))
    }

    /// Parses a reference with Docker's normalisation.
    ///
    /// A leading component is the registry only when it contains `.` or `:`, is
    /// `localhost`, or has an uppercase letter. Otherwise the registry is `docker.io`, and a
    /// single-component repository there gets the `library/` prefix. `index.docker.io` is
    /// written `docker.io`. With neither tag nor digest, the tag is `latest`.
    ///
    /// ```
    /// # use oras_reference::Reference;
    /// let r = Reference::parse_normalized("alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")?;
    /// assert_eq!(r.repository(), "library/alpine");
    /// assert_eq!(r.tag(), None);
    /// # Ok::<(), oras_reference::ParseError>(())
    /// ```
    pub fn parse_normalized(input: &str) -> Result<Self, ParseError> {
        let fail = |k| ParseError::new(input, k);
        let is_hex_id = input.len() == 64
            && input
                .bytes()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        if is_hex_id {
            return Err(fail(ParseErrorKind::HexRepository(input.to_owned())));
        }
        let parts = grammar::split(input, DomainRule::Docker).map_err(fail)?;
        let mut r = Self::from_parts(parts, DOCKER_HUB);
        if r.registry == "index.docker.io" {
            DOCKER_HUB.clone_into(&mut r.registry);
        }
        if r.registry == DOCKER_HUB && !r.repository.contains('/') {
            r.repository.insert_str(0, "library/");
        }
        if r.repository.len() + r.registry.len() + 1 > NAME_MAX_LEN {
            let len = r.repository.len() + r.registry.len() + 1;
            return Err(fail(ParseErrorKind::NameTooLong { len }));
        }
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some(DEFAULT_TAG.to_owned());
        }
        Ok(r)
    }

    /// Builds a reference to a repository from its two parts, validating both.
    ///
    /// ```
    /// # use oras_reference::Reference;
    /// let r = Reference::new("localhost:5000", "hello")?.with_tag("v1")?;
    /// assert_eq!(r.to_string(), "localhost:5000/hello:v1");
    /// # Ok::<(), oras_reference::ParseError>(())
    /// ```
    pub fn new(registry: &str, repository: &str) -> Result<Self, ParseError> {
        Self::parse(&format!("{registry}/{repository}")).and_then(|r| {
            // A ':' or '@' in `repository` would have been read as a tag or digest.
            if r.repository == repository && r.registry == registry {
                Ok(r)
            } else {
                Err(ParseError::new(
                    &format!("{registry}/{repository}"),
                    ParseErrorKind::InvalidRepository(repository.to_owned()),
                ))
            }
        })
    }

    fn from_parts(p: grammar::Parts<'_>, default_registry: &str) -> Self {
        Self {
            registry: p.domain.unwrap_or(default_registry).to_owned(),
            repository: p.path.to_owned(),
            tag: p.tag.map(str::to_owned),
            digest: p.digest.map(str::to_owned),
        }
    }

    /// The registry as written: host, IPv4 address or `[IPv6]` literal, with optional port.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The host that serves the distribution API for this registry: `registry-1.docker.io`
    /// for `docker.io`, the registry itself otherwise.
    pub fn api_registry(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API
        } else {
            &self.registry
        }
    }

    /// The repository path within the registry, such as `library/ubuntu`.
    pub fn repository(&self) -> &str {
        &self.repository
    }

    /// The tag, if any.
    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest (`algorithm:hex`), if any.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The string that identifies content in a distribution API path
    /// (`/v2/<repository>/manifests/<this>`): the digest when present, else the tag.
    pub fn tag_or_digest(&self) -> Option<&str> {
        self.digest().or(self.tag())
    }

    /// `registry/repository`, without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// This reference with `tag` as its tag (any digest is kept).
    pub fn with_tag(mut self, tag: &str) -> Result<Self, ParseError> {
        if !grammar::is_tag(tag) {
            let input = format!("{}:{tag}", self.name());
            return Err(ParseError::new(
                &input,
                ParseErrorKind::InvalidTag(tag.to_owned()),
            ));
        }
        self.tag = Some(tag.to_owned());
        Ok(self)
    }

    /// This reference with `digest` as its digest (any tag is kept).
    pub fn with_digest(mut self, digest: &str) -> Result<Self, ParseError> {
        grammar::check_digest(digest)
            .map_err(|k| ParseError::new(&format!("{}@{digest}", self.name()), k))?;
        self.digest = Some(digest.to_owned());
        Ok(self)
    }

    /// This reference without its tag.
    pub fn without_tag(mut self) -> Self {
        self.tag = None;
        self
    }

    /// This reference without its digest.
    pub fn without_digest(mut self) -> Self {
        self.digest = None;
        self
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl FromStr for Reference {
    type Err = ParseError;

    /// The same as [`Reference::parse`] (registry required).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for Reference {
    type Error = ParseError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

/// Checks a tag against the grammar `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn is_valid_tag(tag: &str) -> bool {
    grammar::is_tag(tag)
}

/// Checks a repository path (without registry) against the grammar.
pub fn is_valid_repository(repository: &str) -> bool {
    !repository.is_empty() && grammar::check_path(repository).is_ok()
}

/// A reference that could not be parsed: the input, and which part of it was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    input: String,
    kind: ParseErrorKind,
}

impl ParseError {
    fn new(input: &str, kind: ParseErrorKind) -> Self {
        Self {
            input: input.to_owned(),
            kind,
        }
    }

    /// The text that was parsed.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What was wrong with it.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ParseErrorKind::Empty => f.write_str("empty reference"),
            _ => write!(f, "{} in reference {:?}", self.kind, self.input),
        }
    }
}

impl std::error::Error for ParseError {}

/// Which part of a reference was wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input was empty.
    #[error("empty reference")]
    Empty,
    /// There was no `registry/` part where one is required.
    #[error("missing registry (expected REGISTRY/REPOSITORY[:TAG][@DIGEST])")]
    MissingRegistry,
    /// There was no repository.
    #[error("missing repository")]
    MissingRepository,
    /// The registry is not a host name, IPv4 address or `[IPv6]` literal with an optional port.
    #[error("invalid registry {0:?}")]
    InvalidRegistry(String),
    /// The repository path does not match the grammar.
    #[error(
        "invalid repository {0:?} (components are lowercase letters and digits separated by '.', '_', '__' or '-', joined by '/')"
    )]
    InvalidRepository(String),
    /// The repository path has uppercase letters.
    #[error("repository {0:?} must be lowercase")]
    UppercaseRepository(String),
    /// A repository name that is 64 hex characters, which Docker reserves for image IDs.
    #[error("repository {0:?} is 64 hexadecimal characters, which is reserved for image IDs")]
    HexRepository(String),
    /// `registry/repository` is longer than [`NAME_MAX_LEN`].
    #[error("repository name is {len} characters long, more than the limit of 255")]
    NameTooLong {
        /// The length of `registry/repository`.
        len: usize,
    },
    /// The tag does not match `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    #[error("invalid tag {0:?}")]
    InvalidTag(String),
    /// The digest does not match the grammar, or a sha256/sha512 digest has the wrong length.
    #[error("invalid digest {digest:?}: {reason}")]
    InvalidDigest {
        /// The digest as written.
        digest: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The README's examples, compiled (and run unless marked otherwise) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

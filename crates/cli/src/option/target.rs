//! Where a command reads or writes (the Go CLI's target): a registry repository, or an
//! OCI image layout directory (`--oci-layout` with `DIR[:TAG|@DIGEST]`, or
//! `--oci-layout-path DIR` with the reference alone); read-only commands also read a
//! layout packed as `.tar`.

use std::path::PathBuf;

use clap::Args;
use oras_artifact::distribution::{Client, Repository};
use oras_artifact::oci::ManifestRef;
use oras_artifact::reference::Reference;
use oras_artifact::{Cached, OciLayout, OciLayoutTar, ReadOnlyTarget, Remote, Target as Store};

use super::remote::RemoteArgs;
use crate::args::{Cmd, exclusive};
use crate::error::{CliError, Result, report};

/// The flags of a target.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct TargetArgs {
    #[command(flatten)]
    pub(crate) remote: RemoteArgs,
    /// set target as an OCI image layout
    #[arg(long)]
    pub(crate) oci_layout: bool,
    /// [Experimental] set the path for the OCI image layout target
    #[arg(long, value_name = "string")]
    pub(crate) oci_layout_path: Option<PathBuf>,
    /// `from-`/`to-` for the sides of `oras cp`.
    #[arg(skip)]
    pub(crate) prefix: &'static str,
}

/// A registry or a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Registry,
    Layout,
}

/// A parsed target.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The reference as given.
    pub(crate) raw: String,
    pub(crate) kind: Kind,
    /// The tag or digest, `""` when none.
    pub(crate) reference: String,
    /// The layout directory, or `registry/repository`.
    pub(crate) path: String,
    pub(crate) remote: RemoteArgs,
    /// The registry reference, for a registry.
    parsed: Option<Reference>,
}

impl Target {
    /// Parses `raw` by the flags, with Go's checks (and the secret read from stdin).
    pub(crate) fn parse(args: &TargetArgs, raw: &str) -> Result<Self> {
        let p = args.prefix;
        exclusive(&[
            (
                &format!("{p}oci-layout-path"),
                args.oci_layout_path.is_some(),
            ),
            (&format!("{p}oci-layout"), args.oci_layout),
        ])?;
        let mut remote = args.remote.clone();
        let layout = |path: String, reference: String| Self {
            raw: raw.to_owned(),
            kind: Kind::Layout,
            reference,
            path,
            remote: remote.clone(),
            parsed: None,
        };
        if args.oci_layout {
            if !remote.headers.is_empty() {
                return Err(CliError::new(
                    "custom header flags cannot be used on an OCI image layout target",
                ));
            }
            let (path, reference) = split_layout(raw)?;
            return Ok(layout(path, reference));
        }
        if let Some(dir) = &args.oci_layout_path {
            return Ok(layout(dir.display().to_string(), raw.to_owned()));
        }
        let parsed = Reference::parse(raw).map_err(|e| {
            CliError::new(format!("{raw:?}: invalid reference: {e}")).recommend(
                "Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]",
            )
        })?;
        remote.check(p)?;
        Ok(Self {
            raw: raw.to_owned(),
            kind: Kind::Registry,
            reference: parsed.tag_or_digest().unwrap_or_default().to_owned(),
            path: parsed.name(),
            remote,
            parsed: Some(parsed),
        })
    }

    /// `registry` or `oci-layout`.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Registry => "registry",
            Kind::Layout => "oci-layout",
        }
    }

    /// `[registry] localhost:5000/hello:v1`.
    pub(crate) fn display(&self) -> String {
        format!("[{}] {}", self.kind_name(), self.raw)
    }

    /// `[registry] localhost:5000/hello@sha256:…`.
    pub(crate) fn display_digest(&self, digest: &impl std::fmt::Display) -> String {
        format!("[{}] {}@{digest}", self.kind_name(), self.path)
    }

    pub(crate) fn is_layout(&self) -> bool {
        self.kind == Kind::Layout
    }

    /// The tag or digest the command needs (`tag_allowed`: or only a digest), or Go's
    /// error for its absence. In a layout a tag is any reference name
    /// (`example.com/app:v1`), as the Go CLI names layout content.
    pub(crate) fn manifest_ref(&self, cmd: &Cmd, tag_allowed: bool) -> Result<ManifestRef> {
        if self.reference.is_empty() {
            return Err(cmd.no_reference(&self.raw, tag_allowed));
        }
        if tag_allowed {
            self.name(&self.reference)
        } else {
            Ok(ManifestRef::parse(&self.reference)?)
        }
    }

    /// The tag or digest, if one was given.
    pub(crate) fn optional_ref(&self) -> Result<Option<ManifestRef>> {
        if self.reference.is_empty() {
            return Ok(None);
        }
        self.name(&self.reference).map(Some)
    }

    /// `text` as a tag or digest of this target: in a layout, any reference name.
    pub(crate) fn name(&self, text: &str) -> Result<ManifestRef> {
        Ok(match self.kind {
            Kind::Layout => ManifestRef::name_of(text)?,
            Kind::Registry => ManifestRef::parse(text)?,
        })
    }

    /// A client for the registry.
    pub(crate) fn client(&self) -> Result<Client> {
        let host = self.parsed.as_ref().map_or("", Reference::registry);
        self.remote.client(host)
    }

    /// The registry repository.
    pub(crate) fn repository(&self) -> Result<Repository> {
        let parsed = self
            .parsed
            .as_ref()
            .ok_or_else(|| CliError::new("an OCI image layout has no registry"))?;
        Ok(self.client()?.repository(parsed))
    }

    /// The target, to read and write (a layout directory is created if missing).
    pub(crate) fn open(&self) -> Result<Box<dyn Store>> {
        match self.kind {
            Kind::Layout => Ok(Box::new(
                OciLayout::open(&self.path).map_err(|e| self.error(e))?,
            )),
            Kind::Registry => Ok(Box::new(Remote::new(self.repository()?))),
        }
    }

    /// The target, to read: a layout may also be a `.tar` of one.
    pub(crate) fn open_read(&self) -> Result<Box<dyn ReadOnlyTarget>> {
        match self.kind {
            Kind::Registry => Ok(Box::new(Remote::new(self.repository()?))),
            Kind::Layout => {
                let meta = std::fs::metadata(&self.path).map_err(|e| {
                    CliError::new(format!(
                        "invalid argument {:?}: failed to find path {:?}: {e}",
                        self.raw, self.path
                    ))
                })?;
                if meta.is_dir() {
                    Ok(Box::new(
                        OciLayout::open_existing(&self.path).map_err(|e| self.error(e))?,
                    ))
                } else {
                    Ok(Box::new(
                        OciLayoutTar::open(&self.path).map_err(|e| self.error(e))?,
                    ))
                }
            }
        }
    }

    /// [`open_read`](Self::open_read) through the cache `ORAS_CACHE` names, if set: an
    /// OCI layout that keeps what is fetched and gives it back the next time.
    pub(crate) fn open_read_cached(&self) -> Result<Box<dyn ReadOnlyTarget>> {
        let store = self.open_read()?;
        match std::env::var_os("ORAS_CACHE").filter(|v| !v.is_empty()) {
            None => Ok(store),
            Some(dir) => {
                let cache = OciLayout::open(PathBuf::from(&dir)).map_err(CliError::from)?;
                Ok(Box::new(Cached::new(store, cache)))
            }
        }
    }

    /// A library error as the Go CLI words it for this target (`<ref>: not found`, the
    /// registry's codes).
    pub(crate) fn error(&self, e: oras_artifact::Error) -> CliError {
        let name = match self.kind {
            Kind::Registry => self.raw.clone(),
            Kind::Layout => self.reference.clone(),
        };
        report(&e, e.registry(), e.is_not_found(), Some(&name))
    }

    /// `<ref>: not found`, from the registry when it is one.
    pub(crate) fn not_found(&self) -> CliError {
        let name = match self.kind {
            Kind::Registry => &self.raw,
            Kind::Layout => &self.reference,
        };
        let e = CliError::new(format!("{name}: not found"));
        if self.kind == Kind::Registry {
            e.said_by_registry()
        } else {
            e
        }
    }

    /// The same for an error of the registry client.
    pub(crate) fn registry_error(&self, e: oras_artifact::distribution::Error) -> CliError {
        let not_found = e.is_not_found();
        report(&e, Some(&e), not_found, Some(&self.raw))
    }
}

/// `DIR[:TAG|@DIGEST]`: a digest after the last `@`, else a tag after the last `:`.
pub(crate) fn split_layout(raw: &str) -> Result<(String, String)> {
    if let Some(i) = raw.rfind('@') {
        return Ok((raw[..i].to_owned(), raw[i + 1..].to_owned()));
    }
    let (path, reference) = match raw.rfind(':') {
        Some(i) => (&raw[..i], &raw[i + 1..]),
        None => (raw, ""),
    };
    if path.is_empty() {
        return Err(CliError::new(format!("found empty file path in {raw:?}")));
    }
    Ok((path.to_owned(), reference.to_owned()))
}

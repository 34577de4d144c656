//! Where credentials come from: explicit values, docker-style config files, credential
//! helpers, or a provider of your own, tried in order by a [`CredentialChain`].

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::{BoxFuture, Credential};

mod blocking;
pub mod docker;
pub mod helper;

pub use docker::DockerConfig;
pub use helper::Helper;

/// A credential store could not be read or written. Messages name the file, helper and
/// host, and never a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// A config file that cannot be read, parsed or written.
    #[error("credential config {}: {detail}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A configured credential helper is not installed.
    #[error(
        "credential helper docker-credential-{helper} for {host} is configured in {} but not found on PATH",
        config.display()
    )]
    HelperMissing {
        /// The helper's name.
        helper: String,
        /// The registry host.
        host: String,
        /// The config file that names it.
        config: PathBuf,
    },
    /// A credential helper failed or answered nonsense.
    #[error("credential helper docker-credential-{helper} for {host}: {detail}")]
    Helper {
        /// The helper's name.
        helper: String,
        /// The registry host.
        host: String,
        /// What went wrong.
        detail: String,
    },
    /// Other I/O.
    #[error("credential store I/O failed")]
    Io(#[from] std::io::Error),
    /// A custom provider's own error.
    #[error("credential provider failed")]
    Provider(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Something that knows credentials for registry hosts. Implement it to plug in a cloud
/// SDK (ECR, GCR, ...) or a vault.
///
/// `host` is the registry as written in references (`ghcr.io`, `localhost:5000`,
/// `docker.io`).
pub trait CredentialProvider: Send + Sync + fmt::Debug {
    /// The credential for `host`, or `None` for anonymous access.
    fn get<'a>(
        &'a self,
        host: &'a str,
    ) -> BoxFuture<'a, Result<Option<Credential>, CredentialError>>;
}

/// Credentials given explicitly (`oras push -u … -p …`): for named hosts, or for any host.
#[derive(Clone, Debug, Default)]
pub struct StaticCredentials {
    hosts: HashMap<String, Credential>,
    any: Option<Credential>,
}

impl StaticCredentials {
    /// None yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use `credential` for `host`.
    pub fn with_host(mut self, host: impl Into<String>, credential: Credential) -> Self {
        self.hosts.insert(host.into(), credential);
        self
    }

    /// Use `credential` for every host without one of its own.
    pub fn with_any_host(mut self, credential: Credential) -> Self {
        self.any = Some(credential);
        self
    }
}

impl CredentialProvider for StaticCredentials {
    fn get<'a>(
        &'a self,
        host: &'a str,
    ) -> BoxFuture<'a, Result<Option<Credential>, CredentialError>> {
        let c = self.hosts.get(host).or(self.any.as_ref()).cloned();
        Box::pin(std::future::ready(Ok(c)))
    }
}

/// A docker-style config file as a provider, read afresh on each lookup (so a `login` in
/// another process is seen) on a thread of its own (so helpers never block an async
/// runtime).
#[derive(Clone, Debug)]
pub struct ConfigFileStore {
    path: PathBuf,
    helper_dirs: Vec<PathBuf>,
}

impl ConfigFileStore {
    /// The config file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            helper_dirs: Vec::new(),
        }
    }

    /// Also looks for credential helpers in `dirs`, before `PATH`.
    pub fn with_helper_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.helper_dirs = dirs;
        self
    }
}

impl CredentialProvider for ConfigFileStore {
    fn get<'a>(
        &'a self,
        host: &'a str,
    ) -> BoxFuture<'a, Result<Option<Credential>, CredentialError>> {
        let (path, dirs, host) = (self.path.clone(), self.helper_dirs.clone(), host.to_owned());
        Box::pin(blocking::run(move || {
            DockerConfig::load(path)?.with_helper_dirs(dirs).get(&host)
        }))
    }
}

/// Providers tried in order; the first that has a credential wins, and an error stops the
/// search (a broken helper is reported, not skipped into an anonymous request).
#[derive(Clone, Debug, Default)]
pub struct CredentialChain {
    providers: Vec<Arc<dyn CredentialProvider>>,
}

impl CredentialChain {
    /// An empty chain (anonymous).
    pub fn new() -> Self {
        Self::default()
    }

    /// The usual order: Docker's config (helpers, then `auths`), then the containers auth
    /// file. Put explicit credentials in front with [`CredentialChain::first`].
    pub fn standard() -> Self {
        let mut c = Self::new();
        if let Some(p) = DockerConfig::default_path() {
            c = c.then(ConfigFileStore::new(p));
        }
        if let Some(p) = DockerConfig::containers_auth_path() {
            c = c.then(ConfigFileStore::new(p));
        }
        c
    }

    /// Tries `provider` before the others.
    pub fn first(mut self, provider: impl CredentialProvider + 'static) -> Self {
        self.providers.insert(0, Arc::new(provider));
        self
    }

    /// Tries `provider` after the others.
    pub fn then(mut self, provider: impl CredentialProvider + 'static) -> Self {
        self.providers.push(Arc::new(provider));
        self
    }
}

impl CredentialProvider for CredentialChain {
    fn get<'a>(
        &'a self,
        host: &'a str,
    ) -> BoxFuture<'a, Result<Option<Credential>, CredentialError>> {
        Box::pin(async move {
            for p in &self.providers {
                if let Some(c) = p.get(host).await? {
                    return Ok(Some(c));
                }
            }
            Ok(None)
        })
    }
}

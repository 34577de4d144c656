//! Docker's `config.json` (and the containers `auth.json`, which has the same form):
//! `auths`, `credHelpers`, `credsStore`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value};

use super::helper::{DEFAULT_HELPER_TIMEOUT, Helper};
use crate::{Credential, CredentialError, Secret};

/// The key Docker uses for Docker Hub in `auths` and with helpers.
pub const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// The registry hosts that mean Docker Hub.
const HUB_HOSTS: &[&str] = &["docker.io", "index.docker.io", "registry-1.docker.io"];

/// What a docker-style config file says about a host.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A credential helper handles it (`credHelpers` for the host, else `credsStore`).
    Helper {
        /// The helper's name.
        name: String,
        /// Whether it came from `credsStore` (rather than `credHelpers`).
        from_creds_store: bool,
    },
    /// The file itself holds credentials (`auths`), or will.
    File,
}

/// A docker `config.json` or containers `auth.json`: read, looked up, and written back
/// with every key this crate does not touch kept as it was.
#[derive(Clone, Debug)]
pub struct DockerConfig {
    path: PathBuf,
    doc: Map<String, Value>,
    helper_dirs: Vec<PathBuf>,
    helper_timeout: Duration,
}

/// The server name Docker and helpers use for a registry host.
pub fn server_key(host: &str) -> &str {
    if HUB_HOSTS.contains(&host) {
        DOCKER_HUB_KEY
    } else {
        host
    }
}

/// The registry host an `auths` key names: scheme and path dropped, as Docker matches them
/// (`https://index.docker.io/v1/` is `docker.io`).
fn key_host(key: &str) -> &str {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = rest.split('/').next().unwrap_or(rest);
    if HUB_HOSTS.contains(&host) {
        "docker.io"
    } else {
        host
    }
}

fn canonical_host(host: &str) -> &str {
    if HUB_HOSTS.contains(&host) {
        "docker.io"
    } else {
        host
    }
}

impl DockerConfig {
    /// Docker's config: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(d) = std::env::var_os("DOCKER_CONFIG") {
            return Some(PathBuf::from(d).join("config.json"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
    }

    /// The containers auth file: `$REGISTRY_AUTH_FILE`, else
    /// `$XDG_RUNTIME_DIR/containers/auth.json`.
    pub fn containers_auth_path() -> Option<PathBuf> {
        if let Some(f) = std::env::var_os("REGISTRY_AUTH_FILE") {
            return Some(PathBuf::from(f));
        }
        std::env::var_os("XDG_RUNTIME_DIR").map(|d| PathBuf::from(d).join("containers/auth.json"))
    }

    /// Reads a config file; a missing file is an empty config that will be created on the
    /// first store.
    pub fn load(path: impl Into<PathBuf>) -> Result<Self, CredentialError> {
        let path = path.into();
        let doc = match fs::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(CredentialError::Config {
                        path,
                        detail: "not a JSON object".into(),
                    });
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => {
                return Err(CredentialError::Config {
                    path,
                    detail: e.to_string(),
                });
            }
        };
        Ok(Self {
            path,
            doc,
            helper_dirs: Vec::new(),
            helper_timeout: DEFAULT_HELPER_TIMEOUT,
        })
    }

    /// Also looks for credential helpers in `dirs`, before `PATH`.
    pub fn with_helper_dirs(mut self, dirs: Vec<PathBuf>) -> Self {
        self.helper_dirs = dirs;
        self
    }

    /// How long a credential helper may run.
    pub fn with_helper_timeout(mut self, timeout: Duration) -> Self {
        self.helper_timeout = timeout;
        self
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who holds the credential for `host`.
    pub fn source(&self, host: &str) -> Source {
        let host = canonical_host(host);
        let helpers = self.doc.get("credHelpers").and_then(Value::as_object);
        let per_host = helpers
            .and_then(|h| h.iter().find(|(k, _)| key_host(k) == host))
            .and_then(|(_, v)| v.as_str());
        if let Some(name) = per_host.filter(|n| !n.is_empty()) {
            return Source::Helper {
                name: name.to_owned(),
                from_creds_store: false,
            };
        }
        match self
            .doc
            .get("credsStore")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        {
            Some(name) => Source::Helper {
                name: name.to_owned(),
                from_creds_store: true,
            },
            None => Source::File,
        }
    }

    /// The helper configured for `host`, if one is (`credHelpers`, then `credsStore`); a
    /// configured helper that is not installed is an error.
    fn configured_helper(&self, host: &str) -> Result<Option<Helper>, CredentialError> {
        let Source::Helper { name, .. } = self.source(host) else {
            return Ok(None);
        };
        Helper::find(&name, &self.helper_dirs, self.helper_timeout)
            .map(Some)
            .ok_or_else(|| CredentialError::HelperMissing {
                helper: name,
                host: host.to_owned(),
                config: self.path.clone(),
            })
    }

    /// The credential for `host`: from its helper if one is configured (a helper that is
    /// configured but missing or failing is an error, not an anonymous request), else from
    /// `auths`.
    pub fn get(&self, host: &str) -> Result<Option<Credential>, CredentialError> {
        if let Some(helper) = self.configured_helper(host)?
            && let Some(c) = helper.get(server_key(host))?
        {
            return Ok(Some(c));
        }
        Ok(self.file_entry(host))
    }

    fn file_entry(&self, host: &str) -> Option<Credential> {
        let host = canonical_host(host);
        let auths = self.doc.get("auths")?.as_object()?;
        // An exact key first, then Docker's looser matching.
        let entry = auths
            .get(server_key(host))
            .or_else(|| auths.get(host))
            .or_else(|| {
                auths
                    .iter()
                    .find(|(k, _)| key_host(k) == host)
                    .map(|(_, v)| v)
            })?
            .as_object()?;
        let text = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        if let Some(t) = text("identitytoken") {
            return Some(Credential::IdentityToken(Secret::new(t)));
        }
        if let Some(t) = text("registrytoken") {
            return Some(Credential::AccessToken(Secret::new(t)));
        }
        if let (Some(u), Some(p)) = (text("username"), text("password")) {
            return Some(Credential::basic(u, p));
        }
        let decoded = crate::base64::decode(text("auth")?)?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (u, p) = decoded.split_once(':')?;
        Some(Credential::basic(u, p))
    }

    /// Stores a credential for `host`: with the host's helper when one is configured, else
    /// in `auths` (the file is rewritten atomically, other keys kept). When a helper is
    /// configured but cannot be run, nothing is written in plain text: the error says how
    /// to fix it.
    pub fn store(&mut self, host: &str, credential: &Credential) -> Result<(), CredentialError> {
        if let Some(helper) = self.configured_helper(host)? {
            return helper.store(server_key(host), credential);
        }
        let mut entry = Map::new();
        match credential {
            Credential::Basic { username, password } => {
                let auth =
                    crate::base64::encode(format!("{username}:{}", password.expose()).as_bytes());
                entry.insert("auth".into(), Value::String(auth));
            }
            Credential::IdentityToken(t) => {
                entry.insert("identitytoken".into(), Value::String(t.expose().to_owned()));
            }
            Credential::AccessToken(t) => {
                entry.insert("registrytoken".into(), Value::String(t.expose().to_owned()));
            }
        }
        let auths = self
            .doc
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(auths) = auths.as_object_mut() else {
            return Err(CredentialError::Config {
                path: self.path.clone(),
                detail: "`auths` is not a JSON object".into(),
            });
        };
        let host_c = canonical_host(host);
        auths.retain(|k, _| key_host(k) != host_c);
        auths.insert(server_key(host).to_owned(), Value::Object(entry));
        self.save()
    }

    /// Erases the credential for `host` (helper or `auths`). Returns whether the file had
    /// one; helpers are asked to erase regardless.
    pub fn erase(&mut self, host: &str) -> Result<bool, CredentialError> {
        if let Some(helper) = self.configured_helper(host)? {
            helper.erase(server_key(host))?;
        }
        let host_c = canonical_host(host);
        let removed = match self.doc.get_mut("auths").and_then(Value::as_object_mut) {
            Some(auths) => {
                let before = auths.len();
                auths.retain(|k, _| key_host(k) != host_c);
                before != auths.len()
            }
            None => false,
        };
        if removed {
            self.save()?;
        }
        Ok(removed)
    }

    /// Writes the file: a temporary file beside it, synced, then renamed over it. A new
    /// file is readable by its owner only; an existing file keeps its permissions.
    fn save(&self) -> Result<(), CredentialError> {
        let err = |e: std::io::Error| CredentialError::Config {
            path: self.path.clone(),
            detail: e.to_string(),
        };
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(err)?;
        let mut text = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"\t");
        let mut ser = serde_json::Serializer::with_formatter(&mut text, fmt);
        serde::Serialize::serialize(&self.doc, &mut ser)
            .map_err(|e| err(std::io::Error::other(e)))?;
        text.push(b'\n');
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)?;
            set_permissions(&f, &self.path)?;
            f.write_all(&text)?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(err)
    }
}

#[cfg(unix)]
fn set_permissions(f: &fs::File, existing: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(existing).map_or(0o600, |m| m.permissions().mode() & 0o777);
    f.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_permissions(_: &fs::File, _: &Path) -> std::io::Result<()> {
    Ok(())
}

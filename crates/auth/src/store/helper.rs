//! Docker credential helpers: `docker-credential-<name> get|store|erase|list`, speaking
//! JSON on stdin and stdout.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Credential, CredentialError, Secret};

/// How long a helper may take before it is killed.
pub const DEFAULT_HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// The username helpers use to mark an identity token.
const TOKEN_USERNAME: &str = "<token>";

/// A credential helper program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Helper {
    name: String,
    program: PathBuf,
    timeout: Duration,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperCredential {
    #[serde(rename = "ServerURL", default)]
    server_url: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

impl Helper {
    /// The helper `docker-credential-<name>`, found in `dirs` or else on `PATH`.
    pub fn find(name: &str, dirs: &[PathBuf], timeout: Duration) -> Option<Self> {
        let file = format!("docker-credential-{name}");
        let path_dirs = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default();
        dirs.iter()
            .chain(&path_dirs)
            .map(|d| d.join(&file))
            .find(|p| p.is_file())
            .map(|program| Self {
                name: name.to_owned(),
                program,
                timeout,
            })
    }

    /// The helper's name (`desktop`, `ecr-login`, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The credential stored for `server`, or `None` when the helper has none.
    pub fn get(&self, server: &str) -> Result<Option<Credential>, CredentialError> {
        let out = self.run("get", server, server.as_bytes())?;
        if !out.success {
            // Helpers say "credentials not found" on stdout and exit 1 when they have none.
            if String::from_utf8_lossy(&out.stdout)
                .to_ascii_lowercase()
                .contains("credentials not found")
            {
                return Ok(None);
            }
            return Err(self.failed("get", server, &out));
        }
        let c: HelperCredential =
            serde_json::from_slice(&out.stdout).map_err(|_| CredentialError::Helper {
                helper: self.name.clone(),
                host: server.to_owned(),
                detail: "`get` did not print the credential JSON".into(),
            })?;
        Ok(match (c.username.as_str(), c.secret.is_empty()) {
            (_, true) => None,
            (TOKEN_USERNAME, false) => Some(Credential::IdentityToken(Secret::new(c.secret))),
            (_, false) => Some(Credential::basic(c.username, c.secret)),
        })
    }

    /// Stores a credential for `server`.
    pub fn store(&self, server: &str, credential: &Credential) -> Result<(), CredentialError> {
        let (username, secret) = match credential {
            Credential::Basic { username, password } => (username.as_str(), password.expose()),
            Credential::IdentityToken(t) => (TOKEN_USERNAME, t.expose()),
            Credential::AccessToken(_) => {
                return Err(CredentialError::Helper {
                    helper: self.name.clone(),
                    host: server.to_owned(),
                    detail: "credential helpers cannot store access tokens".into(),
                });
            }
        };
        let body = serde_json::to_vec(&HelperCredential {
            server_url: server.to_owned(),
            username: username.to_owned(),
            secret: secret.to_owned(),
        })
        .map_err(|e| CredentialError::Io(std::io::Error::other(e)))?;
        let out = self.run("store", server, &body)?;
        if out.success {
            Ok(())
        } else {
            Err(self.failed("store", server, &out))
        }
    }

    /// Erases the credential for `server`. Erasing one that is not there is not an error.
    pub fn erase(&self, server: &str) -> Result<(), CredentialError> {
        let out = self.run("erase", server, server.as_bytes())?;
        if out.success
            || String::from_utf8_lossy(&out.stdout)
                .to_ascii_lowercase()
                .contains("credentials not found")
        {
            Ok(())
        } else {
            Err(self.failed("erase", server, &out))
        }
    }

    /// The servers the helper has credentials for, with their usernames.
    pub fn list(&self) -> Result<BTreeMap<String, String>, CredentialError> {
        let out = self.run("list", "", b"")?;
        if !out.success {
            return Err(self.failed("list", "", &out));
        }
        serde_json::from_slice(&out.stdout).map_err(|_| CredentialError::Helper {
            helper: self.name.clone(),
            host: String::new(),
            detail: "`list` did not print a JSON object".into(),
        })
    }

    fn failed(&self, action: &str, server: &str, out: &Output) -> CredentialError {
        // stderr only, cut short: stdout of a helper may carry secrets.
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stderr: String = stderr.trim().chars().take(300).collect();
        CredentialError::Helper {
            helper: self.name.clone(),
            host: server.to_owned(),
            detail: format!(
                "`{action}` failed ({}){}",
                out.status,
                if stderr.is_empty() {
                    String::new()
                } else {
                    format!(": {stderr}")
                }
            ),
        }
    }

    fn run(&self, action: &str, server: &str, input: &[u8]) -> Result<Output, CredentialError> {
        let mut child = Command::new(&self.program)
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| CredentialError::Helper {
                helper: self.name.clone(),
                host: server.to_owned(),
                detail: format!("cannot run {}: {e}", self.program.display()),
            })?;
        // Write stdin, then read both pipes on threads; the first to report or the
        // timeout decides. A helper that hangs is killed.
        let mut stdin = child.stdin.take().expect("stdin was piped");
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let (tx, rx) = mpsc::channel();
        let mut stdout = child.stdout.take().expect("stdout was piped");
        let mut stderr = child.stderr.take().expect("stderr was piped");
        let err_reader = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut b);
            b
        });
        std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = stdout.by_ref().take(1024 * 1024).read_to_end(&mut b);
            let _ = tx.send(b);
        });
        let timeout_err = |helper: &Self| CredentialError::Helper {
            helper: helper.name.clone(),
            host: server.to_owned(),
            detail: format!("`{action}` did not finish within {:?}", helper.timeout),
        };
        let stdout = match rx.recv_timeout(self.timeout) {
            Ok(b) => b,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(timeout_err(self));
            }
        };
        let status = child.wait().map_err(CredentialError::Io)?;
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Output {
            success: status.success(),
            status: status.to_string(),
            stdout,
            stderr,
        })
    }
}

struct Output {
    success: bool,
    status: String,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

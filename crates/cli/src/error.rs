//! How a failure is told, as the Go CLI tells it: `Error: <what>` on stderr (or `Error
//! response from registry: …` when the registry said so, `Error from source registry for
//! "<ref>": …` in a copy), then `Usage: …` for a command used wrongly and a line of
//! advice where there is some; exit status 1. The libraries state facts; the wording and
//! the advice are the CLI's.

use std::error::Error as StdError;
use std::path::Path;
use std::sync::Mutex;

use oras_artifact::auth::{AuthError, CredentialError};
use oras_artifact::distribution::Error as RegistryError;

/// The prefix of errors the registry answered with.
pub(crate) const REGISTRY_PREFIX: &str = "Error response from registry:";

/// A failure reported on stderr.
#[derive(Debug)]
pub(crate) struct CliError {
    /// `Error:` unless the error came from a registry or one side of a copy.
    pub(crate) prefix: String,
    pub(crate) message: String,
    /// The command's synopsis, for a command used wrongly.
    pub(crate) usage: Option<String>,
    /// What to do about it.
    pub(crate) recommendation: Option<String>,
    /// The registry's own words (its error codes): told alone, without what the command
    /// was doing, as oras-go reports an error response.
    pub(crate) answer: bool,
}

impl CliError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            prefix: "Error:".into(),
            message: message.into(),
            usage: None,
            recommendation: None,
            answer: false,
        }
    }

    /// The same failure, with advice.
    pub(crate) fn recommend(mut self, advice: impl Into<String>) -> Self {
        self.recommendation = Some(advice.into());
        self
    }

    /// The same failure, with the command's synopsis.
    pub(crate) fn usage(mut self, usage: impl Into<String>) -> Self {
        self.usage = Some(usage.into());
        self
    }

    /// The same failure, said by the registry.
    pub(crate) fn said_by_registry(mut self) -> Self {
        REGISTRY_PREFIX.clone_into(&mut self.prefix);
        self
    }

    /// `what: <message>` (a registry's answer stays as it is).
    pub(crate) fn context(mut self, what: impl std::fmt::Display) -> Self {
        if !self.answer {
            self.message = format!("{what}: {}", self.message);
        }
        self
    }

    /// What is printed.
    pub(crate) fn render(&self) -> String {
        let mut out = format!("{} {}", self.prefix, self.message);
        if let Some(u) = &self.usage {
            out.push_str("\nUsage: ");
            out.push_str(u);
        }
        if let Some(r) = &self.recommendation {
            out.push('\n');
            out.push_str(r);
        }
        out
    }
}

pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

/// `e` and its sources, each said once: a cause whose text an outer error already holds
/// (transports often repeat their cause) is not repeated.
pub(crate) fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A registry's error answer as oras-go words it: its error codes (`manifest unknown:
/// …`), or the request and status when the body had none.
pub(crate) fn registry_message(e: &RegistryError) -> Option<String> {
    let status = e.status()?;
    if e.codes().is_empty() {
        return Some(format!(
            "{} {:?}: response status code {}: {}",
            e.method().map_or("GET", http::Method::as_str),
            e.url().unwrap_or_default(),
            status.as_u16(),
            status.canonical_reason().unwrap_or("error")
        ));
    }
    let parts: Vec<String> = e
        .codes()
        .iter()
        .map(|c| {
            let code: String = c
                .code
                .chars()
                .map(|ch| {
                    if ch == '_' {
                        ' '
                    } else {
                        ch.to_ascii_lowercase()
                    }
                })
                .collect();
            match (c.message.is_empty(), &c.detail) {
                (true, _) => code,
                (false, None | Some(serde_json::Value::Null)) => format!("{code}: {}", c.message),
                (false, Some(d)) => format!("{code}: {}: {}", c.message, go_value(d)),
            }
        })
        .collect();
    Some(parts.join("; "))
}

/// A JSON value as Go's `%v` prints what `encoding/json` decoded it into.
fn go_value(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    match v {
        J::Null => "<nil>".into(),
        J::Bool(b) => b.to_string(),
        J::Number(n) => n.to_string(),
        J::String(s) => s.clone(),
        J::Array(a) => format!("[{}]", a.iter().map(go_value).collect::<Vec<_>>().join(" ")),
        J::Object(o) => format!(
            "map[{}]",
            o.iter()
                .map(|(k, v)| format!("{k}:{}", go_value(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

/// The advice this program has for an error somewhere in the chain, if any.
fn advice(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut at = Some(e);
    while let Some(e) = at {
        if let Some(auth) = e.downcast_ref::<AuthError>() {
            match auth {
                AuthError::NoCredentials { .. } => return Some(credential_advice(None)),
                AuthError::CredentialsRejected { host, .. } => {
                    return Some(format!(
                        "Please check whether the registry credential for {host} is correct, or run `oras login {host}` again"
                    ));
                }
                AuthError::TokenService {
                    status: 401 | 403, ..
                } => return Some("Please run `oras login` again".into()),
                _ => {}
            }
        }
        if let Some(CredentialError::HelperMissing { .. }) = e.downcast_ref::<CredentialError>() {
            return Some(
                "Please install it, or remove it from `credsStore`/`credHelpers` there to keep credentials in the file"
                    .into(),
            );
        }
        at = e.source();
    }
    None
}

/// The credentials file a failure for want of credentials points to (the first one the
/// command reads), set as its client is made.
static CREDENTIAL_FILE: Mutex<Option<String>> = Mutex::new(None);

/// Notes the credentials file the command reads first.
pub(crate) fn read_credentials_from(file: Option<&Path>) {
    *CREDENTIAL_FILE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = file.map(|f| f.display().to_string());
}

/// Go's advice when no credential was found: check the file it was looked for in
/// (`file`, else the one the command reads first).
pub(crate) fn credential_advice(file: Option<&Path>) -> String {
    let file = file.map(|f| f.display().to_string()).or_else(|| {
        CREDENTIAL_FILE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    });
    match file {
        Some(f) => format!(
            "Please check whether the registry credential stored in the authentication file at {f:?} is correct"
        ),
        None => "Please check whether the registry credential stored in the authentication file is correct".into(),
    }
}

/// Whether the chain holds an authentication failure for want of credentials.
pub(crate) fn no_credentials(e: &(dyn StdError + 'static)) -> bool {
    let mut at = Some(e);
    while let Some(e) = at {
        if let Some(AuthError::NoCredentials { .. }) = e.downcast_ref::<AuthError>() {
            return true;
        }
        at = e.source();
    }
    false
}

/// An error of a library, worded. `not_found` names what was not found, as oras-go
/// names it (`localhost:5000/hello:v1: not found`).
pub(crate) fn report(
    e: &(dyn StdError + 'static),
    registry: Option<&RegistryError>,
    is_not_found: bool,
    not_found: Option<&str>,
) -> CliError {
    // oras-go words a missing manifest or blob this way; other answers keep their codes.
    let content = registry.is_none_or(|r| {
        r.url()
            .is_none_or(|u| u.contains("/manifests/") || u.contains("/blobs/"))
    });
    if is_not_found
        && content
        && let Some(name) = not_found
    {
        let err = CliError::new(format!("{name}: not found"));
        return if registry.is_some() {
            err.said_by_registry()
        } else {
            err
        };
    }
    if let Some(r) = registry
        && !no_credentials(e)
        && let Some(text) = registry_message(r)
    {
        let mut err = CliError::new(text).said_by_registry();
        err.answer = true;
        return err;
    }
    // As oras-go words it: what the command was doing (its context, added by the
    // caller), then only that no credential was found.
    let text = if no_credentials(e) {
        "basic credential not found".to_owned()
    } else {
        chain(e)
    };
    let err = CliError::new(text);
    match advice(e) {
        Some(a) => err.recommend(a),
        None => err,
    }
}

impl From<oras_artifact::Error> for CliError {
    fn from(e: oras_artifact::Error) -> Self {
        let name = match e.cause() {
            oras_artifact::Error::NotFound(what) => Some(what.clone()),
            _ => None,
        };
        report(&e, e.registry(), e.is_not_found(), name.as_deref())
    }
}

impl From<RegistryError> for CliError {
    fn from(e: RegistryError) -> Self {
        report(&e, Some(&e), false, None)
    }
}

impl From<CredentialError> for CliError {
    fn from(e: CredentialError) -> Self {
        report(&e, None, false, None)
    }
}

impl From<oras_artifact::oci::ManifestRefError> for CliError {
    fn from(e: oras_artifact::oci::ManifestRefError) -> Self {
        CliError::new(chain(&e))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(e.to_string())
    }
}

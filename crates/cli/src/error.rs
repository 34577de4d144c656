//! How a failure is told: one line, the error and its causes joined by `: `, and what to do
//! about it where this program knows (the libraries state facts; advice is the CLI's).

use std::error::Error as StdError;

use oras_artifact::auth::{AuthError, CredentialError};

/// A failure reported as one line on stderr.
#[derive(Debug)]
pub(crate) struct CliError(pub(crate) String);

impl CliError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// Adds advice after the message.
    pub(crate) fn advise(mut self, advice: &str) -> Self {
        self.0.push_str(advice);
        self
    }
}

pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

const NOT_FOUND_HINT: &str = "not found: check the repository, tag or digest";

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

/// What a person can do about an error somewhere in the chain, if this program knows.
fn advice(e: &(dyn StdError + 'static)) -> Option<String> {
    let mut at = Some(e);
    while let Some(e) = at {
        if let Some(auth) = e.downcast_ref::<AuthError>() {
            match auth {
                AuthError::NoCredentials { host } => {
                    return Some(format!(
                        "; run `oras login {host}` or pass a username and password"
                    ));
                }
                AuthError::CredentialsRejected { host, .. } => {
                    return Some(format!("; check them, or run `oras login {host}` again"));
                }
                AuthError::TokenService {
                    status: 401 | 403, ..
                } => {
                    return Some(": run `oras login` again".into());
                }
                _ => {}
            }
        }
        if let Some(CredentialError::HelperMissing { .. }) = e.downcast_ref::<CredentialError>() {
            return Some(
                ": install it, or remove it from `credsStore`/`credHelpers` there to keep credentials in the file"
                    .into(),
            );
        }
        at = e.source();
    }
    None
}

fn report(e: &(dyn StdError + 'static), not_found: bool) -> CliError {
    let mut text = chain(e);
    if let Some(a) = advice(e) {
        text.push_str(&a);
    }
    if not_found {
        text = format!("{NOT_FOUND_HINT} ({text})");
    }
    CliError(text)
}

impl From<oras_artifact::Error> for CliError {
    fn from(e: oras_artifact::Error) -> Self {
        report(&e, e.is_not_found())
    }
}

impl From<oras_artifact::distribution::Error> for CliError {
    fn from(e: oras_artifact::distribution::Error) -> Self {
        report(&e, e.is_not_found())
    }
}

impl From<CredentialError> for CliError {
    fn from(e: CredentialError) -> Self {
        report(&e, false)
    }
}

impl From<oras_artifact::oci::ManifestRefError> for CliError {
    fn from(e: oras_artifact::oci::ManifestRefError) -> Self {
        report(&e, false)
    }
}

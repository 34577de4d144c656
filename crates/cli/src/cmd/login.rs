//! `oras login`: credentials checked against the registry, then stored.

use std::path::PathBuf;

use oras_artifact::auth::store::DockerConfig;

use crate::error::{CliError, Result};
use crate::remote::{self, RemoteArgs};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY
    registry: String,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// The credentials file: the one given, else Docker's `config.json`.
pub(crate) fn config_path(explicit: Option<PathBuf>) -> Result<PathBuf> {
    explicit.or_else(DockerConfig::default_path).ok_or_else(|| {
        CliError::new(
            "cannot find the credentials file: set DOCKER_CONFIG or HOME, or pass --registry-config",
        )
    })
}

pub(crate) async fn run(a: Args) -> Result<()> {
    let cred = remote::explicit_credential(&a.remote)?.ok_or_else(|| {
        CliError::new(
            "login needs credentials: --username and --password (or --password-stdin), or --identity-token",
        )
    })?;
    // Check them against the registry before storing them.
    let client = remote::client_with(&a.remote, &a.registry, Some(cred.clone()), false)?;
    client.registry(&a.registry).ping().await?;
    let path = config_path(a.remote.registry_config.clone())?;
    let mut config = DockerConfig::load(&path)?;
    config.store(&a.registry, &cred)?;
    println!("Login Succeeded");
    Ok(())
}

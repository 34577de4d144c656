//! `oras logout`: stored credentials removed.

use std::path::PathBuf;

use oras_artifact::auth::store::DockerConfig;

use crate::cmd::login::config_path;
use crate::error::Result;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// REGISTRY
    registry: String,
    /// Path of the credentials file (default: Docker's config.json)
    #[arg(long, value_name = "PATH")]
    registry_config: Option<PathBuf>,
}

pub(crate) fn run(a: Args) -> Result<()> {
    let path = config_path(a.registry_config)?;
    let mut config = DockerConfig::load(&path)?;
    config.erase(&a.registry)?;
    println!("Removed login credentials for {}", a.registry);
    Ok(())
}

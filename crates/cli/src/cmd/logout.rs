//! `oras logout`: stored credentials removed; silent on success, as the Go CLI.

use std::path::PathBuf;

use oras_artifact::auth::store::DockerConfig;

use crate::args::Cmd;
use crate::cmd::login::config_path;
use crate::error::Result;

pub(crate) const CMD: Cmd = Cmd::new("oras logout", "oras logout [flags] <registry>")
    .long(crate::help::long::LOGOUT)
    .debug(Some("debug mode"));

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <registry>
    #[arg(value_name = "REGISTRY")]
    args: Vec<String>,
    /// auth config path
    #[arg(long, value_name = "stringArray")]
    registry_config: Vec<PathBuf>,
}

pub(crate) fn run(a: Args) -> Result<()> {
    CMD.exactly(&a.args, 1, "the registry you want to log out")?;
    let path = config_path(&a.registry_config)?;
    let mut config = DockerConfig::load(&path)?;
    config.erase(&a.args[0])?;
    Ok(())
}

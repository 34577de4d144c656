//! `oras manifest`: fetch, fetch-config, push, delete, and `index create`/`update`.

pub(crate) mod delete;
pub(crate) mod fetch;
pub(crate) mod index;
pub(crate) mod push;

use crate::Common;
use crate::error::Result;

/// `oras manifest`.
pub(crate) const GROUP: crate::args::Cmd = crate::args::Cmd::group("oras manifest");

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Delete a manifest from remote registry
    #[command(visible_aliases = ["remove", "rm"])]
    #[command(override_usage = delete::CMD.usage)]
    Delete(crate::cmd::DeleteArgs),
    /// Fetch manifest of the target artifact
    #[command(visible_aliases = ["get", "show"])]
    #[command(override_usage = fetch::FETCH.usage)]
    Fetch(fetch::Args),
    /// Fetch the config of a manifest from a registry or an OCI image layout
    #[command(name = "fetch-config", visible_alias = "get-config")]
    #[command(override_usage = fetch::FETCH_CONFIG.usage)]
    FetchConfig(fetch::ConfigArgs),
    /// Push a manifest to a registry or an OCI image layout
    #[command(override_usage = push::CMD.usage)]
    Push(push::Args),
    /// [Experimental] Index operations
    #[command(subcommand)]
    Index(index::Command),
}

pub(crate) async fn run(common: &Common, c: Command) -> Result<()> {
    match c {
        Command::Delete(a) => delete::run(a).await,
        Command::Fetch(a) => fetch::run(a).await,
        Command::FetchConfig(a) => fetch::run_config(a).await,
        Command::Push(a) => push::run(common, a).await,
        Command::Index(i) => index::run(i).await,
    }
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed into place).
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| {
        crate::error::CliError::new(format!(
            "failed to open {:?}: {e}",
            path.display().to_string()
        ))
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.oras-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

//! `--platform os[/arch][/variant][:os_version]`, as the Go CLI reads it: a missing
//! architecture is this machine's.

use oras_artifact::oci::Platform;

use crate::error::{CliError, Result};

/// Parses the flag's value.
pub(crate) fn parse(flag: Option<&str>) -> Result<Option<Platform>> {
    let Some(s) = flag.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let (spec, os_version) = match s.split_once(':') {
        Some((spec, v)) => (spec, Some(v)),
        None => (s, None),
    };
    let parts: Vec<&str> = spec.split('/').collect();
    if parts.len() > 3 {
        return Err(CliError::new(format!(
            "failed to parse platform {s:?}: expected format os[/arch[/variant]]"
        )));
    }
    let arch = match parts.get(1) {
        Some(a) => (*a).to_owned(),
        None => Platform::host().architecture,
    };
    if parts[0].is_empty() {
        return Err(CliError::new("invalid platform: OS cannot be empty"));
    }
    if arch.is_empty() {
        return Err(CliError::new(
            "invalid platform: Architecture cannot be empty",
        ));
    }
    let mut p = Platform::new(parts[0], arch);
    p.variant = parts.get(2).map(|v| (*v).to_owned());
    p.os_version = os_version.map(str::to_owned);
    Ok(Some(p))
}

/// The `--platform` flag, as several commands take it.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct PlatformArgs {
    /// request platform in the form of `os[/arch][/variant][:os_version]`
    #[arg(long, value_name = "string")]
    pub(crate) platform: Option<String>,
}

impl PlatformArgs {
    pub(crate) fn parse(&self) -> Result<Option<Platform>> {
        parse(self.platform.as_deref())
    }
}

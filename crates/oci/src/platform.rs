//! Platforms (`linux/amd64`, `linux/arm64/v8`, `windows/amd64:10.0.17763.1`) and matching.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::descriptor::Extra;

/// The platform a manifest in an index is built for.
///
/// [`FromStr`] reads the form the `oras` CLI's `--platform` takes:
/// `os/arch[/variant][:os.version]`.
///
/// ```
/// use oras_oci::Platform;
/// let want: Platform = "linux/aarch64".parse()?;
/// assert!(want.matches(&"linux/arm64/v8".parse()?));
/// assert!(!want.matches(&"linux/amd64".parse()?));
/// # Ok::<(), oras_oci::platform::PlatformError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Platform {
    /// CPU architecture (`amd64`, `arm64`, ...).
    pub architecture: String,
    /// Operating system (`linux`, `windows`, ...).
    pub os: String,
    /// Operating system version (`10.0.17763.1` for Windows images).
    #[serde(
        rename = "os.version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
    /// Required operating system features.
    #[serde(
        rename = "os.features",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub os_features: Option<Vec<String>>,
    /// CPU variant (`v7` for arm, `v8` for arm64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Reserved by the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<String>>,
    /// Fields not known to this crate, preserved.
    #[serde(flatten)]
    pub extra: Extra,
}

impl Platform {
    /// A platform with an operating system and architecture.
    pub fn new(os: impl Into<String>, architecture: impl Into<String>) -> Self {
        Self {
            architecture: architecture.into(),
            os: os.into(),
            os_version: None,
            os_features: None,
            variant: None,
            features: None,
            extra: Extra::new(),
        }
    }

    /// The platform this program runs on, in OCI names (`linux/amd64`, `darwin/arm64`).
    pub fn host() -> Self {
        Self::new(std::env::consts::OS, std::env::consts::ARCH).normalized()
    }

    /// The usual normalisations: lowercase names, `macos` -> `darwin`, `x86_64` -> `amd64`,
    /// `aarch64` -> `arm64` (variant `v8` is arm64's default and dropped), `i386` -> `386`,
    /// `armhf` -> `arm/v7`, `armel` -> `arm/v6`, `arm` without variant -> `arm/v7`, and
    /// bare variant numbers get their `v`.
    pub fn normalized(&self) -> Self {
        let mut p = self.clone();
        p.os = p.os.to_ascii_lowercase();
        if p.os == "macos" {
            "darwin".clone_into(&mut p.os);
        }
        let arch = p.architecture.to_ascii_lowercase();
        let variant = p
            .variant
            .as_deref()
            .map(str::to_ascii_lowercase)
            .filter(|v| !v.is_empty());
        let (arch, variant) = match (arch.as_str(), variant.as_deref()) {
            ("i386", v) => ("386", v.map(str::to_owned)),
            ("x86_64" | "x86-64" | "amd64", Some("v1")) => ("amd64", None),
            ("x86_64" | "x86-64" | "amd64", v) => ("amd64", v.map(str::to_owned)),
            ("aarch64" | "arm64", Some("8" | "v8")) => ("arm64", None),
            ("aarch64" | "arm64", v) => ("arm64", v.map(str::to_owned)),
            ("armhf", _) => ("arm", Some("v7".to_owned())),
            ("armel", _) => ("arm", Some("v6".to_owned())),
            ("arm", None) => ("arm", Some("v7".to_owned())),
            ("arm", Some(v @ ("5" | "6" | "7" | "8"))) => ("arm", Some(format!("v{v}"))),
            (a, v) => (a, v.map(str::to_owned)),
        };
        p.architecture = arch.to_owned();
        p.variant = variant;
        p
    }

    /// Whether `candidate` satisfies this wanted platform: same OS and architecture after
    /// [normalisation](Self::normalized); variant and OS version equal when this one names
    /// them; the OS features this one names are all in the candidate's.
    pub fn matches(&self, candidate: &Platform) -> bool {
        let (want, have) = (self.normalized(), candidate.normalized());
        want.os == have.os
            && want.architecture == have.architecture
            && (want.variant.is_none() || want.variant == have.variant)
            && (want.os_version.is_none() || want.os_version == have.os_version)
            && want
                .os_features
                .iter()
                .flatten()
                .all(|f| have.os_features.iter().flatten().any(|h| h == f))
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        if let Some(v) = &self.os_version {
            write!(f, ":{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PlatformError {
            input: crate::truncated(s),
        };
        let (spec, os_version) = match s.split_once(':') {
            Some((spec, v)) if !v.is_empty() => (spec, Some(v)),
            Some(_) => return Err(err()),
            None => (s, None),
        };
        let parts: Vec<&str> = spec.split('/').collect();
        let ok = |p: &&str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        };
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(ok) {
            return Err(err());
        }
        let mut p = Self::new(parts[0], parts[1]);
        p.variant = parts.get(2).map(|v| (*v).to_owned());
        p.os_version = os_version.map(str::to_owned);
        Ok(p)
    }
}

/// A platform string that is not `os/arch[/variant][:os.version]`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid platform {input:?}: expected OS/ARCH[/VARIANT][:OS_VERSION], such as linux/arm64/v8"
)]
pub struct PlatformError {
    input: String,
}

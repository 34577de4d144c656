//! Which token realms a registry may send credentials to.

use std::net::IpAddr;

use http::Uri;

/// Where a registry is: its host (with port) and whether it is reached over HTTPS.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// `host[:port]`, as in a reference (`ghcr.io`, `localhost:5000`, `[::1]:5000`).
    pub host: String,
    /// Whether requests go over HTTPS.
    pub https: bool,
}

impl Origin {
    /// An origin.
    pub fn new(host: impl Into<String>, https: bool) -> Self {
        Self {
            host: host.into(),
            https,
        }
    }
}

/// A realm this client will not ask for tokens.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RealmError {
    /// Not a URL with a host.
    #[error("token realm {0:?} is not an absolute URL")]
    NotAUrl(String),
    /// A scheme other than http and https.
    #[error("token realm {0:?} uses a scheme other than http or https")]
    Scheme(String),
    /// Plain HTTP asked for by a registry reached over HTTPS.
    #[error(
        "token realm {realm:?} uses plain http although registry {registry} is reached over https; refusing to send credentials in the clear"
    )]
    Downgrade {
        /// The realm.
        realm: String,
        /// The registry host.
        registry: String,
    },
    /// A loopback, private or link-local address asked for by a registry that is not on one.
    #[error(
        "token realm {realm:?} is on a loopback, private or link-local address but registry {registry} is not; refusing to send credentials there"
    )]
    Internal {
        /// The realm.
        realm: String,
        /// The registry host.
        registry: String,
    },
}

/// Checks a `Bearer` challenge's realm before any request (and any credential) goes there:
/// - it is an absolute `http` or `https` URL;
/// - it is not `http` when the registry is reached over `https`;
/// - it is not on a loopback, private or link-local address (or `localhost`) unless the
///   registry is on one too.
///
/// Host names are not resolved here (no I/O); a name that resolves to a private address is
/// not caught.
pub fn validate_realm(realm: &str, registry: &Origin) -> Result<Uri, RealmError> {
    let shown: String = realm.chars().take(256).collect();
    let uri: Uri = realm
        .parse()
        .map_err(|_| RealmError::NotAUrl(shown.clone()))?;
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return Err(RealmError::NotAUrl(shown));
    };
    match scheme {
        "https" => {}
        "http" if !registry.https => {}
        "http" => {
            return Err(RealmError::Downgrade {
                realm: shown,
                registry: registry.host.clone(),
            });
        }
        _ => return Err(RealmError::Scheme(shown)),
    }
    if is_internal(host) && !is_internal(host_of(&registry.host)) {
        return Err(RealmError::Internal {
            realm: shown,
            registry: registry.host.clone(),
        });
    }
    Ok(uri)
}

/// The host of `host[:port]` or `[v6][:port]`, without brackets.
fn host_of(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host_port
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host_port, |(h, _)| h)
}

/// Loopback, private, link-local, unspecified, or a `localhost` name.
fn is_internal(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let lower = host.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            a.is_loopback() || a.is_private() || a.is_link_local() || a.is_unspecified()
        }
        Ok(IpAddr::V6(a)) => {
            let seg = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || (seg & 0xfe00) == 0xfc00 // unique local
                || (seg & 0xffc0) == 0xfe80 // link local
                || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_private() || v4.is_link_local())
        }
        Err(_) => false,
    }
}

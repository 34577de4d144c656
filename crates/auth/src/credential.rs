//! What a registry user proves themselves with.

use std::fmt;

use http::HeaderValue;

use crate::Secret;

/// A credential for one registry.
///
/// `Debug` and `Display` never show the secret parts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// Username and password: sent as Basic auth to registries and token services.
    Basic {
        /// The username.
        username: String,
        /// The password.
        password: Secret,
    },
    /// An identity (refresh) token, exchanged for access tokens with the OAuth2
    /// `refresh_token` grant. Credential helpers report it with the username `<token>`.
    IdentityToken(Secret),
    /// An access token sent as `Authorization: Bearer` as it is.
    AccessToken(Secret),
}

impl Credential {
    /// Username and password.
    pub fn basic(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Self::Basic {
            username: username.into(),
            password: password.into(),
        }
    }

    /// The `Authorization: Basic …` value of a username/password credential, marked
    /// sensitive so `http` hides it from `Debug`.
    pub fn basic_header(&self) -> Option<HeaderValue> {
        let Self::Basic { username, password } = self else {
            return None;
        };
        let encoded = crate::base64::encode(format!("{username}:{}", password.expose()).as_bytes());
        let mut v = HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
        v.set_sensitive(true);
        Some(v)
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { username, .. } => write!(f, "username {username:?} and password"),
            Self::IdentityToken(_) => f.write_str("identity token"),
            Self::AccessToken(_) => f.write_str("access token"),
        }
    }
}

/// A `Authorization: Bearer …` value, marked sensitive.
pub(crate) fn bearer_header(token: &Secret) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
    v.set_sensitive(true);
    Some(v)
}

//! Token requests (built, not sent) and token responses (parsed).
//!
//! Two request forms, as registries' token services take them:
//! - distribution token GET: `realm?service=…&scope=…&scope=…`, with Basic credentials or
//!   anonymous;
//! - OAuth2 POST (form body): `grant_type=password` (username, password) or
//!   `grant_type=refresh_token` (an identity token), with `client_id`, `service` and the
//!   space-separated `scope`.

use std::time::{Duration, SystemTime};

use http::{Method, Request, Uri, header};
use serde::Deserialize;

use crate::{Credential, Scopes, Secret};

/// The most a token response body may hold; larger ones are refused.
pub const TOKEN_RESPONSE_LIMIT: usize = 128 * 1024;

/// The lifetime of a token whose response gives no `expires_in`, per the token spec.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(60);

/// The OAuth2 `client_id` sent unless told otherwise.
pub const DEFAULT_CLIENT_ID: &str = "oras-rs";

/// A token and when it stops being used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    value: Secret,
    expires_at: SystemTime,
    refresh_token: Option<Secret>,
}

impl Token {
    /// A token valid until `expires_at`.
    pub fn new(value: impl Into<Secret>, expires_at: SystemTime) -> Self {
        Self {
            value: value.into(),
            expires_at,
            refresh_token: None,
        }
    }

    /// The token.
    pub fn value(&self) -> &Secret {
        &self.value
    }

    /// When this client stops using it: the service's expiry minus a safety margin.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether it is past its use-by time at `now`.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }

    /// A refresh token the service returned with it (OAuth2 grants), if any.
    pub fn refresh_token(&self) -> Option<&Secret> {
        self.refresh_token.as_ref()
    }
}

/// A token service's answer that cannot be used. Messages never quote the body: it may
/// hold secrets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The body is larger than [`TOKEN_RESPONSE_LIMIT`].
    #[error("token response is larger than the {TOKEN_RESPONSE_LIMIT}-byte limit")]
    TooLarge,
    /// The body is not the JSON a token service sends.
    #[error("token response is not valid JSON ({0})")]
    Invalid(String),
    /// Neither `token` nor `access_token` is there.
    #[error("token response has neither `token` nor `access_token`")]
    MissingToken,
}

#[derive(Deserialize)]
struct Response {
    token: Option<String>,
    access_token: Option<String>,
    expires_in: Option<i64>,
    issued_at: Option<String>,
    refresh_token: Option<String>,
}

/// Parses a token response body received at `now`.
///
/// The token is `access_token`, else `token`. It is used until its expiry minus a margin
/// of a tenth of its lifetime (at most 30 s), so a token is not sent just as it lapses.
/// The lifetime is `expires_in` (60 s when absent or not positive), counted from
/// `issued_at` when that lies between `now - expires_in` and `now`; otherwise from `now`,
/// because a time outside that range says more about the two clocks than about the token.
pub fn parse_token_response(body: &[u8], now: SystemTime) -> Result<Token, TokenError> {
    if body.len() > TOKEN_RESPONSE_LIMIT {
        return Err(TokenError::TooLarge);
    }
    let r: Response = serde_json::from_slice(body).map_err(|e| {
        TokenError::Invalid(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    let value = r
        .access_token
        .filter(|t| !t.is_empty())
        .or(r.token.filter(|t| !t.is_empty()))
        .ok_or(TokenError::MissingToken)?;
    let lifetime = r
        .expires_in
        .and_then(|s| u64::try_from(s).ok())
        .filter(|&s| s > 0)
        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
    let issued = r
        .issued_at
        .as_deref()
        .and_then(crate::date::parse_issued_at)
        .filter(|&t| t <= now && now.duration_since(t).is_ok_and(|age| age < lifetime))
        .unwrap_or(now);
    let margin = (lifetime / 10).min(Duration::from_secs(30));
    Ok(Token {
        value: Secret::new(value),
        expires_at: issued + lifetime - margin,
        refresh_token: r.refresh_token.filter(|t| !t.is_empty()).map(Secret::new),
    })
}

/// How to ask a token service.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenOptions {
    /// The OAuth2 `client_id`.
    pub client_id: String,
    /// Use the OAuth2 password grant (POST) for username/password instead of the
    /// distribution GET with Basic auth.
    pub force_oauth2: bool,
}

impl Default for TokenOptions {
    fn default() -> Self {
        Self {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            force_oauth2: false,
        }
    }
}

/// Percent-encodes a query or form value: everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds the request that fetches a token for `scopes` from `realm` (already validated,
/// see [`crate::validate_realm`]).
///
/// - no credential: anonymous distribution GET;
/// - username/password: distribution GET with Basic auth (or the OAuth2 password grant
///   with [`TokenOptions::force_oauth2`]);
/// - identity token: OAuth2 refresh-token grant.
///
/// An access-token credential needs no request; it is an error to ask for one.
///
/// ```
/// use oras_auth::{token::{token_request, TokenOptions}, Scopes};
/// let realm = "https://auth.example/token".parse()?;
/// let req = token_request(&realm, Some("registry.example"), &Scopes::for_push("team/app"), None, &TokenOptions::default())?;
/// assert_eq!(req.uri(), "https://auth.example/token?service=registry.example&scope=repository%3Ateam%2Fapp%3Apull%2Cpush");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn token_request(
    realm: &Uri,
    service: Option<&str>,
    scopes: &Scopes,
    credential: Option<&Credential>,
    options: &TokenOptions,
) -> Result<Request<Vec<u8>>, TokenRequestError> {
    let service = service.unwrap_or_default();
    let oauth2 = |grant: &[(&str, &str)]| {
        let mut pairs = grant.to_vec();
        let joined = scopes.joined();
        pairs.extend([
            ("service", service),
            ("client_id", options.client_id.as_str()),
            ("scope", joined.as_str()),
        ]);
        Request::builder()
            .method(Method::POST)
            .uri(realm.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&pairs).into_bytes())
            .map_err(TokenRequestError::from)
    };
    match credential {
        Some(Credential::IdentityToken(t)) => oauth2(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", t.expose()),
        ]),
        Some(Credential::Basic { username, password }) if options.force_oauth2 => oauth2(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password.expose()),
        ]),
        Some(Credential::AccessToken(_)) => Err(TokenRequestError::AccessToken),
        basic_or_none => {
            let mut query: Vec<String> = Vec::new();
            if !service.is_empty() {
                query.push(format!("service={}", encode(service)));
            }
            query.extend(
                scopes
                    .to_strings()
                    .iter()
                    .map(|s| format!("scope={}", encode(s))),
            );
            let base = realm.to_string();
            let uri = match (query.is_empty(), realm.query().is_some()) {
                (true, _) => base,
                (false, true) => format!("{base}&{}", query.join("&")),
                (false, false) => format!("{base}?{}", query.join("&")),
            };
            let mut b = Request::builder().method(Method::GET).uri(uri);
            if let Some(h) = basic_or_none.and_then(Credential::basic_header) {
                b = b.header(header::AUTHORIZATION, h);
            }
            Ok(b.body(Vec::new())?)
        }
    }
}

/// A token request that cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// An access token is sent as it is.
    #[error("an access token is sent as it is; it needs no token request")]
    AccessToken,
    /// The realm and parameters do not make a valid request.
    #[error("cannot build the token request")]
    Http(#[from] http::Error),
}

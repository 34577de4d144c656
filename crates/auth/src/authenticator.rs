//! The decisions a client makes about `Authorization`, with the I/O left to the client.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use http::{HeaderValue, Request, Response};

use crate::cache::{CacheKey, TokenCache};
use crate::credential::bearer_header;
use crate::token::{
    TOKEN_RESPONSE_LIMIT, TokenError, TokenOptions, TokenRequestError, parse_token_response,
    token_request,
};
use crate::{
    AuthScheme, BoxError, Challenge, ChallengeError, Credential, CredentialError,
    CredentialProvider, Origin, RealmError, Scopes, Token, validate_realm,
};

/// Authentication failed. Messages name the host and what happened; they never contain a
/// password or token. What a person should do about it is the application's to say.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The registry wants credentials and none are configured.
    #[error("unauthorized: {host} requires credentials")]
    NoCredentials {
        /// The registry host.
        host: String,
    },
    /// The registry refused the credentials that were sent.
    #[error("unauthorized: {host} rejected the {credential}")]
    CredentialsRejected {
        /// The registry host.
        host: String,
        /// What kind of credential it was (never the secret).
        credential: String,
    },
    /// Only challenges of schemes this crate does not speak.
    #[error("unauthorized: {host} asks for an unsupported authentication scheme ({schemes})")]
    UnsupportedScheme {
        /// The registry host.
        host: String,
        /// The schemes offered.
        schemes: String,
    },
    /// A 401 without a challenge.
    #[error("unauthorized: {host} answered 401 without a WWW-Authenticate challenge")]
    NoChallenge {
        /// The registry host.
        host: String,
    },
    /// A malformed challenge.
    #[error(transparent)]
    Challenge(#[from] ChallengeError),
    /// A Bearer challenge without a realm.
    #[error("{host} sent a Bearer challenge without a realm")]
    MissingRealm {
        /// The registry host.
        host: String,
    },
    /// A realm this client will not send credentials to.
    #[error(transparent)]
    Realm(#[from] RealmError),
    /// The token service answered with an error status.
    #[error("token service {realm} for {host} answered HTTP {status}{}", if *.status == 401 || *.status == 403 { "; the credentials were rejected" } else { "" })]
    TokenService {
        /// The realm, without its query.
        realm: String,
        /// The registry host.
        host: String,
        /// The HTTP status.
        status: u16,
    },
    /// The token service's answer could not be used.
    #[error("token service {realm}")]
    TokenResponse {
        /// The realm, without its query.
        realm: String,
        /// What was wrong.
        source: TokenError,
    },
    /// The token request could not be built.
    #[error(transparent)]
    TokenRequest(#[from] TokenRequestError),
    /// Sending the token request failed.
    #[error("token request to {realm} failed")]
    Transport {
        /// The realm, without its query.
        realm: String,
        /// The transport's error.
        source: BoxError,
    },
    /// A credential store failed.
    #[error(transparent)]
    Credentials(#[from] CredentialError),
}

impl AuthError {
    /// Whether this means "not allowed with these (or no) credentials".
    pub fn is_unauthorized(&self) -> bool {
        match self {
            Self::NoCredentials { .. }
            | Self::CredentialsRejected { .. }
            | Self::UnsupportedScheme { .. }
            | Self::NoChallenge { .. } => true,
            Self::TokenService { status, .. } => matches!(status, 401 | 403),
            _ => false,
        }
    }
}

#[derive(Default)]
struct HostState {
    /// The registry answered with a Basic challenge: send Basic with every request.
    basic: bool,
    /// The last Bearer challenge, to fetch tokens for new scopes before a 401.
    bearer: Option<Challenge>,
    /// The credential looked up for the host (looked up once per authenticator).
    credential: Option<Option<Credential>>,
}

/// Decides what `Authorization` to send, and what to do after a 401, for one client.
///
/// It does no HTTP itself: where a token must be fetched, it builds the request and hands
/// it to the caller's `send` function, which returns the response with its body read (at
/// most [`TOKEN_RESPONSE_LIMIT`] + 1 bytes). Tokens are cached per host and scope set and
/// fetched once however many tasks ask at the same time. `Send + Sync`; share it.
///
/// The protocol a client follows, per request:
/// 1. [`authorization`](Self::authorization) gives the header to send, if one is known;
/// 2. on a 401, [`respond`](Self::respond) with the response's challenges and the header
///    that was sent gives the header to resend with, once; a second 401 is the caller's
///    error to report. That bound is what keeps a registry that always answers 401 from
///    causing a loop.
#[derive(Debug, Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    cache: TokenCache,
    credentials: Arc<dyn CredentialProvider>,
    hosts: Mutex<HashMap<String, HostState>>,
    options: TokenOptions,
}

impl std::fmt::Debug for HostState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostState")
            .field("basic", &self.basic)
            .field("bearer", &self.bearer.is_some())
            .finish_non_exhaustive()
    }
}

fn realm_for_display(realm: &http::Uri) -> String {
    format!(
        "{}://{}{}",
        realm.scheme_str().unwrap_or("https"),
        realm.authority().map_or("", |a| a.as_str()),
        realm.path()
    )
}

impl Authenticator {
    /// An authenticator taking credentials from `credentials`, with its own token cache.
    pub fn new(credentials: impl CredentialProvider + 'static) -> Self {
        Self::with_parts(
            Arc::new(credentials),
            TokenCache::default(),
            TokenOptions::default(),
        )
    }

    /// An authenticator with a given cache (its clock decides expiry) and token options.
    pub fn with_parts(
        credentials: Arc<dyn CredentialProvider>,
        cache: TokenCache,
        options: TokenOptions,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache,
                credentials,
                hosts: Mutex::default(),
                options,
            }),
        }
    }

    /// The token cache.
    pub fn cache(&self) -> &TokenCache {
        &self.inner.cache
    }

    fn hosts(&self) -> MutexGuard<'_, HashMap<String, HostState>> {
        self.inner
            .hosts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn credential(&self, host: &str) -> Result<Option<Credential>, AuthError> {
        if let Some(c) = self.hosts().get(host).and_then(|s| s.credential.clone()) {
            return Ok(c);
        }
        let c = self.inner.credentials.get(host).await?;
        self.hosts().entry(host.to_owned()).or_default().credential = Some(c.clone());
        Ok(c)
    }

    fn key(host: &str, scopes: &Scopes) -> CacheKey {
        CacheKey {
            host: host.to_owned(),
            scopes: scopes.joined(),
        }
    }

    /// The `Authorization` value to send to `origin` for a request needing `scopes`,
    /// before any 401: Basic for a registry known to want it, a cached token, or a token
    /// fetched now for a registry whose Bearer challenge was seen before (so a push asks
    /// for `pull,push` once, up front). `None` when nothing is known yet.
    pub async fn authorization<F, Fut, E>(
        &self,
        origin: &Origin,
        scopes: &Scopes,
        send: F,
    ) -> Result<Option<HeaderValue>, AuthError>
    where
        F: FnOnce(Request<Vec<u8>>) -> Fut,
        Fut: Future<Output = Result<Response<Vec<u8>>, E>>,
        E: Into<BoxError>,
    {
        let (basic, bearer) = {
            let hosts = self.hosts();
            let s = hosts.get(&origin.host);
            (s.is_some_and(|s| s.basic), s.and_then(|s| s.bearer.clone()))
        };
        if basic {
            return Ok(self
                .credential(&origin.host)
                .await?
                .as_ref()
                .and_then(Credential::basic_header));
        }
        if let Some(t) = self.inner.cache.get(&Self::key(&origin.host, scopes)) {
            return Ok(bearer_header(t.value()));
        }
        match bearer {
            Some(challenge) => self
                .bearer(origin, &challenge, scopes, send)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// The error for a request refused again after [`respond`](Self::respond): the
    /// credentials for `host` were rejected, or there are none.
    pub async fn rejected(&self, host: &str) -> AuthError {
        match self.credential(host).await {
            Ok(Some(c)) => AuthError::CredentialsRejected {
                host: host.to_owned(),
                credential: c.to_string(),
            },
            Ok(None) => AuthError::NoCredentials {
                host: host.to_owned(),
            },
            Err(e) => e,
        }
    }

    /// What to resend with after a 401 from `origin`.
    ///
    /// `challenges` are the response's ([`Challenge::from_headers`]); `sent` is the
    /// `Authorization` value the refused request carried. A refused cached token is
    /// dropped and a new one fetched; refused Basic credentials or an access token that
    /// would only be sent again are an error instead.
    pub async fn respond<F, Fut, E>(
        &self,
        origin: &Origin,
        challenges: &[Challenge],
        scopes: &Scopes,
        sent: Option<&HeaderValue>,
        send: F,
    ) -> Result<HeaderValue, AuthError>
    where
        F: FnOnce(Request<Vec<u8>>) -> Fut,
        Fut: Future<Output = Result<Response<Vec<u8>>, E>>,
        E: Into<BoxError>,
    {
        let host = &origin.host;
        if challenges.is_empty() {
            return Err(AuthError::NoChallenge { host: host.clone() });
        }
        let bearer = challenges.iter().find(|c| c.scheme() == AuthScheme::Bearer);
        let basic = challenges.iter().find(|c| c.scheme() == AuthScheme::Basic);
        let key = Self::key(host, scopes);
        if let Some(value) = sent
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            self.inner.cache.invalidate(&key, value);
        }
        let rejected = |credential: &Credential| AuthError::CredentialsRejected {
            host: host.clone(),
            credential: credential.to_string(),
        };
        match (bearer, basic) {
            (Some(challenge), _) => {
                self.hosts().entry(host.clone()).or_default().bearer = Some(challenge.clone());
                if let Some(c) = self.credential(host).await?
                    && let Credential::AccessToken(t) = &c
                {
                    let header = bearer_header(t).ok_or_else(|| rejected(&c))?;
                    return if sent == Some(&header) {
                        Err(rejected(&c))
                    } else {
                        Ok(header)
                    };
                }
                self.bearer(origin, challenge, scopes, send).await
            }
            (None, Some(_)) => {
                self.hosts().entry(host.clone()).or_default().basic = true;
                let credential = self
                    .credential(host)
                    .await?
                    .ok_or_else(|| AuthError::NoCredentials { host: host.clone() })?;
                let header = credential
                    .basic_header()
                    .ok_or_else(|| rejected(&credential))?;
                if sent == Some(&header) {
                    Err(rejected(&credential))
                } else {
                    Ok(header)
                }
            }
            (None, None) => Err(AuthError::UnsupportedScheme {
                host: host.clone(),
                schemes: challenges
                    .iter()
                    .map(Challenge::scheme_name)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// A Bearer header for `scopes`, from the cache or fetched once with `challenge`.
    async fn bearer<F, Fut, E>(
        &self,
        origin: &Origin,
        challenge: &Challenge,
        scopes: &Scopes,
        send: F,
    ) -> Result<HeaderValue, AuthError>
    where
        F: FnOnce(Request<Vec<u8>>) -> Fut,
        Fut: Future<Output = Result<Response<Vec<u8>>, E>>,
        E: Into<BoxError>,
    {
        let host = &origin.host;
        let realm = challenge
            .realm()
            .ok_or_else(|| AuthError::MissingRealm { host: host.clone() })?;
        let realm = validate_realm(realm, origin)?;
        // Ask for what the request needs and what the registry hinted at, in one token.
        let mut wanted = scopes.clone();
        if let Some(hint) = challenge.scope() {
            wanted.add_challenge_scopes(hint);
        }
        let credential = self.credential(host).await?;
        let key = Self::key(host, scopes);
        let shown = realm_for_display(&realm);
        let token: Token = self
            .inner
            .cache
            .get_or_fetch(&key, || async {
                let request = token_request(
                    &realm,
                    challenge.service(),
                    &wanted,
                    credential.as_ref(),
                    &self.inner.options,
                )?;
                let response = send(request).await.map_err(|e| AuthError::Transport {
                    realm: shown.clone(),
                    source: e.into(),
                })?;
                if !response.status().is_success() {
                    return Err(AuthError::TokenService {
                        realm: shown.clone(),
                        host: host.clone(),
                        status: response.status().as_u16(),
                    });
                }
                let body = response.body();
                if body.len() > TOKEN_RESPONSE_LIMIT {
                    return Err(AuthError::TokenResponse {
                        realm: shown.clone(),
                        source: TokenError::TooLarge,
                    });
                }
                parse_token_response(body, self.inner.cache.now()).map_err(|source| {
                    AuthError::TokenResponse {
                        realm: shown.clone(),
                        source,
                    }
                })
            })
            .await?;
        bearer_header(token.value()).ok_or_else(|| AuthError::TokenResponse {
            realm: shown,
            source: TokenError::Invalid("the token is not a valid header value".into()),
        })
    }
}

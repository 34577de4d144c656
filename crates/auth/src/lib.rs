//! Registry authentication for ORAS: challenges, token requests, a token cache and
//! credential stores that work with Docker Hub, GHCR, ECR, ACR, Harbor, Quay, GitLab and
//! distribution.
//!
//! The principal types:
//!
//! - [`Challenge`]: a parsed `WWW-Authenticate` challenge (Basic or Bearer).
//! - [`Scope`] and [`Scopes`]: what a token is asked for (`repository:team/app:pull,push`).
//! - [`token`]: token requests built as `http::Request`s (distribution GET, OAuth2 POST) and
//!   token responses parsed into a [`Token`] with an expiry.
//! - [`TokenCache`]: tokens per registry and scope set, fetched once for concurrent callers.
//! - [`Credential`], [`Secret`] and the [`store`] module: explicit credentials, docker
//!   `config.json` and the containers auth file, credential helpers, custom providers.
//! - [`Authenticator`]: ties them together for a client: the `Authorization` to send, and
//!   what to do after a 401.
//!
//! This crate sends no HTTP (sans-IO): it builds requests and reads responses, and the
//! client that owns the transport sends them. Credential helpers and config files are
//! local I/O and live here; they run on their own threads behind futures, so they never
//! block an async runtime.
//!
//! ```
//! use oras_auth::{Authenticator, Challenge, Origin, Scopes, StaticCredentials};
//! use http::{Request, Response};
//!
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
//! # }
//! let auth = Authenticator::new(StaticCredentials::new());
//! let origin = Origin::new("registry.example", true);
//! let scopes = Scopes::for_pull("team/app");
//! // The registry answered 401 with this challenge:
//! let challenges = Challenge::parse(r#"Bearer realm="https://auth.example/token",service="registry.example""#)?;
//! // The client sends the token request the authenticator builds, and returns the response.
//! let send = |req: Request<Vec<u8>>| async move {
//!     assert!(req.uri().to_string().starts_with("https://auth.example/token?service=registry.example&scope="));
//!     Ok::<_, std::io::Error>(Response::new(br#"{"token":"t0k3n","expires_in":300}"#.to_vec()))
//! };
//! let header = block_on(auth.respond(&origin, &challenges, &scopes, None, send))?;
//! assert_eq!(header, "Bearer t0k3n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Most users want the higher-level crates (`oras-distribution`, `oras-artifact`), which
//! drive this one.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod authenticator;
mod base64;
mod boxed;
mod cache;
mod challenge;
mod credential;
mod date;
mod realm;
mod scope;
mod secret;
pub mod store;
pub mod token;

#[cfg(test)]
mod tests;

pub use authenticator::{AuthError, Authenticator};
pub use boxed::{BoxError, BoxFuture};
pub use cache::{CacheKey, Clock, SystemClock, TokenCache};
pub use challenge::{AuthScheme, Challenge, ChallengeError};
pub use credential::Credential;
pub use realm::{Origin, RealmError, validate_realm};
pub use scope::{DELETE, PULL, PUSH, Scope, ScopeError, Scopes};
pub use secret::Secret;
pub use store::{
    ConfigFileStore, CredentialChain, CredentialError, CredentialProvider, StaticCredentials,
};
pub use token::{Token, TokenError};

/// The README's examples, compiled (and run unless marked otherwise) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

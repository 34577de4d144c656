//! A transport-agnostic OCI distribution-spec client.
//!
//! The principal types:
//!
//! - [`Client`]: configuration, auth ([`oras_auth::Authenticator`]), retries, redirects;
//!   cheap to clone and safe to share between tasks.
//! - [`Registry`] (ping, catalog) and [`Repository`] (manifests, blobs, tags, mounts,
//!   referrers through the API or the tag schema, whose index it maintains).
//! - [`Transport`]: the seam to the network. [`HyperTransport`] (feature `hyper`, on by
//!   default) is hyper 1 over rustls on tokio; any other HTTP stack fits behind the trait,
//!   and the crate builds without hyper, rustls or tokio (`--no-default-features`).
//! - [`Body`] and [`ResponseBody`]: bodies stream; a body says whether it can be sent
//!   again, so retries and auth never replay a one-shot stream by accident.
//! - [`Error`]: answers `is_not_found`, `is_unauthorized`, `is_denied`, `is_retryable`,
//!   and keeps the registry's error codes.
//!
//! ```no_run
//! # #[cfg(feature = "hyper")]
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use oras_distribution::{Client, ClientConfig, HyperTransport};
//! use oras_auth::{Authenticator, CredentialChain};
//!
//! let client = Client::new(HyperTransport::new()?, Authenticator::new(CredentialChain::standard()), ClientConfig::default());
//! let repo = client.repository(&"localhost:5000/hello".parse()?);
//! let blob = repo.push_blob_bytes("text/plain", &b"hello"[..]).await?;
//! assert_eq!(repo.fetch_blob_bytes(&blob).await?, &b"hello"[..]);
//! println!("tags: {:?}", repo.tags(None).await?);
//! # Ok(()) }
//! ```
//!
//! Every byte fetched is verified against its digest and size as it streams, manifests
//! are kept as the bytes received, and `Authorization` never leaves the registry's origin.
//!
//! Most users want the higher-level `oras-artifact` crate.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod blob;
mod body;
mod client;
mod config;
#[cfg(feature = "hyper")]
mod dial;
mod error;
#[cfg(feature = "hyper")]
mod hyper_transport;
mod log;
mod page;
#[cfg(feature = "hyper")]
mod proxy;
mod referrers;
mod registry;
mod repository;
mod request;
mod transport;
mod upload;
mod url;

pub use blob::BlobReader;
pub use body::{Body, ByteStream, CollectError, LimitExceeded, ResponseBody};
pub use client::Client;
pub use config::{ClientConfig, DEFAULT_CHUNK_SIZE, PlainHttp, RetryPolicy, WarningHook};
#[cfg(feature = "hyper")]
pub use dial::{Resolve, ResolveError};
pub use error::{Error, ErrorCode, ErrorKind, Result};
#[cfg(feature = "hyper")]
pub use hyper_transport::{HyperOptions, HyperTransport};
pub use oras_auth::{BoxError, BoxFuture};
pub use page::next_link;
#[cfg(feature = "hyper")]
pub use proxy::ProxyConfig;
pub use referrers::{ReferrersMode, referrers_tag};
pub use registry::Registry;
pub use repository::{Repository, Resupply};
pub use transport::{Transport, TransportError, TransportErrorKind};
pub use upload::{BlobUpload, Mount};

/// The README's examples, compiled (and run unless marked otherwise) by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

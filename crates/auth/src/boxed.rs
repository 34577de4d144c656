//! The boxed error and future types every layer above shares (`oras-distribution` and
//! `oras-artifact` re-export these; they define none of their own).

use std::future::Future;
use std::pin::Pin;

/// A boxed error, as transports, body streams and credential providers report them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A boxed, sendable future, for the object-safe async methods of traits such as
/// [`CredentialProvider`](crate::CredentialProvider).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

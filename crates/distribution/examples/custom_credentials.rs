//! A custom [`CredentialProvider`]: credentials from wherever your program keeps them (a
//! vault, a cloud SDK such as ECR's `GetAuthorizationToken`, the environment), tried
//! before the docker config files.
//!
//! ```text
//! REGISTRY_USER=alice REGISTRY_PASSWORD=secret \
//!   cargo run -p oras-distribution --example custom_credentials -- localhost:5000/hello
//! ```
#![expect(clippy::print_stdout, reason = "an example that reports what it did")]

use oras_auth::store::{CredentialError, CredentialProvider};
use oras_auth::{Authenticator, Credential, CredentialChain};
use oras_distribution::{BoxFuture, Client, ClientConfig, HyperTransport};

/// Username and password from `REGISTRY_USER` and `REGISTRY_PASSWORD`, for one host.
#[derive(Debug)]
struct FromEnvironment {
    host: String,
}

impl CredentialProvider for FromEnvironment {
    fn get<'a>(
        &'a self,
        host: &'a str,
    ) -> BoxFuture<'a, Result<Option<Credential>, CredentialError>> {
        Box::pin(async move {
            if host != self.host {
                // Not ours: the next provider in the chain is asked.
                return Ok(None);
            }
            let (Ok(user), Ok(password)) = (
                std::env::var("REGISTRY_USER"),
                std::env::var("REGISTRY_PASSWORD"),
            ) else {
                return Ok(None);
            };
            // A provider that can fail (a vault that is down) says so with
            // `CredentialError::Provider`; the request then fails rather than going
            // anonymous.
            Ok(Some(Credential::basic(user, password)))
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(name) = std::env::args().nth(1) else {
        return Err("usage: custom_credentials REGISTRY/REPOSITORY".into());
    };
    let reference: oras_reference::Reference = name.parse()?;
    let chain = CredentialChain::new()
        .then(FromEnvironment {
            host: reference.registry().to_owned(),
        })
        .then(CredentialChain::standard());
    let client = Client::new(
        HyperTransport::new()?,
        Authenticator::new(chain),
        ClientConfig::default(),
    );
    let repo = client.repository(&reference);
    // The provider is asked only when the registry challenges a request.
    let blob = repo.push_blob_bytes("text/plain", &b"hello"[..]).await?;
    println!("pushed {} to {}", blob.digest, repo.name());
    Ok(())
}

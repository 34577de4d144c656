//! A registry as a whole: ping and catalog.

use http::{Method, StatusCode};
use oras_auth::{Scope, Scopes};
use serde::Deserialize;

use crate::client::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::page::Listing;
use crate::request::Call;
use crate::{Client, Repository};

/// A registry: ping and catalog.
#[derive(Clone, Debug)]
pub struct Registry {
    client: Client,
    endpoint: Endpoint,
}

impl Registry {
    pub(crate) fn new(client: Client, endpoint: Endpoint) -> Self {
        Self { client, endpoint }
    }

    /// The registry's host as written.
    pub fn host(&self) -> &str {
        &self.endpoint.host
    }

    /// `GET /v2/`: whether the registry speaks the API and accepts our credentials.
    pub async fn ping(&self) -> Result<()> {
        let url = self.endpoint.url("/v2/");
        Call::new(
            &self.client,
            &self.endpoint,
            Method::GET,
            url,
            Scopes::new(),
        )
        .expect(&[StatusCode::OK])
        .send()
        .await
        .map(drop)
    }

    /// Every repository in the catalog (`GET /v2/_catalog`, following pages).
    pub async fn catalog(&self, page_size: Option<usize>) -> Result<Vec<String>> {
        let path = match page_size {
            Some(n) => format!("/v2/_catalog?n={n}"),
            None => "/v2/_catalog".to_owned(),
        };
        #[derive(Deserialize)]
        struct Page {
            #[serde(default)]
            repositories: Option<Vec<String>>,
        }
        let listing = Listing {
            client: &self.client,
            endpoint: &self.endpoint,
            scopes: Scopes::from_iter([Scope::catalog()]),
            first: self.endpoint.url(&path),
            accept: None,
            absent_on_404: false,
        };
        let all = listing
            .collect(|_, body| {
                let page: Page = serde_json::from_slice(&body).map_err(|e| {
                    Error::new(ErrorKind::Protocol, "invalid catalog page").with_source(e)
                })?;
                Ok(page.repositories.unwrap_or_default())
            })
            .await?;
        Ok(all.unwrap_or_default())
    }

    /// A repository of this registry.
    pub fn repository(&self, name: &str) -> Result<Repository> {
        if !oras_reference::is_valid_repository(name) {
            return Err(Error::new(
                ErrorKind::Input,
                format!("invalid repository name {name:?}"),
            ));
        }
        Ok(Repository::new(
            self.client.clone(),
            self.endpoint.clone(),
            name.to_owned(),
        ))
    }
}

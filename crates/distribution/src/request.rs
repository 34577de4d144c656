//! The request builder every operation uses: its method, URL, scopes, accepted types,
//! headers, body and the statuses that mean success, stated once.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Response, StatusCode};
use oras_auth::Scopes;

use crate::client::Endpoint;
use crate::error::Result;
use crate::url::Url;
use crate::{Body, Client, ResponseBody};

/// One request to a registry, sent through [`Client::execute`].
pub(crate) struct Call<'a> {
    client: &'a Client,
    endpoint: &'a Endpoint,
    method: Method,
    url: Url,
    scopes: Scopes,
    headers: HeaderMap,
    body: Body,
    expect: &'a [StatusCode],
}

impl<'a> Call<'a> {
    /// A request without body or extra headers that accepts any status.
    pub(crate) fn new(
        client: &'a Client,
        endpoint: &'a Endpoint,
        method: Method,
        url: Url,
        scopes: Scopes,
    ) -> Self {
        Self {
            client,
            endpoint,
            method,
            url,
            scopes,
            headers: HeaderMap::new(),
            body: Body::empty(),
            expect: &[],
        }
    }

    /// Offers these media types (`Accept`).
    pub(crate) fn accept(self, types: &str) -> Self {
        let value = HeaderValue::from_str(types).expect("media types are valid header text");
        self.header(header::ACCEPT, value)
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sends this body.
    pub(crate) fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// The statuses that mean success; any other is an error read from the response.
    pub(crate) fn expect(mut self, statuses: &'a [StatusCode]) -> Self {
        self.expect = statuses;
        self
    }

    /// The URL the request goes to first.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// Sends the request: the response, whatever its status if no statuses were expected.
    pub(crate) async fn send(self) -> Result<Response<ResponseBody>> {
        let response = self
            .client
            .execute(
                self.endpoint,
                &self.scopes,
                self.method.clone(),
                self.url.clone(),
                self.headers,
                self.body,
            )
            .await?;
        if self.expect.is_empty() || self.expect.contains(&response.status()) {
            Ok(response)
        } else {
            Err(self
                .client
                .status_error(&self.method, &self.url, response)
                .await)
        }
    }
}

//! Listings that come in pages (tags, the catalog, referrers): `Link: <…>; rel="next"`
//! followed on the registry's origin only, at most `max_pages` pages.

use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::{Method, StatusCode};
use oras_auth::Scopes;

use crate::Client;
use crate::client::Endpoint;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Call;
use crate::url::Url;

/// Where a page says the next one is: `Link: <url>; rel="next"`.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::LINK)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|link| {
            let (target, params) = link.trim().split_once(';')?;
            let url = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            params
                .split(';')
                .filter_map(|p| p.split_once('='))
                .any(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("rel")
                        && v.trim()
                            .trim_matches('"')
                            .split_whitespace()
                            .any(|r| r.eq_ignore_ascii_case("next"))
                })
                .then(|| url.to_owned())
        })
}

/// One listing: where it starts, with which scopes and `Accept`, and whether a 404 on the
/// first page means "there is no such listing here" (the referrers API) rather than an
/// error.
pub(crate) struct Listing<'a> {
    pub(crate) client: &'a Client,
    pub(crate) endpoint: &'a Endpoint,
    pub(crate) scopes: Scopes,
    pub(crate) first: Url,
    pub(crate) accept: Option<&'static str>,
    pub(crate) absent_on_404: bool,
}

impl Listing<'_> {
    /// Every page's items, read by `read` from the page's headers and body (cut at the
    /// manifest size limit). `None` when the first page was a 404 and that is allowed.
    pub(crate) async fn collect<T>(
        self,
        mut read: impl FnMut(&HeaderMap, Bytes) -> Result<Vec<T>>,
    ) -> Result<Option<Vec<T>>> {
        let max_pages = self.client.config().max_pages;
        let limit = self.client.config().manifest_size_limit;
        let mut out = Vec::new();
        let mut url = self.first;
        for page in 0..max_pages {
            let mut call = Call::new(
                self.client,
                self.endpoint,
                Method::GET,
                url.clone(),
                self.scopes.clone(),
            );
            if let Some(accept) = self.accept {
                call = call.accept(accept);
            }
            let r = call.send().await?;
            if page == 0 && self.absent_on_404 && r.status() == StatusCode::NOT_FOUND {
                return Ok(None);
            }
            if r.status() != StatusCode::OK {
                return Err(self.client.status_error(&Method::GET, &url, r).await);
            }
            let headers = r.headers().clone();
            let body = r.into_body().collect_limited(limit).await.map_err(|e| {
                Error::new(ErrorKind::Protocol, "a listing page could not be read")
                    .with_source(e)
                    .with_request(&Method::GET, &url)
            })?;
            out.extend(read(&headers, body).map_err(|e| e.with_request(&Method::GET, &url))?);
            let Some(next) = next_link(&headers) else {
                return Ok(Some(out));
            };
            let resolved = url.join(&next).ok_or_else(|| {
                Error::new(ErrorKind::Protocol, "invalid Link header")
                    .with_request(&Method::GET, &url)
            })?;
            if !self.endpoint.owns(&resolved) {
                return Err(Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "Link header points to another origin: {}",
                        resolved.without_query()
                    ),
                )
                .with_request(&Method::GET, &url));
            }
            url = resolved;
        }
        Err(
            Error::new(ErrorKind::Limit, format!("more than {max_pages} pages"))
                .with_request(&Method::GET, &url),
        )
    }
}

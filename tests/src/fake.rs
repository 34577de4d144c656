//! A registry written here: enough of the distribution API to push and pull, with the
//! auth schemes real registries use, and a log of what it was asked. It is a plain
//! function from request to response, so tests can drive it in memory through a custom
//! transport or serve it over loopback HTTP.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use oras_oci::Digest;

/// How the fake registry authenticates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FakeAuth {
    /// Anyone may do anything.
    #[default]
    None,
    /// Basic auth with this username and password on every request.
    Basic(String, String),
    /// Bearer tokens from `<origin>/token`, issued for these Basic credentials (or
    /// anonymously for pull when `anonymous_pull`).
    Token {
        /// Username.
        user: String,
        /// Password.
        password: String,
        /// Whether anonymous token requests get pull access.
        anonymous_pull: bool,
    },
}

/// How a registry as deployed departs from the friendly default: what the big registries
/// do that a client must cope with (see `profiles`).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Quirks {
    /// Every DELETE answers 405 `UNSUPPORTED` (Docker Hub, GHCR; distribution's default
    /// configuration).
    pub refuse_delete: bool,
    /// Every n-th request answers 429 `TOOMANYREQUESTS` with `Retry-After: 1` and the
    /// `ratelimit-limit`/`ratelimit-remaining` headers (Docker Hub's pull limits).
    pub rate_limit_every: Option<usize>,
    /// A PATCH body larger than this answers 413 (GHCR once refused chunks over 4 MiB).
    pub max_patch: Option<usize>,
    /// Every part of a chunked upload but the last must be at least this large, or the
    /// commit answers 400 (ECR's 5 MiB parts).
    pub min_part: Option<usize>,
    /// A blob sent in one request (a PUT with the bytes, or POST `?digest=`) larger than
    /// this answers 413 (Quay's limit on a single PUT).
    pub max_monolithic: Option<usize>,
    /// The token service wants this `service` and answers 400 without it (GitLab's
    /// `container_registry`, Docker Hub's `registry.docker.io`).
    pub service: Option<String>,
    /// Where the token service is (default `/token`; GitLab's is `/jwt/auth`).
    pub realm_path: Option<String>,
}

/// One request the registry saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// Method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The `Range` header, if any (a resumed download).
    pub range: Option<String>,
    /// The response status.
    pub status: u16,
}

#[derive(Default)]
struct State {
    blobs: HashMap<String, Vec<u8>>,
    /// repo -> reference (tag or digest) -> (media type, bytes)
    manifests: HashMap<String, BTreeMap<String, (String, Vec<u8>)>>,
    /// upload id -> (repo, bytes so far)
    uploads: HashMap<u64, (String, Vec<u8>)>,
    /// upload id -> the sizes of its PATCHed parts
    parts: HashMap<u64, Vec<usize>>,
    /// requests served, for `Quirks::rate_limit_every`
    requests: usize,
    next_id: u64,
    /// token -> granted scope strings
    tokens: HashMap<String, Vec<String>>,
    issued: usize,
    seen: Vec<Seen>,
}

/// The fake registry. Cheap to clone; clones share state.
#[derive(Clone, Default)]
pub struct FakeRegistry {
    state: Arc<Mutex<State>>,
    auth: FakeAuth,
    origin: Arc<Mutex<String>>,
    identity_token: Option<String>,
    /// Serve the referrers API, this many per page.
    referrers_api: Option<usize>,
    /// Announce this `OCI-Chunk-Min-Length` when an upload starts.
    chunk_min: Option<usize>,
    quirks: Quirks,
}

impl std::fmt::Debug for FakeRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeRegistry")
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
}

fn respond(status: StatusCode, body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    r
}

fn error(status: StatusCode, code: &str, message: &str) -> Response<Vec<u8>> {
    let mut r = respond(
        status,
        format!(r#"{{"errors":[{{"code":"{code}","message":"{message}"}}]}}"#),
    );
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        kv.split_once('=')
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v)
    })
}

fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FakeRegistry {
    /// An empty registry with the given auth.
    pub fn new(auth: FakeAuth) -> Self {
        Self {
            auth,
            ..Self::default()
        }
    }

    /// Also accepts this identity (refresh) token in the OAuth2 refresh-token grant.
    pub fn with_identity_token(mut self, token: &str) -> Self {
        self.identity_token = Some(token.to_owned());
        self
    }

    /// Serves the referrers API (`page` referrers per page) and answers `OCI-Subject`.
    pub fn with_referrers_api(mut self, page: usize) -> Self {
        self.referrers_api = Some(page.max(1));
        self
    }

    /// Behaves as a registry with these quirks.
    pub fn with_quirks(mut self, quirks: Quirks) -> Self {
        self.quirks = quirks;
        self
    }

    /// Announces a minimum chunk size for chunked uploads.
    pub fn with_chunk_min_length(mut self, n: usize) -> Self {
        self.chunk_min = Some(n);
        self
    }

    /// Makes every token issued so far invalid, as if they expired on the server.
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    /// Sets the origin (`http://127.0.0.1:PORT`) used in token realms.
    pub fn set_origin(&self, origin: &str) {
        *self
            .origin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = origin.to_owned();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the registry was asked, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state().seen.clone()
    }

    /// Forgets the log.
    pub fn clear_seen(&self) {
        self.state().seen.clear();
    }

    /// Whether the registry holds a blob.
    pub fn has_blob(&self, digest: &str) -> bool {
        self.state().blobs.contains_key(digest)
    }

    /// Stores a blob directly.
    pub fn put_blob(&self, data: &[u8]) -> Digest {
        let d = Digest::sha256(data);
        self.state().blobs.insert(d.to_string(), data.to_vec());
        d
    }

    /// Open upload sessions.
    pub fn open_uploads(&self) -> usize {
        self.state().uploads.len()
    }

    /// Handles one request.
    pub fn handle(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let resp = self.route(req);
        let path = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
        let authorization = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let range = req
            .headers()
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        self.state().seen.push(Seen {
            method: req.method().clone(),
            path,
            authorization,
            range,
            status: resp.status().as_u16(),
        });
        resp
    }

    fn route(&self, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        if path == self.quirks.realm_path.as_deref().unwrap_or("/token") {
            if let Some(want) = &self.quirks.service
                && query_param(&query, "service").map(unescape).as_deref() != Some(want.as_str())
                && query_param(&String::from_utf8_lossy(req.body()), "service")
                    .map(unescape)
                    .as_deref()
                    != Some(want.as_str())
            {
                return respond(
                    StatusCode::BAD_REQUEST,
                    format!(r#"{{"details":"the service parameter must be {want}"}}"#),
                );
            }
            return self.token(req, &query);
        }
        if let Some(n) = self.quirks.rate_limit_every {
            let mut s = self.state();
            s.requests += 1;
            if s.requests.is_multiple_of(n) {
                let mut r = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "TOOMANYREQUESTS",
                    "You have reached your pull rate limit.",
                );
                for (k, v) in [
                    ("retry-after", "1"),
                    ("ratelimit-limit", "100;w=21600"),
                    ("ratelimit-remaining", "0;w=21600"),
                ] {
                    r.headers_mut().insert(k, HeaderValue::from_static(v));
                }
                return r;
            }
        }
        if self.quirks.refuse_delete && req.method() == Method::DELETE && path != "/token" {
            return error(
                StatusCode::METHOD_NOT_ALLOWED,
                "UNSUPPORTED",
                "The operation is unsupported.",
            );
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return error(StatusCode::NOT_FOUND, "NOT_FOUND", "not a registry path");
        };
        if rest.is_empty() {
            return match self.check(req, None) {
                Ok(()) => respond(StatusCode::OK, "{}"),
                Err(r) => r,
            };
        }
        // /v2/<name>/<kind>/<reference>
        let (name, kind, reference) = if let Some((name, r)) = rest.rsplit_once("/referrers/") {
            (name, "referrers", r)
        } else if let Some((name, r)) = rest.rsplit_once("/manifests/") {
            (name, "manifests", r)
        } else if let Some((name, r)) = rest.rsplit_once("/blobs/uploads/") {
            (name, "uploads", r)
        } else if let Some((name, r)) = rest.rsplit_once("/blobs/") {
            (name, "blobs", r)
        } else if let Some(name) = rest.strip_suffix("/tags/list") {
            (name, "tags", "")
        } else {
            return error(StatusCode::NOT_FOUND, "NOT_FOUND", "unknown path");
        };
        let push = !matches!(*req.method(), Method::GET | Method::HEAD) || kind == "uploads";
        let scope = format!("repository:{name}:{}", if push { "push" } else { "pull" });
        if let Err(r) = self.check(req, Some(&scope)) {
            return r;
        }
        match (kind, req.method().clone()) {
            ("manifests", Method::GET | Method::HEAD) => {
                self.get_manifest(name, reference, req.method() == Method::HEAD)
            }
            ("manifests", Method::PUT) => self.put_manifest(name, reference, req),
            ("manifests", Method::DELETE) => {
                let mut s = self.state();
                let repo = s.manifests.entry(name.to_owned()).or_default();
                if repo.remove(reference).is_none() {
                    return error(
                        StatusCode::NOT_FOUND,
                        "MANIFEST_UNKNOWN",
                        "manifest unknown",
                    );
                }
                repo.retain(|_, (_, b)| Digest::sha256(b).as_str() != reference);
                respond(StatusCode::ACCEPTED, "")
            }
            ("blobs", Method::GET | Method::HEAD) => {
                let s = self.state();
                let Some(b) = s.blobs.get(reference) else {
                    return error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "blob unknown");
                };
                let start = req
                    .headers()
                    .get(header::RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes="))
                    .and_then(|v| v.trim_end_matches('-').parse::<usize>().ok());
                let (status, body) = match start {
                    Some(n) if n <= b.len() => (StatusCode::PARTIAL_CONTENT, b[n..].to_vec()),
                    _ => (StatusCode::OK, b.clone()),
                };
                let len = body.len();
                let mut r = respond(
                    status,
                    if req.method() == Method::HEAD {
                        Vec::new()
                    } else {
                        body
                    },
                );
                r.headers_mut()
                    .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
                r.headers_mut().insert(
                    "docker-content-digest",
                    HeaderValue::from_str(reference).expect("a digest is header text"),
                );
                r.headers_mut()
                    .insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
                r
            }
            ("blobs", Method::DELETE) => match self.state().blobs.remove(reference) {
                Some(_) => respond(StatusCode::ACCEPTED, ""),
                None => error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "blob unknown"),
            },
            ("uploads", Method::POST) => self.start_upload(name, &query, req),
            ("uploads", Method::PATCH) => self.patch_upload(name, reference, req),
            ("uploads", Method::PUT) => self.finish_upload(name, reference, &query, req),
            ("uploads", Method::GET) => {
                let s = self.state();
                let Some((_, data)) = reference
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| s.uploads.get(&id))
                else {
                    return error(
                        StatusCode::NOT_FOUND,
                        "BLOB_UPLOAD_UNKNOWN",
                        "upload unknown",
                    );
                };
                let mut r = respond(StatusCode::NO_CONTENT, "");
                r.headers_mut().insert(
                    header::RANGE,
                    HeaderValue::from_str(&format!("0-{}", data.len().saturating_sub(1)))
                        .expect("digits"),
                );
                r
            }
            ("uploads", Method::DELETE) => {
                let removed = reference
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| self.state().uploads.remove(&id));
                match removed {
                    Some(_) => respond(StatusCode::NO_CONTENT, ""),
                    None => error(
                        StatusCode::NOT_FOUND,
                        "BLOB_UPLOAD_UNKNOWN",
                        "upload unknown",
                    ),
                }
            }
            ("tags", Method::GET) => self.tags(name, &query),
            ("referrers", Method::GET) => self.referrers(name, reference, &query),
            _ => error(StatusCode::METHOD_NOT_ALLOWED, "UNSUPPORTED", "unsupported"),
        }
    }

    fn challenge(&self, scope: Option<&str>) -> Response<Vec<u8>> {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "authentication required",
        );
        let value = match &self.auth {
            FakeAuth::Basic(..) => "Basic realm=\"fake\"".to_owned(),
            _ => {
                let origin = self
                    .origin
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                let scope = scope.map(|s| format!(",scope=\"{s}\"")).unwrap_or_default();
                let realm = self.quirks.realm_path.as_deref().unwrap_or("/token");
                let service = self.quirks.service.as_deref().unwrap_or("fake");
                format!("Bearer realm=\"{origin}{realm}\",service=\"{service}\"{scope}")
            }
        };
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&value).expect("challenge is header text"),
        );
        r
    }

    #[allow(
        clippy::result_large_err,
        reason = "test support: the refusal is the response to send back"
    )]
    fn check(&self, req: &Request<Vec<u8>>, scope: Option<&str>) -> Result<(), Response<Vec<u8>>> {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        match &self.auth {
            FakeAuth::None => Ok(()),
            FakeAuth::Basic(user, password) => {
                if given == Some(&basic(user, password)) {
                    Ok(())
                } else {
                    Err(self.challenge(scope))
                }
            }
            FakeAuth::Token { .. } => {
                let Some(token) = given.and_then(|g| g.strip_prefix("Bearer ")) else {
                    return Err(self.challenge(scope));
                };
                let s = self.state();
                let Some(granted) = s.tokens.get(token) else {
                    return Err(self.challenge(scope));
                };
                match scope {
                    None => Ok(()),
                    Some(want) => {
                        let (resource, action) =
                            want.rsplit_once(':').expect("scopes have actions");
                        let ok = granted.iter().any(|g| {
                            g.rsplit_once(':').is_some_and(|(r, actions)| {
                                r == resource && actions.split(',').any(|a| a == action || a == "*")
                            })
                        });
                        if ok {
                            Ok(())
                        } else {
                            Err(self.challenge(Some(want)))
                        }
                    }
                }
            }
        }
    }

    fn token(&self, req: &Request<Vec<u8>>, query: &str) -> Response<Vec<u8>> {
        let FakeAuth::Token {
            user,
            password,
            anonymous_pull,
        } = &self.auth
        else {
            return error(StatusCode::NOT_FOUND, "NOT_FOUND", "no token service");
        };
        // GET with query (distribution) or POST with a form (OAuth2).
        let (authenticated, scopes, oauth2) = if req.method() == Method::POST {
            let form = String::from_utf8_lossy(req.body()).into_owned();
            let field = |k: &str| query_param(&form, k).map(unescape);
            let ok = match field("grant_type").as_deref() {
                Some("password") => {
                    field("username").as_deref() == Some(user)
                        && field("password").as_deref() == Some(password)
                }
                Some("refresh_token") => {
                    self.identity_token.is_some() && field("refresh_token") == self.identity_token
                }
                _ => {
                    return respond(
                        StatusCode::BAD_REQUEST,
                        r#"{"error":"unsupported_grant_type"}"#,
                    );
                }
            };
            if !ok {
                return respond(StatusCode::UNAUTHORIZED, r#"{"error":"invalid_grant"}"#);
            }
            let scopes = field("scope")
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            (true, scopes, true)
        } else {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let authenticated = given == Some(&basic(user, password));
            if given.is_some() && !authenticated {
                return respond(
                    StatusCode::UNAUTHORIZED,
                    r#"{"details":"incorrect username or password"}"#,
                );
            }
            (
                authenticated,
                query
                    .split('&')
                    .filter_map(|kv| kv.strip_prefix("scope="))
                    .map(unescape)
                    .collect::<Vec<_>>(),
                false,
            )
        };
        let granted: Vec<String> = if authenticated {
            scopes
        } else if *anonymous_pull {
            scopes
                .iter()
                .filter_map(|s| s.rsplit_once(':').map(|(r, _)| format!("{r}:pull")))
                .collect()
        } else {
            return respond(
                StatusCode::UNAUTHORIZED,
                r#"{"details":"authentication required"}"#,
            );
        };
        let mut s = self.state();
        s.issued += 1;
        let token = format!("fake-token-{}", s.issued);
        s.tokens.insert(token.clone(), granted);
        if oauth2 {
            respond(
                StatusCode::OK,
                format!(
                    r#"{{"access_token":"{token}","expires_in":300,"refresh_token":"next-refresh"}}"#
                ),
            )
        } else {
            respond(
                StatusCode::OK,
                format!(r#"{{"token":"{token}","expires_in":300}}"#),
            )
        }
    }

    fn get_manifest(&self, name: &str, reference: &str, head: bool) -> Response<Vec<u8>> {
        let s = self.state();
        let Some((media_type, bytes)) = s.manifests.get(name).and_then(|m| m.get(reference)) else {
            return error(
                StatusCode::NOT_FOUND,
                "MANIFEST_UNKNOWN",
                "manifest unknown",
            );
        };
        let digest = Digest::sha256(bytes);
        let mut r = respond(
            StatusCode::OK,
            if head { Vec::new() } else { bytes.clone() },
        );
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(media_type).expect("media type is header text"),
        );
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
        h.insert(
            "docker-content-digest",
            HeaderValue::from_str(digest.as_str()).expect("digest"),
        );
        h.insert(
            header::ETAG,
            HeaderValue::from_str(&format!("\"{digest}\"")).expect("etag"),
        );
        r
    }

    fn put_manifest(
        &self,
        name: &str,
        reference: &str,
        req: &Request<Vec<u8>>,
    ) -> Response<Vec<u8>> {
        let media_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let digest = Digest::sha256(req.body());
        if reference.contains(':') && reference != digest.as_str() {
            return error(
                StatusCode::BAD_REQUEST,
                "DIGEST_INVALID",
                "digest does not match",
            );
        }
        let mut s = self.state();
        let repo = s.manifests.entry(name.to_owned()).or_default();
        if let Some(want) = req
            .headers()
            .get(header::IF_MATCH)
            .and_then(|v| v.to_str().ok())
        {
            let current = repo
                .get(reference)
                .map(|(_, b)| format!("\"{}\"", Digest::sha256(b)));
            if current.as_deref() != Some(want) {
                return error(
                    StatusCode::PRECONDITION_FAILED,
                    "PRECONDITION_FAILED",
                    "the manifest changed",
                );
            }
        }
        let has_subject = serde_json::from_slice::<serde_json::Value>(req.body())
            .ok()
            .and_then(|v| v.get("subject").cloned())
            .is_some();
        repo.insert(
            reference.to_owned(),
            (media_type.clone(), req.body().clone()),
        );
        repo.insert(digest.to_string(), (media_type, req.body().clone()));
        let mut r = respond(StatusCode::CREATED, "");
        r.headers_mut().insert(
            "docker-content-digest",
            HeaderValue::from_str(digest.as_str()).expect("digest"),
        );
        r.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("/v2/{name}/manifests/{digest}")).expect("path"),
        );
        if has_subject && self.referrers_api.is_some() {
            r.headers_mut().insert(
                "oci-subject",
                HeaderValue::from_str(digest.as_str()).expect("digest"),
            );
        }
        r
    }

    fn referrers(&self, name: &str, subject: &str, query: &str) -> Response<Vec<u8>> {
        let Some(page_size) = self.referrers_api else {
            return respond(StatusCode::NOT_FOUND, "404 page not found");
        };
        let artifact_type = query_param(query, "artifactType").map(unescape);
        let skip = query_param(query, "skip")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let s = self.state();
        let mut all: Vec<oras_oci::Descriptor> = s
            .manifests
            .get(name)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter(|(reference, _)| reference.contains(':'))
            .filter_map(|(_, (mt, bytes))| oras_oci::Manifest::parse(bytes.clone(), Some(mt)).ok())
            .filter(|m| m.subject().is_some_and(|d| d.digest.as_str() == subject))
            .map(|m| m.referrer_descriptor())
            .filter(|d| {
                artifact_type
                    .as_ref()
                    .is_none_or(|t| d.artifact_type.as_ref() == Some(t))
            })
            .collect();
        all.sort_by(|a, b| a.digest.cmp(&b.digest));
        let page: Vec<oras_oci::Descriptor> =
            all.iter().skip(skip).take(page_size).cloned().collect();
        let index = oras_oci::ImageIndex::new(page);
        let mut r = respond(StatusCode::OK, index.to_json());
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(oras_oci::media_type::OCI_INDEX),
        );
        if artifact_type.is_some() {
            r.headers_mut().insert(
                "oci-filters-applied",
                HeaderValue::from_static("artifactType"),
            );
        }
        if all.len() > skip + page_size {
            let t = artifact_type
                .map(|t| format!("&artifactType={t}"))
                .unwrap_or_default();
            let link = format!(
                "</v2/{name}/referrers/{subject}?skip={}{t}>; rel=\"next\"",
                skip + page_size
            );
            r.headers_mut()
                .insert(header::LINK, HeaderValue::from_str(&link).expect("link"));
        }
        r
    }

    fn start_upload(&self, name: &str, query: &str, req: &Request<Vec<u8>>) -> Response<Vec<u8>> {
        let mut s = self.state();
        if let (Some(mount), Some(_from)) =
            (query_param(query, "mount"), query_param(query, "from"))
            && s.blobs.contains_key(mount)
        {
            let mut r = respond(StatusCode::CREATED, "");
            r.headers_mut().insert(
                header::LOCATION,
                HeaderValue::from_str(&format!("/v2/{name}/blobs/{mount}")).expect("path"),
            );
            return r;
        }
        if let Some(d) = query_param(query, "digest") {
            if self
                .quirks
                .max_monolithic
                .is_some_and(|max| req.body().len() > max)
            {
                return error(StatusCode::PAYLOAD_TOO_LARGE, "SIZE_INVALID", "too large");
            }
            if Digest::sha256(req.body()).as_str() != d {
                return error(
                    StatusCode::BAD_REQUEST,
                    "DIGEST_INVALID",
                    "digest does not match",
                );
            }
            s.blobs.insert(d.to_owned(), req.body().clone());
            return respond(StatusCode::CREATED, "");
        }
        s.next_id += 1;
        let id = s.next_id;
        s.uploads.insert(id, (name.to_owned(), Vec::new()));
        let mut r = respond(StatusCode::ACCEPTED, "");
        r.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&format!("/v2/{name}/blobs/uploads/{id}?_state=s{id}"))
                .expect("path"),
        );
        r.headers_mut()
            .insert(header::RANGE, HeaderValue::from_static("0-0"));
        if let Some(n) = self.chunk_min {
            r.headers_mut()
                .insert("oci-chunk-min-length", HeaderValue::from(n));
        }
        r
    }

    fn patch_upload(
        &self,
        name: &str,
        reference: &str,
        req: &Request<Vec<u8>>,
    ) -> Response<Vec<u8>> {
        let mut s = self.state();
        let Some((_, data)) = reference
            .parse::<u64>()
            .ok()
            .and_then(|id| s.uploads.get_mut(&id))
        else {
            return error(
                StatusCode::NOT_FOUND,
                "BLOB_UPLOAD_UNKNOWN",
                "upload unknown",
            );
        };
        if let Some(range) = req
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
        {
            let start = range
                .split('-')
                .next()
                .and_then(|v| v.parse::<usize>().ok());
            if start != Some(data.len()) {
                return error(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "BLOB_UPLOAD_INVALID",
                    "out of order chunk",
                );
            }
        }
        if self
            .quirks
            .max_patch
            .is_some_and(|max| req.body().len() > max)
        {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "SIZE_INVALID",
                "chunk too large",
            );
        }
        data.extend_from_slice(req.body());
        let end = data.len().saturating_sub(1);
        let id = reference.parse::<u64>().expect("found by it above");
        s.parts.entry(id).or_default().push(req.body().len());
        let mut r = respond(StatusCode::ACCEPTED, "");
        r.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&format!(
                "/v2/{name}/blobs/uploads/{reference}?_state=p{end}"
            ))
            .expect("path"),
        );
        r.headers_mut().insert(
            header::RANGE,
            HeaderValue::from_str(&format!("0-{end}")).expect("digits"),
        );
        r
    }

    fn finish_upload(
        &self,
        _name: &str,
        reference: &str,
        query: &str,
        req: &Request<Vec<u8>>,
    ) -> Response<Vec<u8>> {
        let mut s = self.state();
        let Some(id) = reference
            .parse::<u64>()
            .ok()
            .filter(|id| s.uploads.contains_key(id))
        else {
            return error(
                StatusCode::NOT_FOUND,
                "BLOB_UPLOAD_UNKNOWN",
                "upload unknown",
            );
        };
        let Some(digest) = query_param(query, "digest").map(unescape) else {
            return error(StatusCode::BAD_REQUEST, "DIGEST_INVALID", "no digest");
        };
        let parts = s.parts.remove(&id).unwrap_or_default();
        if self
            .quirks
            .max_monolithic
            .is_some_and(|max| req.body().len() > max)
        {
            return error(StatusCode::PAYLOAD_TOO_LARGE, "SIZE_INVALID", "too large");
        }
        if let Some(min) = self.quirks.min_part {
            let last = if req.body().is_empty() {
                parts.len().saturating_sub(1)
            } else {
                parts.len()
            };
            if parts.iter().take(last).any(|&p| p < min) {
                s.uploads.remove(&id);
                return error(
                    StatusCode::BAD_REQUEST,
                    "BLOB_UPLOAD_INVALID",
                    "Layer part size must be greater than or equal to 5242880",
                );
            }
        }
        let (_, mut data) = s.uploads.remove(&id).expect("checked above");
        data.extend_from_slice(req.body());
        if Digest::sha256(&data).as_str() != digest {
            return error(
                StatusCode::BAD_REQUEST,
                "DIGEST_INVALID",
                "digest does not match content",
            );
        }
        s.blobs.insert(digest.clone(), data);
        let mut r = respond(StatusCode::CREATED, "");
        r.headers_mut().insert(
            "docker-content-digest",
            HeaderValue::from_str(&digest).expect("digest"),
        );
        r
    }

    fn tags(&self, name: &str, query: &str) -> Response<Vec<u8>> {
        let s = self.state();
        let Some(repo) = s.manifests.get(name) else {
            return error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", "repository unknown");
        };
        let all: Vec<&String> = repo.keys().filter(|k| !k.contains(':')).collect();
        let last = query_param(query, "last");
        let n = query_param(query, "n").and_then(|n| n.parse::<usize>().ok());
        let after: Vec<&String> = all
            .into_iter()
            .filter(|t| last.is_none_or(|l| t.as_str() > l))
            .collect();
        let page: Vec<&String> = after
            .iter()
            .take(n.unwrap_or(usize::MAX))
            .copied()
            .collect();
        let body = serde_json::json!({"name": name, "tags": page}).to_string();
        let mut r = respond(StatusCode::OK, body);
        if let (Some(n), Some(last)) = (n, page.last())
            && after.len() > page.len()
        {
            let link = format!("</v2/{name}/tags/list?n={n}&last={last}>; rel=\"next\"");
            r.headers_mut()
                .insert(header::LINK, HeaderValue::from_str(&link).expect("link"));
        }
        r
    }
}

/// `Basic base64(user:password)`, encoded here so tests do not trust the code under test.
pub fn basic(user: &str, password: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let input = format!("{user}:{password}");
    let mut out = String::new();
    for c in input.as_bytes().chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    format!("Basic {out}")
}

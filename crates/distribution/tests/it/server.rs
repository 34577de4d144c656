//! The real client and hyper transport against the in-process test server on loopback:
//! token auth flows and injected faults over real HTTP.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::StatusCode;
use oras_auth::token::TokenOptions;
use oras_auth::{
    Authenticator, Clock, Credential, CredentialProvider, Secret, StaticCredentials, TokenCache,
};
use oras_distribution::{
    Client, ClientConfig, ErrorKind, HyperOptions, HyperTransport, Repository, RetryPolicy,
};
use oras_oci::pack::{Created, PackOptions, pack_manifest};
use oras_oci::{Descriptor, media_type};
use oras_tests::fake::{FakeAuth, FakeRegistry, basic};
use oras_tests::faults::Fault;
use oras_tests::server::FakeServer;

#[derive(Debug)]
struct TestClock(Mutex<SystemTime>);

impl Clock for TestClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

struct Setup {
    clock: Arc<TestClock>,
    creds: Arc<dyn CredentialProvider>,
    token_options: TokenOptions,
    config: ClientConfig,
    options: HyperOptions,
}

fn setup(creds: impl CredentialProvider + 'static) -> Setup {
    let mut config = ClientConfig::default();
    // Retries wait for real here: keep them short.
    config.retry.initial_backoff = Duration::from_millis(10);
    config.retry.max_retry_after = Duration::from_millis(50);
    Setup {
        clock: Arc::new(TestClock(Mutex::new(SystemTime::now()))),
        creds: Arc::new(creds),
        token_options: TokenOptions::default(),
        config,
        options: HyperOptions::default(),
    }
}

impl Setup {
    fn client(self) -> (Client, Arc<TestClock>) {
        let cache = TokenCache::new(self.clock.clone());
        let auth = Authenticator::with_parts(self.creds, cache, self.token_options);
        (
            Client::new(
                HyperTransport::with_options(self.options).unwrap(),
                auth,
                self.config,
            ),
            self.clock,
        )
    }
}

fn repo(c: &Client, server: &FakeServer, name: &str) -> Repository {
    c.repository(&format!("{}/{name}", server.host()).parse().unwrap())
}

fn token_server(anonymous_pull: bool) -> (FakeRegistry, FakeServer) {
    let registry = FakeRegistry::new(FakeAuth::Token {
        user: "alice".into(),
        password: "s3cret".into(),
        anonymous_pull,
    })
    .with_identity_token("identity-abc");
    let server = FakeServer::start(registry.clone());
    (registry, server)
}

fn token_requests(registry: &FakeRegistry) -> Vec<oras_tests::fake::Seen> {
    registry
        .seen()
        .into_iter()
        .filter(|s| s.path.starts_with("/token"))
        .collect()
}

#[tokio::test]
async fn anonymous_pull_token() {
    let (registry, server) = token_server(true);
    let d = Descriptor::new("x/y", registry.put_blob(b"public"), 6);
    let (c, _) = setup(StaticCredentials::new()).client();
    assert_eq!(
        repo(&c, &server, "pub/lic")
            .fetch_blob_bytes(&d)
            .await
            .unwrap(),
        &b"public"[..]
    );
    let tokens = token_requests(&registry);
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].authorization, None, "anonymous token request");
    assert_eq!(
        tokens[0].path,
        "/token?service=fake&scope=repository%3Apub%2Flic%3Apull"
    );
}

#[tokio::test]
async fn basic_credentials_become_one_token_for_a_push() {
    let (registry, server) = token_server(false);
    let (c, _) = setup(
        StaticCredentials::new().with_host(server.host(), Credential::basic("alice", "s3cret")),
    )
    .client();
    let r = repo(&c, &server, "team/app");
    for i in 0..4u8 {
        r.push_blob_bytes("x/y", vec![i; 100]).await.unwrap();
    }
    let tokens = token_requests(&registry);
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    assert_eq!(
        tokens[0].authorization.as_deref(),
        Some(basic("alice", "s3cret").as_str())
    );
    assert!(
        tokens[0]
            .path
            .ends_with("scope=repository%3Ateam%2Fapp%3Apull%2Cpush")
    );
}

#[tokio::test]
async fn oauth2_password_and_refresh_grants() {
    let (registry, server) = token_server(false);
    let mut s = setup(StaticCredentials::new().with_any_host(Credential::basic("alice", "s3cret")));
    s.token_options.force_oauth2 = true;
    let (c, _) = s.client();
    repo(&c, &server, "a")
        .push_blob_bytes("x/y", &b"password grant"[..])
        .await
        .unwrap();
    let (c, _) = setup(
        StaticCredentials::new()
            .with_any_host(Credential::IdentityToken(Secret::new("identity-abc"))),
    )
    .client();
    repo(&c, &server, "a")
        .push_blob_bytes("x/y", &b"refresh grant"[..])
        .await
        .unwrap();
    let posts: Vec<_> = token_requests(&registry)
        .into_iter()
        .filter(|s| s.method == http::Method::POST)
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.status == 200));

    let (c, _) = setup(
        StaticCredentials::new()
            .with_any_host(Credential::IdentityToken(Secret::new("stale-identity"))),
    )
    .client();
    let err = repo(&c, &server, "a")
        .push_blob_bytes("x/y", &b"nope"[..])
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!format!("{err} {err:?}").contains("stale-identity"));
}

#[tokio::test]
async fn an_expired_token_is_replaced_mid_push() {
    let (registry, server) = token_server(false);
    let (c, clock) =
        setup(StaticCredentials::new().with_any_host(Credential::basic("alice", "s3cret")))
            .client();
    let r = repo(&c, &server, "a");
    r.push_blob_bytes("x/y", &b"first"[..]).await.unwrap();
    *clock.0.lock().unwrap() += Duration::from_secs(600); // past the 300 s lifetime
    r.push_blob_bytes("x/y", &b"second"[..]).await.unwrap();
    assert_eq!(
        token_requests(&registry).len(),
        2,
        "a new token when the first expired"
    );
    let refused = registry.seen().iter().filter(|s| s.status == 401).count();
    assert_eq!(
        refused, 1,
        "the expired token was never sent: the new one was fetched up front"
    );
}

#[tokio::test]
async fn a_revoked_token_is_replaced_once() {
    let (registry, server) = token_server(false);
    let (c, _) =
        setup(StaticCredentials::new().with_any_host(Credential::basic("alice", "s3cret")))
            .client();
    let r = repo(&c, &server, "a");
    r.push_blob_bytes("x/y", &b"first"[..]).await.unwrap();
    registry.revoke_tokens();
    r.push_blob_bytes("x/y", &b"second"[..]).await.unwrap();
    assert_eq!(token_requests(&registry).len(), 2);
}

#[tokio::test]
async fn a_server_that_keeps_answering_401_gets_a_clear_error_in_bounded_requests() {
    let (registry, server) = token_server(false);
    let challenge = format!(
        "Bearer realm=\"{}/token\",service=\"fake\"",
        server.origin()
    );
    for _ in 0..20 {
        server.fault(
            "GET /v2/a/manifests/",
            Fault::Status(
                401,
                vec![("www-authenticate".into(), challenge.clone())],
                Vec::new(),
            ),
        );
    }
    let (c, _) =
        setup(StaticCredentials::new().with_any_host(Credential::basic("alice", "s3cret")))
            .client();
    let err = repo(&c, &server, "a")
        .fetch_manifest("v1")
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(
        oras_tests::report(&err).contains("rejected the username \"alice\" and password"),
        "{err}"
    );
    assert_eq!(
        server.injected(),
        2,
        "the first try and one retry with a token"
    );
    assert_eq!(token_requests(&registry).len(), 1);
}

#[tokio::test]
async fn retries_and_resumption_over_http() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let (c, _) = setup(StaticCredentials::new()).client();
    let r = repo(&c, &server, "a");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let d = r.push_blob_bytes("x/y", content.clone()).await.unwrap();

    server.fault(
        "GET /v2/a/blobs/",
        Fault::Status(429, vec![("retry-after".into(), "1".into())], Vec::new()),
    );
    server.fault("GET /v2/a/blobs/", Fault::Status(502, vec![], Vec::new()));
    server.fault("GET /v2/a/blobs/", Fault::Status(503, vec![], Vec::new()));
    server.fault("GET /v2/a/blobs/", Fault::CutAfter(70_000));
    server.fault("GET /v2/a/blobs/", Fault::CutAfter(50_000));
    assert_eq!(
        r.fetch_blob_bytes(&d).await.unwrap(),
        content,
        "3 errors retried, 2 cuts resumed, verified whole"
    );
    assert_eq!(server.pending_faults(), 0);
    let ranges = registry
        .seen()
        .iter()
        .filter(|s| s.method == http::Method::GET && s.status == 206)
        .count();
    assert_eq!(ranges, 2, "resumed with Range twice");

    // A push whose PUT meets a 5xx is retried (the body is replayable bytes).
    server.fault(
        "PUT /v2/a/blobs/uploads/",
        Fault::Status(500, vec![], Vec::new()),
    );
    r.push_blob_bytes("x/y", &b"retried upload"[..])
        .await
        .unwrap();
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn corruption_stalls_and_hostile_answers_over_http() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let mut s = setup(StaticCredentials::new());
    s.options.read_timeout = Duration::from_millis(300);
    s.config.retry = RetryPolicy::none();
    s.config.manifest_size_limit = 4096;
    let (c, _) = s.client();
    let r = repo(&c, &server, "a");
    let d = r.push_blob_bytes("x/y", vec![7u8; 10_000]).await.unwrap();

    server.fault("GET /v2/a/blobs/", Fault::Corrupt);
    let err = r.fetch_blob_bytes(&d).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify, "{err}");

    server.fault("GET /v2/a/blobs/", Fault::Stall);
    let started = std::time::Instant::now();
    let err = r.fetch_blob_bytes(&d).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
    assert!(
        oras_tests::report(&err).contains("no response within 300ms"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let big = vec![b' '; 10_000];
    server.fault(
        "GET /v2/a/manifests/",
        Fault::Status(
            200,
            vec![("content-type".into(), media_type::OCI_MANIFEST.into())],
            big,
        ),
    );
    let err = r.fetch_manifest("v1").await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("exceeds the limit of 4096 bytes"),
        "{err}"
    );

    server.fault(
        "GET /v2/a/manifests/",
        Fault::Status(500, vec![], vec![b'e'; 16 << 20]),
    );
    let err = r.fetch_manifest("v1").await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));

    server.fault(
        "GET /v2/a/tags/list",
        Fault::Status(
            200,
            vec![(
                "link".into(),
                "<http://127.0.0.2:1/v2/a/tags/list?n=1>; rel=\"next\"".into(),
            )],
            br#"{"tags":["x"]}"#.to_vec(),
        ),
    );
    let err = r.tags(Some(1)).await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("Link header points to another origin"),
        "{err}"
    );

    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.test".into());
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    r.push_manifest("v1", &packed.manifest).await.unwrap();
    assert_eq!(
        r.fetch_manifest("v1").await.unwrap().bytes(),
        packed.manifest.bytes()
    );
}

#[tokio::test]
async fn redirected_blob_reads_carry_no_authorization() {
    let registry = FakeRegistry::new(FakeAuth::Basic("u".into(), "p".into()));
    let server = FakeServer::start(registry.clone());
    let storage = FakeServer::start_storage(registry.clone(), Some(basic("u", "p")));
    let (c, _) =
        setup(StaticCredentials::new().with_any_host(Credential::basic("u", "p"))).client();
    let r = repo(&c, &server, "a");
    let d = r
        .push_blob_bytes("x/y", &b"stored elsewhere"[..])
        .await
        .unwrap();
    server.fault("GET /v2/a/blobs/", Fault::redirect(&storage.origin()));
    assert_eq!(
        r.fetch_blob_bytes(&d).await.unwrap(),
        &b"stored elsewhere"[..]
    );
    assert_eq!(
        storage.authorizations(),
        vec![None],
        "the second origin saw no credentials"
    );
}

#[tokio::test]
async fn referrers_api_over_http() {
    let registry = FakeRegistry::new(FakeAuth::None).with_referrers_api(1);
    let server = FakeServer::start(registry.clone());
    let (c, _) = setup(StaticCredentials::new()).client();
    let r = repo(&c, &server, "a");
    let push = |subject: Option<Descriptor>, artifact_type: &'static str| {
        let r = r.clone();
        async move {
            let mut opts = PackOptions::default();
            opts.artifact_type = Some(artifact_type.into());
            opts.subject = subject;
            opts.created = Created::Omit;
            let packed = pack_manifest(opts).unwrap();
            for (d, b) in &packed.blobs {
                r.push_blob(d, oras_distribution::Body::from_bytes(b.clone()))
                    .await
                    .unwrap();
            }
            r.push_manifest(packed.manifest.digest().as_str(), &packed.manifest)
                .await
                .unwrap();
            packed.manifest
        }
    };
    let subject = push(None, "application/vnd.subject").await.descriptor();
    push(Some(subject.clone()), "application/vnd.sig").await;
    push(Some(subject.clone()), "application/vnd.sbom").await;
    assert_eq!(r.referrers_api(), Some(true), "OCI-Subject answered");
    assert_eq!(r.referrers(&subject.digest, None).await.unwrap().len(), 2);
    let sboms = r
        .referrers(&subject.digest, Some("application/vnd.sbom"))
        .await
        .unwrap();
    assert_eq!(sboms.len(), 1);
    assert_eq!(
        sboms[0].artifact_type.as_deref(),
        Some("application/vnd.sbom")
    );
}

#[tokio::test]
async fn servers_that_stream_forever_get_bounded_errors() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let mut s = setup(StaticCredentials::new());
    s.config.retry = RetryPolicy::none();
    let (c, _) = s.client();
    let r = repo(&c, &server, "a");
    let d = r.push_blob_bytes("x/y", vec![1u8; 1000]).await.unwrap();

    server.fault("GET /v2/a/manifests/", Fault::Endless(200));
    let err = r.fetch_manifest("v1").await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("exceeds the limit of 4194304 bytes"),
        "{err}"
    );

    server.fault("GET /v2/a/blobs/", Fault::Endless(200));
    let err = r.fetch_blob_bytes(&d).await.unwrap_err();
    assert!(
        oras_tests::report(&err).contains("longer than the expected 1000 bytes"),
        "{err}"
    );

    server.fault("GET /v2/a/tags/list", Fault::Endless(500));
    let err = r.tags(None).await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(StatusCode::INTERNAL_SERVER_ERROR),
        "the error body is read only up to its limit: {err}"
    );
}

#[tokio::test]
async fn reset_connections_are_retried() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let (c, _) = setup(StaticCredentials::new()).client();
    let r = repo(&c, &server, "a");
    server.fault("POST /v2/a/blobs/uploads/", Fault::Reset);
    server.fault("PUT /v2/a/blobs/uploads/", Fault::Reset);
    server.fault("HEAD /v2/a/blobs/", Fault::Reset);
    let d = r
        .push_blob_bytes("x/y", &b"after resets"[..])
        .await
        .unwrap();
    assert_eq!(r.blob_exists(&d.digest).await.unwrap(), Some(12));
    assert_eq!(server.pending_faults(), 0);
}

#[tokio::test]
async fn a_redirect_loop_ends_in_a_bounded_error() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let (c, _) = setup(StaticCredentials::new()).client();
    let r = repo(&c, &server, "a");
    let d = r.push_blob_bytes("x/y", &b"loop"[..]).await.unwrap();
    for _ in 0..30 {
        server.fault("GET /v2/a/blobs/", Fault::redirect(&server.origin()));
    }
    let err = r.fetch_blob_bytes(&d).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit, "{err}");
    assert!(
        oras_tests::report(&err).contains("more than 10 redirects"),
        "{err}"
    );
    assert_eq!(server.injected(), 11, "the first request and ten redirects");
}

#[tokio::test]
async fn a_trickling_response_completes_while_a_stalled_one_times_out() {
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let mut s = setup(StaticCredentials::new());
    s.options.read_timeout = Duration::from_millis(400);
    s.config.retry = RetryPolicy::none();
    let (c, _) = s.client();
    let r = repo(&c, &server, "a");
    let content: Vec<u8> = (0..4000u32).map(|i| i as u8).collect();
    let d = r.push_blob_bytes("x/y", content.clone()).await.unwrap();
    // 40 pieces, 50 ms apart: two seconds in all, far longer than the 400 ms read time-out,
    // which applies between pieces.
    server.fault("GET /v2/a/blobs/", Fault::Trickle(100, 50));
    let started = std::time::Instant::now();
    assert_eq!(r.fetch_blob_bytes(&d).await.unwrap(), content);
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "it really trickled: {:?}",
        started.elapsed()
    );
    server.fault("GET /v2/a/blobs/", Fault::Stall);
    assert_eq!(
        r.fetch_blob_bytes(&d).await.unwrap_err().kind(),
        ErrorKind::Transport
    );
}

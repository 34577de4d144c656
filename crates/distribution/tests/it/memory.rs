//! The client over a custom in-memory transport: a full push and pull, auth flows, and
//! faults injected on the way (retries, resumption, corruption, redirects, hostile
//! headers), with no network and no runtime.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;
use oras_auth::{Authenticator, Credential, StaticCredentials};
use oras_distribution::{
    Body, ByteStream, Client, ClientConfig, ErrorKind, Mount, PlainHttp, Repository, RetryPolicy,
};
use oras_oci::pack::{Created, PackOptions, pack_manifest};
use oras_oci::{Descriptor, Digest, Digester, media_type};
use oras_tests::fake::{FakeAuth, FakeRegistry};
use oras_tests::faults::Fault;
use oras_tests::memory::{MemoryTransport, STORAGE};

use crate::block_on;

fn client(
    memory: &MemoryTransport,
    creds: StaticCredentials,
    tweak: impl FnOnce(&mut ClientConfig),
) -> Client {
    let mut config = ClientConfig::default();
    config.plain_http = PlainHttp::All;
    tweak(&mut config);
    Client::new(memory.clone(), Authenticator::new(creds), config)
}

fn repo(client: &Client, name: &str) -> Repository {
    client.repository(&format!("registry.test/{name}").parse().unwrap())
}

/// Deterministic test data.
fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn reopenable(bytes: Vec<u8>, piece: usize) -> Body {
    let bytes = Bytes::from(bytes);
    let len = bytes.len() as u64;
    Body::reopenable(Some(len), move || {
        let pieces: Vec<Result<Bytes, oras_distribution::BoxError>> = bytes
            .chunks(piece)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        Ok(Box::pin(Iter(pieces.into_iter())) as ByteStream)
    })
    .unwrap()
}

struct Iter(std::vec::IntoIter<Result<Bytes, oras_distribution::BoxError>>);

impl futures_core::Stream for Iter {
    type Item = Result<Bytes, oras_distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next())
    }
}

#[test]
fn full_push_and_pull_through_a_custom_transport() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |c| c.chunk_size = None);
    let chunked = client(&memory, StaticCredentials::new(), |c| {
        c.chunk_size = Some(1000)
    });
    let r = repo(&c, "team/app");
    block_on(async {
        // A small blob from bytes, a larger one streamed in one PUT, another in chunks.
        let small = r
            .push_blob_bytes("text/plain", &b"hello"[..])
            .await
            .unwrap();
        let mono_data = data(5000, 1);
        let mono = Descriptor::of(media_type::OCI_LAYER, &mono_data);
        r.push_blob(&mono, reopenable(mono_data.clone(), 333))
            .await
            .unwrap();
        let chunk_data = data(4500, 2);
        let chunk_desc = Descriptor::of(media_type::OCI_LAYER, &chunk_data);
        repo(&chunked, "team/app")
            .push_blob(&chunk_desc, reopenable(chunk_data.clone(), 777))
            .await
            .unwrap();
        let patches = memory
            .registry
            .seen()
            .iter()
            .filter(|s| s.method == http::Method::PATCH)
            .count();
        assert_eq!(patches, 5, "4500 bytes in chunks of 1000");

        let mut opts = PackOptions::default();
        opts.artifact_type = Some("application/vnd.test".into());
        opts.layers = vec![small.clone(), mono.clone(), chunk_desc.clone()];
        opts.created = Created::Omit;
        let packed = pack_manifest(opts).unwrap();
        for (d, b) in &packed.blobs {
            r.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
        }
        let pushed = r.push_manifest("v1", &packed.manifest).await.unwrap();
        assert_eq!(pushed.digest, *packed.manifest.digest());

        // Pull it back: resolve, fetch, every blob verified.
        let resolved = r.resolve("v1").await.unwrap();
        assert_eq!(resolved, packed.manifest.descriptor());
        let fetched = r.fetch_manifest("v1").await.unwrap();
        assert_eq!(fetched.bytes(), packed.manifest.bytes());
        assert_eq!(
            r.fetch_manifest_for(&resolved).await.unwrap().digest(),
            packed.manifest.digest()
        );
        for (layer, want) in fetched.as_image().unwrap().layers.iter().zip([
            b"hello".to_vec(),
            mono_data,
            chunk_data,
        ]) {
            assert_eq!(r.fetch_blob_bytes(layer).await.unwrap(), want);
        }
        assert_eq!(r.blob_exists(&small.digest).await.unwrap(), Some(5));
        assert_eq!(r.blob_exists(&Digest::sha256(b"nope")).await.unwrap(), None);

        // Tags across pages, tag, delete.
        for t in ["v2", "v3", "v4", "v5"] {
            r.tag("v1", t).await.unwrap();
        }
        assert_eq!(
            r.tags(Some(2)).await.unwrap(),
            ["v1", "v2", "v3", "v4", "v5"]
        );
        let tag_pages = memory
            .registry
            .seen()
            .iter()
            .filter(|s| s.path.contains("/tags/list"))
            .count();
        assert_eq!(tag_pages, 3, "pages of 2 followed through Link");
        r.delete_manifest(packed.manifest.digest()).await.unwrap();
        let err = r.fetch_manifest("v1").await.unwrap_err();
        assert!(err.is_not_found(), "{err}");
        assert_eq!(err.codes()[0].code, "MANIFEST_UNKNOWN");
        assert_eq!(
            oras_tests::report(&err),
            "GET http://registry.test/v2/team/app/manifests/v1: 404 Not Found; MANIFEST_UNKNOWN: manifest unknown"
        );
        assert_eq!(memory.registry.open_uploads(), 0);
    });
}

#[test]
fn uploads_that_do_not_match_their_descriptor_fail() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let desc = Descriptor::of("x/y", b"the real content");
    let err = block_on(r.push_blob(&desc, Body::from_bytes(&b"other content"[..]))).unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(err.codes()[0].code, "DIGEST_INVALID");
    assert!(!memory.registry.has_blob(desc.digest.as_str()));
}

#[test]
fn mount_and_fallback_upload() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let present = memory.registry.put_blob(b"shared layer");
    let desc = Descriptor::new("x/y", present, 12);
    let dst = repo(&c, "dst");
    let outcome = block_on(dst.mount_blob(&desc, "src")).unwrap();
    assert!(matches!(outcome, Mount::Mounted), "{outcome:?}");
    let absent = Descriptor::of("x/y", b"not there yet");
    let Mount::Upload(session) = block_on(dst.mount_blob(&absent, "src")).unwrap() else {
        panic!("the registry mounts what it does not have");
    };
    block_on(session.upload(&absent, Body::from_bytes(&b"not there yet"[..]))).unwrap();
    assert!(memory.registry.has_blob(absent.digest.as_str()));
}

#[test]
fn token_auth_flows_through_the_client() {
    let memory = MemoryTransport::new(FakeAuth::Token {
        user: "alice".into(),
        password: "s3cret".into(),
        anonymous_pull: true,
    });
    let creds =
        StaticCredentials::new().with_host("registry.test", Credential::basic("alice", "s3cret"));
    let c = client(&memory, creds, |_| {});
    let r = repo(&c, "team/app");
    block_on(async {
        // A push: one token for pull,push covers HEAD, POST, PATCH, PUT.
        for i in 0..3u8 {
            r.push_blob_bytes("x/y", vec![i; 10]).await.unwrap();
        }
        let seen = memory.registry.seen();
        let tokens: Vec<_> = seen
            .iter()
            .filter(|s| s.path.starts_with("/token"))
            .collect();
        assert_eq!(tokens.len(), 1, "one token for the whole push: {seen:#?}");
        assert!(
            tokens[0]
                .path
                .contains("scope=repository%3Ateam%2Fapp%3Apull%2Cpush"),
            "{}",
            tokens[0].path
        );
        assert_eq!(
            tokens[0].authorization.as_deref(),
            Some(oras_tests::fake::basic("alice", "s3cret").as_str())
        );
        let unauthorized = seen.iter().filter(|s| s.status == 401).count();
        assert_eq!(
            unauthorized, 1,
            "one 401 to learn the challenge, then the token is used up front"
        );
    });

    // Anonymous pull token for someone without credentials.
    let anon = client(&memory, StaticCredentials::new(), |_| {});
    let ar = repo(&anon, "team/app");
    let d = Descriptor::of("x/y", &[0u8; 10]);
    assert_eq!(block_on(ar.fetch_blob_bytes(&d)).unwrap(), vec![0u8; 10]);
    // ...but pushing anonymously is refused with a clear error, after bounded requests.
    memory.registry.clear_seen();
    let err = block_on(ar.push_blob_bytes("x/y", &b"nope"[..])).unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(
        memory.registry.seen().len() <= 4,
        "bounded: {:#?}",
        memory.registry.seen()
    );

    // Wrong password: the token service refuses; the message says what to do, no secret.
    let wrong = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("alice", "wrong-pw")),
        |_| {},
    );
    let err = block_on(repo(&wrong, "team/app").push_blob_bytes("x/y", &b"nope"[..])).unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    let msg = oras_tests::report(&err);
    assert!(
        // What to do about it (`oras login`) is the CLI's to add; its e2e suite checks that.
        msg.contains("answered HTTP 401; the credentials were rejected"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-pw") && !format!("{err:?}").contains("wrong-pw"));
}

#[test]
fn a_registry_that_keeps_answering_401_gets_a_clear_error_in_bounded_requests() {
    let memory = MemoryTransport::new(FakeAuth::Basic("u".into(), "p".into()));
    let c = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("u", "not-p")),
        |_| {},
    );
    let err = block_on(repo(&c, "a").fetch_manifest("v1")).unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(
        memory.registry.seen().len(),
        2,
        "the first try, then once with credentials"
    );
    let again = block_on(repo(&c, "a").fetch_manifest("v1")).unwrap_err();
    assert!(
        oras_tests::report(&again).contains("rejected the username \"u\" and password"),
        "{again}"
    );
}

#[test]
fn retries_honour_retry_after_and_give_up() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |c| {
        c.retry = RetryPolicy::default()
    });
    let r = repo(&c, "a");
    let d = block_on(r.push_blob_bytes("x/y", &b"retry me"[..])).unwrap();
    memory.fault(
        "GET /v2/a/blobs/",
        Fault::status(429, &[("retry-after", "2")], "slow down"),
    );
    memory.fault("GET /v2/a/blobs/", Fault::status(503, &[], ""));
    memory.fault("GET /v2/a/blobs/", Fault::Reset);
    memory.fault(
        "GET /v2/a/blobs/",
        Fault::status(429, &[("retry-after", "86400")], ""),
    );
    assert_eq!(block_on(r.fetch_blob_bytes(&d)).unwrap(), &b"retry me"[..]);
    let sleeps = memory.sleeps();
    assert_eq!(sleeps.len(), 4);
    assert_eq!(sleeps[0], Duration::from_secs(2), "Retry-After honoured");
    assert!(
        sleeps[1] >= Duration::from_millis(250) && sleeps[1] <= Duration::from_millis(750),
        "jittered back-off: {:?}",
        sleeps[1]
    );
    assert!(
        sleeps[2] >= Duration::from_millis(500) && sleeps[2] <= Duration::from_millis(1500),
        "doubling: {:?}",
        sleeps[2]
    );
    assert_eq!(
        sleeps[3],
        Duration::from_secs(60),
        "Retry-After bounded by the policy"
    );

    // A server that fails forever: an error after max_retries + 1 requests.
    for _ in 0..10 {
        memory.fault("GET /v2/a/manifests/", Fault::status(500, &[], ""));
    }
    memory.registry.clear_seen();
    let before = memory.pending_faults();
    let err = block_on(r.fetch_manifest("v1")).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(before - memory.pending_faults(), 6, "1 try + 5 retries");
}

#[test]
fn broken_downloads_resume_and_corruption_is_never_success() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let content = data(10_000, 7);
    let d = block_on(r.push_blob_bytes("x/y", content.clone())).unwrap();

    memory.registry.clear_seen();
    memory.fault("GET /v2/a/blobs/", Fault::CutAfter(4000));
    memory.fault("GET /v2/a/blobs/", Fault::CutAfter(3000));
    assert_eq!(
        block_on(r.fetch_blob_bytes(&d)).unwrap(),
        content,
        "resumed twice, verified whole"
    );
    let gets: Vec<_> = memory
        .registry
        .seen()
        .into_iter()
        .filter(|s| s.method == http::Method::GET)
        .collect();
    assert_eq!(gets.len(), 3);

    // Resuming from bytes already on disk.
    let mut prefix = Digester::new(oras_oci::Algorithm::Sha256);
    prefix.update(&content[..6000]);
    let rest = block_on(async {
        let mut reader = r.fetch_blob_from(&d, 6000, prefix).await.unwrap();
        let mut out = Vec::new();
        while let Some(chunk) = reader.chunk().await {
            out.extend_from_slice(&chunk.unwrap());
        }
        out
    });
    assert_eq!(rest, &content[6000..]);

    // A flipped bit: the chunk that completes the blob is an error, there is no end.
    memory.fault("GET /v2/a/blobs/", Fault::Corrupt);
    let outcome = block_on(async {
        let mut reader = r.fetch_blob(&d).await.unwrap();
        let mut got = 0;
        loop {
            match reader.chunk().await {
                Some(Ok(c)) => got += c.len(),
                Some(Err(e)) => return (got, Some(e)),
                None => return (got, None),
            }
        }
    });
    let err = outcome.1.expect("corruption is an error");
    assert_eq!(err.kind(), ErrorKind::Verify);
    assert!(
        oras_tests::report(&err).contains("digest mismatch"),
        "{err}"
    );
    assert!(outcome.0 < content.len());
}

#[test]
fn authorization_never_follows_a_redirect_to_another_origin() {
    let memory = MemoryTransport::new(FakeAuth::Basic("u".into(), "p".into()));
    let c = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("u", "p")),
        |_| {},
    );
    let r = repo(&c, "a");
    let d = block_on(r.push_blob_bytes("x/y", &b"redirected"[..])).unwrap();
    memory.set_storage_authorization(&oras_tests::fake::basic("u", "p"));
    memory.fault("GET /v2/a/blobs/", Fault::presigned(STORAGE));
    assert_eq!(
        block_on(r.fetch_blob_bytes(&d)).unwrap(),
        &b"redirected"[..]
    );
    let elsewhere = memory.elsewhere_authorizations();
    assert_eq!(
        elsewhere,
        vec![None],
        "the storage origin got no Authorization"
    );
}

#[test]
fn the_log_names_each_operation_and_holds_no_secret() {
    let memory = MemoryTransport::new(FakeAuth::Basic("u".into(), "p4ss".into()));
    let c = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("u", "p4ss")),
        |_| {},
    );
    let r = repo(&c, "logged");
    let log = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let log = log.clone();
            move || crate::Captured(log.clone())
        })
        .finish();
    let d = tracing::subscriber::with_default(subscriber, || {
        let d = block_on(r.push_blob_bytes("x/y", &b"logged"[..])).unwrap();
        memory.set_storage_authorization(&oras_tests::fake::basic("u", "p4ss"));
        memory.fault("GET /v2/logged/blobs/", Fault::presigned(STORAGE));
        assert_eq!(block_on(r.fetch_blob_bytes(&d)).unwrap(), &b"logged"[..]);
        d
    });
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let span = |op: &str| {
        format!(
            "{op}{{registry=registry.test repository=logged digest={}",
            d.digest
        )
    };
    for expected in [
        span("push_blob"),
        span("fetch_blob"),
        "> Request URL: \"http://registry.test/v2/logged/blobs/uploads/\"\n> Request method: \"POST\"".to_owned(),
        "< Response Status: \"401 Unauthorized\"".to_owned(),
        "   \"Authorization\": \"*****\"".to_owned(),
        // Off the registry's origin, without the query that signs it.
        format!(
            "> Request URL: \"http://storage.test/v2/logged/blobs/{}\"\n",
            d.digest
        ),
    ] {
        assert!(
            log.contains(&expected),
            "{expected:?} missing from the log:\n{log}"
        );
    }
    // Neither the password, its Basic encoding, nor the storage URL's signature.
    for secret in ["p4ss", "dTpwNHNz", "presigned-secret"] {
        assert!(
            !log.contains(secret),
            "{secret} leaked into the log:\n{log}"
        );
    }
}

/// The log numbers requests as the Go CLI's `--debug` does: one number per request and
/// response pair, kept when the request is retried (a 503), a new one for the send that
/// answers a challenge; JSON bodies shown, a token never.
#[test]
fn the_log_numbers_each_request_once_however_often_it_is_retried() {
    let memory = MemoryTransport::new(FakeAuth::Basic("u".into(), "p4ss".into()));
    let c = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("u", "p4ss")),
        |c| c.retry.initial_backoff = std::time::Duration::from_millis(1),
    );
    let r = repo(&c, "numbered");
    let d = block_on(r.push_blob_bytes("x/y", &b"numbered"[..])).unwrap();
    // A new client, which meets the challenge first.
    let c = client(
        &memory,
        StaticCredentials::new().with_any_host(Credential::basic("u", "p4ss")),
        |c| c.retry.initial_backoff = std::time::Duration::from_millis(1),
    );
    let r = repo(&c, "numbered");
    let log = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer({
            let log = log.clone();
            move || crate::Captured(log.clone())
        })
        .finish();
    memory.fault(
        "HEAD /v2/numbered/blobs/",
        Fault::status(503, &[("Content-Type", "application/json")], "{}"),
    );
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(block_on(r.blob_exists(&d.digest)).unwrap(), Some(d.size));
        let missing = oras_oci::Descriptor::of("x/y", b"not there");
        assert!(block_on(r.fetch_blob_bytes(&missing)).is_err());
    });
    assert_eq!(memory.pending_faults(), 0, "the HEAD met the 503");
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let numbers = |marker: &str| -> Vec<u64> {
        log.match_indices(marker)
            .map(|(i, _)| {
                let rest = &log[i + marker.len()..];
                let end = rest
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len());
                rest[..end].parse().unwrap()
            })
            .collect()
    };
    let (requests, responses) = (numbers("--> Request #"), numbers("<-- Response #"));
    assert_eq!(
        requests, responses,
        "each request answered once, in order:\n{log}"
    );
    let distinct: std::collections::HashSet<_> = requests.iter().collect();
    assert_eq!(distinct.len(), requests.len(), "no number twice:\n{log}");
    // HEAD (401), HEAD with credentials (503, retried: one pair), GET (404).
    assert_eq!(requests.len(), 3, "{log}");
    assert_eq!(
        log.matches("< Response Status: \"503 Service Unavailable\"")
            .count(),
        0,
        "a retried answer is not the request's answer:\n{log}"
    );
    assert!(
        log.contains("< Response body:\n{\"errors\":[{\"code\":\"BLOB_UNKNOWN\""),
        "a JSON body is shown:\n{log}"
    );
    assert!(
        log.contains("   No response body to print"),
        "a HEAD has none:\n{log}"
    );
}

/// A `tracing` writer into a shared buffer.
#[test]
fn hostile_headers_and_bodies_are_refused() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |c| {
        c.manifest_size_limit = 1024
    });
    let r = repo(&c, "a");
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.test".into());
    opts.created = Created::Omit;
    let m = pack_manifest(opts).unwrap().manifest;
    block_on(r.push_manifest("v1", &m)).unwrap();

    // A Link to another origin.
    memory.fault(
        "GET /v2/a/tags/list",
        Fault::Status(
            200,
            vec![(
                "link".into(),
                "<http://evil.test/v2/a/tags/list?n=1>; rel=\"next\"".into(),
            )],
            r#"{"tags":["v1"]}"#.into(),
        ),
    );
    let err = block_on(r.tags(Some(1))).unwrap_err();
    assert!(
        oras_tests::report(&err)
            .contains("Link header points to another origin: http://evil.test/v2/a/tags/list"),
        "{err}"
    );

    // tags: null is an empty list.
    memory.fault(
        "GET /v2/a/tags/list",
        Fault::Status(200, vec![], r#"{"name":"a","tags":null}"#.into()),
    );
    assert_eq!(block_on(r.tags(None)).unwrap(), Vec::<String>::new());

    // A manifest over the limit, announced or not.
    let big = format!("{{\"schemaVersion\":2,\"pad\":\"{}\"}}", "x".repeat(2000));
    memory.fault(
        "GET /v2/a/manifests/",
        Fault::Status(
            200,
            vec![("content-type".into(), media_type::OCI_MANIFEST.into())],
            big.into(),
        ),
    );
    let err = block_on(r.fetch_manifest("v1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Manifest);
    assert!(
        oras_tests::report(&err).contains("exceeds the limit of 1024 bytes"),
        "{err}"
    );

    // A manifest whose bytes do not match the digest asked for.
    let other = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
    memory.fault(
        "GET /v2/a/manifests/",
        Fault::Status(
            200,
            vec![("content-type".into(), media_type::OCI_INDEX.into())],
            other.to_vec(),
        ),
    );
    let err = block_on(r.fetch_manifest(m.digest().as_str())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Verify);

    // A wrong Docker-Content-Digest.
    memory.fault(
        "GET /v2/a/manifests/",
        Fault::Status(
            200,
            vec![
                ("content-type".into(), media_type::OCI_INDEX.into()),
                (
                    "docker-content-digest".into(),
                    Digest::sha256(b"x").to_string(),
                ),
            ],
            other.to_vec(),
        ),
    );
    assert_eq!(
        block_on(r.fetch_manifest("v1")).unwrap_err().kind(),
        ErrorKind::Verify
    );

    // An error body of many megabytes is read only up to the limit.
    let huge = "e".repeat(8 << 20);
    memory.fault(
        "GET /v2/a/manifests/",
        Fault::Status(400, vec![], huge.into()),
    );
    let err = block_on(r.fetch_manifest("v1")).unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert!(oras_tests::report(&err).len() < 1000);
}

/// A one-shot stream that counts how often it is read from the start.
struct Counted(Option<Bytes>, Arc<std::sync::atomic::AtomicUsize>);

impl futures_core::Stream for Counted {
    type Item = Result<Bytes, oras_distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let item = self.0.take();
        if item.is_some() {
            self.1.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        std::task::Poll::Ready(item.map(Ok))
    }
}

#[test]
fn one_shot_bodies_are_read_once_and_their_uploads_still_retried() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    // Small: buffered once, so the PUT that meets a 503 is sent again from the buffer.
    let small = b"one shot".to_vec();
    let d = Descriptor::of("x/y", &small);
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    memory.fault("PUT /v2/a/blobs/uploads/", Fault::status(503, &[], ""));
    let once = Body::from_stream(
        Box::pin(Counted(Some(Bytes::from(small.clone())), reads.clone())),
        Some(8),
    );
    block_on(r.push_blob(&d, once)).unwrap();
    assert_eq!(
        reads.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the stream was read once"
    );
    assert_eq!(memory.sleeps().len(), 1, "the PUT was retried");
    assert_eq!(block_on(r.fetch_blob_bytes(&d)).unwrap(), small);

    // Large: sent in chunks, each held until the registry took it; a failed PATCH is re-sent.
    let large = data(5 << 20, 3);
    let d = Descriptor::of("x/y", &large);
    let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    memory.registry.clear_seen();
    memory.fault("PATCH /v2/a/blobs/uploads/", Fault::status(503, &[], ""));
    let once = Body::from_stream(
        Box::pin(Counted(Some(Bytes::from(large.clone())), reads.clone())),
        Some(large.len() as u64),
    );
    block_on(r.push_blob(&d, once)).unwrap();
    assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    let patches = memory
        .registry
        .seen()
        .iter()
        .filter(|s| s.method == http::Method::PATCH)
        .count();
    assert_eq!(
        patches, 1,
        "one 8 MiB chunk, re-sent after the 503 (which never reached the registry)"
    );
    assert_eq!(block_on(r.fetch_blob_bytes(&d)).unwrap(), large);
}

#[test]
fn warnings_are_reported_once() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let c = client(&memory, StaticCredentials::new(), |c| {
        c.on_warning = Some(Arc::new(move |host: &str, text: &str| {
            sink.lock().unwrap().push(format!("{host}: {text}"))
        }))
    });
    let r = repo(&c, "a");
    for _ in 0..3 {
        memory.fault(
            "GET /v2/a/tags/list",
            Fault::Status(
                200,
                vec![(
                    "warning".into(),
                    "299 - \"this repository is deprecated\"".into(),
                )],
                r#"{"tags":[]}"#.into(),
            ),
        );
        block_on(r.tags(None)).unwrap();
    }
    assert_eq!(
        *seen.lock().unwrap(),
        ["registry.test: this repository is deprecated"]
    );
}

fn artifact(
    r: &Repository,
    subject: Option<&Descriptor>,
    artifact_type: &str,
    note: &str,
) -> oras_oci::Manifest {
    let mut opts = PackOptions::default();
    opts.artifact_type = Some(artifact_type.into());
    opts.subject = subject.cloned();
    opts.annotations.insert("note".into(), note.into());
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    block_on(async {
        for (d, b) in &packed.blobs {
            r.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
        }
        r.push_manifest(packed.manifest.digest().as_str(), &packed.manifest)
            .await
            .unwrap();
    });
    packed.manifest
}

/// When the last referrer goes and the registry will not delete the superseded index, an
/// empty index takes the tag: the list is never left stale, and the refusal is a warning.
#[test]
fn the_last_referrer_removed_where_the_old_index_cannot_be_deleted() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let sink = warnings.clone();
    let c = client(&memory, StaticCredentials::new(), |config| {
        config.on_warning = Some(Arc::new(move |_: &str, text: &str| {
            sink.lock().unwrap().push(text.to_owned());
        }));
    });
    let r = repo(&c, "a");
    let subject = artifact(&r, None, "application/vnd.subject", "s").descriptor();
    let sig = artifact(&r, Some(&subject), "application/vnd.sig", "1");
    let tag = oras_distribution::referrers_tag(&subject.digest);
    let old = block_on(r.resolve(tag.as_str())).unwrap();
    memory.fault(
        &format!("DELETE /v2/a/manifests/{}", old.digest),
        Fault::status(
            405,
            &[],
            r#"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}"#,
        ),
    );
    block_on(r.delete_manifest(sig.digest())).unwrap();
    assert_eq!(
        memory.pending_faults(),
        0,
        "the old index's delete was refused"
    );
    assert_eq!(block_on(r.referrers(&subject.digest, None)).unwrap(), []);
    let index = block_on(r.fetch_manifest(tag.as_str())).unwrap();
    assert_eq!(index.as_index().map(|i| i.manifests.len()), Some(0));
    let said = warnings.lock().unwrap().clone();
    assert!(
        said.len() == 1
            && said[0].contains(&format!(
                "{} (once tagged {tag}) is still there",
                old.digest
            )),
        "{said:?}"
    );
}

#[test]
fn referrers_by_tag_schema_are_maintained_on_push_and_delete() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let subject = artifact(&r, None, "application/vnd.subject", "s").descriptor();
    let sig = artifact(&r, Some(&subject), "application/vnd.sig", "1");
    let sbom = artifact(&r, Some(&subject), "application/vnd.sbom", "2");
    let first_index =
        block_on(r.resolve(&oras_distribution::referrers_tag(&subject.digest))).unwrap();

    memory.registry.clear_seen();
    let all = block_on(r.referrers(&subject.digest, None)).unwrap();
    assert_eq!(
        all.iter().map(|d| d.digest.clone()).collect::<Vec<_>>(),
        [sig.digest().clone(), sbom.digest().clone()]
    );
    assert_eq!(all[0].artifact_type.as_deref(), Some("application/vnd.sig"));
    assert_eq!(
        all[0].annotation("note"),
        Some("1"),
        "annotations carried into the index"
    );
    let sboms = block_on(r.referrers(&subject.digest, Some("application/vnd.sbom"))).unwrap();
    assert_eq!(sboms.len(), 1);
    let api_calls = memory
        .registry
        .seen()
        .iter()
        .filter(|s| s.path.contains("/referrers/"))
        .count();
    assert_eq!(
        api_calls, 0,
        "the 404 seen while pushing was remembered for the repository"
    );
    assert_eq!(r.referrers_api(), Some(false));

    // Pushing the same referrer again adds no duplicate.
    block_on(r.push_manifest(sig.digest().as_str(), &sig)).unwrap();
    assert_eq!(
        block_on(r.referrers(&subject.digest, None)).unwrap().len(),
        2
    );

    // Deleting a referrer removes it from the index; the superseded index is deleted.
    let before = block_on(r.resolve(&oras_distribution::referrers_tag(&subject.digest))).unwrap();
    block_on(r.delete_manifest(sig.digest())).unwrap();
    let left = block_on(r.referrers(&subject.digest, None)).unwrap();
    assert_eq!(
        left.iter().map(|d| d.digest.clone()).collect::<Vec<_>>(),
        [sbom.digest().clone()]
    );
    for old in [first_index.digest, before.digest] {
        assert!(
            block_on(r.fetch_manifest(old.as_str()))
                .unwrap_err()
                .is_not_found(),
            "superseded index {old} deleted"
        );
    }
    // The last one gone: no index left at all.
    block_on(r.delete_manifest(sbom.digest())).unwrap();
    assert!(
        block_on(r.referrers(&subject.digest, None))
            .unwrap()
            .is_empty()
    );
    assert!(
        block_on(r.resolve(&oras_distribution::referrers_tag(&subject.digest)))
            .unwrap_err()
            .is_not_found()
    );
}

#[test]
fn a_concurrent_index_update_is_not_lost() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let subject = artifact(&r, None, "application/vnd.subject", "s").descriptor();
    let first = artifact(&r, Some(&subject), "application/vnd.sig", "1");
    // Another writer changes the index between our read and our write: the registry
    // refuses the write (If-Match), the client reads again and keeps both entries.
    let tag = oras_distribution::referrers_tag(&subject.digest);
    memory.fault(
        &format!("PUT /v2/a/manifests/{tag}"),
        Fault::Status(
            412,
            vec![],
            r#"{"errors":[{"code":"PRECONDITION_FAILED","message":"changed"}]}"#.into(),
        ),
    );
    memory.registry.clear_seen();
    let second = artifact(&r, Some(&subject), "application/vnd.sig", "2");
    let index_writes = memory
        .registry
        .seen()
        .iter()
        .filter(|s| s.method == http::Method::PUT && s.path.ends_with(&tag))
        .count();
    assert_eq!(
        index_writes, 1,
        "the refused write never reached the registry; the re-read one did"
    );
    assert_eq!(memory.pending_faults(), 0, "the conflict was met");
    let digests: Vec<_> = block_on(r.referrers(&subject.digest, None))
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert_eq!(digests, [first.digest().clone(), second.digest().clone()]);
}

#[test]
fn referrers_api_with_filter_and_pages() {
    let memory = MemoryTransport::over(FakeRegistry::new(FakeAuth::None).with_referrers_api(1));
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let subject = artifact(&r, None, "application/vnd.subject", "s").descriptor();
    let mut want = Vec::new();
    for (t, n) in [
        ("application/vnd.sig", "1"),
        ("application/vnd.sbom", "2"),
        ("application/vnd.sig", "3"),
    ] {
        want.push(artifact(&r, Some(&subject), t, n).digest().clone());
    }
    want.sort();
    memory.registry.clear_seen();
    let mut got: Vec<_> = block_on(r.referrers(&subject.digest, None))
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    got.sort();
    assert_eq!(got, want);
    let pages = memory
        .registry
        .seen()
        .iter()
        .filter(|s| s.path.contains("/referrers/"))
        .count();
    assert_eq!(pages, 3, "one referrer a page, followed through Link");
    let sigs = block_on(r.referrers(&subject.digest, Some("application/vnd.sig"))).unwrap();
    assert_eq!(sigs.len(), 2);
    assert_eq!(r.referrers_api(), Some(true));
    let tag = oras_distribution::referrers_tag(&subject.digest);
    assert!(
        block_on(r.resolve(&tag)).unwrap_err().is_not_found(),
        "no tag schema index where the API indexes"
    );
}

#[test]
fn chunked_uploads_honour_the_minimum_and_recover_from_416() {
    let memory =
        MemoryTransport::over(FakeRegistry::new(FakeAuth::None).with_chunk_min_length(1500));
    let c = client(&memory, StaticCredentials::new(), |c| {
        c.chunk_size = Some(1000)
    });
    let r = repo(&c, "a");
    let content = data(4000, 9);
    let d = Descriptor::of("x/y", &content);
    // The first PATCH is refused with 416 before reaching the registry: the client asks
    // the registry how much it has (nothing) and sends the chunk again.
    memory.fault("PATCH /v2/a/blobs/uploads/", Fault::status(416, &[], ""));
    block_on(r.push_blob(&d, reopenable(content.clone(), 700))).unwrap();
    let seen = memory.registry.seen();
    let patches = seen
        .iter()
        .filter(|s| s.method == http::Method::PATCH)
        .count();
    assert_eq!(
        patches, 3,
        "4000 bytes in chunks of at least 1500 (not the configured 1000)"
    );
    assert!(
        seen.iter()
            .any(|s| s.method == http::Method::GET && s.path.contains("/blobs/uploads/")),
        "asked where the upload stood"
    );
    assert_eq!(block_on(r.fetch_blob_bytes(&d)).unwrap(), content);
}

#[test]
fn pagination_is_bounded() {
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |c| c.max_pages = 2);
    let r = repo(&c, "a");
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.test".into());
    opts.created = Created::Omit;
    let m = pack_manifest(opts).unwrap().manifest;
    for t in ["a", "b", "c", "d", "e"] {
        block_on(r.push_manifest(t, &m)).unwrap();
    }
    let err = block_on(r.tags(Some(1))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Limit);
    assert!(
        oras_tests::report(&err).contains("more than 2 pages"),
        "{err}"
    );
    assert_eq!(block_on(r.tags(Some(3))).unwrap().len(), 5);
}

#[test]
fn clients_are_cheap_to_share_between_tasks() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<Client>();
    shared::<Repository>();
    shared::<oras_distribution::Registry>();
    fn send<T: Send>(_: &T) {}
    let memory = MemoryTransport::new(FakeAuth::None);
    let c = client(&memory, StaticCredentials::new(), |_| {});
    let r = repo(&c, "a");
    let d = Descriptor::of("x/y", b"x");
    send(&r.fetch_manifest("v1"));
    send(&r.fetch_blob(&d));
    send(&r.push_blob(&d, Body::empty()));
    send(&r.referrers(&d.digest, None));
}

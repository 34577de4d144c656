#![allow(
    clippy::field_reassign_with_default,
    reason = "TokenOptions is non_exhaustive: the tests build it the way users outside the crate must"
)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Request, Response, StatusCode};
use proptest::prelude::*;

use crate::token::{
    TOKEN_RESPONSE_LIMIT, TokenOptions, TokenRequestError, parse_token_response, token_request,
};
use crate::*;

mod stores;

/// An error and its sources joined by `: `, as an application shows them.
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

// ---- a minimal executor ----

/// Wakes a parked thread.
struct Unpark(std::thread::Thread);

impl std::task::Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs one future to completion on this thread, parking until it is woken. A future that
/// is never woken fails the test after a minute instead of hanging it.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "future was not woken within a minute"
        );
        std::thread::park_timeout(Duration::from_secs(1));
    }
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Polls several futures round-robin until all complete; returns their outputs in order.
fn join_all<T>(mut futures: Vec<BoxFut<'_, T>>) -> Vec<T> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out: Vec<Option<T>> = futures.iter().map(|_| None).collect();
    for _ in 0..100_000 {
        for (i, f) in futures.iter_mut().enumerate() {
            if out[i].is_none()
                && let Poll::Ready(v) = f.as_mut().poll(&mut cx)
            {
                out[i] = Some(v);
            }
        }
        if out.iter().all(Option::is_some) {
            return out.into_iter().map(|v| v.expect("checked above")).collect();
        }
    }
    panic!("futures did not complete");
}

/// Pending until the flag is set.
struct Gate(Arc<AtomicBool>);

impl Future for Gate {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

// ---- challenges ----

#[test]
fn challenge_parsing() {
    type Want<'a> = Vec<(AuthScheme, Vec<(&'a str, &'a str)>)>;
    let cases: Vec<(&str, Want<'_>)> = vec![
        (
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#,
            vec![(
                AuthScheme::Bearer,
                vec![
                    ("realm", "https://auth.docker.io/token"),
                    ("service", "registry.docker.io"),
                    ("scope", "repository:library/ubuntu:pull"),
                ],
            )],
        ),
        (
            r#"Basic realm="Registry Realm""#,
            vec![(AuthScheme::Basic, vec![("realm", "Registry Realm")])],
        ),
        (
            r#"Basic realm="x", Bearer realm="https://y/token",service=z"#,
            vec![
                (AuthScheme::Basic, vec![("realm", "x")]),
                (
                    AuthScheme::Bearer,
                    vec![("realm", "https://y/token"), ("service", "z")],
                ),
            ],
        ),
        (
            r#"bEaReR REALM="https://a/t?x=1,2" , Error="invalid \"token\", really",  x-custom = token"#,
            vec![(
                AuthScheme::Bearer,
                vec![
                    ("realm", "https://a/t?x=1,2"),
                    ("error", "invalid \"token\", really"),
                    ("x-custom", "token"),
                ],
            )],
        ),
        (
            r#"Bearer realm="a\\b""#,
            vec![(AuthScheme::Bearer, vec![("realm", "a\\b")])],
        ),
        ("Basic", vec![(AuthScheme::Basic, vec![])]),
        (
            ", Basic ,, Bearer realm=x ,",
            vec![
                (AuthScheme::Basic, vec![]),
                (AuthScheme::Bearer, vec![("realm", "x")]),
            ],
        ),
        (
            r#"Custom realm="", Basic realm=r"#,
            vec![
                (AuthScheme::Other, vec![("realm", "")]),
                (AuthScheme::Basic, vec![("realm", "r")]),
            ],
        ),
    ];
    for (input, want) in cases {
        let got = Challenge::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let got: Want<'_> = got
            .iter()
            .map(|c| (c.scheme(), c.params().collect()))
            .collect();
        assert_eq!(got, want, "{input}");
    }
    let c = &Challenge::parse(r#"BEARER Realm="r",SERVICE="s",Scope="a b""#).unwrap()[0];
    assert_eq!(
        (c.realm(), c.service(), c.scope(), c.scheme_name()),
        (Some("r"), Some("s"), Some("a b"), "BEARER")
    );
    assert_eq!(
        Challenge::parse("Bearer realm=").unwrap()[0].token68(),
        Some("realm="),
        "RFC 7235: a token68"
    );
    let t = Challenge::parse("Negotiate abc+/==, Basic realm=x").unwrap();
    assert_eq!(t[0].token68(), Some("abc+/=="));
    assert_eq!(t[1].realm(), Some("x"));

    let bad = [
        ("", "no challenge"),
        ("=", "expected an auth scheme"),
        ("Bearer realm=\"unterminated", "unterminated quoted string"),
        ("Bearer service=\"x\", realm=", "expected a parameter value"),
        (
            "Bearer realm=\"x\" service=\"y\"",
            "expected ',' between parameters",
        ),
        (
            "Bearer realm=\"a\u{1}b\"",
            "control character in quoted string",
        ),
        ("Bearer\"x\"", "expected a space after the auth scheme"),
        ("Bearer realm x", "expected '=' after a parameter name"),
        // Found by the fuzzer: a control character escaped inside quotes.
        ("e !=  \"J\\\u{1c}\"", "control character in quoted string"),
    ];
    for (input, reason) in bad {
        let err = Challenge::parse(input).unwrap_err();
        assert!(err.to_string().ends_with(reason), "{input:?}: {err}");
    }
    let long = format!("Bearer realm=\"{}", "x".repeat(100_000));
    assert!(
        Challenge::parse(&long).unwrap_err().to_string().len() < 400,
        "quoted input is cut"
    );
}

#[test]
fn challenges_from_several_headers() {
    let mut h = http::HeaderMap::new();
    h.append(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"a\""),
    );
    h.append(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"https://b/\", Custom"),
    );
    let c = Challenge::from_headers(&h).unwrap();
    assert_eq!(
        c.iter().map(Challenge::scheme).collect::<Vec<_>>(),
        [AuthScheme::Basic, AuthScheme::Bearer, AuthScheme::Other]
    );
    let mut bad = http::HeaderMap::new();
    bad.append(
        http::header::WWW_AUTHENTICATE,
        HeaderValue::from_bytes(b"Bearer realm=\"\xff\"").unwrap(),
    );
    assert!(
        Challenge::from_headers(&bad)
            .unwrap_err()
            .to_string()
            .contains("not visible ASCII")
    );
}

proptest! {
    #[test]
    fn challenge_parser_never_panics(s in "\\PC{0,120}") {
        let _ = Challenge::parse(&s);
    }

    #[test]
    fn displayed_challenges_parse_back(
        scheme in "[A-Za-z][A-Za-z0-9-]{0,8}",
        params in proptest::collection::vec(("[a-z][a-z0-9_-]{0,8}", "[ -~]{0,20}"), 1..4),
    ) {
        let text = format!("{}", Challenge::parse(&format!("{scheme} {}", params.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect::<Vec<_>>().join(", "))).unwrap()[0]);
        let back = Challenge::parse(&text).unwrap();
        let got: Vec<(String, String)> = back[0].params().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        prop_assert_eq!(got, params);
    }
}

// ---- scopes ----

#[test]
fn scopes_merge_clean_and_sort() {
    let mut s = Scopes::new();
    s.add(Scope::repository("b", ["push"]));
    s.add(Scope::pull("b"));
    s.add(Scope::repository("a", ["pull", "", " pull "]));
    s.add(Scope::repository("empty", [""]));
    s.add(Scope::catalog());
    s.add(Scope::new("registry", "catalog", ["search"]));
    s.add(Scope::repository("star", ["pull", "*", "push"]));
    assert_eq!(
        s.to_strings(),
        [
            "registry:catalog:*",
            "repository:a:pull",
            "repository:b:pull,push",
            "repository:star:*"
        ]
    );
    assert_eq!(
        s.joined(),
        "registry:catalog:* repository:a:pull repository:b:pull,push repository:star:*"
    );
    assert_eq!(
        Scopes::for_mount("src/x", "dst/y").to_strings(),
        ["repository:dst/y:pull,push", "repository:src/x:pull"]
    );
    assert_eq!(Scopes::for_push("a").joined(), "repository:a:pull,push");

    let p = Scope::parse("repository(plugin):host:5000/name:pull,push").unwrap();
    assert_eq!(
        (p.resource_type(), p.name()),
        ("repository(plugin)", "host:5000/name")
    );
    assert_eq!(p.actions().collect::<Vec<_>>(), ["pull", "push"]);
    for bad in [
        "",
        "repository",
        "repository:x",
        ":x:pull",
        "repository::pull",
        "repository:a b:pull",
    ] {
        assert!(Scope::parse(bad).is_err(), "{bad:?}");
    }
    let mut hinted = Scopes::for_pull("a");
    hinted.add_challenge_scopes("repository:a:push  garbage repository:c:pull");
    assert_eq!(
        hinted.to_strings(),
        ["repository:a:pull,push", "repository:c:pull"]
    );
}

// ---- token requests and responses ----

#[test]
fn distribution_token_requests() {
    let realm: http::Uri = "https://auth.example/token".parse().unwrap();
    let scopes = Scopes::for_mount("src", "team/app");
    let anon = token_request(
        &realm,
        Some("reg.example"),
        &scopes,
        None,
        &TokenOptions::default(),
    )
    .unwrap();
    assert_eq!(anon.method(), http::Method::GET);
    assert_eq!(
        anon.uri(),
        "https://auth.example/token?service=reg.example&scope=repository%3Asrc%3Apull&scope=repository%3Ateam%2Fapp%3Apull%2Cpush"
    );
    assert!(anon.headers().get(http::header::AUTHORIZATION).is_none());

    let basic = Credential::basic("user", "pass");
    let with_query: http::Uri = "https://auth.example/token?account=x".parse().unwrap();
    let req = token_request(
        &with_query,
        None,
        &Scopes::for_pull("a"),
        Some(&basic),
        &TokenOptions::default(),
    )
    .unwrap();
    assert_eq!(
        req.uri(),
        "https://auth.example/token?account=x&scope=repository%3Aa%3Apull"
    );
    let auth = req.headers().get(http::header::AUTHORIZATION).unwrap();
    assert_eq!(auth, "Basic dXNlcjpwYXNz", "base64 of user:pass");
    assert!(auth.is_sensitive());
}

#[test]
fn oauth2_token_requests() {
    let realm: http::Uri = "https://auth.example/oauth2/token".parse().unwrap();
    let scopes = Scopes::for_push("a/b");
    let refresh = Credential::IdentityToken(Secret::new("r3fr&sh"));
    let req = token_request(
        &realm,
        Some("reg"),
        &scopes,
        Some(&refresh),
        &TokenOptions::default(),
    )
    .unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "https://auth.example/oauth2/token");
    assert_eq!(
        req.headers()[http::header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        "grant_type=refresh_token&refresh_token=r3fr%26sh&service=reg&client_id=oras-rs&scope=repository%3Aa%2Fb%3Apull%2Cpush"
    );
    let mut opts = TokenOptions::default();
    opts.force_oauth2 = true;
    opts.client_id = "my-tool".into();
    let req = token_request(
        &realm,
        None,
        &scopes,
        Some(&Credential::basic("u", "p w")),
        &opts,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        "grant_type=password&username=u&password=p%20w&client_id=my-tool&scope=repository%3Aa%2Fb%3Apull%2Cpush"
    );
    let access = Credential::AccessToken(Secret::new("a"));
    assert!(matches!(
        token_request(&realm, None, &scopes, Some(&access), &opts),
        Err(TokenRequestError::AccessToken)
    ));
}

#[test]
fn token_responses() {
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let t = parse_token_response(br#"{"token":"a"}"#, now).unwrap();
    assert_eq!(t.value().expose(), "a");
    assert_eq!(
        t.expires_at(),
        now + Duration::from_secs(54),
        "60 s default minus a tenth"
    );
    let t = parse_token_response(
        br#"{"token":"a","access_token":"b","expires_in":3600,"refresh_token":"r"}"#,
        now,
    )
    .unwrap();
    assert_eq!(t.value().expose(), "b", "access_token wins");
    assert_eq!(
        t.expires_at(),
        now + Duration::from_secs(3570),
        "margin capped at 30 s"
    );
    assert_eq!(t.refresh_token().map(Secret::expose), Some("r"));
    // issued_at in the plausible window counts; in the future or too old it does not.
    let t = parse_token_response(
        br#"{"token":"a","expires_in":300,"issued_at":"2023-11-14T22:12:20Z"}"#,
        now,
    )
    .unwrap();
    assert_eq!(
        t.expires_at(),
        now - Duration::from_secs(60) + Duration::from_secs(270)
    );
    let t = parse_token_response(
        br#"{"token":"a","expires_in":300,"issued_at":"2023-11-14T23:13:20Z"}"#,
        now,
    )
    .unwrap();
    assert_eq!(t.expires_at(), now + Duration::from_secs(270));
    let t = parse_token_response(
        br#"{"token":"a","expires_in":300,"issued_at":"2020-01-01T00:00:00Z"}"#,
        now,
    )
    .unwrap();
    assert_eq!(t.expires_at(), now + Duration::from_secs(270));
    let t = parse_token_response(br#"{"token":"a","expires_in":-5}"#, now).unwrap();
    assert_eq!(t.expires_at(), now + Duration::from_secs(54));
    assert!(!t.is_expired(now + Duration::from_secs(53)));
    assert!(t.is_expired(now + Duration::from_secs(54)));

    assert_eq!(
        parse_token_response(br#"{"token":""}"#, now),
        Err(TokenError::MissingToken)
    );
    assert_eq!(
        parse_token_response(br#"{}"#, now),
        Err(TokenError::MissingToken)
    );
    let big = vec![b' '; TOKEN_RESPONSE_LIMIT + 1];
    assert_eq!(parse_token_response(&big, now), Err(TokenError::TooLarge));
    let err = parse_token_response(br#"{"token":"s3cr3t-token", "expires_in":"s3cr3t"}"#, now)
        .unwrap_err();
    assert!(
        !err.to_string().contains("s3cr3t"),
        "error messages never quote the body: {err}"
    );
    assert!(
        err.to_string()
            .starts_with("token response is not valid JSON (Data error at line 1"),
        "{err}"
    );
}

// ---- realms ----

#[test]
fn realm_validation() {
    let public_https = Origin::new("registry.example", true);
    let public_http = Origin::new("registry.example:5000", false);
    let local = Origin::new("127.0.0.1:5000", false);
    let ok = [
        ("https://auth.example/token", &public_https),
        ("http://auth.example/token", &public_http),
        ("http://127.0.0.1:9999/token", &local),
        ("http://localhost/token", &local),
        ("https://[::1]/token", &Origin::new("[::1]:5000", true)),
    ];
    for (realm, origin) in ok {
        assert!(
            validate_realm(realm, origin).is_ok(),
            "{realm} for {origin:?}"
        );
    }
    type Check = fn(&RealmError) -> bool;
    let bad: [(&str, &Origin, Check); 9] = [
        ("/token", &public_https, |e| {
            matches!(e, RealmError::NotAUrl(_))
        }),
        ("not a url", &public_https, |e| {
            matches!(e, RealmError::NotAUrl(_))
        }),
        ("ftp://auth.example/token", &public_https, |e| {
            matches!(e, RealmError::Scheme(_))
        }),
        ("http://auth.example/token", &public_https, |e| {
            matches!(e, RealmError::Downgrade { .. })
        }),
        ("https://127.0.0.1/token", &public_https, |e| {
            matches!(e, RealmError::Internal { .. })
        }),
        ("https://10.1.2.3/token", &public_https, |e| {
            matches!(e, RealmError::Internal { .. })
        }),
        ("https://169.254.169.254/latest", &public_https, |e| {
            matches!(e, RealmError::Internal { .. })
        }),
        ("https://[fd00::1]/token", &public_https, |e| {
            matches!(e, RealmError::Internal { .. })
        }),
        ("https://metadata.localhost/token", &public_http, |e| {
            matches!(e, RealmError::Internal { .. })
        }),
    ];
    for (realm, origin, check) in bad {
        let err = validate_realm(realm, origin).unwrap_err();
        assert!(check(&err), "{realm}: {err}");
    }
    let msg = validate_realm("http://auth.example/t", &public_https)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("refusing to send credentials in the clear"),
        "{msg}"
    );
}

// ---- cache ----

#[derive(Debug)]
struct FakeClock(Mutex<SystemTime>);

impl Clock for FakeClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

impl FakeClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

fn fake_clock() -> Arc<FakeClock> {
    Arc::new(FakeClock(Mutex::new(
        UNIX_EPOCH + Duration::from_secs(1_000_000),
    )))
}

fn key(scopes: &str) -> CacheKey {
    CacheKey {
        host: "r.example".into(),
        scopes: scopes.into(),
    }
}

#[test]
fn cache_expiry_and_invalidation() {
    let clock = fake_clock();
    let cache = TokenCache::new(clock.clone());
    let expires = clock.now() + Duration::from_secs(10);
    cache.insert(key("a"), Token::new("t1", expires));
    assert_eq!(cache.get(&key("a")).unwrap().value().expose(), "t1");
    assert!(cache.get(&key("b")).is_none(), "keyed by scope set");
    cache.invalidate(&key("a"), "other");
    assert!(
        cache.get(&key("a")).is_some(),
        "a newer token is not dropped for an old one's failure"
    );
    clock.advance(Duration::from_secs(10));
    assert!(cache.get(&key("a")).is_none(), "expired");
    cache.insert(
        key("a"),
        Token::new("t2", clock.now() + Duration::from_secs(10)),
    );
    cache.invalidate(&key("a"), "t2");
    assert!(cache.get(&key("a")).is_none());
}

#[test]
fn concurrent_callers_fetch_one_token() {
    let cache = TokenCache::new(fake_clock());
    let far = UNIX_EPOCH + Duration::from_secs(10_000_000);
    let fetches = AtomicUsize::new(0);
    let open = Arc::new(AtomicBool::new(false));
    let k = key("a");
    let futures: Vec<BoxFut<'_, Result<Token, ()>>> = (0..8)
        .map(|_| {
            let (cache, k, fetches, gate) = (&cache, &k, &fetches, Gate(open.clone()));
            Box::pin(async move {
                cache
                    .get_or_fetch(k, || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        gate.await;
                        Ok(Token::new("shared", far))
                    })
                    .await
            }) as BoxFut<'_, _>
        })
        .collect();
    // Open the gate only after every caller has been polled at least once.
    let opener = open.clone();
    let mut polled_once = false;
    let mut futures = futures;
    futures.push(Box::pin(async move {
        Yield(&mut polled_once).await;
        opener.store(true, Ordering::SeqCst);
        Ok(Token::new("opener", far))
    }));
    let results = join_all(futures);
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch for eight concurrent callers"
    );
    for r in &results[..8] {
        assert_eq!(r.as_ref().unwrap().value().expose(), "shared");
    }
}

/// Pending once, then ready.
struct Yield<'a>(&'a mut bool);

impl Future for Yield<'_> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if *self.0 {
            Poll::Ready(())
        } else {
            *self.0 = true;
            Poll::Pending
        }
    }
}

#[test]
fn a_failed_or_cancelled_fetch_hands_over_to_a_waiter() {
    let cache = TokenCache::new(fake_clock());
    let far = UNIX_EPOCH + Duration::from_secs(10_000_000);
    let k = key("a");
    let mut cx = Context::from_waker(Waker::noop());

    // A leader that never finishes, then is dropped (cancelled).
    let mut leader = Box::pin(cache.get_or_fetch(&k, std::future::pending::<Result<Token, ()>>));
    assert!(leader.as_mut().poll(&mut cx).is_pending());
    let fetched = AtomicUsize::new(0);
    let mut follower = Box::pin(cache.get_or_fetch(&k, || async {
        fetched.fetch_add(1, Ordering::SeqCst);
        Ok::<_, ()>(Token::new("second", far))
    }));
    assert!(
        follower.as_mut().poll(&mut cx).is_pending(),
        "waits for the leader"
    );
    assert_eq!(fetched.load(Ordering::SeqCst), 0);
    drop(leader);
    let token = block_on(follower).unwrap();
    assert_eq!(token.value().expose(), "second");
    assert_eq!(
        fetched.load(Ordering::SeqCst),
        1,
        "the waiter fetched when the leader went away"
    );

    // A leader that fails: its caller gets the error; a waiter fetches for itself.
    let k2 = key("b");
    let open = Arc::new(AtomicBool::new(false));
    let gate = Gate(open.clone());
    let mut leader = Box::pin(cache.get_or_fetch(&k2, || async move {
        gate.await;
        Err::<Token, &str>("denied")
    }));
    assert!(leader.as_mut().poll(&mut cx).is_pending());
    let mut follower =
        Box::pin(cache.get_or_fetch(&k2, || async { Ok::<_, &str>(Token::new("mine", far)) }));
    assert!(follower.as_mut().poll(&mut cx).is_pending());
    open.store(true, Ordering::SeqCst);
    assert_eq!(block_on(leader).unwrap_err(), "denied");
    assert_eq!(block_on(follower).unwrap().value().expose(), "mine");
}

// ---- the authenticator ----

/// What the stand-in token service's `send` returns.
type Answer = std::future::Ready<Result<Response<Vec<u8>>, std::io::Error>>;

/// A token service stand-in: records requests, answers from a script.
#[derive(Clone, Default)]
struct TokenService {
    requests: Arc<Mutex<Vec<Request<Vec<u8>>>>>,
    answers: Arc<Mutex<Vec<(u16, String)>>>,
}

impl TokenService {
    fn answering(answers: &[(u16, &str)]) -> Self {
        let s = Self::default();
        *s.answers.lock().unwrap() = answers
            .iter()
            .rev()
            .map(|(c, b)| (*c, (*b).to_owned()))
            .collect();
        s
    }

    fn send(&self) -> impl FnOnce(Request<Vec<u8>>) -> Answer + '_ {
        move |req| {
            self.requests.lock().unwrap().push(req);
            let (status, body) = self
                .answers
                .lock()
                .unwrap()
                .pop()
                .expect("no more scripted answers");
            let mut resp = Response::new(body.into_bytes());
            *resp.status_mut() = StatusCode::from_u16(status).unwrap();
            std::future::ready(Ok(resp))
        }
    }

    fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn never() -> impl FnOnce(Request<Vec<u8>>) -> Answer {
    |req| {
        panic!(
            "no token request expected, got {} {}",
            req.method(),
            req.uri()
        )
    }
}

fn bearer(realm: &str) -> Vec<Challenge> {
    Challenge::parse(&format!(r#"Bearer realm="{realm}",service="reg""#)).unwrap()
}

#[test]
fn bearer_flow_caches_and_refetches_after_a_refused_token() {
    let auth = Authenticator::new(
        StaticCredentials::new().with_host("reg.example", Credential::basic("alice", "pa55word")),
    );
    let origin = Origin::new("reg.example", true);
    let pull = Scopes::for_pull("a");
    let svc = TokenService::answering(&[
        (200, r#"{"token":"one","expires_in":300}"#),
        (200, r#"{"token":"two","expires_in":300}"#),
    ]);

    assert_eq!(
        block_on(auth.authorization(&origin, &pull, never())).unwrap(),
        None,
        "nothing known before the first 401"
    );
    let h = block_on(auth.respond(
        &origin,
        &bearer("https://auth.example/token"),
        &pull,
        None,
        svc.send(),
    ))
    .unwrap();
    assert_eq!(h, "Bearer one");
    assert!(h.is_sensitive());
    {
        let reqs = svc.requests.lock().unwrap();
        assert_eq!(
            reqs[0].uri(),
            "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull"
        );
        assert_eq!(
            reqs[0].headers()[http::header::AUTHORIZATION],
            "Basic YWxpY2U6cGE1NXdvcmQ="
        );
    }
    // The next request with the same scopes gets the cached token without a fetch.
    assert_eq!(
        block_on(auth.authorization(&origin, &pull, never()))
            .unwrap()
            .unwrap(),
        "Bearer one"
    );
    // The registry refuses it: it is dropped and a new one fetched, once.
    let h = block_on(auth.respond(
        &origin,
        &bearer("https://auth.example/token"),
        &pull,
        Some(&h),
        svc.send(),
    ))
    .unwrap();
    assert_eq!(h, "Bearer two");
    assert_eq!(svc.count(), 2);
}

#[test]
fn push_scopes_are_fetched_up_front_once_the_challenge_is_known() {
    let auth = Authenticator::new(StaticCredentials::new());
    let origin = Origin::new("reg.example", true);
    let svc = TokenService::answering(&[
        (200, r#"{"token":"pull"}"#),
        (200, r#"{"access_token":"push"}"#),
    ]);
    block_on(auth.respond(
        &origin,
        &bearer("https://auth.example/token"),
        &Scopes::for_pull("a"),
        None,
        svc.send(),
    ))
    .unwrap();
    // A push: the authenticator asks for pull,push before any request is refused.
    let h = block_on(auth.authorization(&origin, &Scopes::for_push("a"), svc.send()))
        .unwrap()
        .unwrap();
    assert_eq!(h, "Bearer push");
    assert_eq!(
        svc.requests.lock().unwrap()[1].uri(),
        "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull%2Cpush"
    );
    assert!(
        svc.requests.lock().unwrap()[1]
            .headers()
            .get(http::header::AUTHORIZATION)
            .is_none(),
        "anonymous"
    );
}

#[test]
fn challenge_scopes_are_added_to_the_request() {
    let auth = Authenticator::new(StaticCredentials::new());
    let origin = Origin::new("reg.example", true);
    let svc = TokenService::answering(&[(200, r#"{"token":"t"}"#)]);
    let ch = Challenge::parse(r#"Bearer realm="https://auth.example/token",service="reg",scope="repository:a:pull repository:b:pull""#).unwrap();
    block_on(auth.respond(&origin, &ch, &Scopes::for_push("a"), None, svc.send())).unwrap();
    assert_eq!(
        svc.requests.lock().unwrap()[0].uri(),
        "https://auth.example/token?service=reg&scope=repository%3Aa%3Apull%2Cpush&scope=repository%3Ab%3Apull"
    );
}

#[test]
fn basic_flow() {
    let origin = Origin::new("127.0.0.1:5000", false);
    let ch = Challenge::parse(r#"Basic realm="registry""#).unwrap();
    let pull = Scopes::for_pull("a");

    let anonymous = Authenticator::new(StaticCredentials::new());
    let err = block_on(anonymous.respond(&origin, &ch, &pull, None, never())).unwrap_err();
    assert!(err.is_unauthorized());
    assert_eq!(
        err.to_string(),
        // What to do about it (`oras login`) is the CLI's to add.
        "unauthorized: 127.0.0.1:5000 requires credentials"
    );

    let auth = Authenticator::new(
        StaticCredentials::new().with_any_host(Credential::basic("bob", "hunter2")),
    );
    let h = block_on(auth.respond(&origin, &ch, &pull, None, never())).unwrap();
    assert_eq!(h, "Basic Ym9iOmh1bnRlcjI=");
    // From now on Basic is sent up front, for any scope.
    assert_eq!(
        block_on(auth.authorization(&origin, &Scopes::for_push("b"), never()))
            .unwrap()
            .as_ref(),
        Some(&h)
    );
    // Refused again with the same credentials: an error, not a loop.
    let err = block_on(auth.respond(&origin, &ch, &pull, Some(&h), never())).unwrap_err();
    assert!(err.is_unauthorized());
    let msg = err.to_string();
    assert_eq!(
        msg,
        "unauthorized: 127.0.0.1:5000 rejected the username \"bob\" and password"
    );
    assert!(!msg.contains("hunter2"));
}

#[test]
fn access_and_identity_tokens() {
    let origin = Origin::new("reg.example", true);
    let pull = Scopes::for_pull("a");
    let access = Authenticator::new(
        StaticCredentials::new().with_any_host(Credential::AccessToken(Secret::new("given"))),
    );
    let h = block_on(access.respond(
        &origin,
        &bearer("https://auth.example/t"),
        &pull,
        None,
        never(),
    ))
    .unwrap();
    assert_eq!(h, "Bearer given");
    let err = block_on(access.respond(
        &origin,
        &bearer("https://auth.example/t"),
        &pull,
        Some(&h),
        never(),
    ))
    .unwrap_err();
    assert!(
        matches!(err, AuthError::CredentialsRejected { .. }),
        "{err}"
    );

    let identity = Authenticator::new(
        StaticCredentials::new()
            .with_any_host(Credential::IdentityToken(Secret::new("refresh-me"))),
    );
    let svc =
        TokenService::answering(&[(200, r#"{"access_token":"fresh","refresh_token":"next"}"#)]);
    let h = block_on(identity.respond(
        &origin,
        &bearer("https://auth.example/oauth2/token"),
        &pull,
        None,
        svc.send(),
    ))
    .unwrap();
    assert_eq!(h, "Bearer fresh");
    let req = &svc.requests.lock().unwrap()[0];
    assert_eq!(req.method(), http::Method::POST);
    assert!(
        String::from_utf8_lossy(req.body())
            .starts_with("grant_type=refresh_token&refresh_token=refresh-me&")
    );
}

#[test]
fn token_service_failures_are_clear_and_secret_free() {
    let origin = Origin::new("reg.example", true);
    let pull = Scopes::for_pull("a");
    let auth = Authenticator::new(
        StaticCredentials::new().with_any_host(Credential::basic("carol", "t0ps3cret")),
    );
    let cases: [(u16, &str, &str); 4] = [
        (
            401,
            "{}",
            "token service https://auth.example/token for reg.example answered HTTP 401; the credentials were rejected",
        ),
        (
            503,
            "busy",
            "token service https://auth.example/token for reg.example answered HTTP 503",
        ),
        (
            200,
            "not json t0ps3cret",
            "token service https://auth.example/token: token response is not valid JSON (Syntax error at line 1 column 2)",
        ),
        (
            200,
            r#"{"expires_in":10}"#,
            "token service https://auth.example/token: token response has neither `token` nor `access_token`",
        ),
    ];
    for (status, body, message) in cases {
        let svc = TokenService::answering(&[(status, body)]);
        let err = block_on(auth.respond(
            &origin,
            &bearer("https://auth.example/token?secret=t0ps3cret"),
            &pull,
            None,
            svc.send(),
        ))
        .unwrap_err();
        assert_eq!(chain(&err), message);
        assert!(!format!("{err:?}").contains("t0ps3cret"), "{err:?}");
        assert_eq!(err.is_unauthorized(), status == 401);
    }
    let huge = "x".repeat(TOKEN_RESPONSE_LIMIT + 1);
    let svc = TokenService::answering(&[(200, &huge)]);
    let err = block_on(auth.respond(
        &origin,
        &bearer("https://auth.example/token"),
        &pull,
        None,
        svc.send(),
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::TokenResponse {
                source: TokenError::TooLarge,
                ..
            }
        ),
        "{err}"
    );
    let failing = |_req| {
        std::future::ready(Err::<Response<Vec<u8>>, _>(std::io::Error::other(
            "connection reset",
        )))
    };
    let err = block_on(auth.respond(
        &origin,
        &bearer("https://auth.example/token"),
        &pull,
        None,
        failing,
    ))
    .unwrap_err();
    assert_eq!(
        chain(&err),
        "token request to https://auth.example/token failed: connection reset"
    );
}

#[test]
fn refused_realms_get_no_request() {
    let origin = Origin::new("reg.example", true);
    let auth =
        Authenticator::new(StaticCredentials::new().with_any_host(Credential::basic("u", "p")));
    let pull = Scopes::for_pull("a");
    for realm in [
        "http://auth.example/token",
        "https://127.0.0.1/token",
        "file:///etc/passwd",
    ] {
        let err =
            block_on(auth.respond(&origin, &bearer(realm), &pull, None, never())).unwrap_err();
        assert!(matches!(err, AuthError::Realm(_)), "{realm}: {err}");
    }
    let no_realm = Challenge::parse("Bearer service=x").unwrap();
    assert!(matches!(
        block_on(auth.respond(&origin, &no_realm, &pull, None, never())),
        Err(AuthError::MissingRealm { .. })
    ));
    let other = Challenge::parse("Negotiate abc").unwrap();
    let err = block_on(auth.respond(&origin, &other, &pull, None, never())).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unauthorized: reg.example asks for an unsupported authentication scheme (Negotiate)"
    );
    assert!(matches!(
        block_on(auth.respond(&origin, &[], &pull, None, never())),
        Err(AuthError::NoChallenge { .. })
    ));
}

#[test]
fn secrets_stay_out_of_debug_and_display() {
    let creds = [
        Credential::basic("user", "p4ssw0rd-secret"),
        Credential::IdentityToken(Secret::new("id-secret")),
        Credential::AccessToken(Secret::new("access-secret")),
    ];
    let auth = Authenticator::new(StaticCredentials::new().with_any_host(creds[0].clone()));
    let token = Token::new("token-secret", UNIX_EPOCH);
    let shown = format!(
        "{creds:?} {} {} {} {auth:?} {token:?} {:?}",
        creds[0],
        creds[1],
        creds[2],
        creds[0].basic_header().unwrap()
    );
    for secret in [
        "p4ssw0rd-secret",
        "id-secret",
        "access-secret",
        "token-secret",
    ] {
        assert!(!shown.contains(secret), "{secret} leaked in {shown}");
    }
}

#[test]
fn clients_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Authenticator>();
    check::<TokenCache>();
    fn provider<T: CredentialProvider>() {}
    provider::<CredentialChain>();
}

#[test]
fn issued_at_dates() {
    use crate::date::parse_issued_at;
    let at = |s: u64| Some(UNIX_EPOCH + Duration::from_secs(s));
    let cases: [(&str, Option<SystemTime>); 16] = [
        ("1970-01-01T00:00:00Z", at(0)),
        ("2023-11-14T22:13:20Z", at(1_700_000_000)),
        ("2023-11-14T23:13:20.25+01:00", at(1_700_000_000)),
        ("2023-11-14t21:13:20.123456789123-01:00", at(1_700_000_000)),
        ("2000-02-29T00:00:00z", at(951_782_400)),
        ("2100-02-28T23:59:59Z", at(4_107_542_399)),
        ("", None),
        ("2024-01-31", None),
        ("2024-01-31 12:00:00Z", None),
        ("2023-02-29T00:00:00Z", None),
        ("2024-13-01T00:00:00Z", None),
        ("2024-01-31T24:00:00Z", None),
        ("2024-01-31T12:00:00", None),
        ("2024-01-31T12:00:00.Z", None),
        ("2024-01-31T12:00:00+1:00", None),
        ("2024-1-31T12:00:00Z", None),
    ];
    for (text, want) in cases {
        assert_eq!(parse_issued_at(text), want, "{text:?}");
    }
}

proptest! {
    /// The parser reads back what oras-oci's independent writer writes.
    #[test]
    fn issued_at_reads_what_rfc3339_writes(secs in 0u64..8_000_000_000) {
        let t = UNIX_EPOCH + Duration::from_secs(secs);
        let text = oras_oci::time::format_rfc3339(t);
        prop_assert_eq!(crate::date::parse_issued_at(&text), Some(t), "{}", text);
    }
}

//! The hyper transport through a real proxy (Debian's tinyproxy on loopback), checked
//! from the proxy's own log: plain HTTP forwarded, HTTPS tunnelled with CONNECT, proxy
//! credentials sent and never logged, NO_PROXY hosts reached directly.

use std::sync::{Arc, Mutex};

use oras_auth::{Authenticator, StaticCredentials};
use oras_distribution::{
    Client, ClientConfig, HyperOptions, HyperTransport, PlainHttp, ProxyConfig, Repository,
};
use oras_tests::proxy::{ProxyOptions, Tinyproxy};
use oras_tests::registries;

fn client(options: HyperOptions, plain_http: PlainHttp) -> Client {
    let mut config = ClientConfig::default();
    config.plain_http = plain_http;
    Client::new(
        HyperTransport::with_options(options).unwrap(),
        Authenticator::new(StaticCredentials::new()),
        config,
    )
}

fn work(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("oras-proxy-{name}-{}", std::process::id()))
}

async fn round_trip(repo: &Repository) {
    let data = format!("through a proxy {}", std::process::id()).into_bytes();
    let desc = repo.push_blob_bytes("x/y", data.clone()).await.unwrap();
    assert_eq!(repo.fetch_blob_bytes(&desc).await.unwrap(), data);
}

/// A registry only the proxy reaches (`registry.test` resolves nowhere; tinyproxy routes
/// it to the anonymous registry), with proxy credentials from the proxy URL: a client that
/// connects directly cannot pass, and one without the credentials gets 407.
#[tokio::test]
async fn plain_http_goes_through_the_proxy_with_its_credentials() {
    let registry = &registries().anonymous;
    let proxy = Tinyproxy::start(
        &work("http"),
        &ProxyOptions {
            credentials: Some(("proxy-user".into(), "s3cret-proxy-pw".into())),
            route: Some(("registry.test".into(), registry.addr)),
        },
    );
    let mut options = HyperOptions::default();
    options.proxy = ProxyConfig::Explicit {
        http: Some(proxy.url(Some(("proxy-user", "s3cret-proxy-pw")))),
        https: None,
        all: None,
        no_proxy: None,
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer({
            let log = log.clone();
            move || crate::Captured(log.clone())
        })
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let transport_debug = format!(
        "{:?}",
        HyperTransport::with_options(options.clone()).unwrap()
    );
    let c = client(options, PlainHttp::All);
    let name = format!("registry.test:{}/proxied/app", registry.addr.port());
    let repo = c.repository(&name.parse().unwrap());
    round_trip(&repo).await;
    let requests = proxy.requests();
    let prefix = format!(
        "http://registry.test:{}/v2/proxied/app/blobs/",
        registry.addr.port()
    );
    assert!(
        requests
            .iter()
            .any(|r| r.starts_with(&format!("POST {prefix}uploads/")))
            && requests
                .iter()
                .any(|r| r.starts_with(&format!("GET {prefix}sha256:"))),
        "{requests:#?}\n{}",
        proxy.log()
    );
    let logged = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(
        logged.contains("> Request URL: \"http://registry.test:"),
        "{logged}"
    );
    for shown in [&logged, &transport_debug] {
        assert!(!shown.contains("s3cret-proxy-pw"), "{shown}");
    }

    // Without credentials the proxy answers 407; with wrong ones (tinyproxy's way) 401,
    // which reads as the registry asking for credentials: an error either way, and no
    // secret in it.
    for (credentials, status) in [
        (None, "407 "),
        (Some(("proxy-user", "wrong")), "unauthorized"),
    ] {
        let mut options = HyperOptions::default();
        options.proxy = ProxyConfig::all(proxy.url(credentials), None);
        let err = client(options, PlainHttp::All)
            .repository(&name.parse().unwrap())
            .fetch_blob_bytes(&oras_oci::Descriptor::of("x/y", b"x"))
            .await
            .unwrap_err();
        let report = oras_tests::report(&err);
        assert!(report.contains(status), "{report}");
        assert!(!format!("{report}{err:?}").contains("wrong"), "{report}");
    }
}

/// HTTPS through a CONNECT tunnel: TLS is between the client and the registry, verified
/// against the registry's CA; the proxy only sees the tunnel.
#[tokio::test]
async fn https_is_tunnelled_with_connect() {
    let registry = &registries().tls;
    let proxy = Tinyproxy::start(&work("https"), &ProxyOptions::default());
    let mut options = HyperOptions::default();
    options.ca_files = registry.ca_file.iter().cloned().collect();
    options.proxy = ProxyConfig::Explicit {
        http: None,
        https: Some(proxy.url(None)),
        all: None,
        no_proxy: None,
    };
    let c = client(options, PlainHttp::Never);
    let repo = c.repository(
        &format!("{}/tunnelled/app", registry.host())
            .parse()
            .unwrap(),
    );
    round_trip(&repo).await;
    let requests = proxy.requests();
    assert!(
        requests.contains(&format!("CONNECT {} HTTP/1.1", registry.host())),
        "{requests:#?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/v2/")),
        "the proxy never saw a request inside the tunnel: {requests:#?}"
    );
}

/// Hosts in NO_PROXY are reached directly: the proxy's log stays empty. Domains match
/// their subdomains, addresses their CIDR range, `*` everything.
#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let registry = &registries().anonymous;
    let proxy = Tinyproxy::start(&work("noproxy"), &ProxyOptions::default());
    for no_proxy in ["127.0.0.1", "127.0.0.0/8", "*", "example.com, 127.0.0.1"] {
        let mut options = HyperOptions::default();
        options.proxy = ProxyConfig::all(proxy.url(None), Some(no_proxy.into()));
        let c = client(options, PlainHttp::Localhost);
        round_trip(&c.repository(&format!("{}/direct/app", registry.host()).parse().unwrap()))
            .await;
    }
    assert_eq!(proxy.requests(), Vec::<String>::new(), "{}", proxy.log());
    // Without the exemption the same registry is reached through the proxy.
    let mut options = HyperOptions::default();
    options.proxy = ProxyConfig::all(proxy.url(None), Some("example.com".into()));
    let c = client(options, PlainHttp::Localhost);
    round_trip(&c.repository(&format!("{}/direct/app", registry.host()).parse().unwrap())).await;
    assert!(!proxy.requests().is_empty());
}

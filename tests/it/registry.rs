//! The registry launcher gives real, working registries as configured.

use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use oras_oci::Digest;
use oras_tests::fake::basic;
use oras_tests::{RawResponse, Registry, http1, http1_plain, registries};

fn tls_request(
    r: &Registry,
    roots: rustls::RootCertStore,
    path: &str,
) -> std::io::Result<RawResponse> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1")
        .expect("an IP is a server name")
        .to_owned();
    let conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(std::io::Error::other)?;
    let tcp = TcpStream::connect_timeout(&r.addr, Duration::from_secs(5))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    http1(
        rustls::StreamOwned::new(conn, tcp),
        &r.host(),
        "GET",
        path,
        &[],
        b"",
    )
}

fn ca_roots(r: &Registry) -> rustls::RootCertStore {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    let ca = r.ca_file.as_ref().expect("the TLS registry has a CA");
    for cert in CertificateDer::pem_file_iter(ca).expect("the CA file is readable") {
        roots
            .add(cert.expect("the CA file is PEM"))
            .expect("the CA is a valid trust anchor");
    }
    roots
}

#[test]
fn five_distinct_registries_on_loopback() {
    let regs = registries();
    let ports: std::collections::BTreeSet<u16> = regs.all().iter().map(|r| r.addr.port()).collect();
    assert_eq!(ports.len(), 5);
    for r in regs.all() {
        assert!(
            r.addr.ip().is_loopback(),
            "{} listens on {}",
            r.name,
            r.addr
        );
    }
    // The state file agrees with what this process uses.
    assert_eq!(oras_tests::status().unwrap().as_ref(), Some(regs));
}

#[test]
fn the_stock_registry_refuses_every_delete() {
    let r = &registries().stock;
    let data = b"kept forever";
    let digest = Digest::sha256(data);
    let start = http1_plain(r, "POST", "/v2/stock/check/blobs/uploads/", &[], b"").unwrap();
    assert_eq!(start.status, 202, "{}", r.log());
    let location = start
        .header("location")
        .expect("an upload location")
        .to_owned();
    let path = location
        .split_once("://")
        .map_or(location.as_str(), |(_, rest)| {
            &rest[rest.find('/').unwrap_or(rest.len())..]
        });
    let sep = if path.contains('?') { '&' } else { '?' };
    let put = http1_plain(r, "PUT", &format!("{path}{sep}digest={digest}"), &[], data).unwrap();
    assert_eq!(put.status, 201, "{}", r.log());
    let delete = http1_plain(
        r,
        "DELETE",
        &format!("/v2/stock/check/blobs/{digest}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(delete.status, 405);
    assert!(String::from_utf8_lossy(&delete.body).contains("UNSUPPORTED"));
    let head = http1_plain(
        r,
        "HEAD",
        &format!("/v2/stock/check/blobs/{digest}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(head.status, 200, "still there");
}

#[test]
fn anonymous_registry_answers_the_api_and_stores_blobs() {
    let r = &registries().anonymous;
    let ping = http1_plain(r, "GET", "/v2/", &[], b"").unwrap();
    assert_eq!(ping.status, 200, "{}", r.log());
    assert_eq!(
        ping.header("docker-distribution-api-version"),
        Some("registry/2.0")
    );

    // A monolithic upload through the raw API, then the blob reads back byte for byte.
    let data = b"launcher smoke test blob";
    let digest = Digest::sha256(data);
    let start = http1_plain(r, "POST", "/v2/launcher/smoke/blobs/uploads/", &[], b"").unwrap();
    assert_eq!(start.status, 202);
    let location = start.header("location").unwrap();
    let path = location.strip_prefix(&r.base_url()).unwrap_or(location);
    let sep = if path.contains('?') { '&' } else { '?' };
    let put = http1_plain(
        r,
        "PUT",
        &format!("{path}{sep}digest={digest}"),
        &[("Content-Type", "application/octet-stream")],
        data,
    )
    .unwrap();
    assert_eq!(put.status, 201, "{}", String::from_utf8_lossy(&put.body));
    let get = http1_plain(
        r,
        "GET",
        &format!("/v2/launcher/smoke/blobs/{digest}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(get.status, 200);
    assert_eq!(get.body, data);
}

#[test]
fn basic_registry_requires_the_generated_credentials() {
    let r = &registries().basic;
    let (user, password) = (
        r.username.as_deref().unwrap(),
        r.password.as_deref().unwrap(),
    );
    let anonymous = http1_plain(r, "GET", "/v2/", &[], b"").unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Basic realm=\"oras-test\"")
    );
    let wrong = http1_plain(
        r,
        "GET",
        "/v2/",
        &[("Authorization", &basic(user, "wrong"))],
        b"",
    )
    .unwrap();
    assert_eq!(wrong.status, 401);
    let right = http1_plain(
        r,
        "GET",
        "/v2/",
        &[("Authorization", &basic(user, password))],
        b"",
    )
    .unwrap();
    assert_eq!(right.status, 200, "{}", r.log());
}

#[test]
fn tls_registry_is_trusted_through_the_generated_ca_only() {
    let r = &registries().tls;
    assert_eq!(r.scheme, "https");
    let ok = tls_request(r, ca_roots(r), "/v2/").unwrap();
    assert_eq!(ok.status, 200);
    // Without the CA the handshake fails: the certificate really is from the test CA.
    let err = tls_request(r, rustls::RootCertStore::empty(), "/v2/").unwrap_err();
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
}

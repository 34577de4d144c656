//! The hyper transport against real registries (Debian's docker-registry, distribution
//! 2.8) started on loopback: anonymous, basic auth, TLS with a CA made for the run.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::StatusCode;
use oras_auth::{Authenticator, Credential, StaticCredentials};
use oras_distribution::{
    Body, Client, ClientConfig, ErrorKind, HyperOptions, HyperTransport, Mount, PlainHttp,
    Repository,
};
use oras_oci::pack::{Created, PackOptions, pack_manifest};
use oras_oci::{Descriptor, Manifest, media_type};
use oras_tests::{Registry, registries};

fn client_for(r: &Registry, tweak: impl FnOnce(&mut ClientConfig, &mut HyperOptions)) -> Client {
    let mut options = HyperOptions::default();
    options.ca_files = r.ca_file.iter().cloned().collect();
    let mut config = ClientConfig::default();
    config.plain_http = if r.scheme == "https" {
        PlainHttp::Never
    } else {
        PlainHttp::Localhost
    };
    tweak(&mut config, &mut options);
    let creds = match (&r.username, &r.password) {
        (Some(u), Some(p)) => {
            StaticCredentials::new().with_host(r.host(), Credential::basic(u.clone(), p.clone()))
        }
        _ => StaticCredentials::new(),
    };
    Client::new(
        HyperTransport::with_options(options).unwrap(),
        Authenticator::new(creds),
        config,
    )
}

fn repo(c: &Client, r: &Registry, name: &str) -> Repository {
    c.repository(&format!("{}/{name}", r.host()).parse().unwrap())
}

fn reopenable(bytes: Vec<u8>) -> Body {
    let bytes = Bytes::from(bytes);
    let len = bytes.len() as u64;
    Body::reopenable(Some(len), move || {
        let pieces: Vec<Bytes> = bytes
            .chunks(64 * 1024)
            .map(Bytes::copy_from_slice)
            .collect();
        Ok(Box::pin(Pieces(pieces.into_iter())) as oras_distribution::ByteStream)
    })
    .unwrap()
}

struct Pieces(std::vec::IntoIter<Bytes>);

impl futures_core::Stream for Pieces {
    type Item = Result<Bytes, oras_distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        std::task::Poll::Ready(self.0.next().map(Ok))
    }
}

async fn round_trip(r: &Registry) {
    let c = client_for(r, |_, _| {});
    let chunked = client_for(r, |c, _| c.chunk_size = Some(1 << 20));
    let name = format!("round-trip/{}", r.name);
    let rp = repo(&c, r, &name);
    c.registry(&r.host()).ping().await.unwrap();

    let small = rp
        .push_blob_bytes("text/plain", &b"hello registry"[..])
        .await
        .unwrap();
    let mono = oras_tests::noise(3 << 20, 1);
    let mono_desc = Descriptor::of(media_type::OCI_LAYER, &mono);
    rp.push_blob(&mono_desc, reopenable(mono.clone()))
        .await
        .unwrap();
    // Larger than the chunk size: four PATCHes, the last one short.
    let big = oras_tests::noise((3 << 20) + 12_345, 2);
    let big_desc = Descriptor::of(media_type::OCI_LAYER, &big);
    repo(&chunked, r, &name)
        .push_blob(&big_desc, reopenable(big.clone()))
        .await
        .unwrap();

    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.oras-rs.test".into());
    opts.layers = vec![small.clone(), mono_desc.clone(), big_desc.clone()];
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    for (d, b) in &packed.blobs {
        rp.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
    }
    rp.push_manifest("v1", &packed.manifest).await.unwrap();

    let resolved = rp.resolve("v1").await.unwrap();
    assert_eq!(resolved.digest, *packed.manifest.digest());
    assert_eq!(resolved.media_type, media_type::OCI_MANIFEST);
    let fetched = rp.fetch_manifest("v1").await.unwrap();
    assert_eq!(
        fetched.bytes(),
        packed.manifest.bytes(),
        "the exact bytes come back"
    );
    let by_digest = rp
        .fetch_manifest(packed.manifest.digest().as_str())
        .await
        .unwrap();
    assert_eq!(by_digest.digest(), packed.manifest.digest());
    for (layer, want) in
        fetched
            .as_image()
            .unwrap()
            .layers
            .iter()
            .zip([b"hello registry".to_vec(), mono, big])
    {
        assert_eq!(
            rp.fetch_blob_bytes(layer).await.unwrap(),
            want,
            "{}",
            r.name
        );
    }
    rp.tag("v1", "v1-copy").await.unwrap();
    let mut tags = rp.tags(None).await.unwrap();
    tags.sort();
    assert_eq!(tags, ["v1", "v1-copy"]);
    assert_eq!(
        rp.blob_exists(&big_desc.digest).await.unwrap(),
        Some(big_desc.size)
    );

    rp.delete_manifest(packed.manifest.digest()).await.unwrap();
    let err = rp
        .fetch_manifest(packed.manifest.digest().as_str())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    rp.delete_blob(&small.digest).await.unwrap();
    assert_eq!(rp.blob_exists(&small.digest).await.unwrap(), None);
}

#[tokio::test]
async fn round_trip_on_the_anonymous_registry() {
    round_trip(&registries().anonymous).await;
}

#[tokio::test]
async fn round_trip_on_the_basic_auth_registry() {
    round_trip(&registries().basic).await;
}

#[tokio::test]
async fn round_trip_on_the_tls_registry() {
    round_trip(&registries().tls).await;
}

#[tokio::test]
async fn tags_paginate_over_260_tags() {
    let r = &registries().anonymous;
    let c = client_for(r, |_, _| {});
    let rp = repo(&c, r, "pagination/many-tags");
    let mut opts = PackOptions::default();
    opts.artifact_type = Some("application/vnd.oras-rs.test".into());
    opts.created = Created::Omit;
    let packed = pack_manifest(opts).unwrap();
    for (d, b) in &packed.blobs {
        rp.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
    }
    let mut want: Vec<String> = (0..260).map(|i| format!("t{i:03}")).collect();
    for t in &want {
        rp.push_manifest(t, &packed.manifest).await.unwrap();
    }
    let mut got = rp.tags(Some(100)).await.unwrap();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[tokio::test]
async fn blobs_mount_across_repositories() {
    let r = &registries().basic;
    let c = client_for(r, |_, _| {});
    let src = repo(&c, r, "mount/source");
    let desc = src
        .push_blob_bytes("x/y", oras_tests::noise(10_000, 3))
        .await
        .unwrap();
    let dst = repo(&c, r, "mount/destination");
    let outcome = dst.mount_blob(&desc, "mount/source").await.unwrap();
    assert!(matches!(outcome, Mount::Mounted), "{outcome:?}");
    assert_eq!(dst.blob_exists(&desc.digest).await.unwrap(), Some(10_000));
}

#[tokio::test]
async fn wrong_credentials_are_a_clear_error() {
    let r = &registries().basic;
    let transport = HyperTransport::new().unwrap();
    let creds = StaticCredentials::new()
        .with_host(r.host(), Credential::basic("oras-test", "definitely-wrong"));
    let c = Client::new(
        transport,
        Authenticator::new(creds),
        ClientConfig::default(),
    );
    let err = repo(&c, r, "x").fetch_manifest("v1").await.unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(
        oras_tests::report(&err).contains(&format!(
            "{} rejected the username \"oras-test\" and password",
            r.host()
        )),
        "{err}"
    );
    assert!(!format!("{err} {err:?}").contains("definitely-wrong"));

    let anonymous = Client::new(
        HyperTransport::new().unwrap(),
        Authenticator::new(StaticCredentials::new()),
        ClientConfig::default(),
    );
    let err = repo(&anonymous, r, "x")
        .fetch_manifest("v1")
        .await
        .unwrap_err();
    // The advice to run `oras login` is the CLI's (its e2e suite checks it); the error
    // says what happened.
    assert!(
        oras_tests::report(&err)
            .contains(&format!("unauthorized: {} requires credentials", r.host())),
        "{err}"
    );
}

#[tokio::test]
async fn tls_is_verified_unless_the_host_is_named_insecure() {
    let r = &registries().tls;
    let untrusting = client_for(r, |_, o| o.ca_files.clear());
    let err = untrusting.registry(&r.host()).ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(oras_tests::report(&err).contains("certificate"), "{err}");
    assert!(
        !err.is_retryable(),
        "a certificate problem is not retried: {err:?}"
    );

    let insecure = client_for(r, |_, o| {
        o.ca_files.clear();
        o.insecure_hosts = vec![r.host()];
    });
    insecure.registry(&r.host()).ping().await.unwrap();

    let other_insecure = client_for(r, |_, o| {
        o.ca_files.clear();
        o.insecure_hosts = vec!["127.0.0.2".into()];
    });
    assert!(
        other_insecure.registry(&r.host()).ping().await.is_err(),
        "only the named host skips verification"
    );
}

#[tokio::test]
async fn referrers_by_tag_schema_on_distribution_2_8() {
    let r = &registries().anonymous;
    let c = client_for(r, |_, _| {});
    let rp = repo(&c, r, "referrers/app");
    let push = |subject: Option<Descriptor>, artifact_type: &'static str| {
        let rp = rp.clone();
        async move {
            let mut opts = PackOptions::default();
            opts.artifact_type = Some(artifact_type.into());
            opts.subject = subject;
            let packed = pack_manifest(opts).unwrap();
            for (d, b) in &packed.blobs {
                rp.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
            }
            rp.push_manifest(packed.manifest.digest().as_str(), &packed.manifest)
                .await
                .unwrap();
            packed.manifest
        }
    };
    let subject = push(None, "application/vnd.subject").await.descriptor();
    let sig = push(Some(subject.clone()), "application/vnd.sig").await;
    let sbom = push(Some(subject.clone()), "application/vnd.sbom").await;
    assert_eq!(
        rp.referrers_api(),
        Some(false),
        "distribution 2.8 has no referrers API"
    );
    let all: Vec<_> = rp
        .referrers(&subject.digest, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert_eq!(all, [sig.digest().clone(), sbom.digest().clone()]);
    let sigs = rp
        .referrers(&subject.digest, Some("application/vnd.sig"))
        .await
        .unwrap();
    assert_eq!(sigs.len(), 1);
    rp.delete_manifest(sig.digest()).await.unwrap();
    let left: Vec<_> = rp
        .referrers(&subject.digest, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert_eq!(left, [sbom.digest().clone()]);
}

/// A manifest pushed under its digest: the subject, or a referrer of `subject`.
async fn push_artifact(
    rp: &Repository,
    subject: Option<Descriptor>,
    artifact_type: &str,
) -> Manifest {
    let mut opts = PackOptions::default();
    opts.artifact_type = Some(artifact_type.into());
    opts.subject = subject;
    let packed = pack_manifest(opts).unwrap();
    for (d, b) in &packed.blobs {
        rp.push_blob(d, Body::from_bytes(b.clone())).await.unwrap();
    }
    rp.push_manifest(packed.manifest.digest(), &packed.manifest)
        .await
        .unwrap();
    packed.manifest
}

/// distribution's stock configuration refuses every DELETE. Referrers pushed there still
/// work: each superseded index that cannot be deleted is a warning, never a failure; and
/// a manifest delete is refused before anything changed.
#[tokio::test]
async fn referrers_on_a_registry_that_refuses_delete() {
    let r = &registries().stock;
    let warnings = Arc::new(Mutex::new(Vec::new()));
    let sink = warnings.clone();
    // The library's default: delete superseded indexes (and be refused).
    let c = client_for(r, |config, _| {
        assert!(config.referrers_gc, "the library's default");
        config.on_warning = Some(Arc::new(move |_: &str, text: &str| {
            sink.lock().unwrap().push(text.to_owned());
        }));
    });
    let name = format!("stock/referrers-{}", std::process::id());
    let rp = repo(&c, r, &name);
    let subject = push_artifact(&rp, None, "application/vnd.subject")
        .await
        .descriptor();
    let sig = push_artifact(&rp, Some(subject.clone()), "application/vnd.sig").await;
    let sbom = push_artifact(&rp, Some(subject.clone()), "application/vnd.sbom").await;
    let listed: Vec<_> = rp
        .referrers(&subject.digest, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.digest)
        .collect();
    assert_eq!(listed, [sig.digest().clone(), sbom.digest().clone()]);
    let said = warnings.lock().unwrap().clone();
    assert_eq!(
        said.len(),
        1,
        "the first index, replaced by the second: {said:?}"
    );
    assert!(
        said[0].contains("is still there: the registry refused to delete it (405"),
        "{said:?}"
    );

    // Deleting a referrer is refused, and the index still lists it.
    let err = rp.delete_manifest(sig.digest()).await.unwrap_err();
    assert!(err.is_unsupported() && err.is_refused(), "{err}");
    assert_eq!(err.status(), Some(StatusCode::METHOD_NOT_ALLOWED));
    assert_eq!(
        rp.referrers(&subject.digest, None).await.unwrap().len(),
        2,
        "nothing changed"
    );
}

/// With superseded indexes kept (the CLI's default), removing the last referrer leaves the
/// referrers tag on an empty index, never on the old list.
#[tokio::test]
async fn removing_the_last_referrer_leaves_no_stale_list() {
    let r = &registries().anonymous;
    let c = client_for(r, |config, _| config.referrers_gc = false);
    let name = format!("referrers/last-{}", std::process::id());
    let rp = repo(&c, r, &name);
    let subject = push_artifact(&rp, None, "application/vnd.subject")
        .await
        .descriptor();
    let sig = push_artifact(&rp, Some(subject.clone()), "application/vnd.sig").await;
    let first_index = rp
        .resolve(oras_distribution::referrers_tag(&subject.digest).as_str())
        .await
        .unwrap();
    rp.delete_manifest(sig.digest()).await.unwrap();
    assert_eq!(rp.referrers(&subject.digest, None).await.unwrap(), []);
    let tag = oras_distribution::referrers_tag(&subject.digest);
    let index = rp.fetch_manifest(tag.as_str()).await.unwrap();
    assert_eq!(
        index.as_index().map(|i| i.manifests.len()),
        Some(0),
        "an empty index"
    );
    assert!(
        rp.resolve(&first_index.digest).await.is_ok(),
        "the superseded index was kept, as asked"
    );
}

#[tokio::test]
async fn catalog_pages_list_repositories() {
    let r = &registries().anonymous;
    let c = client_for(r, |_, _| {});
    for name in ["catalog/one", "catalog/two", "catalog/three"] {
        repo(&c, r, name)
            .push_blob_bytes("x/y", name.as_bytes().to_vec())
            .await
            .unwrap();
    }
    let all = c.registry(&r.host()).catalog(Some(2)).await.unwrap();
    for name in ["catalog/one", "catalog/two", "catalog/three"] {
        assert!(all.iter().any(|n| n == name), "{name} in {all:?}");
    }
}

#[tokio::test]
async fn the_tls_registry_is_spoken_to_over_http2() {
    use oras_distribution::Transport;
    let r = &registries().tls;
    let mut options = HyperOptions::default();
    options.ca_files = r.ca_file.iter().cloned().collect();
    let transport = HyperTransport::with_options(options).unwrap();
    let req = http::Request::get(format!("{}/v2/", r.base_url()))
        .body(Body::empty())
        .unwrap();
    let resp = transport.send(req).await.unwrap();
    assert_eq!(resp.status(), http::StatusCode::OK);
    assert_eq!(resp.version(), http::Version::HTTP_2, "ALPN chose h2");
}

#[tokio::test]
async fn client_certificates_open_a_registry_that_requires_them() {
    let r = &registries().mtls;
    let with_cert = client_for(r, |_, o| o.client_cert = r.client_cert.clone());
    with_cert.registry(&r.host()).ping().await.unwrap();
    let without = client_for(r, |_, _| {});
    let err = without.registry(&r.host()).ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

//! Faults at a steady rate: a batch of pushes, pulls and copies (dozens of artifacts, two
//! over 100 MiB, concurrently) completes, and every byte pulled is what was pushed.

use std::sync::Arc;
use std::time::Duration;

use oras_artifact::auth::{Authenticator, StaticCredentials};
use oras_artifact::distribution::{Body, Client, ClientConfig, HyperTransport};
use oras_artifact::prelude::*;
use oras_artifact::progress::Event;
use oras_artifact::{CopyOptions, FileSpec, PullOptions, PushOptions, Remote, copy, pull, push};
use oras_tests::fake::{FakeAuth, FakeRegistry};
use oras_tests::faults::Fault;
use oras_tests::server::FakeServer;

use crate::TempDir;

/// One client per registry, shared by every task (cheap clones of one `Client`).
fn shared_client() -> Client {
    let mut config = ClientConfig::default();
    config.retry.initial_backoff = Duration::from_millis(5);
    config.retry.max_backoff = Duration::from_millis(50);
    Client::new(
        HyperTransport::new().unwrap(),
        Authenticator::new(StaticCredentials::new()),
        config,
    )
}

fn remote_with(client: &Client, server: &FakeServer, repo: &str) -> Remote {
    Remote::new(client.repository(&format!("{}/{repo}", server.host()).parse().unwrap()))
}

fn remote(server: &FakeServer, repo: &str) -> Remote {
    remote_with(&shared_client(), server, repo)
}

fn write_file(path: &std::path::Path, size: usize, seed: u64) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut x = seed | 1;
    let mut block = vec![0u8; 64 * 1024];
    let mut left = size;
    while left > 0 {
        for chunk in block.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
        }
        let n = left.min(block.len());
        f.write_all(&block[..n]).unwrap();
        left -= n;
    }
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::io::Read;
    let (mut fa, mut fb) = (
        std::fs::File::open(a).unwrap(),
        std::fs::File::open(b).unwrap(),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let na = fa.read(&mut ba).unwrap();
        let mut nb = 0;
        while nb < na {
            let n = fb.read(&mut bb[nb..na]).unwrap();
            if n == 0 {
                return false;
            }
            nb += n;
        }
        if na == 0 {
            return fb.read(&mut bb).unwrap() == 0;
        }
        if ba[..na] != bb[..na] {
            return false;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_survives_faults_at_a_steady_rate() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let second = FakeServer::start(FakeRegistry::new(FakeAuth::None));
    // 24 artifacts: two of 110 MiB, the rest between 1 KiB and 1 MiB.
    let sizes: Vec<usize> = (0..24)
        .map(|i| {
            if i < 2 {
                110 << 20
            } else {
                1024 * (1 + i * 37 % 1024)
            }
        })
        .collect();
    for (i, size) in sizes.iter().enumerate() {
        write_file(&work.join(&format!("in{i}")), *size, i as u64 + 1);
    }
    server.inject_every(5);
    second.inject_every(5);
    let (one, two) = (shared_client(), shared_client());

    let pushes: Vec<_> = (0..sizes.len())
        .map(|i| {
            let target = remote_with(&one, &server, &format!("batch/a{i}"));
            let file = work.join(&format!("in{i}"));
            tokio::spawn(async move {
                let mut o = PushOptions::default();
                o.artifact_type = Some("application/vnd.batch".into());
                o.tags = vec!["v1".into()];
                push(&target, &[FileSpec::named(file, "data.bin")], &o)
                    .await
                    .map(|p| p.manifest)
            })
        })
        .collect();
    let mut manifests = Vec::new();
    for p in pushes {
        manifests.push(p.await.unwrap().unwrap());
    }

    // Pull every artifact, and copy every one to a second registry, at once.
    let mut jobs = Vec::new();
    for i in 0..sizes.len() {
        let (src, out) = (
            remote_with(&one, &server, &format!("batch/a{i}")),
            work.join(&format!("out{i}")),
        );
        jobs.push(tokio::spawn(async move {
            pull(&src, "v1", &out, &PullOptions::default())
                .await
                .map(drop)
        }));
        let (src, dst) = (
            remote_with(&one, &server, &format!("batch/a{i}")),
            remote_with(&two, &second, &format!("copy/a{i}")),
        );
        jobs.push(tokio::spawn(async move {
            copy(&src, "v1", &dst, Some("v1"), &CopyOptions::default())
                .await
                .map(drop)
        }));
    }
    for j in jobs {
        j.await.unwrap().unwrap();
    }
    // Pull the copies back from the second registry.
    let pulls: Vec<_> = (0..sizes.len())
        .map(|i| {
            let (dst, out) = (
                remote_with(&two, &second, &format!("copy/a{i}")),
                work.join(&format!("copied{i}")),
            );
            tokio::spawn(async move {
                pull(&dst, "v1", &out, &PullOptions::default())
                    .await
                    .map(drop)
            })
        })
        .collect();
    for p in pulls {
        p.await.unwrap().unwrap();
    }
    let injected = server.injected() + second.injected();
    let requests = server.requests() + second.requests();
    server.stop_injecting();
    second.stop_injecting();
    for (i, m) in manifests.iter().enumerate() {
        let input = work.join(&format!("in{i}"));
        assert!(
            same_file(&input, &work.join(&format!("out{i}/data.bin"))),
            "artifact {i} pulled intact"
        );
        assert!(
            same_file(&input, &work.join(&format!("copied{i}/data.bin"))),
            "artifact {i} copied intact"
        );
        assert_eq!(
            &remote_with(&two, &second, &format!("copy/a{i}"))
                .resolve(&"v1".parse().unwrap())
                .await
                .unwrap(),
            m
        );
    }
    println!("faults injected and survived: {injected} of {requests} requests");
    assert!(
        injected >= requests / 5 - 1 && injected > 20,
        "{injected} faults in {requests} requests"
    );
}

#[tokio::test]
async fn an_interrupted_push_can_be_run_again() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "interrupted/app");
    for i in 0..4 {
        write_file(&work.join(&format!("f{i}")), 200_000, i + 10);
    }
    let files: Vec<FileSpec> = (0..4)
        .map(|i| FileSpec::named(work.join(&format!("f{i}")), format!("f{i}")))
        .collect();
    let started = Arc::new(tokio::sync::Notify::new());
    let signal = started.clone();
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.test".into());
    o.tags = vec!["v1".into()];
    o.concurrency = 1;
    o.observer = Some(Arc::new(move |e: Event<'_>| {
        if let Event::Finished(_) = e {
            signal.notify_one();
        }
    }));
    // Cancel the push once its first blob is uploaded.
    tokio::select! {
        r = push(&target, &files, &o) => panic!("the push was to be interrupted: {r:?}"),
        () = started.notified() => {}
    }
    assert!(
        target
            .resolve(&"v1".parse().unwrap())
            .await
            .unwrap_err()
            .is_not_found(),
        "no manifest yet"
    );
    o.observer = None;
    let pushed = push(&target, &files, &o).await.unwrap();
    let out = work.join("out");
    pull(&target, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    for i in 0..4 {
        assert!(same_file(
            &work.join(&format!("f{i}")),
            &out.join(format!("f{i}"))
        ));
    }
    assert_eq!(
        target.resolve(&"v1".parse().unwrap()).await.unwrap(),
        pushed.manifest
    );
}

/// Pushes `file` as `tag` and returns the layer, recording which progress events its layer
/// got: (started, skipped, finished, largest byte count).
async fn push_recording(
    target: &Remote,
    file: &std::path::Path,
    tag: &str,
) -> (oras_artifact::oci::Descriptor, (bool, bool, bool, u64)) {
    let seen = Arc::new(std::sync::Mutex::new((false, false, false, 0u64)));
    let record = seen.clone();
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.test".into());
    o.tags = vec![tag.into()];
    o.observer = Some(Arc::new(move |e: Event<'_>| {
        let mut s = record.lock().unwrap();
        match e {
            Event::Started(d) if d.size > 1024 => s.0 = true,
            Event::Skipped(d) if d.size > 1024 => s.1 = true,
            Event::Finished(d) if d.size > 1024 => s.2 = true,
            Event::Bytes(_, n) => s.3 = s.3.max(n),
            _ => {}
        }
    }));
    let pushed = push(target, &[FileSpec::named(file, "big.bin")], &o)
        .await
        .unwrap();
    let events = *seen.lock().unwrap();
    (pushed.layers[0].clone(), events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_is_uploaded_while_it_is_hashed() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "overlap/app");
    let file = work.join("big");
    let size = 70usize << 20;
    write_file(&file, size, 7);

    let (layer, (started, skipped, finished, bytes)) = push_recording(&target, &file, "v1").await;
    let seen = registry.seen();
    let patches: Vec<_> = seen.iter().filter(|s| s.method == "PATCH").collect();
    assert_eq!(patches.len(), 1, "one PATCH carries the file: {seen:?}");
    assert_eq!(patches[0].status, 202);
    let commit = seen
        .iter()
        .find(|s| s.method == "PUT" && s.path.contains(&format!("digest={}", layer.digest)))
        .expect("the session is committed under the digest hashed meanwhile");
    assert_eq!(commit.status, 201);
    assert_eq!(layer.size, size as u64);
    assert!(started && finished && !skipped);
    assert_eq!(bytes, size as u64, "progress counts every byte");
    assert_eq!(registry.open_uploads(), 0);
    let out = work.join("out");
    pull(&target, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert!(same_file(&file, &out.join("big.bin")));

    // Pushed again: the registry has the blob, so the session opened while hashing is
    // abandoned and nothing is committed.
    registry.clear_seen();
    let (again, (started, skipped, _, _)) = push_recording(&target, &file, "v2").await;
    assert_eq!(again, layer);
    assert!(skipped && !started);
    let seen = registry.seen();
    let layer_digest = format!("digest={}", layer.digest);
    assert!(
        !seen
            .iter()
            .any(|s| s.method == "PUT" && s.path.contains(&layer_digest)),
        "{seen:?}"
    );
    assert!(
        seen.iter().any(|s| s.method == "DELETE" && s.status == 204),
        "{seen:?}"
    );
    assert_eq!(registry.open_uploads(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_between_registries_streams_a_blob_in_one_put_and_rereads_the_source_to_retry() {
    let work = TempDir::new();
    let (src_registry, dst_registry) = (
        FakeRegistry::new(FakeAuth::None),
        FakeRegistry::new(FakeAuth::None),
    );
    let (src_server, dst_server) = (
        FakeServer::start(src_registry.clone()),
        FakeServer::start(dst_registry.clone()),
    );
    let src = remote(&src_server, "copy/src");
    let dst = remote(&dst_server, "copy/dst");
    let file = work.join("blob");
    // Above the sizes a one-shot body would be buffered (4 MiB) or chunked (8 MiB) at.
    write_file(&file, 20 << 20, 11);
    let (layer, _) = push_recording(&src, &file, "v1").await;

    // The destination has the (empty) config already, so the one blob upload is the
    // layer's, and its first PUT loses its connection.
    dst.repository()
        .push_blob_bytes("application/vnd.oci.empty.v1+json", &b"{}"[..])
        .await
        .unwrap();
    dst_server.fault("PUT /v2/copy/dst/blobs/uploads/", Fault::Reset);
    src_registry.clear_seen();
    copy(&src, "v1", &dst, Some("v1"), &CopyOptions::default())
        .await
        .unwrap();
    assert_eq!(dst_server.pending_faults(), 0, "the PUT met the fault");

    let blob_path = format!("/blobs/{}", layer.digest);
    let reads = src_registry
        .seen()
        .iter()
        .filter(|s| s.method == "GET" && s.path.ends_with(&blob_path))
        .count();
    assert_eq!(reads, 2, "the retry read the blob from the source again");
    let seen = dst_registry.seen();
    assert!(
        !seen.iter().any(|s| s.method == "PATCH"),
        "no chunks: the blob went up in one PUT: {seen:?}"
    );
    let layer_digest = format!("digest={}", layer.digest);
    assert_eq!(
        seen.iter()
            .filter(|s| s.method == "PUT" && s.path.contains(&layer_digest) && s.status == 201)
            .count(),
        1
    );
    let out = work.join("out");
    pull(&dst, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert!(same_file(&file, &out.join("big.bin")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_overlapped_upload_falls_back_to_the_ordinary_one() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "overlap/fallback");
    let file = work.join("big");
    write_file(&file, 65 << 20, 9);
    server.fault(
        "PATCH /v2/overlap/fallback/blobs/uploads/",
        Fault::Status(
            400,
            vec![],
            br#"{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"refused"}]}"#.to_vec(),
        ),
    );
    let (layer, (_, _, finished, _)) = push_recording(&target, &file, "v1").await;
    assert_eq!(server.pending_faults(), 0, "the PATCH met the fault");
    assert!(finished);
    assert!(registry.has_blob(layer.digest.as_ref()));
    assert_eq!(
        registry.open_uploads(),
        0,
        "the refused session was abandoned"
    );
    let out = work.join("out");
    pull(&target, "v1", &out, &PullOptions::default())
        .await
        .unwrap();
    assert!(same_file(&file, &out.join("big.bin")));
}

#[tokio::test]
async fn a_pull_from_a_registry_never_writes_corrupt_bytes() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    // Small blobs are hashed as they arrive, larger ones on a thread of their own: both
    // refuse what is wrong.
    for (name, size) in [("a", 300_000), ("b", 3 << 20)] {
        let target = remote(&server, &format!("corrupt/{name}"));
        let file = work.join(name);
        write_file(&file, size, 3);
        let data = std::fs::read(&file).unwrap();
        let mut o = PushOptions::default();
        o.artifact_type = Some("application/vnd.test".into());
        o.tags = vec!["v1".into()];
        push(&target, &[FileSpec::named(&file, "a.bin")], &o)
            .await
            .unwrap();
        let mut longer = data.clone();
        longer.extend_from_slice(b"one byte too many");
        let faults = [
            ("flipped", Fault::Corrupt),
            ("extended", Fault::Status(200, Vec::new(), longer)),
        ];
        for (what, fault) in faults {
            server.fault(&format!("GET /v2/corrupt/{name}/blobs/"), fault);
            let out = work.join(what);
            let err = pull(&target, "v1", &out, &PullOptions::default())
                .await
                .expect_err(what);
            let err = oras_tests::report(&err);
            assert_eq!(server.pending_faults(), 0, "{what}: the fault was met");
            assert!(
                err.contains("digest") || err.contains("size") || err.contains("bytes"),
                "{name} {what}: {err}"
            );
            assert!(
                !out.exists(),
                "{name} {what}: nothing is written, not even the output directory"
            );
        }
    }
    // Only the source files: no output directory, no staging left.
    let mut leftovers: Vec<_> = std::fs::read_dir(work.join("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    leftovers.sort();
    assert_eq!(leftovers, ["a", "b"]);
}

/// What one blob's progress events were: queued, started, skipped, finished, most bytes.
type BlobEvents = Arc<std::sync::Mutex<(bool, bool, bool, bool, u64)>>;

/// Records the progress events of one blob.
fn blob_events() -> (BlobEvents, Arc<dyn oras_artifact::progress::Observer>) {
    let seen = Arc::new(std::sync::Mutex::new((false, false, false, false, 0u64)));
    let record = seen.clone();
    let observer = Arc::new(move |e: Event<'_>| {
        let mut s = record.lock().unwrap();
        match e {
            Event::Queued(_) => s.0 = true,
            Event::Started(_) => s.1 = true,
            Event::Skipped(_) => s.2 = true,
            Event::Finished(_) => s.3 = true,
            Event::Bytes(_, n) => s.4 = s.4.max(n),
            _ => {}
        }
    });
    (seen, observer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_file_is_hashed_while_it_goes_up_and_a_stream_with_its_digest_goes_in_one_request() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "blobs/app");
    let file = work.join("big");
    let size = 70u64 << 20;
    write_file(&file, size as usize, 21);
    let expected = oras_artifact::describe_file(&file, "application/vnd.test.blob")
        .await
        .unwrap();

    let (seen, observer) = blob_events();
    let desc = oras_artifact::hash_and_push_file(
        &target,
        &file,
        "application/vnd.test.blob",
        Some(observer),
    )
    .await
    .unwrap();
    assert_eq!(desc, expected);
    assert_eq!(*seen.lock().unwrap(), (true, true, false, true, size));
    let requests = registry.seen();
    let methods: Vec<&str> = requests.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(
        methods.iter().filter(|m| **m == "PATCH").count(),
        1,
        "one PATCH carries the file while it is hashed: {requests:?}"
    );
    assert!(
        requests.iter().any(|s| s.method == "PUT"
            && s.path.contains(&format!("digest={}", desc.digest))
            && s.status == 201),
        "{requests:?}"
    );
    assert!(registry.has_blob(desc.digest.as_ref()));

    // Again: the blob is there once the hash is known, so nothing is committed.
    registry.clear_seen();
    let (seen, observer) = blob_events();
    let again = oras_artifact::hash_and_push_file(
        &target,
        &file,
        "application/vnd.test.blob",
        Some(observer),
    )
    .await
    .unwrap();
    assert_eq!(again, expected);
    assert!(seen.lock().unwrap().2, "skipped");
    assert!(!registry.seen().iter().any(|s| s.method == "PUT"));
    assert_eq!(registry.open_uploads(), 0);

    // A stream with its digest given: one streamed request, not a PATCH per 8 MiB.
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let other = remote(&server, "blobs/other");
    let stream = Body::from_bytes(std::fs::read(&file).unwrap()).into_stream();
    let pushed = oras_artifact::push_stream(
        &other,
        "application/vnd.test.blob",
        size,
        Some(expected.digest.clone()),
        stream,
        None,
    )
    .await
    .unwrap();
    assert_eq!(pushed.digest, expected.digest);
    let requests = registry.seen();
    assert_eq!(
        requests.iter().filter(|s| s.method == "PATCH").count(),
        1,
        "{requests:?}"
    );

    // A wrong digest given with the stream: refused, nothing stored.
    let wrong = oras_artifact::oci::Digest::parse(&format!("sha256:{}", "ab".repeat(32))).unwrap();
    let stream = Body::from_bytes(std::fs::read(&file).unwrap()).into_stream();
    let err = oras_artifact::push_stream(
        &remote(&server, "blobs/wrong"),
        "application/vnd.test.blob",
        size,
        Some(wrong.clone()),
        stream,
        None,
    )
    .await
    .expect_err("the registry checks the digest");
    assert!(
        oras_tests::report(&err).contains("digest"),
        "{}",
        oras_tests::report(&err)
    );
    assert!(!registry.has_blob(wrong.as_ref()));
}

#[tokio::test]
async fn a_manifest_refused_for_a_lost_blob_is_sent_again_a_bounded_number_of_times() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "lost/app");
    let file = work.join("f");
    write_file(&file, 10_000, 5);
    let lost = || {
        Fault::Status(
            400,
            vec![("content-type".into(), "application/json".into())],
            br#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry"}]}"#
                .to_vec(),
        )
    };
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.test".into());
    o.tags = vec!["v1".into()];
    // Refused three times, then accepted: the push completes.
    for _ in 0..3 {
        server.fault("PUT /v2/lost/app/manifests/", lost());
    }
    let pushed = push(&target, &[FileSpec::named(&file, "f")], &o)
        .await
        .unwrap();
    assert_eq!(server.pending_faults(), 0);
    assert_eq!(
        target.resolve(&"v1".parse().unwrap()).await.unwrap(),
        pushed.manifest
    );
    // Refused every time: the push ends with the registry's error after four attempts.
    for _ in 0..5 {
        server.fault("PUT /v2/lost/app/manifests/", lost());
    }
    o.tags = vec!["v2".into()];
    let err = push(&target, &[FileSpec::named(&file, "f")], &o)
        .await
        .unwrap_err();
    assert!(
        oras_tests::report(&err).contains("MANIFEST_BLOB_UNKNOWN"),
        "{err}"
    );
    assert_eq!(server.pending_faults(), 1, "four attempts, not more");

    // A refusal that names the blob is believed over a HEAD that finds it: the named
    // blob is uploaded again before the manifest is resent. (The refusal left over above
    // comes first; it names nothing, so nothing is uploaded after it.)
    let layer = &pushed.layers[0];
    let named = format!(
        r#"{{"errors":[{{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown","detail":"{}"}}]}}"#,
        layer.digest
    );
    server.fault(
        "PUT /v2/lost/app/manifests/",
        Fault::Status(
            400,
            vec![("content-type".into(), "application/json".into())],
            named.into_bytes(),
        ),
    );
    assert!(registry.has_blob(layer.digest.as_ref()));
    registry.clear_seen();
    o.tags = vec!["v3".into()];
    push(&target, &[FileSpec::named(&file, "f")], &o)
        .await
        .unwrap();
    let layer_commit = format!("digest={}", layer.digest);
    let commits = registry
        .seen()
        .iter()
        .filter(|s| s.method == "PUT" && s.path.contains(&layer_commit) && s.status == 201)
        .count();
    assert_eq!(
        commits, 1,
        "the named layer was uploaded again after the refusal"
    );
    assert_eq!(server.pending_faults(), 0);

    // Tagging is a manifest PUT too: a tag refused the same way is sent again.
    server.fault("PUT /v2/lost/app/manifests/v4", lost());
    o.tags = vec!["v4".into()];
    let again = push(&target, &[FileSpec::named(&file, "f")], &o)
        .await
        .unwrap();
    assert_eq!(server.pending_faults(), 0, "the tag PUT met the refusal");
    assert_eq!(
        target.resolve(&"v4".parse().unwrap()).await.unwrap(),
        again.manifest
    );

    // So is the tag a copy puts on its destination.
    let mirror = remote(&server, "lost/mirror");
    server.fault("PUT /v2/lost/mirror/manifests/m1", lost());
    let root = copy(&target, "v4", &mirror, Some("m1"), &CopyOptions::default())
        .await
        .unwrap();
    assert_eq!(
        server.pending_faults(),
        0,
        "the copy's tag PUT met the refusal"
    );
    assert_eq!(mirror.resolve(&"m1".parse().unwrap()).await.unwrap(), root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blob_streamed_into_a_writer_is_checked_on_the_hashing_thread() {
    let work = TempDir::new();
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let target = remote(&server, "blobs/fetched");
    let file = work.join("blob");
    write_file(&file, 5 << 20, 23);
    let desc = oras_artifact::describe_file(&file, "application/octet-stream")
        .await
        .unwrap();
    oras_artifact::push_file(&target, &desc, &file, None)
        .await
        .unwrap();

    let mut out = Vec::new();
    oras_artifact::fetch_to_writer(&target, &desc, &mut out, None)
        .await
        .unwrap();
    assert!(out == std::fs::read(&file).unwrap(), "every byte, in order");

    server.fault("GET /v2/blobs/fetched/blobs/", Fault::Corrupt);
    let mut out = Vec::new();
    let err = oras_artifact::fetch_to_writer(&target, &desc, &mut out, None)
        .await
        .expect_err("a flipped byte is caught");
    assert_eq!(server.pending_faults(), 0);
    assert!(
        oras_tests::report(&err).contains("digest"),
        "{}",
        oras_tests::report(&err)
    );
}

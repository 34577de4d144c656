//! The world as users meet it: proxies, a registry in its stock configuration (DELETE
//! refused), TLS, several processes at one layout, debug logs without secrets, and
//! processes killed part-way.

use std::path::Path;
use std::process::Command;

use oras_tests::registries;
use serde_json::Value;

use crate::{Work, reference, unique};

/// Behind a proxy, from the environment as users set it: `http_proxy` (lower case) with
/// credentials to a registry only the proxy reaches, `HTTPS_PROXY` tunnelling to the TLS
/// registry, `NO_PROXY` by suffix, CIDR and `*` going direct; the proxy's log says what
/// went through it, and `-d` never shows the proxy's password.
#[test]
fn proxies_from_the_environment() {
    use oras_tests::proxy::{ProxyOptions, Tinyproxy};
    let anonymous = &registries().anonymous;
    let w = Work::new();
    let proxy = Tinyproxy::start(
        &w.path("proxy"),
        &ProxyOptions {
            credentials: Some(("corp".into(), "pr0xy-pa55".into())),
            route: Some(("registry.test".into(), anonymous.addr)),
        },
    );
    let proxy_url = proxy.url(Some(("corp", "pr0xy-pa55")));
    let name = unique("cli/proxied");
    let hidden = format!("registry.test:{}/{name}", anonymous.addr.port());
    let api = format!("http://registry.test:{}/v2/{name}", anonymous.addr.port());
    let env = [("http_proxy", proxy_url.as_str())];
    let out = w.run_env(
        &[
            "-d",
            "push",
            "--plain-http",
            &format!("{hidden}:v1"),
            "hello.txt",
        ],
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("pr0xy-pa55"));
    let out = w.run_env(
        &[
            "pull",
            "--plain-http",
            &format!("{hidden}:v1"),
            "-o",
            "via-proxy",
        ],
        &env,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(w.path("via-proxy/hello.txt")).unwrap(),
        "hello world"
    );
    let through = proxy.requests();
    assert!(
        through
            .iter()
            .any(|r| r.starts_with(&format!("PUT {api}/manifests/v1 ")))
            && through
                .iter()
                .any(|r| r.starts_with(&format!("HEAD {api}/manifests/v1 "))),
        "{through:#?}"
    );
    // Suffix in NO_PROXY: the name is tried directly, and resolves nowhere.
    let direct = w.run_env(
        &["resolve", "--plain-http", &format!("{hidden}:v1")],
        &[("HTTP_PROXY", proxy_url.as_str()), ("NO_PROXY", ".test")],
    );
    assert_eq!(
        direct.status.code(),
        Some(1),
        "went direct, so it cannot resolve the name"
    );

    // HTTPS through CONNECT.
    let tls = &registries().tls;
    let ca = tls.ca_file.as_ref().unwrap().to_str().unwrap();
    let secure = reference(tls, &unique("cli/tunnelled"));
    let out = w.run_env(
        &[
            "push",
            "--ca-file",
            ca,
            &format!("{secure}:v1"),
            "hello.txt",
        ],
        &[("HTTPS_PROXY", proxy_url.as_str())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        proxy
            .requests()
            .contains(&format!("CONNECT {} HTTP/1.1", tls.host())),
        "{:#?}",
        proxy.requests()
    );

    // NO_PROXY by CIDR and by `*`: nothing more reaches the proxy.
    let before = proxy.requests().len();
    let local = reference(anonymous, &unique("cli/direct"));
    for no_proxy in ["127.0.0.0/8", "*"] {
        let out = w.run_env(
            &["push", &format!("{local}:v1"), "hello.txt"],
            &[("ALL_PROXY", proxy_url.as_str()), ("no_proxy", no_proxy)],
        );
        assert!(
            out.status.success(),
            "{no_proxy}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(proxy.requests().len(), before, "{:#?}", proxy.requests());
}

/// distribution's stock configuration refuses DELETE: attaching, discovering and copying
/// with referrers work as they do elsewhere (the CLI keeps superseded referrers indexes,
/// as the Go CLI does), and a manifest delete fails clearly.
#[test]
fn a_registry_that_refuses_delete() {
    let stock = &registries().stock;
    let w = Work::new();
    let repo = reference(stock, &unique("stock/app"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    let mut attached = Vec::new();
    for (i, t) in ["application/vnd.sig", "application/vnd.sbom"]
        .iter()
        .enumerate()
    {
        let out = w.run(&[
            "attach",
            &format!("{repo}:v1"),
            "hello.txt",
            "--artifact-type",
            t,
            "--format",
            "json",
        ]);
        assert!(
            out.status.success(),
            "attach {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("WARNING"),
            "nothing is deleted, so nothing is refused"
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        attached.push(v["digest"].as_str().unwrap().to_owned());
    }
    let tree = w.json(&["discover", &format!("{repo}:v1")]);
    let found: Vec<&str> = tree["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        attached.iter().map(String::as_str).collect::<Vec<_>>()
    );

    // Asked to clean up, the CLI is refused, says so, and succeeds all the same.
    let out = w.run(&[
        "attach",
        "--referrers-gc",
        &format!("{repo}:v1"),
        "hello.txt",
        "--artifact-type",
        "application/vnd.third",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // In the Go CLI's log format: the time, the level, the text, the registry.
    let line = stderr
        .lines()
        .find(|l| l.contains("][WARNING]: the superseded referrers index sha256:"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        line.starts_with("[20") && line.contains("Z][WARNING]: "),
        "{line}"
    );
    assert!(
        line.contains("the registry refused to delete it (405 Method Not Allowed)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("\n[Data]:\n  registry={}\n\n\n", stock.host())),
        "{stderr}"
    );

    // Copied with its referrers, to the same kind of registry and from it.
    let mirror = reference(stock, &unique("stock/mirror"));
    w.ok(&["cp", "-r", &format!("{repo}:v1"), &format!("{mirror}:v1")]);
    let copied = w.json(&["discover", &format!("{mirror}:v1")]);
    assert_eq!(copied["referrers"].as_array().unwrap().len(), 3);

    let err = w.fails(&[
        "manifest",
        "delete",
        "--force",
        &format!("{repo}@{}", attached[0]),
    ]);
    assert!(
        // The registry's answer alone, as oras-go reports an error response.
        err.starts_with("Error response from registry: unsupported"),
        "{err}"
    );
    let still = w.json(&["discover", &format!("{repo}:v1")]);
    assert_eq!(
        still["referrers"].as_array().unwrap().len(),
        3,
        "nothing changed"
    );
}

#[test]
fn tls_needs_the_ca_file() {
    let r = &registries().tls;
    let w = Work::new();
    let repo = reference(r, &unique("cli/tls"));
    let ca = r.ca_file.clone().unwrap();
    let ca = ca.to_str().unwrap();
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt", "--ca-file", ca]);
    w.ok(&["pull", &format!("{repo}:v1"), "-o", "out", "--ca-file", ca]);
    assert_eq!(
        std::fs::read_to_string(w.path("out/hello.txt")).unwrap(),
        "hello world"
    );
    let err = w.fails(&[
        "pull",
        &format!("{repo}:v1"),
        "-o",
        "out2",
        "--plain-http=false",
    ]);
    assert!(err.contains("certificate"), "{err}");
    w.ok(&["pull", &format!("{repo}:v1"), "-o", "out3", "--insecure"]);
}

#[test]
fn processes_writing_one_layout_at_once_lose_nothing() {
    let w = Work::new();
    let children: Vec<_> = (0..8)
        .map(|i| {
            std::fs::write(w.path(&format!("f{i}")), format!("file {i}")).unwrap();
            Command::new(env!("CARGO_BIN_EXE_oras"))
                .args([
                    "push",
                    "--oci-layout",
                    &format!("shared:t{i}"),
                    &format!("f{i}"),
                ])
                .current_dir(&w.0)
                .env("DOCKER_CONFIG", w.0.join("docker"))
                .output()
        })
        .collect::<Vec<_>>();
    // The eight pushes above ran one after another; now the same, all at once.
    for c in children {
        assert!(c.unwrap().status.success());
    }
    let running: Vec<_> = (0..8)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_oras"))
                .args([
                    "push",
                    "--oci-layout",
                    &format!("shared:c{i}"),
                    &format!("f{i}"),
                ])
                .current_dir(&w.0)
                .env("DOCKER_CONFIG", w.0.join("docker"))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in running {
        assert!(c.wait().unwrap().success());
    }
    let tags = w.ok(&["repo", "tags", "--oci-layout", "shared"]);
    let want: Vec<String> = (0..8)
        .map(|i| format!("c{i}"))
        .chain((0..8).map(|i| format!("t{i}")))
        .collect();
    assert_eq!(tags.lines().collect::<Vec<_>>(), want);
    for i in 0..8 {
        w.ok(&[
            "pull",
            "--oci-layout",
            &format!("shared:c{i}"),
            "-o",
            &format!("out{i}"),
        ]);
        assert_eq!(
            std::fs::read_to_string(w.path(&format!("out{i}/f{i}"))).unwrap(),
            format!("file {i}")
        );
    }
    let raw = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            &format!("oci:{}:c3", w.path("shared").display()),
        ])
        .output()
        .unwrap();
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
}

#[test]
fn debug_logs_of_a_token_flow_hold_no_secret() {
    use oras_tests::fake::{FakeAuth, FakeRegistry};
    use oras_tests::server::FakeServer;
    let server = FakeServer::start(FakeRegistry::new(FakeAuth::Token {
        user: "alice".into(),
        password: "pa55-w0rd-secret".into(),
        anonymous_pull: false,
    }));
    let w = Work::new();
    let repo = format!("{}/secret/app", server.host());
    let out = w.run(&[
        "-d",
        "push",
        &format!("{repo}:v1"),
        "hello.txt",
        "-u",
        "alice",
        "-p",
        "pa55-w0rd-secret",
    ]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("> Request method: \"GET\"") && log.contains("/token?"),
        "the token request is logged: {log}"
    );
    assert!(log.contains("   \"Authorization\": \"*****\""));
    for secret in ["pa55-w0rd-secret", "fake-token-"] {
        assert!(!log.contains(secret), "{secret} leaked in the debug log");
    }
    let failed = w.run(&[
        "-d",
        "pull",
        &format!("{repo}:v1"),
        "-o",
        "out",
        "-u",
        "alice",
        "-p",
        "wrong-secret-xyz",
    ]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&failed.stdout),
        String::from_utf8_lossy(&failed.stderr)
    );
    assert!(!failed.status.success());
    assert!(
        !all.contains("wrong-secret-xyz"),
        "no password in errors or logs"
    );
}

#[test]
fn a_push_killed_part_way_can_be_run_again() {
    use oras_tests::fake::{FakeAuth, FakeRegistry};
    use oras_tests::faults::Fault;
    use oras_tests::server::FakeServer;
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let w = Work::new();
    let names: Vec<String> = (0..4).map(|i| format!("part{i}.bin")).collect();
    for (i, name) in names.iter().enumerate() {
        let data: Vec<u8> = (0..300_000u32)
            .map(|n| (n.wrapping_mul(31) ^ i as u32) as u8)
            .collect();
        std::fs::write(w.path(name), data).unwrap();
    }
    let reference = format!("{}/killed/app:v1", server.host());
    let mut args = vec!["push", "--no-tty", reference.as_str()];
    args.extend(names.iter().map(String::as_str));
    // The first blob upload to be committed never gets an answer: the process is killed
    // while it waits, with some uploads done and others not.
    server.fault("PUT /v2/killed/app/blobs/uploads/", Fault::Stall);
    let mut child = Command::new(env!("CARGO_BIN_EXE_oras"))
        .args(&args)
        .current_dir(&w.0)
        .env("DOCKER_CONFIG", w.0.join("docker"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while server.pending_faults() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the push never reached a blob upload"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the push ended before it could be killed"
        );
        std::thread::yield_now();
    }
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    assert!(
        w.run(&["resolve", &reference]).status.code() != Some(0),
        "no manifest after the kill"
    );

    w.ok(&args);
    w.ok(&["pull", "--no-tty", &reference, "-o", "out"]);
    for name in &names {
        assert_eq!(
            std::fs::read(w.path(&format!("out/{name}"))).unwrap(),
            std::fs::read(w.path(name)).unwrap(),
            "{name}"
        );
    }
}

/// Runs `oras` in the background with `TMPDIR` set, for a test that kills it.
fn spawn(w: &Work, args: &[&str], tmp: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_oras"))
        .args(args)
        .current_dir(&w.0)
        .env("DOCKER_CONFIG", w.0.join("docker"))
        .env("TMPDIR", tmp)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `done` holds, while `child` still runs (a minute at most).
fn wait_for(child: &mut std::process::Child, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        assert!(
            child.try_wait().unwrap().is_none(),
            "it ended before {what}"
        );
        std::thread::yield_now();
    }
}

/// A pull killed with SIGKILL mid-download leaves its staging directory and a partial
/// blob; the next pull into that directory removes them, asks the registry only for the
/// rest (`Range`), verifies the whole, and leaves only the artifact's files.
#[test]
fn a_pull_killed_mid_download_is_resumed_and_leaves_nothing() {
    use oras_tests::fake::{FakeAuth, FakeRegistry};
    use oras_tests::faults::Fault;
    use oras_tests::server::FakeServer;
    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let w = Work::new();
    let data: Vec<u8> = (0..4_000_000u32)
        .map(|n| (n.wrapping_mul(7) >> 3) as u8)
        .collect();
    std::fs::write(w.path("big.bin"), &data).unwrap();
    let reference = format!("{}/resume/app:v1", server.host());
    let pushed = w.json(&["push", &reference, "big.bin"]);
    let manifest = w.ok(&["manifest", "fetch", &reference]);
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    let layer = manifest["layers"][0]["digest"].as_str().unwrap().to_owned();
    let (_, hex) = layer.split_once(':').unwrap();
    let sent = 1 << 20;
    server.fault(
        &format!("GET /v2/resume/app/blobs/{layer}"),
        Fault::StallAfter(sent),
    );

    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let out = w.path("out");
    let mut child = spawn(&w, &["pull", "--no-tty", &reference, "-o", "out"], &tmp);
    let partial = || {
        std::fs::read_dir(&out)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".oras-pull-"))
            .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
            .find(|f| f.file_name().to_string_lossy().ends_with(hex))
            .map(|f| f.path())
    };
    wait_for(&mut child, "the first MiB is on disk", || {
        partial().is_some_and(|p| std::fs::metadata(p).is_ok_and(|m| m.len() == sent as u64))
    });
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    assert!(
        partial().is_some(),
        "the killed pull left its partial download"
    );

    registry.clear_seen();
    let pulled = w.json(&["pull", &reference, "-o", "out"]);
    assert_eq!(
        pulled["reference"],
        format!(
            "{}@{}",
            &reference[..reference.len() - 3],
            pushed["digest"].as_str().unwrap()
        )
    );
    let ranges: Vec<Option<String>> = registry
        .seen()
        .iter()
        .filter(|s| s.path.ends_with(&layer))
        .map(|s| s.range.clone())
        .collect();
    assert_eq!(
        ranges,
        [Some(format!("bytes={sent}-"))],
        "only the rest was asked for"
    );
    assert_eq!(std::fs::read(out.join("big.bin")).unwrap(), data);
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["big.bin"], "only the artifact's file");
}

/// A push of a directory killed while uploading leaves its temporary archive; the next
/// push of a directory removes it (its process is gone), and leaves none of its own.
#[test]
fn a_push_of_a_directory_killed_leaves_no_archive_behind_for_long() {
    use oras_tests::fake::{FakeAuth, FakeRegistry};
    use oras_tests::faults::Fault;
    use oras_tests::server::FakeServer;
    let server = FakeServer::start(FakeRegistry::new(FakeAuth::None));
    let w = Work::new();
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let archives = || -> Vec<String> {
        std::fs::read_dir(&tmp)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("oras-push-dir"))
            .collect()
    };
    let reference = format!("{}/killed/dir:v1", server.host());
    server.fault("PUT /v2/killed/dir/blobs/uploads/", Fault::Stall);
    let mut child = spawn(&w, &["push", "--no-tty", &reference, "dir"], &tmp);
    wait_for(&mut child, "the archive's upload", || {
        server.pending_faults() == 0
    });
    assert_eq!(archives().len(), 1, "packed and being uploaded");
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());
    assert_eq!(archives().len(), 1, "SIGKILL runs no clean-up");

    // Another push of a directory, while a third process holds its archive: only the
    // dead one's goes.
    let held = tmp.join("oras-push-dir-0-0.tar.gz");
    let lock = std::fs::File::create(&held).unwrap();
    lock.lock().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_oras"))
        .args(["push", "--no-tty", &reference, "dir"])
        .current_dir(&w.0)
        .env("DOCKER_CONFIG", w.0.join("docker"))
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        archives(),
        ["oras-push-dir-0-0.tar.gz"],
        "the live one stays"
    );
    drop(lock);
}

/// `--resolve` sends a name no DNS knows to the registry; TLS still checks the name the
/// certificate was made for, and `cp` takes rules for both sides.
#[test]
fn resolve_rules_reach_a_name_dns_does_not_know() {
    let anonymous = &registries().anonymous;
    let w = Work::new();
    let port = anonymous.addr.port();
    let name = format!("registry.test:{port}/{}", unique("cli/resolved"));
    let rule = format!("registry.test:{port}:127.0.0.1");
    w.ok(&[
        "push",
        "--plain-http",
        "--resolve",
        &rule,
        &format!("{name}:v1"),
        "hello.txt",
    ]);
    // The port of the address may differ from the one in the reference (port 1 itself
    // listens nowhere).
    let other = format!("registry.test:1/{}", unique("cli/resolved"));
    w.ok(&[
        "cp",
        "--from-plain-http",
        "--to-plain-http",
        "--from-resolve",
        &rule,
        "--to-resolve",
        &format!("registry.test:1:127.0.0.1:{port}"),
        &format!("{name}:v1"),
        &format!("{other}:v1"),
    ]);
    let direct = reference(anonymous, other.split_once('/').unwrap().1);
    w.ok(&["pull", &format!("{direct}:v1"), "-o", "out"]);
    assert_eq!(
        std::fs::read_to_string(w.path("out/hello.txt")).unwrap(),
        "hello world"
    );
    let err = w.fails(&[
        "push",
        "--resolve",
        "nonsense",
        &format!("{name}:v1"),
        "hello.txt",
    ]);
    assert!(err.contains("invalid resolve rule \"nonsense\""), "{err}");
}

/// A disk that fills up: every command that writes fails with the file it could not
/// write and leaves nothing behind — no output directory, no staging, no temporary
/// archive, no partial blob in a layout — and none hangs (a failed write once left the
/// pull waiting forever for a hash that waited for it). The full disk is a file-size
/// limit (`ulimit -f`, SIGXFSZ ignored): writes past it fail as on a full disk.
#[test]
fn a_full_disk_fails_every_write_cleanly() {
    let anonymous = &registries().anonymous;
    let w = Work::new();
    let tmp = w.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // Incompressible bytes: a blob of 32 MiB (more than the channels between receiving,
    // writing and hashing hold, so a writer that stops reading shows), one of 700 kB
    // (received whole, written in one piece), a directory of 3 MB (its archive outgrows
    // the limit); and 3 MB of zeros (a small archive that unpacks past it).
    let noise = oras_tests::noise;
    std::fs::write(w.path("big.bin"), noise(32 << 20, 1)).unwrap();
    std::fs::write(w.path("small.bin"), noise(700_000, 2)).unwrap();
    std::fs::create_dir_all(w.path("noisy")).unwrap();
    std::fs::write(w.path("noisy/n.bin"), noise(3_000_000, 3)).unwrap();
    std::fs::create_dir_all(w.path("zeros")).unwrap();
    std::fs::write(w.path("zeros/z.bin"), vec![0u8; 3_000_000]).unwrap();
    let repo = reference(anonymous, &unique("cli/full"));
    for (tag, file) in [
        ("big", "big.bin"),
        ("small", "small.bin"),
        ("zeros", "zeros"),
    ] {
        w.ok(&["push", "--plain-http", &format!("{repo}:{tag}"), file]);
    }

    // A limit of 600 blocks: 300 or 600 KiB, as the shell counts blocks; either way below
    // every file written here and above the manifests.
    let limited = |args: &[&str]| -> (i32, String) {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("trap '' XFSZ; ulimit -f 600; exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_oras"))
            .args(args)
            .current_dir(&w.0)
            .env("DOCKER_CONFIG", w.0.join("docker"))
            .env("TMPDIR", &tmp)
            .stdin(std::process::Stdio::null());
        let (tx, rx) = std::sync::mpsc::channel();
        let child = cmd
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
        let Ok(out) = rx.recv_timeout(std::time::Duration::from_secs(120)) else {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("oras {args:?} hung after a failed write");
        };
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let fails_writing = |args: &[&str], written: &str| {
        let (code, err) = limited(args);
        assert_eq!(code, 1, "oras {args:?}: {err}");
        assert!(
            err.starts_with("Error") && err.contains("File too large") && err.contains(written),
            "oras {args:?} names what it could not write ({written}): {err}"
        );
    };
    let entries = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };

    for tag in ["big", "small", "zeros"] {
        let out = w.path(&format!("out-{tag}"));
        let staging = out.join(".oras-pull-");
        fails_writing(
            &[
                "pull",
                "--plain-http",
                &format!("{repo}:{tag}"),
                "-o",
                out.to_str().unwrap(),
            ],
            staging.to_str().unwrap(),
        );
        assert!(
            !out.exists(),
            "pull {tag}: the output directory is not left"
        );
    }
    // The directory was there before: it stays, as it was.
    std::fs::create_dir_all(w.path("kept")).unwrap();
    std::fs::write(w.path("kept/mine"), "mine").unwrap();
    fails_writing(
        &["pull", "--plain-http", &format!("{repo}:big"), "-o", "kept"],
        "kept/.oras-pull-",
    );
    assert_eq!(entries(&w.path("kept")), ["mine"]);

    fails_writing(
        &["push", "--plain-http", &format!("{repo}:noisy"), "noisy"],
        tmp.join("oras-push-dir-").to_str().unwrap(),
    );
    assert_eq!(entries(&tmp), Vec::<String>::new(), "no temporary archive");

    let big = w.ok(&["manifest", "fetch", "--plain-http", &format!("{repo}:big")]);
    let big: Value = serde_json::from_str(&big).unwrap();
    let layer = big["layers"][0]["digest"].as_str().unwrap();
    let blob = format!("{repo}@{layer}");
    let fetch = ["blob", "fetch", "--plain-http", &blob, "-o", "fetched.bin"];
    fails_writing(&fetch, ".fetched.bin.oras-partial-");
    assert!(
        !entries(&w.0).iter().any(|n| n.starts_with("fetched")),
        "no partial blob file: {:?}",
        entries(&w.0)
    );

    fails_writing(
        &[
            "cp",
            "--from-plain-http",
            &format!("{repo}:big"),
            "--to-oci-layout",
            "layout:v1",
        ],
        "layout/ingest/",
    );
    let (_, hex) = layer.split_once(':').unwrap();
    assert!(
        !w.path("layout/blobs/sha256").join(hex).exists(),
        "no partial blob in the layout"
    );
    assert_eq!(entries(&w.path("layout/ingest")), Vec::<String>::new());
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path("layout/index.json")).unwrap())
            .unwrap();
    assert_eq!(index["manifests"], serde_json::json!([]), "nothing tagged");
    // The same commands succeed once there is room, into the same places; the partial
    // file a killed fetch left (no process holds it) goes.
    w.ok(&["pull", "--plain-http", &format!("{repo}:big"), "-o", "kept"]);
    assert_eq!(entries(&w.path("kept")), ["big.bin", "mine"]);
    std::fs::write(
        w.path(".fetched.bin.oras-partial-1-0"),
        "left by a killed fetch",
    )
    .unwrap();
    w.ok(&fetch);
    assert_eq!(
        std::fs::read(w.path("fetched.bin")).unwrap(),
        std::fs::read(w.path("big.bin")).unwrap()
    );
    assert!(
        !entries(&w.0).iter().any(|n| n.contains("oras-partial")),
        "{:?}",
        entries(&w.0)
    );
    w.ok(&[
        "cp",
        "--from-plain-http",
        &format!("{repo}:big"),
        "--to-oci-layout",
        "layout:v1",
    ]);
}

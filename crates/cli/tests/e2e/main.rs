//! End-to-end tests: the built `oras` binary against real registries and OCI layouts.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use oras_tests::{Registry, registries};
use serde_json::Value;

/// A working directory with its own docker config, removed when dropped.
struct Work(PathBuf);

impl Work {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "oras-cli-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(p.join("docker")).unwrap();
        std::fs::write(p.join("hello.txt"), "hello world").unwrap();
        std::fs::create_dir_all(p.join("dir/sub")).unwrap();
        std::fs::write(p.join("dir/sub/f"), "in a directory").unwrap();
        std::fs::write(
            p.join("config.json"),
            r#"{"architecture":"amd64","os":"linux"}"#,
        )
        .unwrap();
        Self(p)
    }

    fn path(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Runs `oras` with these environment variables set (and no proxy settings but
    /// these).
    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oras"));
        cmd.args(args)
            .current_dir(&self.0)
            .env("DOCKER_CONFIG", self.0.join("docker"))
            .env_remove("REGISTRY_AUTH_FILE")
            .env("XDG_RUNTIME_DIR", &self.0);
        for v in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Runs a command that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "oras {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must succeed with --format json; its parsed output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs a command that must fail with exit code 1 and a one-line error; that line.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "oras {args:?} should fail: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let err = String::from_utf8(out.stderr).unwrap();
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("Error: ")).collect();
        assert_eq!(lines.len(), 1, "one error line: {err}");
        lines[0].to_owned()
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique(repo: &str) -> String {
    format!(
        "{repo}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    )
}

fn reference(r: &Registry, repo: &str) -> String {
    format!("{}/{repo}", r.host())
}

#[test]
fn push_and_pull_with_an_oci_layout() {
    let w = Work::new();
    let pushed = w.json(&[
        "push",
        "--oci-layout",
        "layout:v1,stable",
        "hello.txt",
        "dir",
        "-a",
        "org.example.k=v",
    ]);
    let digest = pushed["digest"].as_str().unwrap().to_owned();
    assert!(digest.starts_with("sha256:"));
    assert_eq!(
        pushed["referenceAsTags"],
        serde_json::json!(["layout:v1", "layout:stable"])
    );
    assert_eq!(pushed["annotations"]["org.example.k"], "v");
    assert_eq!(
        pushed["artifactType"],
        "application/vnd.unknown.artifact.v1"
    );

    let pulled = w.json(&["pull", "--oci-layout", "layout:stable", "-o", "out"]);
    assert_eq!(pulled["reference"], format!("layout@{digest}"));
    let files = pulled["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        files[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("out/hello.txt")
    );
    assert_eq!(
        std::fs::read_to_string(w.path("out/hello.txt")).unwrap(),
        "hello world"
    );
    assert_eq!(
        std::fs::read_to_string(w.path("out/dir/sub/f")).unwrap(),
        "in a directory"
    );
    assert_eq!(
        w.ok(&["resolve", "--oci-layout", "layout:v1"]).trim(),
        digest
    );
    assert_eq!(
        w.ok(&["repo", "tags", "--oci-layout", "layout"]),
        "stable\nv1\n"
    );
    let text = w.ok(&["push", "--oci-layout", "layout:v2", "hello.txt"]);
    assert!(text.starts_with("Pushed [oci-layout] layout:v2\nArtifactType: application/vnd.unknown.artifact.v1\nDigest: sha256:"), "{text}");
}

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
            "--format",
            "json",
            "attach",
            &format!("{repo}:v1"),
            "hello.txt",
            "--artifact-type",
            t,
        ]);
        assert!(
            out.status.success(),
            "attach {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("Warning"),
            "nothing is deleted, so nothing is refused"
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        attached.push(v["digest"].as_str().unwrap().to_owned());
    }
    let tree = w.json(&["discover", &format!("{repo}:v1")]);
    let found: Vec<&str> = tree["manifests"]
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
    assert!(
        stderr.contains("Warning: the superseded referrers index sha256:")
            && stderr.contains("the registry refused to delete it (405 Method Not Allowed)"),
        "{stderr}"
    );

    // Copied with its referrers, to the same kind of registry and from it.
    let mirror = reference(stock, &unique("stock/mirror"));
    w.ok(&["cp", "-r", &format!("{repo}:v1"), &format!("{mirror}:v1")]);
    let copied = w.json(&["discover", &format!("{mirror}:v1")]);
    assert_eq!(copied["manifests"].as_array().unwrap().len(), 3);

    let err = w.fails(&[
        "manifest",
        "delete",
        "--force",
        &format!("{repo}@{}", attached[0]),
    ]);
    assert!(
        err.contains("405 Method Not Allowed") && err.contains("UNSUPPORTED"),
        "{err}"
    );
    let still = w.json(&["discover", &format!("{repo}:v1")]);
    assert_eq!(
        still["manifests"].as_array().unwrap().len(),
        3,
        "nothing changed"
    );
}

#[test]
fn every_command_against_a_registry() {
    let r = &registries().anonymous;
    let w = Work::new();
    let repo = reference(r, &unique("cli/app"));
    let pushed = w.json(&[
        "push",
        &format!("{repo}:v1"),
        "hello.txt:text/plain",
        "--artifact-type",
        "application/vnd.example",
        "--config",
        "config.json:application/vnd.oci.image.config.v1+json",
        "--export-manifest",
        "manifest.json",
    ]);
    let digest = pushed["digest"].as_str().unwrap().to_owned();
    assert_eq!(pushed["artifactType"], "application/vnd.example");
    let exported = std::fs::read(w.path("manifest.json")).unwrap();
    assert_eq!(format!("{}", oras_oci_digest(&exported)), digest);

    // pull, resolve, tag, repo tags, repo ls
    w.ok(&["pull", &format!("{repo}:v1"), "-o", "out"]);
    assert_eq!(
        std::fs::read_to_string(w.path("out/hello.txt")).unwrap(),
        "hello world"
    );
    assert_eq!(w.ok(&["resolve", &format!("{repo}:v1")]).trim(), digest);
    assert_eq!(
        w.ok(&["resolve", "-l", &format!("{repo}:v1")]).trim(),
        format!("{repo}@{digest}")
    );
    assert_eq!(
        w.ok(&["tag", &format!("{repo}:v1"), "v2", "v3"]),
        "Tagged v2\nTagged v3\n"
    );
    assert_eq!(w.ok(&["repo", "tags", &repo]), "v1\nv2\nv3\n");
    let repos: Vec<String> = serde_json::from_value(w.json(&["repo", "ls", &r.host()])).unwrap();
    assert!(
        repos.contains(&repo.split_once('/').unwrap().1.to_owned()),
        "{repos:?}"
    );

    // manifest fetch / fetch-config / push / delete
    assert_eq!(
        w.ok(&["manifest", "fetch", &format!("{repo}:v1")])
            .as_bytes(),
        exported.as_slice()
    );
    let desc = w.json(&["manifest", "fetch", "--descriptor", &format!("{repo}:v1")]);
    assert_eq!(desc["digest"], digest.as_str());
    assert_eq!(
        w.ok(&["manifest", "fetch-config", &format!("{repo}:v1")]),
        r#"{"architecture":"amd64","os":"linux"}"#
    );
    let pushed_again = w.json(&["manifest", "push", &format!("{repo}:copy"), "manifest.json"]);
    assert_eq!(pushed_again["digest"], digest.as_str());

    // index create (the platform comes from an image config)
    let index = w.json(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:multi"),
        "v1",
    ]);
    let index_bytes = w.ok(&["manifest", "fetch", &format!("{repo}:multi")]);
    let parsed: Value = serde_json::from_str(&index_bytes).unwrap();
    assert_eq!(parsed["manifests"][0]["digest"], digest.as_str());
    assert_eq!(parsed["manifests"][0]["platform"]["architecture"], "amd64");
    assert!(index["digest"].as_str().unwrap().starts_with("sha256:"));

    // blob push / fetch / delete
    std::fs::write(w.path("blob.bin"), "only a blob").unwrap();
    let blob = w.json(&["blob", "push", &repo, "blob.bin"]);
    let blob_digest = blob["digest"].as_str().unwrap().to_owned();
    w.ok(&[
        "blob",
        "fetch",
        &format!("{repo}@{blob_digest}"),
        "-o",
        "blob.out",
    ]);
    assert_eq!(
        std::fs::read_to_string(w.path("blob.out")).unwrap(),
        "only a blob"
    );
    assert_eq!(
        w.ok(&["blob", "fetch", &format!("{repo}@{blob_digest}"), "-o", "-"]),
        "only a blob"
    );
    w.ok(&["blob", "delete", "-f", &format!("{repo}@{blob_digest}")]);
    let gone = w.fails(&["blob", "fetch", &format!("{repo}@{blob_digest}"), "-o", "-"]);
    assert!(gone.contains("not found"), "{gone}");

    // attach, discover
    std::fs::write(w.path("sbom.json"), "{}").unwrap();
    let attached = w.json(&[
        "attach",
        "--artifact-type",
        "application/vnd.example.sbom",
        &format!("{repo}:v1"),
        "sbom.json",
    ]);
    let tree = w.json(&["discover", &format!("{repo}:v1")]);
    assert_eq!(tree["manifests"][0]["digest"], attached["digest"]);
    assert_eq!(
        tree["manifests"][0]["artifactType"],
        "application/vnd.example.sbom"
    );
    let text = w.ok(&["discover", &format!("{repo}:v1")]);
    assert!(text.contains("└── application/vnd.example.sbom"), "{text}");

    // copy to a layout (with referrers) and to another repository
    w.ok(&[
        "copy",
        "-r",
        &format!("{repo}:v1"),
        "--to-oci-layout",
        "backup:v1",
    ]);
    let copied = w.json(&["discover", "--oci-layout", "backup:v1"]);
    assert_eq!(copied["manifests"][0]["digest"], attached["digest"]);
    let other = reference(r, &unique("cli/other"));
    let out = w.ok(&["cp", &format!("{repo}:v1"), &format!("{other}:a,b")]);
    assert!(
        out.starts_with(&format!(
            "Copied [registry] {repo}:v1 => [registry] {other}:a"
        )),
        "{out}"
    );
    assert_eq!(w.ok(&["repo", "tags", &other]), "a\nb\n");

    // manifest delete
    w.ok(&["manifest", "delete", "-f", &format!("{other}:b")]);
    assert!(
        w.fails(&["resolve", &format!("{other}:a")])
            .contains("not found")
    );
}

fn oras_oci_digest(bytes: &[u8]) -> String {
    use std::fmt::Write;
    // Computed here with the platform's sha256sum, independent of the code under test.
    let tmp = std::env::temp_dir().join(format!("oras-e2e-digest-{}", std::process::id()));
    std::fs::write(&tmp, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&tmp).output().unwrap();
    let _ = std::fs::remove_file(&tmp);
    let mut s = String::from("sha256:");
    write!(
        s,
        "{}",
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
    )
    .unwrap();
    s
}

#[test]
fn login_stores_checked_credentials_and_logout_removes_them() {
    let r = &registries().basic;
    let w = Work::new();
    let (user, password) = (r.username.clone().unwrap(), r.password.clone().unwrap());
    let repo = reference(r, &unique("cli/login"));
    let anonymous = w.fails(&["push", &format!("{repo}:v1"), "hello.txt"]);
    assert!(
        anonymous.contains(&format!("run `oras login {}`", r.host())),
        "{anonymous}"
    );

    let wrong = w.fails(&["login", &r.host(), "-u", &user, "-p", "not-the-password"]);
    assert!(wrong.contains("rejected"), "{wrong}");
    assert!(
        !w.path("docker/config.json").exists(),
        "refused credentials are not stored"
    );

    assert_eq!(
        w.ok(&["login", &r.host(), "-u", &user, "-p", &password]),
        "Login Succeeded\n"
    );
    let config = std::fs::read_to_string(w.path("docker/config.json")).unwrap();
    assert!(config.contains(&r.host()));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    w.ok(&["pull", &format!("{repo}:v1"), "-o", "out"]);
    w.ok(&["logout", &r.host()]);
    assert!(
        !std::fs::read_to_string(w.path("docker/config.json"))
            .unwrap()
            .contains(&r.host())
    );
    assert!(
        w.fails(&["pull", &format!("{repo}:v1"), "-o", "out2"])
            .contains("oras login")
    );

    // -d logs requests with credentials redacted.
    let out = w.run(&[
        "-d",
        "resolve",
        &format!("{repo}:v1"),
        "-u",
        &user,
        "-p",
        &password,
    ]);
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("authorization: <redacted>"), "{log}");
    assert!(
        !log.contains(&password),
        "the password never appears in the log"
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
fn bad_input_gets_clear_errors() {
    let r = &registries().anonymous;
    let w = Work::new();
    let repo = reference(r, &unique("cli/errors"));
    let bad = w.fails(&["pull", "localhost:5000/Bad Repo:v1"]);
    assert!(
        bad.starts_with("Error: ") && bad.contains("in reference"),
        "{bad}"
    );
    let missing = w.fails(&["push", &format!("{repo}:v1"), "no-such-file.txt"]);
    assert!(
        missing.contains("no-such-file.txt: no such file or directory"),
        "{missing}"
    );
    let unknown = w.fails(&["pull", &format!("{repo}:nope"), "-o", "out"]);
    assert!(
        unknown.contains("not found: check the repository, tag or digest")
            && unknown.contains("404"),
        "{unknown}"
    );
    assert!(
        !Path::new(&w.path("out")).exists()
            || std::fs::read_dir(w.path("out")).unwrap().next().is_none()
    );
    let no_tag = w.fails(&["pull", &repo]);
    assert!(no_tag.contains("needs a tag or digest"), "{no_tag}");
    let usage = w.run(&["push"]);
    assert_eq!(usage.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn version_and_completions() {
    let w = Work::new();
    assert!(w.ok(&["version"]).starts_with("Version: "));
    assert_eq!(w.json(&["version"])["version"], env!("CARGO_PKG_VERSION"));
    let bash = w.ok(&["completion", "bash"]);
    assert!(bash.contains("_oras()") && bash.contains("push") && bash.contains("--oci-layout"));
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
        log.contains("GET http://") && log.contains("/token?"),
        "the token request is logged: {log}"
    );
    assert!(log.contains("authorization: <redacted>"));
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

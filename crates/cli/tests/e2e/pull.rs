//! `oras pull`, as the Go CLI's specs (`test/e2e/suite/command/pull.go`) check it.

use oras_tests::registries;
use serde_json::{Value, json};

use crate::{Work, assert_status, failed, keys, reference, sha256, short, unique};

#[test]
fn status_lines_summary_and_files() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("pull/status"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt", "dir"]);
    let manifest = sha256(
        w.ok(&["manifest", "fetch", &format!("{repo}:v1")])
            .as_bytes(),
    );
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:v1")])).unwrap();
    let dir_digest = m["layers"][1]["digest"].as_str().unwrap().to_owned();
    let out = w.ok(&["pull", &format!("{repo}:v1"), "-o", "out"]);
    assert_status(
        &out,
        &[
            (
                &short(&manifest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Downloading", "Processing", "Downloaded"],
            ),
            (
                &short(&sha256(b"hello world")),
                "hello.txt",
                &["Downloading", "Downloaded"],
            ),
            (&short(&dir_digest), "dir", &["Downloading", "Downloaded"]),
        ],
    );
    assert!(
        out.ends_with(&format!(
            "Pulled [registry] {repo}:v1\nDigest: {manifest}\n"
        )),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(w.path("out/dir/sub/f")).unwrap(),
        "in a directory"
    );

    let raw = w.ok(&[
        "pull",
        &format!("{repo}:v1"),
        "-o",
        "json",
        "--format",
        "json",
    ]);
    assert_eq!(keys(&raw), ["reference", "files"]);
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["reference"], format!("{repo}@{manifest}"));
    let files = v["files"].as_array().unwrap();
    assert_eq!(
        files[0]["path"],
        w.path("json/hello.txt").display().to_string()
    );
    assert_eq!(
        files[1]["path"],
        format!("{}/", w.path("json/dir").display()),
        "a directory ends with /"
    );
    assert_eq!(
        files[0]["reference"],
        format!("{repo}@{}", sha256(b"hello world"))
    );
    assert_eq!(
        files[0]["annotations"]["org.opencontainers.image.title"],
        "hello.txt"
    );

    let paths = w.ok(&[
        "pull",
        &format!("{repo}:v1"),
        "-o",
        "tpl",
        "--format",
        "go-template={{range .files}}{{println .path}}{{end}}",
    ]);
    assert_eq!(
        paths,
        format!(
            "{}\n{}/\n",
            w.path("tpl/hello.txt").display(),
            w.path("tpl/dir").display()
        )
    );
}

/// Two files of the same content: downloaded once, the second restored from the first.
#[test]
fn the_same_content_twice_is_downloaded_once() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("pull/twice"));
    std::fs::write(w.path("foo1"), "foo").unwrap();
    std::fs::write(w.path("foo2"), "foo").unwrap();
    w.ok(&["push", &format!("{repo}:v1"), "foo1", "foo2"]);
    let manifest = sha256(
        w.ok(&["manifest", "fetch", &format!("{repo}:v1")])
            .as_bytes(),
    );
    let foo = short(&sha256(b"foo"));
    let out = w.ok(&["pull", &format!("{repo}:v1"), "-o", "out"]);
    assert_status(
        &out,
        &[
            (
                &short(&manifest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Downloading", "Processing", "Downloaded"],
            ),
            (&foo, "foo1", &["Downloading", "Downloaded"]),
            (&foo, "foo2", &["Restored"]),
        ],
    );
    assert_eq!(std::fs::read_to_string(w.path("out/foo1")).unwrap(), "foo");
    assert_eq!(std::fs::read_to_string(w.path("out/foo2")).unwrap(), "foo");
}

#[test]
fn unnamed_layers_are_skipped_and_said_so() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("pull/unnamed"));
    std::fs::write(w.path("blob.bin"), "unnamed layer").unwrap();
    let layer = sha256(b"unnamed layer");
    w.ok(&["blob", "push", &format!("{repo}@{layer}"), "blob.bin"]);
    w.ok(&["blob", "push", &repo, "config.json"]);
    let config = sha256(br#"{"architecture":"amd64","os":"linux"}"#);
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 37},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": 13}]
    });
    std::fs::write(w.path("manifest.json"), manifest.to_string()).unwrap();
    w.ok(&[
        "manifest",
        "push",
        &format!("{repo}:image"),
        "manifest.json",
    ]);
    let out = w.ok(&["pull", &format!("{repo}:image"), "-o", "out"]);
    let statuses = crate::status(&out);
    for d in [&layer, &config] {
        assert!(
            statuses
                .iter()
                .any(|(p, s, _)| p == "Skipped" && *s == short(d)),
            "{out}"
        );
    }
    assert!(
        out.ends_with(&format!(
            "Skipped pulling layers without file name in \"org.opencontainers.image.title\"\nUse 'oras copy {repo}:image --to-oci-layout <layout-dir>' to pull all layers.\n"
        )),
        "{out}"
    );
    // `--config` writes the config out.
    let with_config = w.ok(&[
        "pull",
        &format!("{repo}:image"),
        "-o",
        "cfg",
        "--config",
        "config-out.json",
    ]);
    assert_eq!(
        std::fs::read_to_string(w.path("cfg/config-out.json")).unwrap(),
        r#"{"architecture":"amd64","os":"linux"}"#
    );
    assert!(with_config.contains("Downloaded  "), "{with_config}");

    // A config that is `{}`, of any media type, is not worth the hint.
    std::fs::write(w.path("empty.json"), "{}").unwrap();
    w.ok(&[
        "push",
        &format!("{repo}:empty-config"),
        "--config",
        "empty.json",
        "hello.txt",
    ]);
    let out = w.ok(&["pull", &format!("{repo}:empty-config"), "-o", "empty"]);
    assert!(
        out.contains(&format!("Pulled [registry] {repo}:empty-config")),
        "{out}"
    );
    assert!(!out.contains("Skipped"), "{out}");
}

#[test]
fn layouts_directories_and_tars() {
    let w = Work::new();
    w.ok(&["push", "--oci-layout", "layout:v1", "hello.txt"]);
    w.ok(&["pull", "--oci-layout", "layout:v1", "-o", "out"]);
    assert_eq!(
        std::fs::read_to_string(w.path("out/hello.txt")).unwrap(),
        "hello world"
    );
    let tar = std::process::Command::new("tar")
        .args(["-cf", "layout.tar", "-C", "layout", "."])
        .current_dir(&w.0)
        .status()
        .unwrap();
    assert!(tar.success());
    let out = w.ok(&["pull", "--oci-layout", "layout.tar:v1", "-o", "from-tar"]);
    assert!(out.contains("Pulled [oci-layout] layout.tar:v1"), "{out}");
    assert_eq!(
        std::fs::read_to_string(w.path("from-tar/hello.txt")).unwrap(),
        "hello world"
    );
    // `--oci-layout-path` takes the reference alone.
    w.ok(&["pull", "v1", "--oci-layout-path", "layout", "-o", "by-path"]);
    assert_eq!(
        std::fs::read_to_string(w.path("by-path/hello.txt")).unwrap(),
        "hello world"
    );
}

#[test]
fn refusals() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("pull/errors"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    std::fs::create_dir_all(w.path("kept")).unwrap();
    std::fs::write(w.path("kept/hello.txt"), "old").unwrap();
    let err = w.fails(&["pull", &format!("{repo}:v1"), "-o", "kept", "-k"]);
    assert!(err.contains("exists"), "{err}");
    assert_eq!(
        std::fs::read_to_string(w.path("kept/hello.txt")).unwrap(),
        "old"
    );

    std::fs::write(
        w.path("evil.json"),
        r#"{"bar.txt": {"org.opencontainers.image.title": "../evil.txt"}}"#,
    )
    .unwrap();
    w.ok(&[
        "push",
        &format!("{repo}:evil"),
        "bar.txt",
        "--annotation-file",
        "evil.json",
        "--disable-path-validation",
    ]);
    let err = w.fails(&["pull", &format!("{repo}:evil"), "-o", "safe"]);
    assert!(
        err.contains("../evil.txt") && err.contains("--allow-path-traversal"),
        "{err}"
    );
    assert!(!w.path("evil.txt").exists());
    w.ok(&[
        "pull",
        &format!("{repo}:evil"),
        "-o",
        "safe",
        "--allow-path-traversal",
    ]);
    assert_eq!(std::fs::read_to_string(w.path("evil.txt")).unwrap(), "bar");
    let err = failed(&["pull"], w.run(&["pull", &repo]));
    assert!(
        err.starts_with(&format!("Error: \"{repo}\": no tag or digest specified\nUsage: oras pull [flags] <name>{{:<tag>|@<digest>}}\n")),
        "{err}"
    );
    assert!(err.contains(r#"Please specify a reference in the form of "<name>:<tag>" or "<name>@<digest>". Run "oras pull -h""#), "{err}");
    let missing = w.fails(&["pull", &format!("{repo}:nope"), "-o", "none"]);
    assert!(
        missing.starts_with(&format!(
            "Error response from registry: {repo}:nope: not found"
        )),
        "{missing}"
    );
    assert!(
        !w.path("none").exists() || std::fs::read_dir(w.path("none")).unwrap().next().is_none()
    );
}

/// `ORAS_CACHE`: what a pull fetched is kept in a layout and read from there next time,
/// even when the registry has lost it.
#[test]
fn a_cache_keeps_what_was_fetched() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("pull/cache"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    let cache = w.path("cache");
    let env = [("ORAS_CACHE", cache.to_str().unwrap())];
    let args = ["pull", &format!("{repo}:v1"), "-o", "first"];
    crate::succeeded(&args, w.run_env(&args, &env));
    let layer = sha256(b"hello world");
    assert!(
        cache
            .join("blobs/sha256")
            .join(layer.trim_start_matches("sha256:"))
            .is_file()
    );
    w.ok(&["blob", "delete", "-f", &format!("{repo}@{layer}")]);
    assert!(
        w.fails(&["pull", &format!("{repo}:v1"), "-o", "uncached"])
            .contains("not found")
    );
    let args = ["pull", &format!("{repo}:v1"), "-o", "second"];
    crate::succeeded(&args, w.run_env(&args, &env));
    assert_eq!(
        std::fs::read_to_string(w.path("second/hello.txt")).unwrap(),
        "hello world"
    );
    let args = ["blob", "fetch", &format!("{repo}@{layer}"), "-o", "-"];
    assert_eq!(
        crate::succeeded(&args, w.run_env(&args, &env)),
        "hello world"
    );
}

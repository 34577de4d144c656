//! `oras push`, as the Go CLI's specs (`test/e2e/suite/command/push.go`) check it.

use oras_tests::registries;
use serde_json::{Value, json};

use crate::{Work, assert_status, failed, keys, reference, sha256, short, status, unique};

const EMPTY: &str = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

#[test]
fn status_lines_and_summary_as_the_go_cli_prints_them() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("push/status"));
    let out = w.ok(&["push", &format!("{repo}:v1"), "hello.txt", "bar.txt"]);
    let hello = sha256(b"hello world");
    let bar = sha256(b"bar");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["Preparing hello.txt", "Preparing bar.txt"]);
    let manifest = w.ok(&["manifest", "fetch", &format!("{repo}:v1")]);
    let digest = sha256(manifest.as_bytes());
    assert_status(
        &out,
        &[
            (&short(&hello), "hello.txt", &["Uploading", "Uploaded"]),
            (&short(&bar), "bar.txt", &["Uploading", "Uploaded"]),
            (
                &short(EMPTY),
                "application/vnd.oci.empty.v1+json",
                &["Uploading", "Uploaded"],
            ),
            (
                &short(&digest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Uploading", "Uploaded"],
            ),
        ],
    );
    // Go pads the prompts to one width.
    assert!(
        out.contains(&format!("\nUploaded  {} hello.txt\n", short(&hello))),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "Pushed [registry] {repo}:v1\nArtifactType: application/vnd.unknown.artifact.v1\nDigest: {digest}\n"
        )),
        "{out}"
    );

    // The second time every blob is there.
    let again = w.ok(&["push", &format!("{repo}:v2"), "hello.txt", "bar.txt"]);
    let statuses = status(&again);
    assert!(
        statuses
            .iter()
            .any(|(p, d, n)| p == "Exists" && *d == short(&hello) && n == "hello.txt"),
        "{again}"
    );
    assert!(again.contains(&format!("Exists    {} hello.txt", short(&hello))));
}

#[test]
fn verbose_false_hides_unnamed_content_and_says_the_flag_is_deprecated() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("push/verbose"));
    let out = w.run(&[
        "push",
        &format!("{repo}:v1"),
        "hello.txt",
        "--verbose=false",
    ]);
    let stdout = crate::succeeded(&["push"], out.clone());
    assert!(
        !stdout.contains("application/vnd.oci.empty.v1+json"),
        "{stdout}"
    );
    assert!(!stdout.contains("application/vnd.oci.image.manifest.v1+json"));
    assert!(!stdout.contains("Preparing"));
    assert!(stdout.contains("hello.txt"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "Flag --verbose has been deprecated, and will be removed in a future release."
        )
    );
}

#[test]
fn tags_json_and_templates() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("push/tags"));
    let out = w.ok(&[
        "push",
        &format!("{repo}:e2e,2e2"),
        "bar.txt",
        "--format",
        "go-template={{range .referenceAsTags}}{{println .}}{{end}}",
    ]);
    assert_eq!(out, format!("{repo}:2e2\n{repo}:e2e\n"));
    assert_eq!(
        w.ok(&["manifest", "fetch", &format!("{repo}:2e2")]),
        w.ok(&["manifest", "fetch", &format!("{repo}:e2e")])
    );

    let text = w.ok(&["push", &format!("{repo}:v1,v2,v3"), "bar.txt"]);
    assert!(
        text.contains("\nTagged v2\nTagged v3\nArtifactType:"),
        "{text}"
    );

    let raw = w.ok(&["push", &format!("{repo}:j"), "bar.txt", "--format", "json"]);
    assert_eq!(
        keys(&raw),
        [
            "reference",
            "mediaType",
            "digest",
            "size",
            "annotations",
            "artifactType",
            "referenceAsTags"
        ]
    );
    let v: Value = serde_json::from_str(&raw).unwrap();
    let digest = v["digest"].as_str().unwrap();
    assert_eq!(v["reference"], format!("{repo}@{digest}"));
    assert_eq!(v["referenceAsTags"], json!([format!("{repo}:j")]));
    assert_eq!(v["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert!(v["annotations"]["org.opencontainers.image.created"].is_string());
    assert!(
        !raw.contains("Uploading") && !raw.contains("Pushed"),
        "JSON alone on stdout: {raw}"
    );

    // Without a tag: pushed by digest, tagged nothing.
    let untagged = w.json(&["push", &repo, "hello.txt"]);
    assert_eq!(untagged["referenceAsTags"], Value::Null);
    let d = untagged["digest"].as_str().unwrap();
    assert_eq!(w.ok(&["resolve", &format!("{repo}@{d}")]).trim(), d);
    assert!(!w.ok(&["repo", "tags", &repo]).contains("latest"));

    let t = w.ok(&[
        "push",
        &format!("{repo}:t"),
        "bar.txt",
        "--format",
        "go-template",
        "--template",
        "{{.mediaType}}",
    ]);
    assert_eq!(t, "application/vnd.oci.image.manifest.v1+json");
}

#[test]
fn media_types_configs_and_image_specs() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("push/types"));
    // Any media type after the last colon; a name with a colon ends with one.
    std::fs::write(w.path("hi:txt"), "colon").unwrap();
    w.ok(&[
        "push",
        &format!("{repo}:types"),
        "bar.txt:layer.type",
        "hi:txt:",
    ]);
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:types")])).unwrap();
    assert_eq!(m["layers"][0]["mediaType"], "layer.type");
    assert_eq!(
        m["layers"][1]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar"
    );
    assert_eq!(
        m["layers"][1]["annotations"]["org.opencontainers.image.title"],
        "hi:txt"
    );

    // A config without an artifact type: image spec 1.0, the config's type as given.
    let out = w.ok(&[
        "push",
        &format!("{repo}:cfg"),
        "--config",
        "config.json:my/config+type",
        "bar.txt",
    ]);
    let config = sha256(br#"{"architecture":"amd64","os":"linux"}"#);
    assert!(
        out.contains(&format!("Uploaded  {} my/config+type", short(&config))),
        "{out}"
    );
    assert!(out.contains("ArtifactType: my/config+type"), "{out}");
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:cfg")])).unwrap();
    assert_eq!(m["config"]["mediaType"], "my/config+type");
    assert!(m.get("artifactType").is_none());
    // Its default type.
    w.ok(&[
        "push",
        &format!("{repo}:cfg2"),
        "--config",
        "config.json",
        "bar.txt",
    ]);
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:cfg2")])).unwrap();
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.unknown.config.v1+json"
    );

    let err = w.fails(&[
        "push",
        &format!("{repo}:x"),
        "--config",
        "config.json",
        "--image-spec",
        "v1.1",
        "bar.txt",
    ]);
    assert!(
        err.contains("missing artifact type for OCI image-spec v1.1 artifacts"),
        "{err}"
    );
    let err = w.fails(&[
        "push",
        &format!("{repo}:x"),
        "--config",
        "config.json",
        "--artifact-type",
        "a/b",
        "--image-spec",
        "v1.0",
    ]);
    assert!(
        err.contains("--artifact-type and --config cannot both be provided for 1.0 OCI image"),
        "{err}"
    );
    let err = w.fails(&["push", &format!("{repo}:x"), "--image-spec", "???"]);
    assert!(
        err.contains("Error:")
            && err.contains("???")
            && err.contains("Available options: v1.1, v1.0"),
        "{err}"
    );
    let err = w.fails(&[
        "push",
        &format!("{repo}:x"),
        "--artifact-platform",
        "linux/amd64",
        "--config",
        "config.json",
    ]);
    assert!(
        err.contains("--config, --artifact-platform cannot be used at the same time"),
        "{err}"
    );

    // The platform of an artifact is its config.
    w.ok(&[
        "push",
        &format!("{repo}:arm"),
        "--artifact-platform",
        "linux/arm/v5",
        "bar.txt",
    ]);
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:arm")])).unwrap();
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(
        w.ok(&["manifest", "fetch-config", &format!("{repo}:arm")]),
        r#"{"architecture":"arm","os":"linux","variant":"v5"}"#
    );
    assert_eq!(
        w.ok(&[
            "resolve",
            &format!("{repo}:arm"),
            "--platform",
            "linux/arm/v5"
        ])
        .trim(),
        sha256(
            w.ok(&["manifest", "fetch", &format!("{repo}:arm")])
                .as_bytes()
        )
    );
}

#[test]
fn annotations_export_and_paths() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("push/annotations"));
    std::fs::write(
        w.path("annotations.json"),
        r#"{"$manifest": {"m": "1"}, "$config": {"c": "2"}, "bar.txt": {"org.opencontainers.image.title": "renamed.txt", "f": "3"}}"#,
    )
    .unwrap();
    w.ok(&[
        "push",
        &format!("{repo}:v1"),
        "bar.txt",
        "--annotation-file",
        "annotations.json",
        "--export-manifest",
        "packed.json",
    ]);
    let fetched = w.ok(&["manifest", "fetch", &format!("{repo}:v1")]);
    assert_eq!(
        std::fs::read_to_string(w.path("packed.json")).unwrap(),
        fetched
    );
    let m: Value = serde_json::from_str(&fetched).unwrap();
    assert_eq!(m["annotations"]["m"], "1");
    assert_eq!(
        m["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "renamed.txt"
    );
    assert_eq!(m["layers"][0]["annotations"]["f"], "3");
    w.ok(&["pull", &format!("{repo}:v1"), "-o", "out"]);
    assert_eq!(
        std::fs::read_to_string(w.path("out/renamed.txt")).unwrap(),
        "bar"
    );

    let err = w.fails(&[
        "push",
        &format!("{repo}:x"),
        "bar.txt",
        "-a",
        "k=v",
        "--annotation-file",
        "annotations.json",
    ]);
    assert!(
        err.contains("`--annotation` and `--annotation-file` cannot be both specified"),
        "{err}"
    );
    let err = w.fails(&["push", &format!("{repo}:x"), "-a", "novalue"]);
    assert!(
        err.contains("annotation value doesn't match the required format")
            && err.contains(r#"--annotation "key=value""#),
        "{err}"
    );

    let absolute = w.path("bar.txt").display().to_string();
    let err = w.fails(&["push", &format!("{repo}:abs"), &absolute]);
    assert!(err.contains("--disable-path-validation"), "{err}");
    w.ok(&[
        "push",
        &format!("{repo}:abs"),
        &absolute,
        "--disable-path-validation",
    ]);
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:abs")])).unwrap();
    assert_eq!(
        m["layers"][0]["annotations"]["org.opencontainers.image.title"],
        absolute
    );

    let err = w.fails(&["push", &format!("{repo}:x"), "file/not/found"]);
    assert!(
        err.contains(&w.path("file/not/found").display().to_string())
            && err.contains("no such file or directory"),
        "{err}"
    );
}

#[test]
fn usage_errors_name_the_command() {
    let w = Work::new();
    let err = failed(&["push"], w.run(&["push"]));
    assert!(err.starts_with("Error: \"oras push\" requires at least 1 argument but got 0\nUsage: oras push [flags] <name>[:<tag>[,<tag>][...]] <file>[:<type>] [...]\n"), "{err}");
    assert!(err.contains(r#"Run "oras push -h""#), "{err}");
    let err = w.fails(&["push", "/oras"]);
    assert!(
        err.starts_with("Error: \"/oras\": invalid reference"),
        "{err}"
    );
    assert!(err.contains(
        "Please make sure the provided reference is in the form of <registry>/<repo>[:tag|@digest]"
    ));
}

#[test]
fn into_a_layout() {
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
    assert_eq!(
        pushed["referenceAsTags"],
        json!(["layout:stable", "layout:v1"])
    );
    assert_eq!(pushed["reference"], format!("layout@{digest}"));
    assert_eq!(pushed["annotations"]["org.example.k"], "v");
    let text = w.ok(&["push", "--oci-layout", "layout:v2", "hello.txt"]);
    assert!(text.contains("Exists    b94d27b9934d hello.txt"), "{text}");
    assert!(text.contains("Pushed [oci-layout] layout:v2\nArtifactType: application/vnd.unknown.artifact.v1\nDigest: sha256:"), "{text}");
    assert_eq!(
        w.ok(&["repo", "tags", "--oci-layout", "layout"]),
        "stable\nv1\nv2\n"
    );
}

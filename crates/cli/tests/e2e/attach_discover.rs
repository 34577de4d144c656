//! `oras attach` and `oras discover`, as the Go CLI's specs (`attach.go`, `discover.go`)
//! check them: on distribution 2.8 (the referrers tag schema) and on a registry with the
//! referrers API (the fake one).

use oras_tests::fake::{FakeAuth, FakeRegistry};
use oras_tests::registries;
use oras_tests::server::FakeServer;
use serde_json::Value;

use crate::{Work, assert_status, failed, keys, reference, sha256, short, unique};

/// Pushes `v1` and attaches two referrers, the second to the first; their digests.
fn attached(w: &Work, repo: &str) -> (String, String, String) {
    let subject = w.json(&["push", &format!("{repo}:v1"), "hello.txt"])["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = w.ok(&[
        "attach",
        "--artifact-type",
        "test/sig",
        &format!("{repo}:v1"),
        "bar.txt",
        "-a",
        "k=v",
    ]);
    let sig = out
        .lines()
        .last()
        .unwrap()
        .strip_prefix("Digest: ")
        .unwrap()
        .to_owned();
    assert_status(
        &out,
        &[
            (
                &short(&sha256(b"bar")),
                "bar.txt",
                &["Uploading", "Uploaded"],
            ),
            (
                "44136fa355b3",
                "application/vnd.oci.empty.v1+json",
                &["Uploading", "Uploaded"],
            ),
            (
                &short(&sig),
                "application/vnd.oci.image.manifest.v1+json",
                &["Uploading", "Uploaded"],
            ),
        ],
    );
    assert!(
        out.ends_with(&format!(
            "Attached to [registry] {repo}@{subject}\nDigest: {sig}\n"
        )),
        "{out}"
    );
    let sbom = w.json(&[
        "attach",
        "--artifact-type",
        "test/sbom",
        &format!("{repo}@{sig}"),
        "-a",
        "only=annotations",
    ]);
    assert_eq!(keys(&serde_json::to_string_pretty(&sbom).unwrap()).len(), 6);
    (subject, sig, sbom["digest"].as_str().unwrap().to_owned())
}

fn check_discover(w: &Work, repo: &str) {
    let (subject, sig, sbom) = attached(w, repo);
    let tree = w.ok(&["discover", &format!("{repo}:v1"), "--verbose=false"]);
    assert_eq!(
        tree,
        format!(
            "{repo}@{subject}\n└── test/sig\n    └── {sig}\n        └── test/sbom\n            └── {sbom}\n"
        )
    );
    let verbose = w.ok(&["discover", &format!("{repo}:v1")]);
    assert!(
        verbose.contains(&format!(
            "    └── {sig}\n        ├── [annotations]\n        │   ├── k: v\n"
        )),
        "{verbose}"
    );
    let raw = w.ok(&["discover", &format!("{repo}:v1"), "--format", "json"]);
    assert_eq!(
        keys(&raw),
        ["reference", "mediaType", "digest", "size", "referrers"]
    );
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["referrers"][0]["digest"], sig.as_str());
    assert_eq!(v["referrers"][0]["artifactType"], "test/sig");
    assert_eq!(v["referrers"][0]["annotations"]["k"], "v");
    assert_eq!(v["referrers"][0]["reference"], format!("{repo}@{sig}"));
    assert_eq!(v["referrers"][0]["referrers"][0]["digest"], sbom.as_str());
    let shallow = w.json(&["discover", &format!("{repo}:v1"), "--depth", "1"]);
    assert_eq!(shallow["referrers"][0]["referrers"], serde_json::json!([]));
    let filtered = w.json(&[
        "discover",
        &format!("{repo}@{sig}"),
        "--artifact-type",
        "test/other",
    ]);
    assert_eq!(filtered["referrers"], serde_json::json!([]));
    assert_eq!(
        w.ok(&[
            "discover",
            &format!("{repo}:v1"),
            "--format",
            "go-template={{range .referrers}}{{println .digest}}{{end}}"
        ]),
        format!("{sig}\n")
    );
    let out = w.run(&[
        "discover",
        &format!("{repo}:v1"),
        "--format",
        "table",
        "--verbose=false",
    ]);
    let table = crate::succeeded(&["discover"], out.clone());
    assert_eq!(
        table,
        format!(
            "Discovered 1 artifact referencing {repo}:v1\nDigest: {subject}\n\nArtifact Type   Digest\ntest/sig        {sig}\n"
        )
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("Format \"table\" is deprecated and will be removed in a future release.")
    );
}

#[test]
fn on_the_referrers_tag_schema() {
    let w = Work::new();
    check_discover(
        &w,
        &reference(&registries().anonymous, &unique("discover/tags")),
    );
}

#[test]
fn on_the_referrers_api() {
    let server = FakeServer::start(FakeRegistry::new(FakeAuth::None).with_referrers_api(10));
    let w = Work::new();
    check_discover(&w, &format!("{}/discover/api", server.host()));
}

#[test]
fn platforms_and_refusals() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("attach/platform"));
    for (tag, p) in [("amd", "linux/amd64"), ("arm", "linux/arm64")] {
        w.ok(&[
            "push",
            &format!("{repo}:{tag}"),
            "hello.txt",
            "--artifact-platform",
            p,
        ]);
    }
    w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:multi"),
        "amd",
        "arm",
    ]);
    let arm = w.ok(&["resolve", &format!("{repo}:arm")]).trim().to_owned();
    assert_eq!(
        w.ok(&[
            "resolve",
            &format!("{repo}:multi"),
            "--platform",
            "linux/arm64"
        ])
        .trim(),
        arm
    );
    let out = w.ok(&[
        "attach",
        "--artifact-type",
        "test/arm",
        "--platform",
        "linux/arm64",
        &format!("{repo}:multi"),
        "bar.txt",
    ]);
    assert!(
        out.contains(&format!("Attached to [registry] {repo}@{arm}")),
        "{out}"
    );
    let d = w.json(&[
        "discover",
        &format!("{repo}:multi"),
        "--platform",
        "linux/arm64",
    ]);
    assert_eq!(d["digest"], arm.as_str());
    assert_eq!(d["referrers"][0]["artifactType"], "test/arm");

    let err = failed(
        &["attach"],
        w.run(&["attach", &format!("{repo}:amd"), "bar.txt"]),
    );
    assert_eq!(err, "Error: required flag(s) \"artifact-type\" not set\n");
    let err = w.fails(&["attach", "--artifact-type", "t/x", &format!("{repo}:amd")]);
    assert!(
        err.starts_with(
            "Error: neither file nor annotation provided in the command\nUsage: oras attach"
        ),
        "{err}"
    );
    let err = w.fails(&["attach", "--artifact-type", "t/x", &repo, "bar.txt"]);
    assert!(
        err.contains("no tag or digest specified") && !err.contains("Are you missing"),
        "{err}"
    );
    let err = w.fails(&["attach", "--artifact-type", "t/x", &repo]);
    assert!(
        err.contains("\nAre you missing an artifact reference to attach to?"),
        "{err}"
    );
    let err = w.fails(&["discover", &format!("{repo}:amd"), "--output", "ukpkmkk"]);
    assert!(
        err.contains("invalid format type") && err.contains("ukpkmkk"),
        "{err}"
    );
    let err = w.fails(&["discover", &format!("{repo}:amd"), "--depth", "0"]);
    assert!(err.contains("depth value should be at least 1"), "{err}");
    let err = w.fails(&[
        "discover",
        &format!("{repo}:amd"),
        "--format",
        "json",
        "-o",
        "tree",
    ]);
    assert!(
        err.contains("--format, --output cannot be used at the same time"),
        "{err}"
    );
    let err = w.fails(&["discover", &format!("{repo}:amd"), "--format", "xml"]);
    assert!(
        err.contains("invalid format type: \"xml\"")
            && err.contains("supported types: table, json, go-template, tree"),
        "{err}"
    );
    let err = w.fails(&[
        "discover",
        &format!("{repo}:amd"),
        "--distribution-spec",
        "???",
    ]);
    assert!(
        err.contains("unknown distribution specification flag: ???")
            && err.contains("Available options: v1.1-referrers-tag, v1.1-referrers-api"),
        "{err}"
    );
}

#[test]
fn in_a_layout() {
    let w = Work::new();
    w.ok(&["push", "--oci-layout", "layout:v1", "hello.txt"]);
    let out = w.ok(&[
        "attach",
        "--oci-layout",
        "--artifact-type",
        "test/sig",
        "layout:v1",
        "bar.txt",
    ]);
    let sig = out
        .lines()
        .last()
        .unwrap()
        .strip_prefix("Digest: ")
        .unwrap()
        .to_owned();
    assert!(
        out.contains("Attached to [oci-layout] layout@sha256:"),
        "{out}"
    );
    let d = w.json(&["discover", "--oci-layout", "layout:v1"]);
    assert_eq!(d["referrers"][0]["digest"], sig.as_str());
    assert!(
        d["reference"]
            .as_str()
            .unwrap()
            .starts_with("layout@sha256:")
    );
}

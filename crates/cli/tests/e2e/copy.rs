//! `oras cp`, as the Go CLI's specs (`test/e2e/suite/command/cp.go`) check it.

use oras_tests::registries;
use serde_json::Value;

use crate::{Work, assert_status, reference, sha256, short, unique};

#[test]
fn between_registries_and_layouts() {
    let w = Work::new();
    let r = &registries().anonymous;
    let src = reference(r, &unique("cp/src"));
    let pushed = w.json(&["push", &format!("{src}:v1"), "hello.txt"]);
    let digest = pushed["digest"].as_str().unwrap().to_owned();
    let sig = w.json(&[
        "attach",
        "--artifact-type",
        "test/sig",
        &format!("{src}:v1"),
        "bar.txt",
    ]);
    let sig = sig["digest"].as_str().unwrap().to_owned();

    // To a layout: everything is copied, bytes and all.
    let out = w.ok(&["cp", &format!("{src}:v1"), "--to-oci-layout", "layout:v1"]);
    assert_status(
        &out,
        &[
            (
                &short(&sha256(b"hello world")),
                "hello.txt",
                &["Copying", "Copied"],
            ),
            (
                "44136fa355b3",
                "application/vnd.oci.empty.v1+json",
                &["Copying", "Copied"],
            ),
            (
                &short(&digest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Copying", "Copied"],
            ),
        ],
    );
    assert!(
        out.contains("Copied  b94d27b9934d hello.txt"),
        "Go pads `Copied`: {out}"
    );
    assert!(
        out.ends_with(&format!(
            "Copied [registry] {src}:v1 => [oci-layout] layout:v1\nDigest: {digest}\n"
        )),
        "{out}"
    );
    // Within one registry: mounted, with more tags.
    let dst = reference(r, &unique("cp/dst"));
    let out = w.ok(&["cp", &format!("{src}:v1"), &format!("{dst}:a,b,c")]);
    assert_status(
        &out,
        &[
            (&short(&sha256(b"hello world")), "hello.txt", &["Mounted"]),
            (
                "44136fa355b3",
                "application/vnd.oci.empty.v1+json",
                &["Mounted"],
            ),
            (
                &short(&digest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Copying", "Copied"],
            ),
        ],
    );
    assert!(
        out.ends_with(&format!("Copied [registry] {src}:v1 => [registry] {dst}:a\nTagged b\nTagged c\nDigest: {digest}\n")),
        "{out}"
    );
    assert_eq!(w.ok(&["repo", "tags", &dst]), "a\nb\nc\n");
    // Again: it exists.
    let again = w.ok(&["cp", &format!("{src}:v1"), &format!("{dst}:a")]);
    assert!(
        again.contains(&format!(
            "Exists  {} application/vnd.oci.image.manifest.v1+json",
            short(&digest)
        )),
        "{again}"
    );

    // By digest to a digest, to no tag, and with referrers.
    let by_digest = reference(r, &unique("cp/digest"));
    w.ok(&[
        "cp",
        &format!("{src}@{digest}"),
        &format!("{by_digest}@{digest}"),
    ]);
    assert_eq!(
        w.ok(&["resolve", &format!("{by_digest}@{digest}")]).trim(),
        digest
    );
    // No tag was made (distribution knows no tags of the repository at all).
    assert!(
        w.fails(&["repo", "tags", &by_digest])
            .contains("name unknown")
    );
    let untagged = reference(r, &unique("cp/untagged"));
    w.ok(&["cp", &format!("{src}:v1"), &untagged]);
    assert_eq!(
        w.ok(&["resolve", &format!("{untagged}@{digest}")]).trim(),
        digest
    );
    assert!(
        w.fails(&["repo", "tags", &untagged])
            .contains("name unknown")
    );
    let recursive = reference(r, &unique("cp/recursive"));
    w.ok(&["cp", "-r", &format!("{src}:v1"), &format!("{recursive}:v1")]);
    let d = w.json(&["discover", &format!("{recursive}:v1")]);
    assert_eq!(d["referrers"][0]["digest"], sig.as_str());

    // From a layout packed as a tar.
    let tar = std::process::Command::new("tar")
        .args(["-cf", "layout.tar", "-C", "layout", "."])
        .current_dir(&w.0)
        .status()
        .unwrap();
    assert!(tar.success());
    let from_tar = reference(r, &unique("cp/from-tar"));
    let out = w.ok(&[
        "cp",
        "--from-oci-layout",
        "layout.tar:v1",
        &format!("{from_tar}:v1"),
    ]);
    assert!(
        out.contains(&format!(
            "Copied [oci-layout] layout.tar:v1 => [registry] {from_tar}:v1"
        )),
        "{out}"
    );
    let m: Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{from_tar}:v1")])).unwrap();
    assert_eq!(
        m["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "hello.txt"
    );
}

/// Content listed twice is copied once; the second title is `Skipped`, as Go prints it.
#[test]
fn the_same_content_twice_is_copied_once() {
    let w = Work::new();
    let src = reference(&registries().anonymous, &unique("cp/twice"));
    std::fs::write(w.path("foo1"), "foo").unwrap();
    std::fs::write(w.path("foo2"), "foo").unwrap();
    let digest = w.json(&["push", &format!("{src}:v1"), "foo1", "foo2"])["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = w.ok(&["cp", &format!("{src}:v1"), "--to-oci-layout", "layout:v1"]);
    let foo = short(&sha256(b"foo"));
    assert_status(
        &out,
        &[
            (&foo, "foo1", &["Copying", "Copied"]),
            (&foo, "foo2", &["Skipped"]),
            (
                "44136fa355b3",
                "application/vnd.oci.empty.v1+json",
                &["Copying", "Copied"],
            ),
            (
                &short(&digest),
                "application/vnd.oci.image.manifest.v1+json",
                &["Copying", "Copied"],
            ),
        ],
    );
}

#[test]
fn a_platform_of_an_index_and_errors_by_side() {
    let w = Work::new();
    let r = &registries().anonymous;
    let src = reference(r, &unique("cp/multi"));
    for (tag, p) in [("amd", "linux/amd64"), ("arm", "linux/arm64")] {
        w.ok(&[
            "push",
            &format!("{src}:{tag}"),
            "hello.txt",
            "--artifact-platform",
            p,
        ]);
    }
    w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{src}:multi"),
        "amd",
        "arm",
    ]);
    let arm = w.ok(&["resolve", &format!("{src}:arm")]).trim().to_owned();
    let index = w
        .ok(&["resolve", &format!("{src}:multi")])
        .trim()
        .to_owned();
    let out = w.ok(&[
        "cp",
        "--platform",
        "linux/arm64",
        &format!("{src}@{index}"),
        "--to-oci-layout",
        "one:arm",
    ]);
    // The source named by digest is shown by the platform manifest's digest.
    assert!(
        out.contains(&format!(
            "Copied [registry] {src}@{arm} => [oci-layout] one:arm\nDigest: {arm}"
        )),
        "{out}"
    );

    // To a tag, Go resolves the source inside its copy: the failure is the source's.
    let missing = w.fails(&["cp", &format!("{src}:nope"), "--to-oci-layout", "x:y"]);
    assert!(
        missing.starts_with(&format!("Error from source registry for \"{src}:nope\":"))
            && missing.contains("not found"),
        "{missing}"
    );
    // Without a tag it resolves first, and the registry said so.
    let missing = w.fails(&["cp", &format!("{src}:nope"), "--to-oci-layout", "x"]);
    assert!(
        missing.starts_with("Error response from registry:") && missing.contains("not found"),
        "{missing}"
    );
    // A destination that refuses anonymous writes fails on that side.
    let basic = reference(&registries().basic, &unique("cp/denied"));
    let denied = w.fails(&["cp", &format!("{src}:amd"), &format!("{basic}:v1")]);
    assert!(
        denied.starts_with(&format!(
            "Error from destination registry for \"{basic}:v1\":"
        )),
        "{denied}"
    );
    let err = w.fails(&["cp", &src, "--to-oci-layout", "x:y"]);
    assert!(
        err.contains("no tag or digest specified") && err.contains("oras cp"),
        "{err}"
    );
}

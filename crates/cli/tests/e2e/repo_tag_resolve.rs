//! `oras repo ls`/`tags`, `oras tag` and `oras resolve`, as the Go CLI's specs (`repo.go`,
//! `tag.go`, `resolve.go`) check them.

use oras_tests::registries;
use serde_json::json;

use crate::{Work, failed, keys, reference, unique};

#[test]
fn repositories_and_tags() {
    let w = Work::new();
    let r = &registries().anonymous;
    let ns = unique("repo-ns");
    for name in ["one", "two"] {
        w.ok(&["push", &format!("{}/{ns}/{name}:v1", r.host()), "hello.txt"]);
    }
    assert_eq!(
        w.ok(&["repo", "ls", &format!("{}/{ns}", r.host())]),
        "one\ntwo\n"
    );
    assert_eq!(
        w.ok(&[
            "repository",
            "list",
            &format!("{}/{ns}/", r.host()),
            "--last",
            &format!("{ns}/one")
        ]),
        "two\n"
    );
    let raw = w.ok(&[
        "repo",
        "ls",
        &format!("{}/{ns}", r.host()),
        "--format",
        "json",
    ]);
    assert_eq!(keys(&raw), ["registry", "repositories"]);
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["registry"], r.host());
    assert_eq!(
        v["repositories"],
        json!([format!("{ns}/one"), format!("{ns}/two")])
    );
    assert_eq!(
        w.ok(&[
            "repo",
            "ls",
            &format!("{}/{ns}", r.host()),
            "--format",
            "go-template={{range .repositories}}{{println .}}{{end}}"
        ]),
        format!("{ns}/one\n{ns}/two\n")
    );
    let err = w.fails(&["repo", "ls", &format!("{}/{ns}:v1", r.host())]);
    assert!(
        err.contains("tags or digests should not be provided"),
        "{err}"
    );

    let repo = format!("{}/{ns}/one", r.host());
    w.ok(&["tag", &format!("{repo}:v1"), "v2", "v3"]);
    let sig = w.json(&[
        "attach",
        "--artifact-type",
        "t/sig",
        &format!("{repo}:v1"),
        "bar.txt",
    ]);
    w.ok(&["push", &format!("{repo}:other"), "bar.txt"]);
    let digest = w.ok(&["resolve", &format!("{repo}:v1")]).trim().to_owned();
    let referrers_tag = digest.replace(':', "-");
    assert_eq!(
        w.ok(&["repo", "tags", &repo]),
        format!("other\n{referrers_tag}\nv1\nv2\nv3\n")
    );
    assert_eq!(
        w.ok(&["repo", "show-tags", &repo, "--exclude-digest-tags"]),
        "other\nv1\nv2\nv3\n"
    );
    assert_eq!(w.ok(&["repo", "tags", &repo, "--last", "v1"]), "v2\nv3\n");
    let raw = w.ok(&[
        "repo",
        "tags",
        &repo,
        "--format",
        "json",
        "--exclude-digest-tags",
    ]);
    assert_eq!(
        raw,
        "{\n  \"tags\": [\n    \"other\",\n    \"v1\",\n    \"v2\",\n    \"v3\"\n  ]\n}\n"
    );
    assert_eq!(
        w.ok(&[
            "repo",
            "tags",
            &repo,
            "--format",
            "go-template={{.tags}}",
            "--exclude-digest-tags"
        ]),
        "[other v1 v2 v3]"
    );
    // The tags of one manifest.
    let out = w.run(&["repo", "tags", &format!("{repo}:v2")]);
    assert_eq!(crate::succeeded(&["tags"], out.clone()), "v1\nv2\nv3\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!(
        "[Experimental] querying tags associated to {digest}"
    )));
    assert_eq!(
        w.ok(&["repo", "tags", &format!("{repo}@{digest}")]),
        "v1\nv2\nv3\n"
    );
    let _ = sig;
}

#[test]
fn tag_and_resolve() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("tag/app"));
    let digest = w.json(&["push", &format!("{repo}:v1"), "hello.txt"])["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        w.ok(&[
            "tag",
            &format!("{repo}:v1"),
            "v2",
            "v3",
            "--concurrency",
            "1"
        ]),
        format!("Tagging [registry] {repo}@{digest}\nTagged v2\nTagged v3\n")
    );
    assert_eq!(
        w.ok(&["resolve", &format!("{repo}:v3")]),
        format!("{digest}\n")
    );
    assert_eq!(
        w.ok(&["digest", &format!("{repo}:v3")]),
        format!("{digest}\n")
    );
    assert_eq!(
        w.ok(&["resolve", "-l", &format!("{repo}:v3")]),
        format!("{repo}@{digest}\n")
    );
    let err = w.fails(&["resolve", &format!("{repo}:nope")]);
    assert!(
        err.starts_with(&format!(
            "Error response from registry: failed to resolve digest: {repo}:nope: not found"
        )),
        "{err}"
    );
    let err = failed(&["resolve"], w.run(&["resolve", &repo]));
    assert!(
        err.contains("no tag or digest specified")
            && err.contains("oras resolve [flags] <name>{:<tag>|@<digest>}")
            && err.contains("Please specify a reference"),
        "{err}"
    );
    let err = w.fails(&["tag", "list", &repo]);
    assert!(
        err.contains(r#"there is no "list" sub-command for "oras tag" command"#)
            && err.contains("repository")
            && err.contains("oras repo tags"),
        "{err}"
    );
    let err = w.fails(&["tag", "--oci-layout", "ls", "layout"]);
    assert!(err.contains("an OCI image layout"), "{err}");
    let err = w.fails(&["tag", &format!("{repo}:v1"), "bad tag!"]);
    assert!(err.contains("bad tag!"), "{err}");
    let err = w.fails(&["tag", &format!("{repo}:nope"), "x"]);
    assert!(err.contains("not found"), "{err}");
    let err = w.fails(&[
        "resolve",
        &format!("{repo}:v1"),
        "--platform",
        "linux/amd64",
    ]);
    assert!(
        err.contains("platform in manifest does not match target platform"),
        "{err}"
    );

    w.ok(&["push", "--oci-layout", "layout:v1", "hello.txt"]);
    let out = w.ok(&["tag", "--oci-layout", "layout:v1", "v2"]);
    assert!(
        out.starts_with("Tagging [oci-layout] layout@sha256:") && out.ends_with("Tagged v2\n"),
        "{out}"
    );
    assert_eq!(
        w.ok(&["repo", "tags", "--oci-layout", "layout"]),
        "v1\nv2\n"
    );
}

//! `oras manifest` fetch, fetch-config, push, delete, and `index create`/`update`, as the
//! Go CLI's specs (`manifest.go`, `manifest_index.go`) check them.

use oras_tests::registries;
use serde_json::Value;

use crate::{Work, failed, keys, reference, sha256, short, unique};

#[test]
fn fetch_and_fetch_config() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("manifest/fetch"));
    w.ok(&[
        "push",
        &format!("{repo}:v1"),
        "hello.txt",
        "--config",
        "config.json:application/vnd.oci.image.config.v1+json",
        "--artifact-type",
        "t/x",
    ]);
    let raw = w.ok(&["manifest", "fetch", &format!("{repo}:v1")]);
    let digest = sha256(raw.as_bytes());
    assert!(!raw.ends_with('\n'), "the bytes as stored");
    assert_eq!(w.ok(&["manifest", "get", &format!("{repo}@{digest}")]), raw);
    assert_eq!(w.ok(&["manifest", "show", &format!("{repo}:v1")]), raw);
    let pretty = w.ok(&["manifest", "fetch", &format!("{repo}:v1"), "--pretty"]);
    assert!(
        pretty.starts_with("{\n  \"schemaVersion\": 2,\n  \"mediaType\": "),
        "key order kept: {pretty}"
    );
    let desc = w.ok(&["manifest", "fetch", &format!("{repo}:v1"), "--descriptor"]);
    assert_eq!(
        desc,
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{}}}"#,
            raw.len()
        )
    );
    let fetched = w.ok(&[
        "manifest",
        "fetch",
        &format!("{repo}:v1"),
        "--format",
        "json",
    ]);
    assert_eq!(
        keys(&fetched),
        ["reference", "mediaType", "digest", "size", "content"]
    );
    let v: Value = serde_json::from_str(&fetched).unwrap();
    assert_eq!(v["reference"], format!("{repo}@{digest}"));
    assert_eq!(v["content"]["artifactType"], "t/x");
    assert_eq!(
        w.ok(&[
            "manifest",
            "fetch",
            &format!("{repo}:v1"),
            "--format",
            "go-template={{toJson .content}}"
        ]),
        serde_json::to_string(&serde_json::from_str::<Value>(&raw).unwrap()).unwrap()
    );
    w.ok(&[
        "manifest",
        "fetch",
        &format!("{repo}:v1"),
        "-o",
        "saved.json",
    ]);
    assert_eq!(std::fs::read_to_string(w.path("saved.json")).unwrap(), raw);
    assert_eq!(
        w.ok(&[
            "manifest",
            "fetch",
            &format!("{repo}:v1"),
            "--media-type",
            "application/vnd.oci.image.manifest.v1+json"
        ]),
        raw
    );

    assert_eq!(
        w.ok(&["manifest", "fetch-config", &format!("{repo}:v1")]),
        r#"{"architecture":"amd64","os":"linux"}"#
    );
    assert_eq!(
        w.ok(&["manifest", "get-config", &format!("{repo}:v1"), "--pretty"]),
        "{\n  \"architecture\": \"amd64\",\n  \"os\": \"linux\"\n}\n"
    );
    let config = sha256(br#"{"architecture":"amd64","os":"linux"}"#);
    assert_eq!(
        w.ok(&[
            "manifest",
            "fetch-config",
            &format!("{repo}:v1"),
            "--descriptor"
        ]),
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":37}}"#
        )
    );

    let v1 = format!("{repo}:v1");
    for (args, text) in [
        (
            &["-o", "-", "--format", "json"][..],
            "`--output -` cannot be used with `--format json` at the same time",
        ),
        (
            &["-o", "-", "--descriptor"][..],
            "`--descriptor` cannot be used with `--output -` at the same time",
        ),
        (
            &["--format", "json", "--pretty"][..],
            "--format, --pretty cannot be used at the same time",
        ),
        (
            &["--format", "json", "--descriptor"][..],
            "--format, --descriptor cannot be used at the same time",
        ),
    ] {
        let mut all = vec!["manifest", "fetch", v1.as_str()];
        all.extend_from_slice(args);
        let err = w.fails(&all);
        assert!(err.contains(text), "{err}");
    }
    let err = failed(&["fetch"], w.run(&["manifest", "fetch", &repo]));
    assert!(
        err.contains("no tag or digest specified")
            && err.contains("oras manifest fetch [flags] <name>{:<tag>|@<digest>}")
            && err.contains("Please specify a reference"),
        "{err}"
    );
    let err = w.fails(&["manifest", "fetch", &format!("{repo}:nope")]);
    assert!(err.starts_with(&format!("Error response from registry: failed to fetch the content of \"{repo}:nope\": {repo}:nope: not found")), "{err}");
    let err = w.fails(&[
        "manifest",
        "fetch-config",
        &format!("{repo}:v1"),
        "-o",
        "-",
        "--descriptor",
    ]);
    assert!(
        err.contains("`--output -` cannot be used with `--descriptor` at the same time"),
        "{err}"
    );
}

#[test]
fn push_and_delete() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("manifest/push"));
    w.ok(&["push", &format!("{repo}:src"), "hello.txt"]);
    let raw = w.ok(&["manifest", "fetch", &format!("{repo}:src")]);
    std::fs::write(w.path("m.json"), &raw).unwrap();
    let digest = sha256(raw.as_bytes());
    let out = w.ok(&["manifest", "push", &format!("{repo}:a,b"), "m.json"]);
    let m = format!(
        "{} application/vnd.oci.image.manifest.v1+json",
        short(&digest)
    );
    assert_eq!(
        out,
        format!(
            "Uploading {m}\nUploaded  {m}\nPushed: [registry] {repo}:a\nTagged b\nDigest: {digest}\n"
        )
    );
    let again = w.ok(&["manifest", "push", &format!("{repo}:a"), "m.json"]);
    assert_eq!(
        again,
        format!(
            "Exists    {} application/vnd.oci.image.manifest.v1+json\nPushed: [registry] {repo}:a\nDigest: {digest}\n",
            short(&digest)
        )
    );
    let from_stdin = crate::succeeded(
        &["push"],
        w.run_stdin(
            &[
                "manifest",
                "push",
                &format!("{repo}:stdin"),
                "-",
                "--descriptor",
            ],
            raw.as_bytes(),
        ),
    );
    assert_eq!(
        from_stdin,
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":{}}}"#,
            raw.len()
        )
    );
    std::fs::write(w.path("typeless.json"), r#"{"schemaVersion":2}"#).unwrap();
    let err = w.fails(&["manifest", "push", &format!("{repo}:x"), "typeless.json"]);
    assert!(
        err.contains(
            "media type is not specified via the flag \"--media-type\" nor in \"typeless.json\""
        ) && err.contains("Usage: oras manifest push"),
        "{err}"
    );
    let err = failed(
        &["push"],
        w.run_stdin(
            &[
                "manifest",
                "push",
                &format!("{repo}:x"),
                "-",
                "--password-stdin",
            ],
            b"secret",
        ),
    );
    assert!(err.contains("`-` read file from input and `--password-stdin` read password from input cannot be both used"), "{err}");

    // Delete: asked first; "n" keeps it, "y" deletes it.
    let kept = crate::succeeded(
        &["delete"],
        w.run_stdin(&["manifest", "delete", &format!("{repo}:b")], b"n\n"),
    );
    assert_eq!(
        kept,
        format!(
            "Are you sure you want to delete the manifest \"{digest}\" and all tags associated with it? [y/N] Operation cancelled.\n"
        )
    );
    assert_eq!(w.ok(&["resolve", &format!("{repo}:b")]).trim(), digest);
    let deleted = crate::succeeded(
        &["delete"],
        w.run_stdin(&["manifest", "rm", &format!("{repo}:b")], b"y\n"),
    );
    assert!(
        deleted.ends_with(&format!("[y/N] Deleted [registry] {repo}:b\n")),
        "{deleted}"
    );
    let err = w.fails(&[
        "manifest",
        "delete",
        "-f",
        "--descriptor",
        &format!("{repo}:b"),
    ]);
    assert!(
        err.contains(&format!("{repo}:b: the specified manifest does not exist")),
        "{err}"
    );
    assert_eq!(
        w.ok(&["manifest", "delete", "-f", &format!("{repo}:b")]),
        format!("Missing {repo}:b\n")
    );
    let err = w.fails(&["manifest", "delete", "--descriptor", &format!("{repo}:b")]);
    assert!(
        err.contains("must apply --force to confirm the deletion if the descriptor is outputted"),
        "{err}"
    );
}

#[test]
fn index_create_and_update() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("manifest/index"));
    let mut digests = Vec::new();
    for (tag, p) in [
        ("amd", "linux/amd64"),
        ("arm", "linux/arm64"),
        ("win", "windows/amd64"),
    ] {
        w.ok(&[
            "push",
            &format!("{repo}:{tag}"),
            "hello.txt",
            "--artifact-platform",
            p,
        ]);
        digests.push(
            w.ok(&["resolve", &format!("{repo}:{tag}")])
                .trim()
                .to_owned(),
        );
    }
    let out = w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:multi,latest"),
        "amd",
        &digests[1],
        "--artifact-type",
        "t/index",
        "-a",
        "k=v",
    ]);
    let index = w.ok(&["manifest", "fetch", &format!("{repo}:multi")]);
    let index_digest = sha256(index.as_bytes());
    assert_eq!(
        out,
        format!(
            "Fetching  amd\nFetched   {} amd\nFetching  {1}\nFetched   {1}\nPacked    {2} application/vnd.oci.image.index.v1+json\nPushed    [registry] {repo}:multi\nTagged latest\nDigest: {index_digest}\n",
            digests[0],
            digests[1],
            short(&index_digest)
        )
    );
    let v: Value = serde_json::from_str(&index).unwrap();
    assert_eq!(v["artifactType"], "t/index");
    assert_eq!(v["annotations"]["k"], "v");
    assert_eq!(v["manifests"][0]["platform"]["architecture"], "amd64");
    assert_eq!(v["manifests"][1]["platform"]["architecture"], "arm64");
    assert_eq!(
        v["manifests"][0]["artifactType"],
        "application/vnd.unknown.artifact.v1"
    );
    assert_eq!(
        w.ok(&["resolve", &format!("{repo}:latest")]).trim(),
        index_digest
    );

    let to_stdout = w.ok(&["manifest", "index", "pack", &repo, "amd", "-o", "-"]);
    let amd_size = w.ok(&["manifest", "fetch", &format!("{repo}:amd")]).len();
    // Byte for byte what the Go CLI writes (so its digest is the same).
    assert_eq!(
        to_stdout,
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":{amd_size},"platform":{{"architecture":"amd64","os":"linux"}},"artifactType":"application/vnd.unknown.artifact.v1"}}]}}"#,
            digests[0]
        )
    );
    // An image config holds more than its platform: only the platform is listed.
    std::fs::write(
        w.path("image-config.json"),
        r#"{"architecture":"arm64","os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":[]},"config":{"Env":["A=1"]},"history":[]}"#,
    )
    .unwrap();
    w.ok(&[
        "push",
        &format!("{repo}:image"),
        "hello.txt",
        "--config",
        "image-config.json:application/vnd.oci.image.config.v1+json",
        "--image-spec",
        "v1.0",
    ]);
    let one: Value =
        serde_json::from_str(&w.ok(&["manifest", "index", "create", &repo, "image", "-o", "-"]))
            .unwrap();
    assert_eq!(
        one["manifests"][0]["platform"],
        serde_json::json!({"architecture": "arm64", "os": "linux", "variant": "v8"})
    );
    w.ok(&[
        "manifest",
        "index",
        "create",
        &repo,
        "amd",
        "-o",
        "index.json",
    ]);
    assert_eq!(
        std::fs::read_to_string(w.path("index.json")).unwrap(),
        to_stdout
    );
    let err = w.fails(&[
        "manifest",
        "index",
        "create",
        &repo,
        "amd",
        "--artifact-type",
        "not a type",
    ]);
    assert!(err.contains("not a type: invalid media type"), "{err}");
    let err = w.fails(&["manifest", "index", "create", &repo, "nope"]);
    assert!(err.contains("could not find the manifest nope"), "{err}");

    // Update: remove one, add one, merge an index, tag.
    w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:win-only"),
        "win",
    ]);
    let out = w.ok(&[
        "manifest",
        "index",
        "update",
        &format!("{repo}:multi"),
        "--remove",
        &digests[0],
        "--add",
        "amd",
        "--merge",
        "win-only",
        "--tag",
        "updated",
    ]);
    let updated = w.ok(&["manifest", "fetch", &format!("{repo}:multi")]);
    let updated_digest = sha256(updated.as_bytes());
    let win_only = w
        .ok(&["resolve", &format!("{repo}:win-only")])
        .trim()
        .to_owned();
    assert_eq!(
        out,
        format!(
            "Fetching  multi\nFetched   {index_digest} multi\nRemoved   {0}\nFetching  amd\nFetched   {0} amd\nAdded     {0} amd\nFetching  win-only\nFetched   {win_only} win-only\nMerged    {win_only} win-only\nUpdated   {updated_digest}\nPushed    [registry] {repo}:multi\nTagged updated\nDigest: {updated_digest}\n",
            digests[0]
        )
    );
    let v: Value = serde_json::from_str(&updated).unwrap();
    let order: Vec<&str> = v["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            digests[1].as_str(),
            digests[0].as_str(),
            digests[2].as_str()
        ]
    );
    assert_eq!(
        w.ok(&["resolve", &format!("{repo}:updated")]).trim(),
        updated_digest
    );
    assert_eq!(
        w.ok(&["manifest", "index", "update", &format!("{repo}:multi")]),
        "Nothing to update as no change is requested\n"
    );
    let err = w.fails(&[
        "manifest",
        "index",
        "update",
        &format!("{repo}:multi"),
        "--remove",
        "latest",
    ]);
    assert!(err.contains("remove: latest is not a digest"), "{err}");
    let err = w.fails(&[
        "manifest",
        "index",
        "update",
        &format!("{repo}:multi"),
        "--remove",
        &index_digest,
    ]);
    assert!(
        err.contains(&format!("{index_digest} does not exist in the index multi")),
        "{err}"
    );
    let err = w.fails(&[
        "manifest",
        "index",
        "update",
        &format!("{repo}:amd"),
        "--add",
        "arm",
    ]);
    assert!(err.contains("amd is not an index"), "{err}");
    let err = w.fails(&[
        "manifest",
        "index",
        "update",
        &format!("{repo}:multi"),
        "--tag",
        "t",
        "-o",
        "-",
        "--add",
        "arm",
    ]);
    assert!(
        err.contains("--tag, --output cannot be used at the same time"),
        "{err}"
    );
}

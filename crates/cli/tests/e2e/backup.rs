//! `oras backup` and `oras restore`, as the Go CLI's specs (`backup.go`, `restore.go`)
//! check them.

use oras_tests::fake::{FakeAuth, FakeRegistry};
use oras_tests::registries;
use oras_tests::server::FakeServer;

use crate::{Work, reference, unique};

#[test]
fn back_up_and_restore_with_referrers() {
    let w = Work::new();
    let r = &registries().anonymous;
    let repo = reference(r, &unique("backup/src"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    w.ok(&["push", &format!("{repo}:v2"), "bar.txt"]);
    let sig = w.json(&[
        "attach",
        "--artifact-type",
        "t/sig",
        &format!("{repo}:v1"),
        "bar.txt",
    ]);
    let sig = sig["digest"].as_str().unwrap().to_owned();

    // To a directory: every tag, with referrers.
    let out = w.ok(&["backup", "--output", "saved", "--include-referrers", &repo]);
    let referrers_tag = w
        .ok(&["resolve", &format!("{repo}:v1")])
        .trim()
        .replace(':', "-");
    assert!(
        out.starts_with(&format!(
            "Found 3 tag(s) in {repo}: {referrers_tag}, v1, v2\n"
        )),
        "{out}"
    );
    assert!(out.contains("Pulled tag v1 with 1 referrer(s)\n"), "{out}");
    assert!(out.contains("Pulled tag v2 with 0 referrer(s)\n"), "{out}");
    assert!(out.contains("Pulling  "), "{out}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with(&format!(
            "Successfully backed up 3 tag(s) from \"{repo}\" to \"saved\" in "
        )) && last.ends_with('.'),
        "{last}"
    );
    assert!(!w.path("saved/ingest").exists());
    let d = w.json(&["discover", "--oci-layout", "saved:v1"]);
    assert_eq!(d["referrers"][0]["digest"], sig.as_str());

    // To a tar: the named tags.
    let out = w.ok(&["backup", "-o", "saved.tar", &format!("{repo}:v1,v2")]);
    assert!(
        out.starts_with(&format!("Found 2 tag(s) in {repo}: v1, v2\n")),
        "{out}"
    );
    assert!(
        out.contains("Exporting to saved.tar\nExported to saved.tar ("),
        "{out}"
    );
    assert!(w.path("saved.tar").is_file());
    assert_eq!(
        w.ok(&["repo", "tags", "--oci-layout", "saved.tar"]),
        "v1\nv2\n"
    );

    // Restore both ways, to new repositories.
    let to = reference(r, &unique("backup/restored"));
    let out = w.ok(&["restore", "--input", "saved.tar", &to]);
    assert!(
        out.starts_with("Loaded backup archive: saved.tar ("),
        "{out}"
    );
    assert!(
        out.contains("Found 2 tag(s) in the backup: v1, v2\n"),
        "{out}"
    );
    assert!(out.contains("Pushed tag v1 with 0 referrer(s)\n"), "{out}");
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with(&format!("Successfully restored 2 tag(s) to \"{to}\" in ")),
        "{out}"
    );
    assert_eq!(w.ok(&["repo", "tags", &to]), "v1\nv2\n");
    let dry = reference(r, &unique("backup/dry"));
    let out = w.ok(&[
        "restore",
        "--input",
        "saved",
        "--dry-run",
        &format!("{dry}:v1"),
    ]);
    assert!(
        out.contains("Dry run: would push tag v1 with 1 referrer(s)\n"),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "Dry run complete: 1 tag(s) would be restored to \"{dry}\" (no data pushed)\n"
        )),
        "{out}"
    );
    assert!(
        w.fails(&["resolve", &format!("{dry}:v1")])
            .contains("not found"),
        "nothing pushed"
    );
    let with_referrers = reference(r, &unique("backup/full"));
    let out = w.ok(&[
        "restore",
        "--input",
        "saved",
        &format!("{with_referrers}:v1"),
    ]);
    assert!(out.contains("Pushed tag v1 with 1 referrer(s)"), "{out}");
    let d = w.json(&["discover", &format!("{with_referrers}:v1")]);
    assert_eq!(d["referrers"][0]["digest"], sig.as_str());
}

#[test]
fn refusals() {
    let w = Work::new();
    let r = &registries().anonymous;
    let repo = reference(r, &unique("backup/errors"));
    let err = w.fails(&["backup", &format!("{repo}:v1")]);
    assert!(err.contains("required flag(s) \"output\" not set"), "{err}");
    let err = w.fails(&[
        "backup",
        "-o",
        "x",
        &format!("{repo}@sha256:{}", "a".repeat(64)),
    ]);
    assert!(err.contains("digest references are not supported"), "{err}");
    std::fs::create_dir_all(w.path("a.tar")).unwrap();
    let err = w.fails(&["backup", "-o", "a.tar", &format!("{repo}:v1")]);
    assert!(err.contains("already exists and is a directory") && err.contains("To back up to a tar archive, please specify a different output file name or remove the existing directory."), "{err}");
    // distribution knows no tags of a repository holding only untagged content.
    w.ok(&["push", &repo, "hello.txt"]);
    let err = w.fails(&["backup", "-o", "none", &repo]);
    // The registry's answer alone, as oras-go reports it.
    assert!(
        err.starts_with("Error response from registry: name unknown"),
        "{err}"
    );
    // A registry that answers with an empty list.
    let server = FakeServer::start(FakeRegistry::new(FakeAuth::None));
    let empty = format!("{}/backup/empty", server.host());
    w.ok(&["push", &empty, "hello.txt"]);
    let err = w.fails(&["backup", "-o", "none", &empty]);
    assert!(
        err.contains(&format!("no tags found in repository \"{empty}\""))
            && err.contains(&format!(
                "If you want to list available tags in \"{empty}\", use \"oras repo tags\""
            )),
        "{err}"
    );
    let err = w.fails(&["restore", &repo]);
    assert!(err.contains("required flag(s) \"input\" not set"), "{err}");
    std::fs::write(w.path("not-a-tar"), "plain text").unwrap();
    let err = w.fails(&["restore", "--input", "not-a-tar", &repo]);
    assert!(err.contains("is not a tar archive"), "{err}");
    // A `.tar` is taken for one by its name, as Go takes it, and then found wanting.
    std::fs::write(w.path("not.tar"), "plain text").unwrap();
    let err = w.fails(&["restore", "--input", "not.tar", &repo]);
    assert!(
        err.contains("failed to prepare OCI store from tar archive \"not.tar\""),
        "{err}"
    );
    std::fs::write(w.path("empty.tar"), "").unwrap();
    let err = w.fails(&["restore", "--input", "empty.tar", &repo]);
    assert!(err.contains("invalid OCI Image Layout"), "{err}");
    w.ok(&["push", "--oci-layout", "empty-layout", "hello.txt"]);
    let err = w.fails(&["restore", "--input", "empty-layout", &repo]);
    assert!(
        err.contains("no tags found in OCI layout") && err.contains("oras repo tags --oci-layout"),
        "{err}"
    );
}

//! `oras blob` push, fetch and delete, as the Go CLI's specs (`blob.go`) check them, and in
//! bounded memory at 1 GiB.

use std::process::Stdio;

use oras_tests::registries;

use crate::{Work, failed, reference, sha256, short, unique};

#[test]
fn push_fetch_and_delete() {
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("blob/app"));
    std::fs::write(w.path("blob.bin"), "only a blob").unwrap();
    let digest = sha256(b"only a blob");
    let layer = format!("{} application/vnd.oci.image.layer.v1.tar", short(&digest));
    assert_eq!(
        w.ok(&["blob", "push", &repo, "blob.bin"]),
        format!(
            "Uploading {layer}\nUploaded  {layer}\nPushed: [registry] {repo}\nDigest: {digest}\n"
        )
    );
    assert_eq!(
        w.ok(&["blob", "push", &format!("{repo}@{digest}"), "blob.bin"]),
        format!("Exists    {layer}\nPushed: [registry] {repo}@{digest}\nDigest: {digest}\n")
    );
    assert_eq!(
        w.ok(&[
            "blob",
            "push",
            &repo,
            "blob.bin",
            "--descriptor",
            "--media-type",
            "application/vnd.example"
        ]),
        format!(r#"{{"mediaType":"application/vnd.example","digest":"{digest}","size":11}}"#)
    );
    assert_eq!(
        w.ok(&[
            "blob",
            "push",
            &repo,
            "blob.bin",
            "--descriptor",
            "--pretty"
        ]),
        format!(
            "{{\n  \"mediaType\": \"application/vnd.oci.image.layer.v1.tar\",\n  \"digest\": \"{digest}\",\n  \"size\": 11\n}}\n"
        )
    );
    let err = w.fails(&["blob", "push", &repo, "blob.bin", "--size", "3"]);
    assert!(
        err.contains("input size 3 does not match the actual content size 11"),
        "{err}"
    );
    let err = w.fails(&["blob", "push", &repo, "-"]);
    assert!(
        err.contains("Error: `--size` must be provided if the blob is read from stdin"),
        "{err}"
    );
    let err = w.fails(&["blob", "push", &format!("{repo}@sha256:xyz"), "blob.bin"]);
    assert!(err.contains("invalid"), "{err}");

    // stdin, with a digest, and without (hashed as it is sent).
    let piped = w.run_stdin(
        &[
            "blob",
            "push",
            &format!("{repo}@{}", sha256(b"piped")),
            "-",
            "--size",
            "5",
        ],
        b"piped",
    );
    assert!(crate::succeeded(&["push"], piped).contains("Uploaded  "));
    let undigested = w.run_stdin(
        &["blob", "push", &repo, "-", "--size", "9", "--descriptor"],
        b"no digest",
    );
    let out = crate::succeeded(&["push"], undigested);
    assert!(out.contains(&sha256(b"no digest")), "{out}");
    assert_eq!(
        w.ok(&[
            "blob",
            "fetch",
            &format!("{repo}@{}", sha256(b"no digest")),
            "-o",
            "-"
        ]),
        "no digest"
    );

    // fetch
    w.ok(&[
        "blob",
        "fetch",
        &format!("{repo}@{digest}"),
        "-o",
        "out.bin",
    ]);
    assert_eq!(
        std::fs::read_to_string(w.path("out.bin")).unwrap(),
        "only a blob"
    );
    assert_eq!(
        w.ok(&["blob", "get", &format!("{repo}@{digest}"), "-o", "-"]),
        "only a blob"
    );
    assert_eq!(
        w.ok(&["blob", "fetch", &format!("{repo}@{digest}"), "--descriptor"]),
        format!(r#"{{"mediaType":"application/octet-stream","digest":"{digest}","size":11}}"#)
    );
    let err = w.fails(&["blob", "fetch", &format!("{repo}@{digest}")]);
    assert!(
        err.contains("either `--output` or `--descriptor` must be provided"),
        "{err}"
    );
    let err = w.fails(&[
        "blob",
        "fetch",
        &format!("{repo}@{digest}"),
        "-o",
        "-",
        "--descriptor",
    ]);
    assert!(
        err.contains("`--output -` cannot be used with `--descriptor` at the same time"),
        "{err}"
    );
    let err = failed(
        &["fetch"],
        w.run(&["blob", "fetch", &format!("{repo}:tag"), "-o", "-"]),
    );
    assert!(
        err.contains("no digest specified") || err.contains("digest"),
        "{err}"
    );
    let err = failed(&["fetch"], w.run(&["blob", "fetch", &repo, "-o", "-"]));
    assert!(
        err.contains("no digest specified") && err.contains("oras blob fetch"),
        "{err}"
    );

    // delete
    let kept = crate::succeeded(
        &["delete"],
        w.run_stdin(&["blob", "delete", &format!("{repo}@{digest}")], b"no\n"),
    );
    assert_eq!(
        kept,
        format!(
            "Are you sure you want to delete the blob \"{digest}\"? [y/N] Operation cancelled.\n"
        )
    );
    assert_eq!(
        w.ok(&["blob", "rm", "-f", &format!("{repo}@{digest}")]),
        format!("Deleted [registry] {repo}@{digest}\n")
    );
    assert_eq!(
        w.ok(&["blob", "delete", "-f", &format!("{repo}@{digest}")]),
        format!("Missing {repo}@{digest}\n")
    );
    let err = w.fails(&[
        "blob",
        "delete",
        &format!("{repo}@{digest}"),
        "-f",
        "--descriptor",
    ]);
    assert!(
        err.contains(&format!(
            "{repo}@{digest}: the specified blob does not exist"
        )),
        "{err}"
    );
    let err = w.fails(&["blob", "fetch", &format!("{repo}@{digest}"), "-o", "-"]);
    assert!(
        err.starts_with("Error response from registry:") && err.contains("not found"),
        "{err}"
    );
}

#[test]
fn in_a_layout() {
    let w = Work::new();
    std::fs::write(w.path("blob.bin"), "layout blob").unwrap();
    let digest = sha256(b"layout blob");
    w.ok(&["blob", "push", "--oci-layout", "layout", "blob.bin"]);
    assert_eq!(
        w.ok(&[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("layout@{digest}"),
            "-o",
            "-"
        ]),
        "layout blob"
    );
    assert_eq!(
        w.ok(&[
            "blob",
            "delete",
            "--oci-layout",
            "-f",
            &format!("layout@{digest}")
        ]),
        format!("Deleted [oci-layout] layout@{digest}\n")
    );
    let piped = w.run_stdin(
        &["blob", "push", "--oci-layout", "layout", "-", "--size", "5"],
        b"spool",
    );
    crate::succeeded(&["push"], piped);
    assert_eq!(
        w.ok(&[
            "blob",
            "fetch",
            "--oci-layout",
            &format!("layout@{}", sha256(b"spool")),
            "-o",
            "-"
        ]),
        "spool"
    );
}

/// Peak RSS (KiB) of one run, measured by GNU time.
fn peak_rss(w: &Work, args: &[&str], stdin: Stdio, stdout: Stdio) -> u64 {
    let report = w.path(&unique("rss"));
    let status = std::process::Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&report)
        .arg(env!("CARGO_BIN_EXE_oras"))
        .args(args)
        .current_dir(&w.0)
        .env("DOCKER_CONFIG", w.0.join("docker"))
        .stdin(stdin)
        .stdout(stdout)
        .status()
        .unwrap();
    assert!(status.success(), "oras {args:?}");
    std::fs::read_to_string(report)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_1_gib_moves_in_bounded_memory_through_every_command() {
    const GIB: usize = 1 << 30;
    let w = Work::new();
    let repo = reference(&registries().anonymous, &unique("blob/big"));
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(w.path("big.bin")).unwrap());
        let chunk: Vec<u8> = (0..1 << 20)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        for i in 0..GIB >> 20 {
            let mut c = chunk.clone();
            c[0] = i as u8;
            f.write_all(&c).unwrap();
        }
    }
    let push = peak_rss(
        &w,
        &["blob", "push", "--descriptor", &repo, "big.bin"],
        Stdio::null(),
        Stdio::null(),
    );
    let digest = String::from_utf8(
        w.run(&["blob", "push", "--descriptor", &repo, "big.bin"])
            .stdout,
    )
    .unwrap();
    let digest = serde_json::from_str::<serde_json::Value>(&digest).unwrap()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let fetch = peak_rss(
        &w,
        &["blob", "fetch", &format!("{repo}@{digest}"), "-o", "-"],
        Stdio::null(),
        Stdio::null(),
    );
    let to_file = peak_rss(
        &w,
        &[
            "blob",
            "fetch",
            &format!("{repo}@{digest}"),
            "-o",
            "copy.bin",
        ],
        Stdio::null(),
        Stdio::null(),
    );
    assert_eq!(
        std::fs::metadata(w.path("copy.bin")).unwrap().len(),
        GIB as u64
    );
    let stdin = std::fs::File::open(w.path("big.bin")).unwrap();
    let other = reference(&registries().anonymous, &unique("blob/stdin"));
    let piped = peak_rss(
        &w,
        &[
            "blob",
            "push",
            "--descriptor",
            &other,
            "-",
            "--size",
            &GIB.to_string(),
        ],
        Stdio::from(stdin),
        Stdio::null(),
    );
    assert_eq!(
        w.ok(&[
            "blob",
            "fetch",
            &format!("{other}@{digest}"),
            "--descriptor"
        ]),
        format!(r#"{{"mediaType":"application/octet-stream","digest":"{digest}","size":{GIB}}}"#),
        "hashed as it was sent"
    );
    // And the artifact commands, on the same GiB.
    let artifact = peak_rss(
        &w,
        &["push", &format!("{repo}:big"), "big.bin"],
        Stdio::null(),
        Stdio::null(),
    );
    let pulled = peak_rss(
        &w,
        &["pull", &format!("{repo}:big"), "-o", "pulled"],
        Stdio::null(),
        Stdio::null(),
    );
    assert_eq!(
        std::fs::metadata(w.path("pulled/big.bin")).unwrap().len(),
        GIB as u64
    );
    std::fs::remove_file(w.path("pulled/big.bin")).unwrap();
    let copied = peak_rss(
        &w,
        &[
            "cp",
            &format!("{repo}:big"),
            "--to-oci-layout",
            "layout:big",
        ],
        Stdio::null(),
        Stdio::null(),
    );
    eprintln!(
        "1 GiB, peak RSS KiB: blob push {push}, blob fetch to stdout {fetch}, to a file {to_file}, blob push from stdin {piped}, push {artifact}, pull {pulled}, cp to a layout {copied}"
    );
    for (what, kib) in [
        ("blob push", push),
        ("blob fetch -o -", fetch),
        ("blob fetch -o file", to_file),
        ("blob push -", piped),
        ("push", artifact),
        ("pull", pulled),
        ("cp", copied),
    ] {
        assert!(kib < 64 * 1024, "{what}: peak RSS {kib} KiB");
    }
}

//! The last of the Go CLI's contract, kind by kind: help laid out as cobra's, usage
//! errors, a status line per graph node, error text, flags as pflag reads them, and the
//! semantics left different before (digest tags, the referrers API mode, layout reference
//! names, layout descriptors, numbered debug logs). The expected strings are the Go
//! CLI's; the behaviours are those its end-to-end specs hold it to.

use oras_tests::fake::{FakeAuth, FakeRegistry};
use oras_tests::registries;
use oras_tests::server::FakeServer;

use crate::{Work, assert_status, failed, reference, short, unique};

/// Every command, as its path after `oras`, with its aliases.
const COMMANDS: &[(&str, &[&str])] = &[
    ("attach", &[]),
    ("backup", &[]),
    ("blob delete", &["remove", "rm"]),
    ("blob fetch", &["get"]),
    ("blob push", &[]),
    ("cp", &["copy"]),
    ("discover", &[]),
    ("login", &[]),
    ("logout", &[]),
    ("manifest delete", &["remove", "rm"]),
    ("manifest fetch", &["get", "show"]),
    ("manifest fetch-config", &["get-config"]),
    ("manifest index create", &["pack"]),
    ("manifest index update", &[]),
    ("manifest push", &[]),
    ("pull", &[]),
    ("push", &[]),
    ("repo ls", &["list"]),
    ("repo tags", &["show-tags"]),
    ("resolve", &["digest"]),
    ("restore", &[]),
    ("tag", &[]),
    ("version", &[]),
];

const GROUPS: &[&str] = &["", "blob", "manifest", "manifest index", "repo"];

fn help(w: &Work, path: &str) -> String {
    let mut args: Vec<&str> = path.split_whitespace().collect();
    args.push("--help");
    w.ok(&args)
}

/// The lines of the `Flags:` section.
fn flag_lines(help: &str) -> Vec<String> {
    let (_, flags) = help.split_once("\nFlags:\n").expect("a Flags section");
    let flags = flags.split("\n\n").next().unwrap_or_default();
    flags.lines().map(str::to_owned).collect()
}

/// Where the usage of a flag line starts: after the flag, its value and the spaces.
fn usage_column(line: &str) -> usize {
    let head = line[6..].find("   ").map_or(line.len(), |i| i + 6);
    head + line[head..].len() - line[head..].trim_start().len()
}

/// The text of the flag `--name` (its first line, from the flag on).
fn flag(help: &str, name: &str) -> String {
    flag_lines(help)
        .into_iter()
        .find(|l| {
            l.split_whitespace()
                .any(|w| w == format!("--{name}") || w == format!("--{name},"))
        })
        .unwrap_or_else(|| panic!("no --{name} in:\n{help}"))
}

#[test]
fn help_is_laid_out_as_cobras_for_every_command() {
    let w = Work::new();
    for (path, aliases) in COMMANDS {
        let out = help(&w, path);
        let name = path.rsplit(' ').next().unwrap();
        let usage = format!("\n\nUsage:\n  oras {path}");
        assert!(out.contains(&usage), "{path}: {usage:?} in:\n{out}");
        if *path != "version" {
            assert!(out.contains("\nExample - "), "{path}: examples:\n{out}");
        }
        if aliases.is_empty() {
            assert!(!out.contains("Aliases:"), "{path}:\n{out}");
        } else {
            let line = format!("\n\nAliases:\n  {name}, {}\n", aliases.join(", "));
            assert!(out.contains(&line), "{path}: {line:?} in:\n{out}");
            // Help through an alias is the same text.
            let mut via: Vec<&str> = path.split(' ').collect();
            *via.last_mut().unwrap() = aliases[0];
            assert_eq!(help(&w, &via.join(" ")), out, "{path} as {}", aliases[0]);
        }
        let help_flag = flag(&out, "help");
        assert!(
            help_flag.starts_with("  -h, --help "),
            "{path}: {help_flag}"
        );
        assert!(
            help_flag.ends_with(&format!("   help for {name}")),
            "{path}: {help_flag}"
        );
        assert!(
            !out.contains("--verbose"),
            "{path}: --verbose is hidden:\n{out}"
        );
        // pflag's columns: every usage starts where the widest flag ends, plus three.
        let lines = flag_lines(&out);
        let starts: Vec<usize> = lines
            .iter()
            .filter(|l| l.starts_with("  -") || l.starts_with("      --"))
            .map(|l| usage_column(l))
            .collect();
        assert!(
            starts.windows(2).all(|p| p[0] == p[1]),
            "{path}: one usage column:\n{}",
            lines.join("\n")
        );
        let names: Vec<String> = lines
            .iter()
            .filter(|l| l.starts_with("  -") || l.starts_with("      --"))
            .map(|l| {
                l.split_whitespace()
                    .find(|w| w.starts_with("--"))
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "{path}: flags sorted by name");
    }
    for group in GROUPS {
        let out = if group.is_empty() {
            w.ok(&[])
        } else {
            w.ok(&group.split(' ').collect::<Vec<_>>())
        };
        let full = if group.is_empty() {
            "oras".to_owned()
        } else {
            format!("oras {group}")
        };
        assert!(
            out.contains(&format!("Usage:\n  {full} [command]\n")),
            "{group}:\n{out}"
        );
        assert!(out.contains("\n\nAvailable Commands:\n"), "{group}:\n{out}");
        assert!(
            out.ends_with(&format!(
                "\n\nUse \"{full} [command] --help\" for more information about a command.\n"
            )),
            "{group}:\n{out}"
        );
        assert_eq!(help(&w, group), out, "{group} alone is its help");
    }
    assert_eq!(
        w.ok(&["help", "manifest", "fetch"]),
        help(&w, "manifest fetch")
    );
}

#[test]
fn help_shows_types_defaults_and_marks_as_go_does() {
    let w = Work::new();
    // A whole help, byte for byte.
    assert_eq!(
        help(&w, "logout"),
        "Log out from a remote registry

Example - Log out from the registry 'localhost:5000':
  oras logout localhost:5000

Usage:
  oras logout [flags] <registry>

Flags:
  -d, --debug                         debug mode
  -h, --help                          help for logout
      --registry-config stringArray   auth config path
"
    );
    let push = help(&w, "push");
    for (name, text) in [
        ("image-spec", "      --image-spec string "),
        ("oci-layout-path", "      --oci-layout-path string "),
        ("concurrency", "      --concurrency int "),
        ("annotation", "  -a, --annotation stringArray "),
        ("export-manifest", "      --export-manifest path "),
        (
            "artifact-platform",
            "      --artifact-platform os[/arch][/variant][:os_version] ",
        ),
        ("plain-http", "      --plain-http "),
    ] {
        assert!(flag(&push, name).starts_with(text), "{name}:\n{push}");
    }
    assert!(flag(&push, "image-spec").contains("   [Preview] specify manifest type"));
    assert!(flag(&push, "oci-layout-path").contains("   [Experimental] set the path"));
    assert!(flag(&push, "concurrency").ends_with("concurrency level (default 5)"));
    // --format: each type with its words, aligned, the default last with (default …).
    let format = push.split_once("      --format string").unwrap().1;
    let format: Vec<&str> = format.lines().take(4).collect();
    assert!(
        format[0].ends_with("[Experimental] format output using a custom template:"),
        "{format:?}"
    );
    assert!(
        format[1]
            .trim_start()
            .starts_with("'json':         Print in JSON format")
    );
    assert!(
        format[2]
            .trim_start()
            .starts_with("'go-template':  Print output using the given Go template")
    );
    assert_eq!(
        format[3].trim_start(),
        "'text':         Print in text format (default \"text\")"
    );
    assert!(flag(&help(&w, "pull"), "output").ends_with("output directory (default \".\")"));
    assert!(
        help(&w, "blob push").contains(
            "specify the returned media type in the descriptor if --descriptor is used (default \"application/vnd.oci.image.layer.v1.tar\")"
        )
    );
    let cp = help(&w, "cp");
    for (name, mark) in [
        ("from-distribution-spec", "[Preview]"),
        ("to-distribution-spec", "[Preview]"),
        ("from-oci-layout-path", "[Experimental]"),
        ("to-oci-layout-path", "[Experimental]"),
        ("recursive", "[Preview]"),
    ] {
        let line = flag(&cp, name);
        assert!(line.contains(&format!("   {mark} ")), "{line}");
    }
    assert!(flag(&cp, "recursive").starts_with("  -r, --recursive "));
    let attach = help(&w, "attach");
    assert!(flag(&attach, "distribution-spec").contains("   [Preview] set OCI distribution"));
    assert!(flag(&attach, "no-tty").ends_with("[Preview] disable progress bars"));
    assert!(!attach.contains("disable colors"));
    let discover = help(&w, "discover");
    assert!(discover.starts_with(
        "[Preview] Discover referrers of a manifest in a registry or an OCI image layout\n\n** This command is in preview and under development. **\n"
    ));
    assert!(flag(&discover, "no-tty").ends_with("[Preview] disable colors"));
    assert!(!discover.contains("disable progress bars"));
    assert!(discover.contains("(default \"tree\")"));
    assert!(help(&w, "resolve").starts_with("[Preview] "));
    assert!(help(&w, "digest").starts_with("[Preview] "));
    assert!(help(&w, "backup").starts_with("[Experimental] "));
    assert!(help(&w, "restore").starts_with("[Experimental] "));
    assert!(flag(&help(&w, "repo tags"), "exclude-digest-tags").contains("   [Preview] exclude"));
    // Flags Go's command lacks are not listed (every command still takes -d and --no-tty).
    let tag = help(&w, "tag");
    assert!(
        !flag_lines(&tag)
            .iter()
            .any(|l| l.starts_with("      --no-tty") || l.contains("--distribution-spec")),
        "{tag}"
    );
    assert!(flag(&tag, "debug").ends_with("output debug logs (implies --no-tty)"));
    assert!(!help(&w, "version").contains("--debug"));
}

#[test]
fn usage_errors_name_the_command_and_its_usage() {
    let w = Work::new();
    // The arguments are counted before a required flag is asked for, as cobra does.
    let err = failed(&["attach"], w.run(&["attach"]));
    assert!(
        err.starts_with("Error: \"oras attach\" requires at least 1 argument but got 0\nUsage: oras attach [flags] --artifact-type=<type>")
            && err.contains("Run \"oras attach -h\" for more options and examples"),
        "{err}"
    );
    let err = failed(
        &["attach"],
        w.run(&["attach", "localhost:1/x:v1", "hello.txt"]),
    );
    assert_eq!(err, "Error: required flag(s) \"artifact-type\" not set\n");
    let err = failed(&["blob fetch"], w.run(&["blob", "fetch"]));
    assert!(
        err.starts_with("Error: \"oras blob fetch\" requires exactly 1 argument but got 0\nUsage: oras blob fetch [flags] {--output <file> | --descriptor} <name>@<digest>\n"),
        "{err}"
    );
    let err = failed(
        &["blob fetch"],
        w.run(&["blob", "fetch", "localhost:1/x@sha256:0"]),
    );
    assert_eq!(
        err,
        "Error: either `--output` or `--descriptor` must be provided\n"
    );
    let err = failed(&["backup"], w.run(&["backup", "localhost:1/x:v1"]));
    assert_eq!(err, "Error: required flag(s) \"output\" not set\n");
    let err = failed(&["blob"], w.run(&["blob", "frob"]));
    assert_eq!(
        err,
        "Error: unknown command \"frob\" for \"oras blob\"\nRun 'oras blob --help' for usage.\n"
    );
}

/// An index of two platform manifests sharing a layer (the same title in both), one of
/// them listing it once more under a second title, and `{}` both as the empty config and
/// as a config typed `test/config`: each node has one line, and the shared blob is asked
/// for and sent once.
#[test]
fn status_lines_are_one_per_graph_node() {
    let anonymous = &registries().anonymous;
    let w = Work::new();
    std::fs::write(w.path("shared.txt"), "shared by both").unwrap();
    std::fs::write(w.path("empty.json"), "{}").unwrap();
    let repo = reference(anonymous, &unique("contract/nodes"));
    let a = w.json(&[
        "push",
        &format!("{repo}:a"),
        "shared.txt",
        "--artifact-type",
        "test/a",
    ]);
    std::fs::copy(w.path("shared.txt"), w.path("again.txt")).unwrap();
    let b = w.json(&[
        "push",
        &format!("{repo}:b"),
        "shared.txt",
        "again.txt",
        "--config",
        "empty.json:test/config",
    ]);
    w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:index"),
        "a",
        "b",
    ]);
    let layer = short(&crate::sha256(b"shared by both"));
    let empty = short(&crate::sha256(b"{}"));

    let registry = FakeRegistry::new(FakeAuth::None);
    let server = FakeServer::start(registry.clone());
    let dst = format!("{}/contract/nodes", server.host());
    let out = w.ok(&[
        "cp",
        "-r",
        &format!("{repo}:index"),
        &format!("{dst}:copied"),
    ]);
    let a_digest = short(a["digest"].as_str().unwrap());
    let b_digest = short(b["digest"].as_str().unwrap());
    let copied: &[&str] = &["Copying", "Copied"];
    let index = crate::status(&out)
        .into_iter()
        .find(|(_, _, n)| n == "application/vnd.oci.image.index.v1+json")
        .map(|(_, d, _)| d)
        .expect("the index");
    assert_status(
        &out,
        &[
            (&layer, "shared.txt", copied),
            (&layer, "again.txt", &["Skipped"]),
            (&empty, "application/vnd.oci.empty.v1+json", copied),
            // The same bytes as another node, there already: not asked for again.
            (&empty, "test/config", &["Exists"]),
            (
                &a_digest,
                "application/vnd.oci.image.manifest.v1+json",
                copied,
            ),
            (
                &b_digest,
                "application/vnd.oci.image.manifest.v1+json",
                copied,
            ),
            (&index, "application/vnd.oci.image.index.v1+json", copied),
        ],
    );
    let seen: Vec<(String, String)> = registry
        .seen()
        .into_iter()
        .map(|s| (s.method.to_string(), s.path))
        .collect();
    let layer_digest = crate::sha256(b"shared by both");
    let heads = seen
        .iter()
        .filter(|(m, p)| m == "HEAD" && p.ends_with(&format!("/blobs/{layer_digest}")))
        .count();
    let puts = seen
        .iter()
        .filter(|(m, p)| m == "PUT" && p.contains(&format!("digest={layer_digest}")))
        .count();
    assert_eq!((heads, puts), (1, 1), "{seen:?}");
}

#[test]
fn error_text_is_gos() {
    let r = registries();
    let w = Work::new();
    let repo = reference(&r.anonymous, &unique("contract/errors"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    // The registry's answer, prefixed as Go prefixes it.
    let err = w.fails(&["repo", "ls", &r.basic.host(), "-u", "nobody", "-p", "wrong"]);
    assert!(
        err.lines()
            .any(|l| l.starts_with("Error response from registry: unauthorized:")),
        "{err}"
    );
    // No credential: what failed, then where the credential was looked for.
    let basic = reference(&r.basic, &unique("contract/errors"));
    std::fs::write(w.path("empty.config"), "{}").unwrap();
    let err = w.fails(&[
        "resolve",
        &format!("{basic}:v1"),
        "--registry-config",
        "empty.config",
    ]);
    assert_eq!(
        err,
        "Error: failed to resolve digest: basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.config\" is correct\n"
    );
    let err = w.fails(&[
        "cp",
        &format!("{basic}:v1"),
        &format!("{repo}:copy"),
        "--from-registry-config",
        "empty.config",
    ]);
    assert!(
        err.starts_with(&format!(
            "Error from source registry for \"{basic}:v1\": basic credential not found\nPlease check whether the registry credential stored in the authentication file at \"empty.config\" is correct"
        )),
        "{err}"
    );
    let err = w.fails(&[
        "cp",
        &format!("{repo}:v1"),
        &format!("{basic}:v1"),
        "--to-username",
        r.basic.username.as_deref().unwrap(),
        "--to-password",
        "wrong",
    ]);
    assert!(
        err.lines().any(|l| l.starts_with(&format!(
            "Error from destination registry for \"{basic}:v1\":"
        ))),
        "{err}"
    );
    // A blob given as a manifest of an index.
    w.ok(&["cp", &format!("{repo}:v1"), "--to-oci-layout", "lay:v1"]);
    let config = crate::sha256(b"{}");
    let err = w.fails(&[
        "manifest",
        "index",
        "create",
        "--oci-layout",
        "lay:i",
        &config,
    ]);
    assert!(
        err.contains(&format!("{config} is not a manifest")),
        "{err}"
    );
    // backup and restore.
    assert_eq!(
        w.fails(&["backup", "-o", "", &format!("{repo}:v1")]),
        "Error: the output path cannot be empty\n"
    );
    assert_eq!(
        w.fails(&["restore", "--input", "", &repo]),
        "Error: the input path cannot be empty\n"
    );
    std::fs::create_dir(w.path("not-a-layout")).unwrap();
    let err = w.fails(&["restore", "--input", "not-a-layout", &repo]);
    assert!(
        err.starts_with("Error: no tags found in OCI layout \"not-a-layout\"")
            && err.contains("oras repo tags --oci-layout"),
        "{err}"
    );
    assert!(
        !w.path("not-a-layout/oci-layout").exists(),
        "its input is not written"
    );
    std::fs::write(w.path("empty.tar"), "").unwrap();
    let err = w.fails(&["restore", "--input", "empty.tar", &repo]);
    assert!(err.contains("invalid OCI Image Layout"), "{err}");
    let err = w.fails(&["backup", "-o", "out", &format!("{repo}:nope")]);
    assert_eq!(
        err,
        format!("Error: failed to resolve tag \"nope\": {repo}:nope: not found\n")
    );
    // A repository whose only manifest was deleted lists no tags.
    let emptied = reference(&r.anonymous, &unique("contract/emptied"));
    w.ok(&["push", &format!("{emptied}:v1"), "hello.txt"]);
    w.ok(&["manifest", "delete", "--force", &format!("{emptied}:v1")]);
    let err = w.fails(&["backup", "-o", "out", &emptied]);
    assert!(
        err.starts_with(&format!("Error: no tags found in repository \"{emptied}\"")),
        "{err}"
    );
    let err = w.fails(&["pull", &format!("{repo}:v1"), "--format", "yaml"]);
    assert!(
        err.starts_with("Error: invalid format type: \"yaml\""),
        "{err}"
    );
}

#[test]
fn flags_are_read_as_pflag_reads_them() {
    let anonymous = &registries().anonymous;
    let w = Work::new();
    let repo = reference(anonymous, &unique("contract/flags"));
    let pushed = w.json(&[
        "push",
        &format!("{repo}:v1"),
        "hello.txt",
        "--artifact-type",
        "first/type",
        "--artifact-type",
        "last/type",
        "--insecure=false",
    ]);
    assert_eq!(pushed["artifactType"], "last/type", "the last value wins");
    let out = w.ok(&[
        "manifest",
        "index",
        "create",
        &format!("{repo}:index"),
        "v1",
        "--artifact-type",
        "a/a",
        "--artifact-type",
        "b/b",
        "--output",
        "-",
    ]);
    assert!(out.contains("\"artifactType\":\"b/b\""), "{out}");
    let err = w.fails(&[
        "push",
        &format!("{repo}:v1"),
        "hello.txt",
        "--insecure=maybe",
    ]);
    assert!(
        err.starts_with("Error: invalid argument \"maybe\" for \"--insecure\" flag"),
        "{err}"
    );

    // A side's rule wins over the shared one: the shared one sends nowhere.
    let port = anonymous.addr.port();
    let name = format!("registry.test:{port}/{}", unique("contract/resolve"));
    w.ok(&[
        "cp",
        "--from-plain-http",
        "--to-plain-http",
        "--resolve",
        &format!("registry.test:{port}:127.0.0.1:1"),
        "--to-resolve",
        &format!("registry.test:{port}:127.0.0.1"),
        &format!("{repo}:v1"),
        &format!("{name}:v1"),
    ]);
    let direct = reference(anonymous, name.split_once('/').unwrap().1);
    w.ok(&["manifest", "fetch", &format!("{direct}:v1")]);

    // Only absolute paths are refused; `../x` is recorded as given.
    std::fs::create_dir(w.path("sub")).unwrap();
    let mut cmd = w.command(&["push", &format!("{repo}:dots"), "../hello.txt"]);
    let out = cmd.current_dir(w.path("sub")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&w.ok(&["manifest", "fetch", &format!("{repo}:dots")])).unwrap();
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "../hello.txt"
    );
    let absolute = w.path("hello.txt").display().to_string();
    let err = w.fails(&["push", &format!("{repo}:abs"), &absolute]);
    assert!(err.contains("--disable-path-validation"), "{err}");
    let err = w.fails(&["pull", &format!("{repo}:dots"), "-o", "out"]);
    assert!(
        err.contains("--allow-path-traversal"),
        "pulls still refuse: {err}"
    );
}

#[test]
fn semantics_left_different_before() {
    let r = registries();
    let w = Work::new();

    // Digest tags are what Go's digest.Parse takes once the first `-` is a `:`.
    let repo = reference(&r.anonymous, &unique("contract/tags"));
    w.ok(&["push", &format!("{repo}:normal-tag"), "hello.txt"]);
    let digest_tag = format!("sha256-{}", "e".repeat(64));
    for t in [digest_tag.as_str(), "sha256-short", "sha512-abc"] {
        w.ok(&["tag", &format!("{repo}:normal-tag"), t]);
    }
    let tags = w.json(&["repo", "tags", &repo, "--exclude-digest-tags"]);
    assert_eq!(
        tags["tags"],
        serde_json::json!(["normal-tag", "sha256-short", "sha512-abc"])
    );

    // The referrers API mode writes no tag-schema index on a registry without the API.
    let stock = &r.stock;
    let subject = reference(stock, &unique("contract/api"));
    w.ok(&["push", &format!("{subject}:v1"), "hello.txt"]);
    let digest = w.ok(&["resolve", &format!("{subject}:v1")]);
    let schema_tag = digest.trim().replacen(':', "-", 1);
    w.ok(&[
        "attach",
        "--artifact-type",
        "test/sig",
        "--distribution-spec",
        "v1.1-referrers-api",
        &format!("{subject}:v1"),
        "bar.txt",
    ]);
    let mirror = reference(stock, &unique("contract/api"));
    w.ok(&[
        "cp",
        "-r",
        "--to-distribution-spec",
        "v1.1-referrers-api",
        &format!("{subject}:v1"),
        &format!("{mirror}:v1"),
    ]);
    for repo in [&subject, &mirror] {
        let tags = w.ok(&["repo", "tags", repo]);
        assert!(!tags.contains(&schema_tag), "{repo}: {tags}");
    }

    // Layouts take Go's reference names, under --oci-layout and --oci-layout-path.
    w.ok(&["cp", &format!("{subject}:v1"), "--to-oci-layout", "lay:v1"]);
    w.ok(&[
        "tag",
        "--oci-layout",
        "lay:v1",
        "example.registry.com/foo:latest",
        "example.registry.com/foo:v1.2.6",
        "test.com/bar:v1",
    ]);
    let scoped = w.ok(&[
        "repo",
        "tags",
        "--oci-layout-path",
        "lay",
        "example.registry.com/foo",
    ]);
    assert_eq!(scoped, "latest\nv1.2.6\n");
    let same = w.ok(&[
        "repo",
        "tags",
        "--oci-layout-path",
        "lay",
        "example.registry.com/foo:latest",
    ]);
    assert_eq!(
        same,
        "example.registry.com/foo:latest\nexample.registry.com/foo:v1.2.6\ntest.com/bar:v1\nv1\n"
    );
    let by_name = w.ok(&[
        "resolve",
        "--oci-layout-path",
        "lay",
        "example.registry.com/foo:latest",
    ]);
    assert_eq!(by_name, digest);
    w.ok(&[
        "pull",
        "--oci-layout-path",
        "lay",
        "test.com/bar:v1",
        "-o",
        "pulled",
    ]);
    assert_eq!(
        std::fs::read_to_string(w.path("pulled/hello.txt")).unwrap(),
        "hello world"
    );

    // A layout's descriptor of a tag is its index entry, named.
    let desc: serde_json::Value = serde_json::from_str(&w.ok(&[
        "manifest",
        "fetch",
        "--oci-layout",
        "lay:v1",
        "--descriptor",
    ]))
    .unwrap();
    assert_eq!(
        desc["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    let plain: serde_json::Value = serde_json::from_str(&w.ok(&[
        "manifest",
        "fetch",
        "--oci-layout",
        &format!("lay@{}", digest.trim()),
        "--descriptor",
    ]))
    .unwrap();
    assert!(plain.get("annotations").is_none(), "by digest: {plain}");
    let signed = reference(&r.anonymous, &unique("contract/signed"));
    w.ok(&["push", &format!("{signed}:v1"), "hello.txt"]);
    w.ok(&[
        "attach",
        "--artifact-type",
        "test/sig",
        &format!("{signed}:v1"),
        "bar.txt",
    ]);
    w.ok(&[
        "cp",
        "-r",
        &format!("{signed}:v1"),
        "--to-oci-layout",
        "refs:v1",
    ]);
    let discovered = w.json(&["discover", "--oci-layout", "refs:v1"]);
    assert_eq!(
        discovered["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    assert_eq!(discovered["referrers"].as_array().unwrap().len(), 1);
}

#[test]
fn debug_logs_are_numbered_blocks_with_every_header() {
    let anonymous = &registries().anonymous;
    let w = Work::new();
    let repo = reference(anonymous, &unique("contract/debug"));
    w.ok(&["push", &format!("{repo}:v1"), "hello.txt"]);
    let out = w.run(&[
        "cp",
        "-d",
        "-H",
        "Foo:bar",
        "-H",
        "A: b",
        &format!("{repo}:v1"),
        &format!("{repo}-copy:v1"),
    ]);
    assert!(out.status.success());
    let log = String::from_utf8(out.stderr).unwrap();
    assert_eq!(log.matches("--> Request #0\n").count(), 1, "{log}");
    let requests: Vec<&str> = log.split("--> Request #").skip(1).collect();
    assert!(requests.len() > 3, "{log}");
    for r in &requests {
        let r = r.split("<-- Response #").next().unwrap();
        assert!(
            r.contains("> Request headers:\n")
                && r.contains("   \"Foo\": \"bar\"\n")
                && r.contains("   \"A\": \" b\"\n"),
            "every request carries the headers: {r}"
        );
    }
    let responses = log.matches("<-- Response #").count();
    assert_eq!(responses, requests.len(), "one response per request: {log}");
    assert!(
        log.lines()
            .any(|l| l.starts_with('[') && l.ends_with("][DEBUG]: --> Request #0")),
        "Go's log format: {log}"
    );
}

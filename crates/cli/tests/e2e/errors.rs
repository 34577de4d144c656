//! How a command line is refused, as cobra and the Go CLI refuse it: `Error: …` on stderr
//! and exit status 1, help on stdout with status 0.

use crate::{Work, failed};

#[test]
fn usage_errors_exit_1_with_the_go_wording() {
    let w = Work::new();
    let err = failed(&["--nope"], w.run(&["pull", "--nope", "x"]));
    assert_eq!(err, "Error: unknown flag: --nope\n");
    let err = failed(&["-Z"], w.run(&["pull", "-Z", "x"]));
    assert_eq!(err, "Error: unknown shorthand flag: 'Z' in -Z\n");
    let err = failed(&["frobnicate"], w.run(&["frobnicate"]));
    assert!(
        err.starts_with("Error: unknown command \"frobnicate\" for \"oras\""),
        "{err}"
    );
    let err = failed(
        &["concurrency"],
        w.run(&["pull", "x/y:z", "--concurrency", "many"]),
    );
    assert!(
        err.starts_with("Error: invalid argument \"many\" for \"--concurrency\" flag"),
        "{err}"
    );
    let err = failed(
        &["format"],
        w.run(&["pull", "x/y:z", "--format", "go-template"]),
    );
    assert!(
        err.contains("\"go-template\" format specified but no template given")
            && err.contains("use `--format go-template=TEMPLATE` to specify the template"),
        "{err}"
    );
    let err = failed(
        &["template"],
        w.run(&["pull", "x/y:z", "--template", "{{.}}"]),
    );
    assert!(
        err.contains("--template must be used with --format go-template"),
        "{err}"
    );
    let err = failed(&["format"], w.run(&["pull", "x/y:z", "--format", "table"]));
    assert!(
        err.contains("invalid format type: \"table\"")
            && err.contains("supported types: json, go-template, text"),
        "{err}"
    );
    let err = failed(&["header"], w.run(&["pull", "x/y:z", "-H", "no-colon"]));
    assert!(err.contains("invalid header: \"no-colon\""), "{err}");
    let err = failed(
        &["header"],
        w.run(&["pull", "--oci-layout", "l:v1", "-H", "a: b"]),
    );
    assert!(
        err.contains("custom header flags cannot be used on an OCI image layout target"),
        "{err}"
    );
    let err = failed(&["cert"], w.run(&["pull", "x/y:z", "--cert-file", "c.pem"]));
    assert!(
        err.contains("--cert-file must be used in conjunction with --key-file"),
        "{err}"
    );
    let err = failed(
        &["layout"],
        w.run(&["pull", "x", "--oci-layout", "--oci-layout-path", "p"]),
    );
    assert!(
        err.contains("--oci-layout-path, --oci-layout cannot be used at the same time"),
        "{err}"
    );
}

#[test]
fn help_and_version_succeed() {
    let w = Work::new();
    let help = w.run(&[]);
    assert!(help.status.success(), "`oras` alone shows help");
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage:\n  oras [command]"));
    let out = w.ok(&["manifest"]);
    assert!(
        out.contains("fetch-config"),
        "a group shows its commands: {out}"
    );
    let out = w.ok(&["push", "--help"]);
    assert!(
        out.contains("--artifact-type") && !out.contains("--verbose"),
        "{out}"
    );
    let version = w.ok(&["version"]);
    assert!(
        version.starts_with(&format!(
            "Version: {}\nOS/Arch: ",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}"
    );
    let out = w.run(&["version", "extra"]);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("warning: `oras version` requires no argument, \"extra\" will be ignored")
    );
    let bash = w.ok(&["completion", "bash"]);
    assert!(bash.contains("_oras()") && bash.contains("push") && bash.contains("--oci-layout"));
}

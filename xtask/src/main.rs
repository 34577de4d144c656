//! Project tasks, run as `cargo xtask <task>`. See `usage()`.

use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  ci                       every check CI runs: fmt, clippy, tests, examples, docs,
                           cargo package, cargo-deny
  test                     the test suite (nextest and doctests) with real registries
  examples                 run the crates' examples against real registries
  package                  cargo package of the published crates, each built alone
  layers                   oras-distribution and oras-artifact without default features
                           hold no HTTP/TLS stack and no network runtime
  registry start|stop|status
                           real registries on 127.0.0.1 for the tests (state in
                           target/test-registries/state.json)
  fuzz [TARGET [SECONDS]]  run a fuzz target (cargo-fuzz, installed if missing);
                           without TARGET, list them
  bench [RUNS] [--no-peers]
                           push, pull and copy against the machine's floors on fresh
                           registries, side by side with oras-py, oci-client and
                           skopeo (release builds; tables, targets, target/bench.json)
  bench hash [MIB]         SHA-256/512 throughput of each hash backend
  advisories               cargo deny check advisories (needs the network)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["ci"] => ci(),
        ["test"] => with_registries(test),
        ["examples"] => with_registries(examples),
        ["package"] => package(),
        ["layers"] => no_http_stack_without_default_features(),
        ["registry", "start"] => registry_start(),
        ["registry", "stop"] => oras_tests::stop()
            .map_err(|e| e.to_string())
            .map(|stopped| {
                println!(
                    "{}",
                    if stopped {
                        "registries stopped"
                    } else {
                        "no registries were running"
                    }
                );
            }),
        ["registry", "status"] => registry_status(),
        ["fuzz"] => fuzz_list(),
        ["fuzz", target] => fuzz(target, "60"),
        ["fuzz", target, seconds] => fuzz(target, seconds),
        ["bench"] => bench("3", true),
        ["bench", "--no-peers"] => bench("3", false),
        ["bench", "hash"] => bench_hash("512"),
        ["bench", "hash", mib] => bench_hash(mib),
        ["bench", runs] => bench(runs, true),
        ["bench", runs, "--no-peers"] => bench(runs, false),
        ["advisories"] => {
            ensure_cargo_deny().and_then(|()| cargo(&["deny", "check", "advisories"]))
        }
        ["help" | "-h" | "--help"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown task {args:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cargo(args: &[&str]) -> Result<(), String> {
    run(Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args(args))
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let mut shown = format!("{cmd:?}").replace('"', "");
    // Passwords given through the environment (the examples' test registry) stay out of
    // the log.
    for (key, value) in cmd.get_envs() {
        let secret = ["PASSWORD", "TOKEN", "SECRET"]
            .iter()
            .any(|s| key.to_string_lossy().contains(s));
        if let (true, Some(v)) = (secret, value.and_then(|v| v.to_str()))
            && !v.is_empty()
        {
            shown = shown.replace(v, "***");
        }
    }
    eprintln!("==> {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn ci() -> Result<(), String> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "--package",
        "oras-distribution",
        "--package",
        "oras-artifact",
        "--all-targets",
        "--no-default-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    no_http_stack_without_default_features()?;
    with_registries(|| test().and_then(|()| examples()))?;
    run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "doc",
                "--workspace",
                "--no-deps",
                "--all-features",
                "--locked",
            ])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    package()?;
    ensure_cargo_deny()?;
    // Advisories need the network; `cargo xtask advisories` checks them where there is one.
    cargo(&["deny", "--locked", "check", "bans", "licenses", "sources"])
}

/// The layers below the CLI stand alone: without default features, oras-distribution and
/// oras-artifact pull in no HTTP or TLS stack and no network runtime.
fn no_http_stack_without_default_features() -> Result<(), String> {
    const STACK: [&str; 6] = [
        "hyper",
        "hyper-util",
        "hyper-rustls",
        "rustls",
        "aws-lc-rs",
        "aws-lc-sys",
    ];
    for package in ["oras-distribution", "oras-artifact"] {
        let shown = format!("cargo tree -p {package} --no-default-features -e normal,features");
        eprintln!("==> {shown}");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["tree", "--locked", "-p", package, "--no-default-features"])
            .args(["-e", "normal,features", "--prefix", "none"])
            .output()
            .map_err(|e| format!("{shown}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{shown} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let tree = String::from_utf8_lossy(&out.stdout);
        for line in tree.lines() {
            let name = line.split_whitespace().next().unwrap_or_default();
            let tokio_net = line.starts_with("tokio feature \"net\"");
            if STACK.contains(&name) || tokio_net {
                return Err(format!(
                    "{package} without default features depends on {line}"
                ));
            }
        }
    }
    Ok(())
}

/// Every published crate packages and builds on its own, from its package alone.
fn package() -> Result<(), String> {
    forget_unpacked_packages()?;
    // Crates from a registry are never rebuilt once built (their sources are taken to be
    // immutable), so a previous verification's builds of these would be reused too.
    let mut clean = vec!["clean"];
    for p in PUBLISHED {
        clean.extend(["-p", p]);
    }
    cargo(&clean)?;
    cargo(&[
        "package",
        "--workspace",
        "--locked",
        "--exclude",
        "oras-tests",
        "--exclude",
        "oras-bench",
        "--exclude",
        "xtask",
    ])
}

/// The names of the crates this workspace publishes.
const PUBLISHED: [&str; 6] = [
    "oras-reference",
    "oras-oci",
    "oras-auth",
    "oras-distribution",
    "oras-artifact",
    "oras-cli",
];

/// Removes the sources cargo unpacked from earlier `cargo package` runs. Verifying a
/// package unpacks its workspace dependencies from a temporary local registry into
/// `$CARGO_HOME/registry/src/<registry>/<name>-<version>`, and cargo reuses that directory
/// as long as it exists: with the version unchanged, a later run would build against the
/// sources of an earlier one. Unpacked sources are a cache; cargo unpacks them again.
fn forget_unpacked_packages() -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else {
        return Ok(());
    };
    let Ok(registries) = std::fs::read_dir(&src) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        let Ok(entries) = std::fs::read_dir(registry.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = PUBLISHED.iter().any(|p| {
                name.strip_prefix(p)
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
            });
            if ours {
                std::fs::remove_dir_all(entry.path())
                    .map_err(|e| format!("{}: {e}", entry.path().display()))?;
            }
        }
    }
    Ok(())
}

/// The test suite: the doctests (nextest does not run those), oras-oci without its
/// optional hash backend, then every crate with all features. The whole-suite run comes
/// last so its summary closes the output.
fn test() -> Result<(), String> {
    cargo(&["test", "--doc", "--workspace", "--all-features", "--locked"])?;
    // oras-oci without its fast hash backend; oras-distribution without hyper, rustls and
    // tokio (its in-memory transport tests still run); oras-artifact without them (layouts,
    // memory and copies between them).
    cargo(&[
        "nextest",
        "run",
        "--package",
        "oras-oci",
        "--package",
        "oras-distribution",
        "--package",
        "oras-artifact",
        "--no-default-features",
        "--locked",
    ])?;
    cargo(&[
        "nextest",
        "run",
        "--workspace",
        "--all-features",
        "--locked",
        "--no-fail-fast",
    ])
}

/// Runs the examples the guide points to against the running registries, as a reader
/// would: push, pull, copy to a layout and back, progress, a custom transport and a custom
/// credential provider; checks the bytes that come back.
fn examples() -> Result<(), String> {
    let r = oras_tests::status()
        .map_err(|e| e.to_string())?
        .ok_or("the registries are not running")?;
    let work = oras_tests::workspace_root().join("target/examples-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let readme = oras_tests::workspace_root().join("README.md");
    std::fs::copy(&readme, work.join("README.md")).map_err(|e| e.to_string())?;
    let anon = r.anonymous.host();
    let example = |package: &str, name: &str, args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "run",
            "-q",
            "--locked",
            "-p",
            package,
            "--example",
            name,
            "--",
        ])
        .args(args)
        .current_dir(&work)
        // No credentials but the ones given here.
        .env("DOCKER_CONFIG", &work)
        .env("REGISTRY_AUTH_FILE", work.join("auth.json"));
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd)
    };
    let same = |a: &str, b: &str| -> Result<(), String> {
        let read = |p: &str| std::fs::read(work.join(p)).map_err(|e| format!("{p}: {e}"));
        if read(a)? == read(b)? {
            Ok(())
        } else {
            Err(format!("{a} and {b} differ"))
        }
    };
    let hello = format!("{anon}/examples/hello:v1");
    let copied = format!("{anon}/examples/copied:v1");
    example(
        "oras-artifact",
        "layout",
        &["layout-demo", "README.md"],
        &[],
    )?;
    same("README.md", "layout-demo/pulled/README.md")?;
    example("oras-artifact", "push", &[&hello, "README.md"], &[])?;
    example("oras-artifact", "pull", &[&hello, "pulled"], &[])?;
    same("README.md", "pulled/README.md")?;
    example("oras-artifact", "copy", &[&hello, "oci:mirror:v1"], &[])?;
    example("oras-artifact", "copy", &["oci:mirror:v1", &copied], &[])?;
    example("oras-artifact", "progress", &[&copied, "progress"], &[])?;
    same("README.md", "progress/README.md")?;
    let custom = format!("{anon}/examples/custom");
    example("oras-distribution", "custom_transport", &[&custom], &[])?;
    let basic = &r.basic;
    let (user, password) = (
        basic.username.as_deref().unwrap_or_default(),
        basic.password.as_deref().unwrap_or_default(),
    );
    let creds = format!("{}/examples/creds", basic.host());
    example(
        "oras-distribution",
        "custom_credentials",
        &[&creds],
        &[("REGISTRY_USER", user), ("REGISTRY_PASSWORD", password)],
    )?;
    eprintln!("==> examples ran against the registries");
    Ok(())
}

/// Runs `f` with the test registries up; stops them afterwards if this call started them.
fn with_registries(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    let already = oras_tests::status().map_err(|e| e.to_string())?.is_some();
    if !already {
        registry_start()?;
    }
    let result = f();
    if !already {
        oras_tests::stop().map_err(|e| e.to_string())?;
        eprintln!("==> registries stopped");
    }
    result
}

fn registry_start() -> Result<(), String> {
    let r = oras_tests::start().map_err(|e| format!("cannot start the registries: {e}"))?;
    for x in r.all() {
        println!("{:<10} {}", x.name, x.base_url());
    }
    println!(
        "state: {}",
        oras_tests::state_dir().join("state.json").display()
    );
    Ok(())
}

fn registry_status() -> Result<(), String> {
    match oras_tests::status().map_err(|e| e.to_string())? {
        Some(r) => {
            for x in r.all() {
                let user = x
                    .username
                    .as_deref()
                    .map(|u| format!(" user {u}"))
                    .unwrap_or_default();
                let ca = x
                    .ca_file
                    .as_ref()
                    .map(|c| format!(" ca {}", c.display()))
                    .unwrap_or_default();
                println!("{:<10} {} pid {}{user}{ca}", x.name, x.base_url(), x.pid);
            }
            Ok(())
        }
        None => Err("no registries running (cargo xtask registry start)".into()),
    }
}

fn ensure_cargo_deny() -> Result<(), String> {
    let have = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["deny", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if have {
        Ok(())
    } else {
        cargo(&["install", "--locked", "cargo-deny"])
    }
}

fn fuzz_dir() -> std::path::PathBuf {
    oras_tests::workspace_root().join("fuzz")
}

fn fuzz_targets() -> Result<Vec<String>, String> {
    let dir = fuzz_dir().join("fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

fn fuzz_list() -> Result<(), String> {
    for t in fuzz_targets()? {
        println!("{t}");
    }
    Ok(())
}

fn fuzz(target: &str, seconds: &str) -> Result<(), String> {
    if !fuzz_targets()?.iter().any(|t| t == target) {
        return Err(format!(
            "no fuzz target {target:?}; `cargo xtask fuzz` lists them"
        ));
    }
    let secs: u64 = seconds
        .parse()
        .map_err(|_| format!("seconds must be a number, not {seconds:?}"))?;
    let have = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        cargo(&["install", "--locked", "cargo-fuzz"])?;
    }
    let corpus = fuzz_dir().join("corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| e.to_string())?;
    // cargo-fuzz passes -Z flags (sanitizers); RUSTC_BOOTSTRAP lets the stable toolchain,
    // the only one on this machine, accept them.
    run(Command::new("cargo")
        .current_dir(fuzz_dir())
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", "--release", target])
        .arg(&corpus)
        .args([
            "--",
            &format!("-max_total_time={secs}"),
            "-print_final_stats=1",
        ]))
}

fn bench_hash(mib: &str) -> Result<(), String> {
    cargo(&[
        "run",
        "--release",
        "--locked",
        "--package",
        "oras-oci",
        "--features",
        "aws-lc-rs",
        "--example",
        "digest_speed",
        "--",
        mib,
    ])
}

fn bench(runs: &str, peers: bool) -> Result<(), String> {
    runs.parse::<u32>()
        .map_err(|_| format!("runs must be a number, not {runs:?}"))?;
    oras_tests::ensure_installed().map_err(|e| e.to_string())?;
    // GNU time measures peak RSS and CPU; the peers need skopeo and Python's venv.
    let mut missing = Vec::new();
    if !std::path::Path::new("/usr/bin/time").exists() {
        missing.push("time");
    }
    if peers {
        if !std::path::Path::new("/usr/bin/skopeo").exists() {
            missing.push("skopeo");
        }
        let venv = Command::new("python3")
            .args(["-m", "venv", "--help"])
            .output();
        if !venv.is_ok_and(|o| o.status.success()) {
            missing.extend(["python3", "python3-venv"]);
        }
    }
    if !missing.is_empty() {
        // On a fresh machine the package lists may be empty: refresh them once if the
        // first install fails.
        let install = || {
            run(Command::new("apt-get")
                .args(["install", "-y", "-qq"])
                .args(&missing))
        };
        if install().is_err() {
            run(Command::new("apt-get").args(["update", "-qq"]))?;
            install()?;
        }
    }
    cargo(&[
        "build",
        "--release",
        "--locked",
        "--package",
        "oras-cli",
        "--package",
        "oras-bench",
    ])?;
    let mut bench = Command::new(oras_tests::workspace_root().join("target/release/oras-bench"));
    bench.args(["run", "--runs", runs]);
    if !peers {
        bench.arg("--no-peers");
    }
    run(&mut bench)
}

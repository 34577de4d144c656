//! End-to-end tests: the built `oras` binary against real registries (distribution 2.8),
//! the in-process fake registry (for the referrers API and faults) and OCI layouts,
//! checking what the Go `oras` CLI v1.3 prints and exits with, command by command.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a failure is reported"
)]

mod attach_discover;
mod backup;
mod blob;
mod contract;
mod copy;
mod errors;
mod login;
mod manifest;
mod pull;
mod push;
mod repo_tag_resolve;
mod world;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use oras_tests::Registry;
use serde_json::Value;

/// A working directory with its own docker config, removed when dropped.
pub(crate) struct Work(pub(crate) PathBuf);

impl Work {
    pub(crate) fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "oras-cli-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(p.join("docker")).unwrap();
        std::fs::write(p.join("hello.txt"), "hello world").unwrap();
        std::fs::write(p.join("bar.txt"), "bar").unwrap();
        std::fs::create_dir_all(p.join("dir/sub")).unwrap();
        std::fs::write(p.join("dir/sub/f"), "in a directory").unwrap();
        std::fs::write(
            p.join("config.json"),
            r#"{"architecture":"amd64","os":"linux"}"#,
        )
        .unwrap();
        Self(p)
    }

    pub(crate) fn path(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_oras"));
        cmd.args(args)
            .current_dir(&self.0)
            .env("DOCKER_CONFIG", self.0.join("docker"))
            .env_remove("REGISTRY_AUTH_FILE")
            .env_remove("ORAS_LOG")
            .env("XDG_RUNTIME_DIR", &self.0);
        for v in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            cmd.env_remove(v);
        }
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// Runs `oras` with these environment variables set (and no proxy settings but
    /// these).
    pub(crate) fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).output().unwrap()
    }

    /// Runs `oras` with `input` on its stdin.
    pub(crate) fn run_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let data = input.to_vec();
        let writer = std::thread::spawn(move || {
            // A command may stop reading early; a broken pipe then is its business.
            let _ = stdin.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Runs a command that must succeed; its stdout.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        succeeded(args, self.run(args))
    }

    /// Runs a command that must succeed with `--format json`; its parsed output.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Runs a command that must fail with exit status 1 and an error on stderr (`Error…`
    /// first); all of stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        failed(args, self.run(args))
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The stdout of a command that must have succeeded.
pub(crate) fn succeeded(args: &[&str], out: Output) -> String {
    assert!(
        out.status.success(),
        "oras {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The stderr of a command that must have failed as the Go CLI fails: status 1, an error
/// first.
pub(crate) fn failed(args: &[&str], out: Output) -> String {
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "oras {args:?} should fail with 1: {}{err}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        err.lines().any(|l| l.starts_with("Error")),
        "an error line: {err}"
    );
    err
}

pub(crate) fn unique(repo: &str) -> String {
    format!(
        "{repo}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    )
}

pub(crate) fn reference(r: &Registry, repo: &str) -> String {
    format!("{}/{repo}", r.host())
}

/// The first 12 hex digits of a digest, as status lines show it.
pub(crate) fn short(digest: &str) -> String {
    digest.trim_start_matches("sha256:")[..12].to_owned()
}

/// The SHA-256 of `bytes`, computed with the system's `sha256sum`, independent of the
/// code under test.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    let tmp = std::env::temp_dir().join(format!(
        "oras-e2e-digest-{}-{}",
        std::process::id(),
        unique("d")
    ));
    std::fs::write(&tmp, bytes).unwrap();
    let out = Command::new("sha256sum").arg(&tmp).output().unwrap();
    let _ = std::fs::remove_file(&tmp);
    format!(
        "sha256:{}",
        String::from_utf8(out.stdout)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
    )
}

/// The status lines of an output, `(prompt, digest prefix, name)`, in order.
pub(crate) fn status(out: &str) -> Vec<(String, String, String)> {
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3 && f[1].len() == 12 && f[1].bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| (f[0].to_owned(), f[1].to_owned(), f[2].to_owned()))
        })
        .collect()
}

/// Asserts each `(digest prefix, name)` went through exactly the prompts given, in that
/// order, and nothing else has status lines.
pub(crate) fn assert_status(out: &str, want: &[(&str, &str, &[&str])]) {
    let got = status(out);
    for (digest, name, prompts) in want {
        let seen: Vec<&str> = got
            .iter()
            .filter(|(_, d, n)| d == digest && n == name)
            .map(|(p, _, _)| p.as_str())
            .collect();
        assert_eq!(&seen, prompts, "status of {digest} {name} in:\n{out}");
    }
    for (p, d, n) in &got {
        assert!(
            want.iter().any(|(wd, wn, _)| wd == d && wn == n),
            "unexpected status line {p} {d} {n} in:\n{out}"
        );
    }
}

/// The keys of a JSON object, in the order written.
pub(crate) fn keys(json_text: &str) -> Vec<String> {
    let mut depth = 0;
    let mut keys = Vec::new();
    let mut in_string = false;
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in json_text.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                let rest = json_text[i + 1..].trim_start();
                if depth == 1 && rest.starts_with(':') {
                    keys.push(json_text[start..i].to_owned());
                }
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                start = i + 1;
            }
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            _ => {}
        }
    }
    keys
}

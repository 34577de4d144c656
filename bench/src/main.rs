//! `oras-bench`: push, pull and copy through the `oras` binary and through the library,
//! against the floors the machine sets (SHA-256, raw GETs, raw POST+PUTs), on fresh real
//! registries. Run it with `cargo xtask bench`.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports on the terminal"
)]

mod floors;
mod peers;
mod report;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use oras_artifact::auth::{Authenticator, Credential, StaticCredentials};
use oras_artifact::distribution::{Client, ClientConfig, HyperTransport};
use oras_artifact::{
    CopyOptions, FileSpec, OciLayout, PullOptions, PushOptions, Remote, copy, pull, push,
};
use serde_json::json;

use floors::{get_floor, hash_floor, put_floor, write_floor};

type Error = Box<dyn std::error::Error + Send + Sync>;

const PUSH_CONCURRENCY: usize = 5;
const PULL_CONCURRENCY: usize = 3;

fn workspace() -> PathBuf {
    oras_tests::workspace_root()
}

/// The datasets of the issue: one 1 GiB file; 16 of 32 MiB; 256 of 64 KiB.
fn scenarios() -> Vec<(&'static str, usize, usize)> {
    vec![
        ("big", 1, 1 << 30),
        ("mid", 16, 32 << 20),
        ("many", 256, 64 << 10),
    ]
}

/// The bytes an operation on `scenario` moves (for MB/s).
fn bytes_of(scenario: &str) -> u64 {
    match scenario {
        "multi" => peers::MULTI_BYTES,
        _ => scenarios()
            .iter()
            .find(|s| s.0 == scenario)
            .map_or(0, |s| (s.1 * s.2) as u64),
    }
}

fn data_dir(scenario: &str) -> PathBuf {
    workspace().join("target/bench-data").join(scenario)
}

fn files_of(scenario: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir(scenario))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Random data, generated once (xorshift; incompressible).
fn generate() -> Result<(), Error> {
    for (name, count, size) in scenarios() {
        let dir = data_dir(name);
        std::fs::create_dir_all(&dir)?;
        for i in 0..count {
            let path = dir.join(format!("f{i:03}"));
            if std::fs::metadata(&path).is_ok_and(|m| m.len() == size as u64) {
                continue;
            }
            let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ (i as u64 + 1) ^ (size as u64) << 7;
            let mut buf = vec![0u8; 1 << 20];
            let mut left = size;
            while left > 0 {
                for chunk in buf.chunks_mut(8) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
                }
                let n = left.min(buf.len());
                f.write_all(&buf[..n])?;
                left -= n;
            }
            f.flush()?;
        }
    }
    Ok(())
}

/// One measured run of a command.
#[derive(Clone, Copy, Default)]
struct Sample {
    /// Wall time.
    secs: f64,
    /// Peak RSS in KiB (0 when not measured).
    rss: u64,
    /// CPU time of the command (user + system).
    cpu: f64,
    /// CPU time the registries spent meanwhile.
    registry_cpu: f64,
}

/// CPU seconds (user + system, all threads) a process has used, from `/proc` (whose
/// clock ticks are USER_HZ, 100 per second on Linux).
fn process_cpu(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name, which is in parentheses: state is the first, utime
    // and stime the 12th and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    f.iter().sum::<u64>() as f64 / 100.0
}

/// CPU seconds used so far by this process and by the registries.
fn cpu_now(registries: &[u32]) -> (f64, f64) {
    (
        process_cpu(std::process::id()),
        registries.iter().map(|&p| process_cpu(p)).sum(),
    )
}

/// Runs a command under GNU time (wall time, peak RSS, CPU) while reading the CPU time
/// the registries (`registries`, their pids) spent. Its output goes nowhere.
fn timed(cmd: &mut Command, registries: &[u32]) -> Result<Sample, Error> {
    timed_from(cmd, None, registries)
}

/// Writes what earlier steps left in the page cache to disk, so that the kernel's
/// write-back of their files neither slows nor throttles the next measurement.
fn settle() {
    let _ = Command::new("sync").status();
}

/// [`timed`], with standard input read from the file `stdin` when given.
fn timed_from(
    cmd: &mut Command,
    stdin: Option<&Path>,
    registries: &[u32],
) -> Result<Sample, Error> {
    settle();
    let shown = format!("{cmd:?}");
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .arg("-f")
        .arg("BENCH %e %M %U %S")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(d) = cmd.get_current_dir() {
        wrapped.current_dir(d);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    wrapped
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .stdin(match stdin {
            Some(path) => Stdio::from(std::fs::File::open(path)?),
            None => Stdio::null(),
        });
    let (_, before) = cpu_now(registries);
    let out = wrapped.spawn()?.wait_with_output()?;
    let registry_cpu = cpu_now(registries).1 - before;
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(format!("{shown} failed: {err}").into());
    }
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("BENCH "))
        .ok_or("no timing line")?;
    let mut parts = line.split_whitespace().skip(1);
    let mut next = || parts.next().ok_or("a short timing line");
    let secs: f64 = next()?.parse()?;
    let rss: u64 = next()?.parse()?;
    let cpu: f64 = next()?.parse::<f64>()? + next()?.parse::<f64>()?;
    Ok(Sample {
        secs,
        rss,
        cpu,
        registry_cpu,
    })
}

fn oras_bin() -> PathBuf {
    workspace().join("target/release/oras")
}

fn client() -> Client {
    Client::new(
        HyperTransport::new().expect("a transport"),
        Authenticator::new(StaticCredentials::new()),
        ClientConfig::default(),
    )
}

fn remote(reference: &str) -> Result<Remote, Error> {
    Ok(Remote::new(client().repository(&reference.parse()?)))
}

/// `oras-bench lib ...`: one library operation, run as a child so its RSS is its own.
async fn lib(args: &[String]) -> Result<(), Error> {
    match args {
        [op, reference, files @ ..] if op == "push" => {
            let specs: Vec<FileSpec> = files
                .iter()
                .map(|f| {
                    FileSpec::named(
                        f,
                        Path::new(f)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                    )
                })
                .collect();
            let mut o = PushOptions::default();
            o.artifact_type = Some("application/vnd.oras-rs.bench".into());
            o.tags = vec!["v1".into()];
            o.concurrency = PUSH_CONCURRENCY;
            push(&remote(reference)?, &specs, &o).await?;
        }
        [op, reference, dir] if op == "pull" => {
            pull(
                &remote(reference)?,
                "v1",
                Path::new(dir),
                &PullOptions::default(),
            )
            .await?;
        }
        [op, src, dst] if op == "copy" => {
            copy(
                &remote(src)?,
                "v1",
                &remote(dst)?,
                Some("v1"),
                &CopyOptions::default(),
            )
            .await?;
        }
        [op, src, dir] if op == "copy-layout" => {
            copy(
                &remote(src)?,
                "v1",
                &OciLayout::open(dir)?,
                Some("v1"),
                &CopyOptions::default(),
            )
            .await?;
        }
        _ => return Err(format!("unknown lib operation {args:?}").into()),
    }
    Ok(())
}

/// Samples by data, operation and way (`cli`, `lib`, `floor`; or the peer's name).
#[derive(Default)]
struct Samples(BTreeMap<(String, String, String), Vec<Sample>>);

impl Samples {
    fn add(&mut self, scenario: &str, op: &str, mode: &str, sample: Sample) {
        self.0
            .entry((scenario.into(), op.into(), mode.into()))
            .or_default()
            .push(sample);
    }

    /// A floor, measured in this process: its wall time, this process's CPU and the
    /// registries' CPU between `before` (from [`cpu_now`]) and now.
    fn add_floor(&mut self, scenario: &str, op: &str, secs: f64, before: (f64, f64), pids: &[u32]) {
        let (own, registries) = cpu_now(pids);
        self.add(
            scenario,
            op,
            "floor",
            Sample {
                secs,
                rss: 0,
                cpu: own - before.0,
                registry_cpu: registries - before.1,
            },
        );
    }

    fn median(&self, scenario: &str, op: &str, mode: &str) -> Option<f64> {
        let v = self.0.get(&(scenario.into(), op.into(), mode.into()))?;
        let mut t: Vec<f64> = v.iter().map(|s| s.secs).collect();
        t.sort_by(f64::total_cmp);
        Some(t[t.len() / 2])
    }
}

async fn one_run(run: usize, samples: &mut Samples) -> Result<(), Error> {
    let state = workspace().join(format!("target/bench-registries/run-{run}"));
    let regs = oras_tests::start_at(&state)?;
    let result = measure(&regs, samples).await;
    oras_tests::stop_at(&state)?;
    let _ = std::fs::remove_dir_all(&state);
    result
}

async fn measure(regs: &oras_tests::Registries, samples: &mut Samples) -> Result<(), Error> {
    let (a, b) = (regs.anonymous.host(), regs.basic.host());
    let (user, password) = (
        regs.basic.username.clone().ok_or("basic user")?,
        regs.basic.password.clone().ok_or("basic password")?,
    );
    let tmp = workspace().join("target/bench-tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp)?;
    let me = std::env::current_exe()?;
    let pids: Vec<u32> = regs.all().iter().map(|r| r.pid).collect();
    for (scenario, _, _) in scenarios() {
        let files = files_of(scenario);
        let names: Vec<String> = files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .collect();
        let rel: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        settle();
        let before = cpu_now(&pids);
        let (hash, blobs) = hash_floor(&files)?;
        samples.add_floor(scenario, "hash", hash, before, &pids);
        let before = cpu_now(&pids);
        let put = put_floor(
            &regs.anonymous.base_url(),
            &format!("floor/{scenario}"),
            &files,
            &blobs,
            None,
        )
        .await?;
        samples.add_floor(scenario, "put", put, before, &pids);
        if scenario != "mid" {
            // The copy between registries writes to the basic-auth registry, which checks
            // a bcrypt password on every request: its floor is a put there, with the same
            // credentials.
            let basic = Credential::basic(user.clone(), password.clone()).basic_header();
            let before = cpu_now(&pids);
            let put = put_floor(
                &regs.basic.base_url(),
                &format!("floor/{scenario}"),
                &files,
                &blobs,
                basic,
            )
            .await?;
            samples.add_floor(scenario, "put-auth", put, before, &pids);
        }
        settle();
        let before = cpu_now(&pids);
        let get = get_floor(
            &regs.anonymous.base_url(),
            &format!("floor/{scenario}"),
            &blobs,
        )
        .await?;
        samples.add_floor(scenario, "get", get, before, &pids);
        settle();
        let before = cpu_now(&pids);
        let write = write_floor(&files, &tmp.join("write-floor"))?;
        samples.add_floor(scenario, "write", write, before, &pids);

        let cli_ref = format!("{a}/cli/{scenario}:v1");
        let t = timed(
            Command::new(oras_bin())
                .args(["push", "--no-tty", &cli_ref])
                .args(&rel)
                .current_dir(data_dir(scenario)),
            &pids,
        )?;
        samples.add(scenario, "push", "cli", t);
        let out = tmp.join(format!("cli-pull-{scenario}"));
        let t = timed(
            Command::new(oras_bin())
                .args(["pull", "--no-tty", &cli_ref, "-o"])
                .arg(&out),
            &pids,
        )?;
        samples.add(scenario, "pull", "cli", t);
        std::fs::remove_dir_all(&out)?;

        let lib_ref = format!("{a}/lib/{scenario}");
        let t = timed(
            Command::new(&me)
                .args(["lib", "push", &format!("{lib_ref}:v1")])
                .args(&names),
            &pids,
        )?;
        samples.add(scenario, "push", "lib", t);
        let out = tmp.join(format!("lib-pull-{scenario}"));
        let t = timed(
            Command::new(&me)
                .args(["lib", "pull", &format!("{lib_ref}:v1")])
                .arg(&out),
            &pids,
        )?;
        samples.add(scenario, "pull", "lib", t);
        std::fs::remove_dir_all(&out)?;

        if scenario == "big" {
            blob_rows(&a, &files[0], &blobs[0].0, &tmp, &pids, samples)?;
        }
        if scenario == "mid" {
            continue;
        }
        // Copies: two repositories of one registry (mount), two registries, to a layout.
        let t = timed(
            Command::new(oras_bin()).args([
                "cp",
                "--no-tty",
                &cli_ref,
                &format!("{a}/cli-mounted/{scenario}:v1"),
            ]),
            &pids,
        )?;
        samples.add(scenario, "copy-mount", "cli", t);
        let t = timed(
            Command::new(oras_bin()).args([
                "cp",
                "--no-tty",
                &cli_ref,
                &format!("{b}/cli-copied/{scenario}:v1"),
                "--to-username",
                &user,
                "--to-password",
                &password,
            ]),
            &pids,
        )?;
        samples.add(scenario, "copy-registries", "cli", t);
        let layout = tmp.join(format!("cli-layout-{scenario}"));
        let t = timed(
            Command::new(oras_bin())
                .args(["cp", "--no-tty", &cli_ref, "--to-oci-layout"])
                .arg(format!("{}:v1", layout.display())),
            &pids,
        )?;
        samples.add(scenario, "copy-layout", "cli", t);
        std::fs::remove_dir_all(&layout)?;
        let t = timed(
            Command::new(&me).args([
                "lib",
                "copy",
                &format!("{lib_ref}:v1"),
                &format!("{a}/lib-mounted/{scenario}:v1"),
            ]),
            &pids,
        )?;
        samples.add(scenario, "copy-mount", "lib", t);
        let layout = tmp.join(format!("lib-layout-{scenario}"));
        let t = timed(
            Command::new(&me)
                .args(["lib", "copy-layout", &format!("{lib_ref}:v1")])
                .arg(&layout),
            &pids,
        )?;
        samples.add(scenario, "copy-layout", "lib", t);
        std::fs::remove_dir_all(&layout)?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}

/// `oras blob push` of `file` (from the file, from standard input with and without its
/// digest given) and `oras blob fetch` of it (to standard output, to a file).
fn blob_rows(
    host: &str,
    file: &Path,
    digest: &oras_artifact::oci::Digest,
    tmp: &Path,
    pids: &[u32],
    samples: &mut Samples,
) -> Result<(), Error> {
    let size = std::fs::metadata(file)?.len().to_string();
    let oras = || {
        let mut c = Command::new(oras_bin());
        c.arg("blob");
        c
    };
    let t = timed(
        oras()
            .args(["push", "--no-tty", &format!("{host}/blob-file/big")])
            .arg(file),
        pids,
    )?;
    samples.add("big", "blob-push-file", "cli", t);
    let mut stdin_push = |name: &str, reference: String| -> Result<(), Error> {
        let t = timed_from(
            oras().args(["push", "--no-tty", &reference, "-", "--size", &size]),
            Some(file),
            pids,
        )?;
        samples.add("big", name, "cli", t);
        Ok(())
    };
    stdin_push(
        "blob-push-stdin-digest",
        format!("{host}/blob-digest/big@{digest}"),
    )?;
    stdin_push("blob-push-stdin", format!("{host}/blob-stdin/big"))?;
    let source = format!("{host}/blob-file/big@{digest}");
    let t = timed(oras().args(["fetch", "--no-tty", &source, "-o", "-"]), pids)?;
    samples.add("big", "blob-fetch-stdout", "cli", t);
    let out = tmp.join("blob-fetched");
    let t = timed(
        oras().args(["fetch", "--no-tty", &source, "-o"]).arg(&out),
        pids,
    )?;
    samples.add("big", "blob-fetch-file", "cli", t);
    if std::fs::metadata(&out)?.len().to_string() != size {
        return Err("oras blob fetch wrote a file of another size".into());
    }
    std::fs::remove_file(&out)?;
    Ok(())
}

async fn run(args: &[String]) -> Result<(), Error> {
    let mut runs = 3;
    let mut with_peers = true;
    let mut out = workspace().join("target/bench.json");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            "--out" => out = it.next().ok_or("--out PATH")?.into(),
            "--no-peers" => with_peers = false,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if !oras_bin().exists() {
        return Err(format!(
            "{} is missing: build it with cargo build --release -p oras-cli",
            oras_bin().display()
        )
        .into());
    }
    eprintln!("generating data (once) under target/bench-data ...");
    generate()?;
    let peers = if with_peers {
        Some(peers::Peers::prepare()?)
    } else {
        None
    };
    let (mut samples, mut peer_samples) = (Samples::default(), Samples::default());
    for r in 0..runs {
        eprintln!("run {} of {runs} ...", r + 1);
        one_run(r, &mut samples).await?;
        if let Some(p) = &peers {
            eprintln!("run {} of {runs}: side by side with the peers ...", r + 1);
            p.measure(r, &mut peer_samples).await?;
        }
    }
    println!("oras against the floors ({runs} runs; ratio: to the floor)\n");
    let rows = report::table(&samples, "ratio", &|s, o, _| {
        report::floor_of(&samples, s, o)
    });
    let mut peer_rows = Vec::new();
    if peers.is_some() {
        println!(
            "\nside by side, a fresh registry for each ({runs} runs; x oras: to oras's row)\n"
        );
        peer_rows = report::table(&peer_samples, "x oras", &|s, o, _| {
            peer_samples.median(s, o, "oras")
        });
    }
    let targets = report::targets(&samples, &peer_samples);
    let mut report = json!({"runs": runs, "results": rows, "peers": peer_rows, "targets": targets});
    report["machine"] = json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu": std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())),
    });
    std::fs::write(&out, serde_json::to_vec_pretty(&report)?)?;
    eprintln!("written to {}", out.display());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // As the CLI does (and docs/PERFORMANCE.md advises): the work runs as a task of the
    // runtime, beside the connections' tasks, not on the thread that blocks on it.
    let result = rt.block_on(async {
        let task = tokio::spawn(async move {
            match args.first().map(String::as_str) {
                Some("lib") => lib(&args[1..]).await,
                Some("run") => run(&args[1..]).await,
                _ => Err("usage: oras-bench run [--runs N] [--out PATH] | oras-bench lib push|pull|copy|copy-layout ...".into()),
            }
        });
        task.await.unwrap_or_else(|e| Err(e.into()))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oras-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `oras-bench`: push, pull and copy through the `oras` binary and through the library,
//! against the floors the machine sets (SHA-256, raw GETs, raw POST+PUTs), on fresh real
//! registries. Run it with `cargo xtask bench`.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports on the terminal"
)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use oras_artifact::auth::{Authenticator, Credential, StaticCredentials};
use oras_artifact::distribution::{
    Body, ByteStream, Client, ClientConfig, HyperTransport, Transport,
};
use oras_artifact::oci::{Algorithm, Digest, Digester};
use oras_artifact::{
    CopyOptions, FileSpec, OciLayout, PullOptions, PushOptions, Remote, copy, pull, push,
};
use serde_json::{Value, json};

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
/// the registries (`registries`, their pids) spent.
fn timed(cmd: &mut Command, registries: &[u32]) -> Result<Sample, Error> {
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
    let (_, before) = cpu_now(registries);
    let out = wrapped.output()?;
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

/// SHA-256 of every file, one thread, fastest backend: seconds.
fn hash_floor(files: &[PathBuf]) -> Result<(f64, Vec<(Digest, u64)>), Error> {
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut d = Digester::new(Algorithm::Sha256);
        let mut file = std::fs::File::open(f)?;
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            d.update(&buf[..n]);
            size += n as u64;
        }
        out.push((d.finish(), size));
    }
    Ok((start.elapsed().as_secs_f64(), out))
}

/// Runs jobs `limit` at a time.
async fn bounded<F, Fut>(count: usize, limit: usize, job: F) -> Result<(), Error>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    let sem = Arc::new(tokio::sync::Semaphore::new(limit));
    let mut handles = Vec::new();
    for i in 0..count {
        let permit = sem.clone().acquire_owned().await?;
        let fut = job(i);
        handles.push(tokio::spawn(async move {
            let r = fut.await;
            drop(permit);
            r
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(())
}

/// Raw GET of every blob, no hashing, at the pull concurrency: seconds.
async fn get_floor(base: &str, repo: &str, blobs: &[(Digest, u64)]) -> Result<f64, Error> {
    let t = Arc::new(HyperTransport::new()?);
    let start = Instant::now();
    let urls: Vec<String> = blobs
        .iter()
        .map(|(d, _)| format!("{base}/v2/{repo}/blobs/{d}"))
        .collect();
    bounded(urls.len(), PULL_CONCURRENCY, |i| {
        let (t, url) = (t.clone(), urls[i].clone());
        async move {
            let resp = t.send(http::Request::get(url).body(Body::empty())?).await?;
            let mut body = resp.into_body();
            while let Some(c) = body.chunk().await {
                c?;
            }
            Ok(())
        }
    })
    .await?;
    Ok(start.elapsed().as_secs_f64())
}

struct FileStream(std::fs::File, Vec<u8>);

impl futures_core::Stream for FileStream {
    type Item = Result<Bytes, oras_artifact::distribution::BoxError>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        std::task::Poll::Ready(match this.0.read(&mut this.1) {
            Ok(0) => None,
            Ok(n) => Some(Ok(Bytes::copy_from_slice(&this.1[..n]))),
            Err(e) => Some(Err(Box::new(e))),
        })
    }
}

/// Raw POST+PUT of every blob with its digest known, at the push concurrency: seconds.
async fn put_floor(
    base: &str,
    repo: &str,
    files: &[PathBuf],
    blobs: &[(Digest, u64)],
    authorization: Option<http::HeaderValue>,
) -> Result<f64, Error> {
    let t = Arc::new(HyperTransport::new()?);
    let start = Instant::now();
    let jobs: Vec<(PathBuf, Digest, u64)> = files
        .iter()
        .zip(blobs)
        .map(|(f, (d, s))| (f.clone(), d.clone(), *s))
        .collect();
    let (base, repo) = (base.to_owned(), repo.to_owned());
    bounded(jobs.len(), PUSH_CONCURRENCY, |i| {
        let (t, (file, digest, size), base, repo, auth) = (
            t.clone(),
            jobs[i].clone(),
            base.clone(),
            repo.clone(),
            authorization.clone(),
        );
        async move {
            let with_auth = |mut r: http::Request<Body>| {
                if let Some(a) = &auth {
                    r.headers_mut()
                        .insert(http::header::AUTHORIZATION, a.clone());
                }
                r
            };
            let post = t
                .send(with_auth(
                    http::Request::post(format!("{base}/v2/{repo}/blobs/uploads/"))
                        .header("content-length", "0")
                        .body(Body::empty())?,
                ))
                .await?;
            let loc = post
                .headers()
                .get("location")
                .ok_or("no Location")?
                .to_str()?
                .to_owned();
            let loc = if loc.starts_with('/') {
                format!("{base}{loc}")
            } else {
                loc
            };
            let sep = if loc.contains('?') { '&' } else { '?' };
            let stream: ByteStream =
                Box::pin(FileStream(std::fs::File::open(&file)?, vec![0; 1 << 20]));
            let put = http::Request::put(format!("{loc}{sep}digest={digest}"))
                .header("content-length", size)
                .header("content-type", "application/octet-stream")
                .body(Body::from_stream(stream, Some(size)))?;
            let resp = t.send(with_auth(put)).await?;
            if resp.status() != 201 {
                return Err(format!("PUT answered {}", resp.status()).into());
            }
            Ok(())
        }
    })
    .await?;
    Ok(start.elapsed().as_secs_f64())
}

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
        let before = cpu_now(&pids);
        let get = get_floor(
            &regs.anonymous.base_url(),
            &format!("floor/{scenario}"),
            &blobs,
        )
        .await?;
        samples.add_floor(scenario, "get", get, before, &pids);

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

fn report(samples: &Samples, runs: usize) -> Value {
    let mut rows = Vec::new();
    println!(
        "{:<6} {:<16} {:<6} {:>9} {:>17} {:>10} {:>9} {:>7} {:>7} {:>7} {:>6}",
        "data",
        "operation",
        "via",
        "median s",
        "spread s",
        "MB/s",
        "peak MiB",
        "ratio",
        "cpu s",
        "reg cpu",
        "busy"
    );
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
    for ((scenario, op, mode), v) in &samples.0 {
        let mut t: Vec<f64> = v.iter().map(|s| s.secs).collect();
        t.sort_by(f64::total_cmp);
        let median = t[t.len() / 2];
        let peak = v.iter().map(|s| s.rss).max().unwrap_or(0);
        // CPU of the median run: the client's, the registries', and how busy that kept
        // the machine's cores (near 100 %: the run was CPU-bound here).
        let at_median = v
            .iter()
            .find(|s| s.secs == median)
            .copied()
            .unwrap_or_default();
        let measured = at_median.cpu > 0.0 || at_median.registry_cpu > 0.0;
        let busy = (at_median.cpu + at_median.registry_cpu) / (median * cores);
        let bytes: u64 = scenarios()
            .iter()
            .find(|s| s.0 == scenario)
            .map_or(0, |s| (s.1 * s.2) as u64);
        let floor = match op.as_str() {
            "push" => samples.median(scenario, "put", "floor"),
            "pull" => {
                let streams = scenarios()
                    .iter()
                    .find(|s| s.0 == scenario)
                    .map_or(1, |s| s.1.min(PULL_CONCURRENCY)) as f64;
                match (
                    samples.median(scenario, "get", "floor"),
                    samples.median(scenario, "hash", "floor"),
                ) {
                    (Some(g), Some(h)) => Some(g.max(h / streams)),
                    _ => None,
                }
            }
            "copy-registries" => match (
                samples.median(scenario, "get", "floor"),
                samples
                    .median(scenario, "put-auth", "floor")
                    .or_else(|| samples.median(scenario, "put", "floor")),
            ) {
                (Some(g), Some(p)) => Some(g + p),
                _ => None,
            },
            _ => None,
        };
        let ratio = floor.map(|f| median / f);
        let mb_s = bytes as f64 / 1e6 / median;
        println!(
            "{scenario:<6} {op:<16} {mode:<6} {median:>9.2} {:>17} {mb_s:>10.0} {:>9} {:>7} {:>7} {:>7} {:>6}",
            format!("{:.2}-{:.2}", t[0], t[t.len() - 1]),
            if peak > 0 {
                format!("{:.1}", peak as f64 / 1024.0)
            } else {
                "-".into()
            },
            ratio.map_or_else(|| "-".into(), |r| format!("{r:.2}")),
            if measured {
                format!("{:.2}", at_median.cpu)
            } else {
                "-".into()
            },
            if measured {
                format!("{:.2}", at_median.registry_cpu)
            } else {
                "-".into()
            },
            if measured {
                format!("{:.0}%", busy * 100.0)
            } else {
                "-".into()
            },
        );
        rows.push(json!({
            "data": scenario, "operation": op, "via": mode, "runs": t.len(),
            "median_s": median, "min_s": t[0], "max_s": t[t.len() - 1],
            "mb_per_s": mb_s, "peak_rss_kib": (peak > 0).then_some(peak), "ratio_to_floor": ratio,
            "cpu_s": measured.then_some(at_median.cpu),
            "registry_cpu_s": measured.then_some(at_median.registry_cpu),
            "busy": measured.then_some(busy),
        }));
    }
    json!({"runs": runs, "results": rows})
}

async fn run(args: &[String]) -> Result<(), Error> {
    let mut runs = 3;
    let mut out = workspace().join("target/bench.json");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().ok_or("--runs N")?.parse()?,
            "--out" => out = it.next().ok_or("--out PATH")?.into(),
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
    let mut samples = Samples::default();
    for r in 0..runs {
        eprintln!("run {} of {runs} ...", r + 1);
        one_run(r, &mut samples).await?;
    }
    let mut report = report(&samples, runs);
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
    let result = rt.block_on(async {
        match args.first().map(String::as_str) {
            Some("lib") => lib(&args[1..]).await,
            Some("run") => run(&args[1..]).await,
            _ => Err("usage: oras-bench run [--runs N] [--out PATH] | oras-bench lib push|pull|copy|copy-layout ...".into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("oras-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

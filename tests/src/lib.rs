//! Test support for the workspace: real registries on loopback.
//!
//! [`registries`] returns the running set of Debian's `docker-registry` (distribution 2.8)
//! instances, starting them first if none runs: one anonymous, one with htpasswd basic
//! auth, one serving TLS with a certificate from a CA made for the run, one requiring a
//! client certificate from that CA, and one in distribution's stock configuration (delete
//! disabled, as most deployments run it). Their addresses and
//! credentials are in a state file, so `cargo xtask registry start|stop|status`, every test
//! process and a developer's shell all see the same set. A file lock makes concurrent test
//! processes (nextest runs one per test) start it once.
//!
//! Nothing here reaches beyond 127.0.0.1.

use std::fs;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub mod fake;
pub mod faults;
pub mod memory;
pub mod profiles;
pub mod proxy;
pub mod server;

/// One running registry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Registry {
    /// `anonymous`, `basic` or `tls`.
    pub name: String,
    /// `127.0.0.1:PORT`.
    pub addr: SocketAddr,
    /// `http` or `https`.
    pub scheme: String,
    /// Username for basic auth, if the registry requires it.
    pub username: Option<String>,
    /// Password for basic auth, if the registry requires it.
    pub password: Option<String>,
    /// The CA certificate (PEM) that signed the TLS registry's certificate.
    pub ca_file: Option<PathBuf>,
    /// A client certificate and key (PEM) the registry requires (mutual TLS).
    #[serde(default)]
    pub client_cert: Option<(PathBuf, PathBuf)>,
    /// Process ID of the `docker-registry` process.
    pub pid: u32,
    /// Its configuration, storage and log.
    pub dir: PathBuf,
}

impl Registry {
    /// `127.0.0.1:PORT`, as a reference's registry part.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `scheme://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The registry's log, for diagnosing a failure.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("registry.log")).unwrap_or_default()
    }
}

/// The set of registries tests use.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Registries {
    /// No authentication.
    pub anonymous: Registry,
    /// htpasswd basic authentication.
    pub basic: Registry,
    /// TLS with a CA made for the run, no authentication.
    pub tls: Registry,
    /// TLS that also requires a client certificate signed by that CA.
    pub mtls: Registry,
    /// distribution's stock configuration: no authentication, `storage.delete` off (every
    /// DELETE answers 405 `UNSUPPORTED`).
    pub stock: Registry,
}

impl Registries {
    /// All five.
    pub fn all(&self) -> [&Registry; 5] {
        [
            &self.anonymous,
            &self.basic,
            &self.tls,
            &self.mtls,
            &self.stock,
        ]
    }
}

/// `len` bytes that do not compress, the same for the same `seed` (xorshift).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// The running registries, started if none run. Shared by every test in this process.
///
/// # Panics
/// When the registries cannot be installed or started: tests need them.
pub fn registries() -> &'static Registries {
    static R: OnceLock<Registries> = OnceLock::new();
    R.get_or_init(|| start().unwrap_or_else(|e| panic!("cannot start the test registries: {e}")))
}

/// Where the state file, configurations, storage and logs live:
/// `$ORAS_TEST_STATE_DIR`, else `target/test-registries` in the workspace.
pub fn state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ORAS_TEST_STATE_DIR") {
        return PathBuf::from(d);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("test-registries")
}

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

fn state_file(dir: &Path) -> PathBuf {
    dir.join("state.json")
}

fn lock(dir: &Path) -> io::Result<fs::File> {
    fs::create_dir_all(dir)?;
    let f = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("lock"))?;
    f.lock()?;
    Ok(f)
}

/// The registries of the state file, if all of them are running.
pub fn status() -> io::Result<Option<Registries>> {
    status_at(&state_dir())
}

/// [`status`] for the state directory `dir`.
pub fn status_at(dir: &Path) -> io::Result<Option<Registries>> {
    let _guard = lock(dir)?;
    Ok(read_state(dir).filter(|r| r.all().iter().all(|x| is_running(x))))
}

fn read_state(dir: &Path) -> Option<Registries> {
    let text = fs::read_to_string(state_file(dir)).ok()?;
    serde_json::from_str(&text).ok()
}

fn is_running(r: &Registry) -> bool {
    let cmdline = fs::read(format!("/proc/{}/cmdline", r.pid)).unwrap_or_default();
    let ours = String::from_utf8_lossy(&cmdline).contains("docker-registry");
    ours && TcpStream::connect_timeout(&r.addr, Duration::from_secs(2)).is_ok()
}

/// Starts the registries unless they already run; returns them.
pub fn start() -> io::Result<Registries> {
    start_at(&state_dir())
}

/// [`start`] with the state (and the registries' storage) under `dir`.
pub fn start_at(dir: &Path) -> io::Result<Registries> {
    let _guard = lock(dir)?;
    if let Some(r) = read_state(dir).filter(|r| r.all().iter().all(|x| is_running(x))) {
        return Ok(r);
    }
    // Leftovers of a set that is half dead.
    if let Some(old) = read_state(dir) {
        stop_all(&old);
    }
    ensure_installed()?;
    let run = dir.join("run");
    if run.exists() {
        fs::remove_dir_all(&run)?;
    }
    fs::create_dir_all(&run)?;
    let secret = random_hex(16)?;
    let password = random_hex(12)?;
    let tls_files = make_tls(&run.join("pki"))?;
    let htpasswd = run.join("htpasswd");
    let out = checked(Command::new("htpasswd").args(["-Bbn", "oras-test", &password]))?;
    fs::write(&htpasswd, out)?;

    let mut started = Vec::new();
    let specs: [(&str, Option<&Path>, Option<&TlsFiles>, bool); 5] = [
        ("anonymous", None, None, false),
        ("basic", Some(&htpasswd), None, false),
        ("tls", None, Some(&tls_files), false),
        ("mtls", None, Some(&tls_files), true),
        ("stock", None, None, false),
    ];
    for (name, auth, tls, mutual) in specs {
        // A port picked free can be taken before the registry binds it: try again.
        let mut attempt = launch(&run.join(name), name, &secret, auth, tls, mutual);
        for _ in 0..2 {
            if attempt.is_ok() {
                break;
            }
            attempt = launch(&run.join(name), name, &secret, auth, tls, mutual);
        }
        match attempt {
            Ok(mut r) => {
                if auth.is_some() {
                    r.username = Some("oras-test".into());
                    r.password = Some(password.clone());
                }
                started.push(r);
            }
            Err(e) => {
                for r in &started {
                    kill(r.pid);
                }
                return Err(e);
            }
        }
    }
    let mut it = started.into_iter();
    let regs = Registries {
        anonymous: it.next().expect("five were started"),
        basic: it.next().expect("five were started"),
        tls: it.next().expect("five were started"),
        mtls: it.next().expect("five were started"),
        stock: it.next().expect("five were started"),
    };
    let tmp = dir.join("state.json.tmp");
    fs::write(
        &tmp,
        serde_json::to_vec_pretty(&regs).map_err(io::Error::other)?,
    )?;
    fs::rename(&tmp, state_file(dir))?;
    Ok(regs)
}

/// One anonymous registry of its own, storing under `dir`, stopped (and its storage
/// removed) when dropped: for measurements that want a registry nothing else touched.
pub struct OwnRegistry {
    /// Where it listens, and its process.
    pub registry: Registry,
    dir: PathBuf,
}

impl OwnRegistry {
    /// Starts it.
    pub fn start(dir: &Path) -> io::Result<Self> {
        ensure_installed()?;
        if dir.exists() {
            fs::remove_dir_all(dir)?;
        }
        let secret = random_hex(16)?;
        let mut attempt = launch(dir, "anonymous", &secret, None, None, false);
        for _ in 0..2 {
            if attempt.is_ok() {
                break;
            }
            attempt = launch(dir, "anonymous", &secret, None, None, false);
        }
        Ok(Self {
            registry: attempt?,
            dir: dir.to_owned(),
        })
    }
}

impl Drop for OwnRegistry {
    fn drop(&mut self) {
        kill(self.registry.pid);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Stops the registries of the state file and deletes their storage. Returns whether
/// there were any.
pub fn stop() -> io::Result<bool> {
    stop_at(&state_dir())
}

/// [`stop`] for the state directory `dir`.
pub fn stop_at(dir: &Path) -> io::Result<bool> {
    let _guard = lock(dir)?;
    let Some(regs) = read_state(dir) else {
        return Ok(false);
    };
    stop_all(&regs);
    fs::remove_file(state_file(dir))?;
    let run = dir.join("run");
    if run.exists() {
        fs::remove_dir_all(run)?;
    }
    Ok(true)
}

fn stop_all(regs: &Registries) {
    for r in regs.all() {
        kill(r.pid);
    }
}

fn kill(pid: u32) {
    let proc_dir = PathBuf::from(format!("/proc/{pid}"));
    let cmdline = fs::read(proc_dir.join("cmdline")).unwrap_or_default();
    if !String::from_utf8_lossy(&cmdline).contains("docker-registry") {
        return; // gone, or the PID now belongs to someone else
    }
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while proc_dir.exists() && !is_zombie(&proc_dir) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if proc_dir.exists() && !is_zombie(&proc_dir) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

fn is_zombie(proc_dir: &Path) -> bool {
    fs::read_to_string(proc_dir.join("stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z'))
    })
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

/// Installs Debian's `docker-registry`, `apache2-utils` (htpasswd), `openssl`, `skopeo`,
/// `tinyproxy` and `time` when any is missing: with apt-get when running as root, else an error saying what to install.
pub fn ensure_installed() -> io::Result<()> {
    let missing: Vec<&str> = [
        ("docker-registry", "docker-registry"),
        ("htpasswd", "apache2-utils"),
        ("openssl", "openssl"),
        // Checks that what this project writes is read by another OCI implementation.
        ("skopeo", "skopeo"),
        // A real proxy between client and registry.
        ("tinyproxy", "tinyproxy"),
        // GNU time: the peak memory of a CLI run.
        ("time", "time"),
    ]
    .into_iter()
    .filter(|(cmd, _)| !on_path(cmd))
    .map(|(_, pkg)| pkg)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let uid = checked(Command::new("id").arg("-u")).unwrap_or_default();
    if String::from_utf8_lossy(&uid).trim() != "0" {
        return Err(io::Error::other(format!(
            "the test registries need Debian packages that are missing: run `sudo apt-get install -y {}`",
            missing.join(" ")
        )));
    }
    let quiet = |c: &mut Command| {
        c.env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null());
        checked(c)
    };
    quiet(Command::new("apt-get").args(["update", "-qq"]))?;
    quiet(
        Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing),
    )?;
    Ok(())
}

struct TlsFiles {
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
}

/// A CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, made
/// with the openssl CLI.
fn make_tls(dir: &Path) -> io::Result<TlsFiles> {
    fs::create_dir_all(dir)?;
    let p = |f: &str| dir.join(f);
    let s = |f: &str| p(f).to_string_lossy().into_owned();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    checked(
        Command::new("openssl")
            .args(["req", "-x509"])
            .args(ec)
            .args([
                "-keyout",
                &s("ca.key"),
                "-out",
                &s("ca.crt"),
                "-days",
                "7",
                "-subj",
                "/CN=oras-rs test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]),
    )?;
    checked(Command::new("openssl").arg("req").args(ec).args([
        "-keyout",
        &s("server.key"),
        "-out",
        &s("server.csr"),
        "-subj",
        "/CN=localhost",
    ]))?;
    fs::write(
        p("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )?;
    checked(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &s("server.csr"),
        "-CA",
        &s("ca.crt"),
        "-CAkey",
        &s("ca.key"),
        "-CAcreateserial",
        "-out",
        &s("server.crt"),
        "-days",
        "7",
        "-extfile",
        &s("server.ext"),
    ]))?;
    checked(Command::new("openssl").arg("req").args(ec).args([
        "-keyout",
        &s("client.key"),
        "-out",
        &s("client.csr"),
        "-subj",
        "/CN=oras-rs test client",
    ]))?;
    fs::write(
        p("client.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
    )?;
    checked(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &s("client.csr"),
        "-CA",
        &s("ca.crt"),
        "-CAkey",
        &s("ca.key"),
        "-CAcreateserial",
        "-out",
        &s("client.crt"),
        "-days",
        "7",
        "-extfile",
        &s("client.ext"),
    ]))?;
    Ok(TlsFiles {
        ca: p("ca.crt"),
        cert: p("server.crt"),
        key: p("server.key"),
        client_cert: p("client.crt"),
        client_key: p("client.key"),
    })
}

fn launch(
    dir: &Path,
    name: &str,
    secret: &str,
    htpasswd: Option<&Path>,
    tls: Option<&TlsFiles>,
    mutual: bool,
) -> io::Result<Registry> {
    use std::os::unix::process::CommandExt;
    fs::create_dir_all(dir.join("storage"))?;
    // The port is free now; a race with another process taking it shows up as the
    // registry exiting, and `start` tries again.
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let storage = dir.join("storage");
    let mut config = if name == "stock" {
        // distribution's own example configuration (cmd/registry/config-example.yml), as
        // deployments start from it: no `delete` section, so deletion is off.
        format!(
            "version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n  secret: {secret}\n  headers:\n    X-Content-Type-Options: [nosniff]\nhealth:\n  storagedriver:\n    enabled: true\n    interval: 10s\n    threshold: 3\n",
            storage.display()
        )
    } else {
        format!(
            // Foreign layers (Windows images) name their blob's `urls`; distribution takes
            // such manifests only for URLs it is told to allow.
            "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n  maintenance:\n    uploadpurging:\n      enabled: false\nvalidation:\n  manifests:\n    urls:\n      allow:\n        - ^https?://\nhttp:\n  addr: {addr}\n  secret: {secret}\n",
            storage.display()
        )
    };
    if let Some(t) = tls {
        config += &format!(
            "  tls:\n    certificate: {}\n    key: {}\n",
            t.cert.display(),
            t.key.display()
        );
        if mutual {
            config += &format!("    clientcas:\n      - {}\n", t.ca.display());
        }
    }
    if let Some(h) = htpasswd {
        config += &format!(
            "auth:\n  htpasswd:\n    realm: oras-test\n    path: {}\n",
            h.display()
        );
    }
    let config_path = dir.join("config.yml");
    fs::write(&config_path, config)?;
    let log = fs::File::create(dir.join("registry.log"))?;
    let mut child = Command::new("docker-registry")
        .arg("serve")
        .arg(&config_path)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Its own process group: it outlives the test process that started it and does
        // not get the terminal's Ctrl-C.
        .process_group(0)
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait()? {
            let log = fs::read_to_string(dir.join("registry.log")).unwrap_or_default();
            return Err(io::Error::other(format!(
                "registry {name} exited with {status}: {log}"
            )));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(io::Error::other(format!(
                "registry {name} did not listen on {addr} within 30 s"
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(Registry {
        name: name.to_owned(),
        addr,
        scheme: if tls.is_some() { "https" } else { "http" }.to_owned(),
        username: None,
        password: None,
        ca_file: tls.map(|t| t.ca.clone()),
        client_cert: tls
            .filter(|_| mutual)
            .map(|t| (t.client_cert.clone(), t.client_key.clone())),
        pid: child.id(),
        dir: dir.to_owned(),
    })
}

fn random_hex(bytes: usize) -> io::Result<String> {
    let mut buf = vec![0u8; bytes];
    fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Runs a command, returning its stdout, or an error with its stderr.
fn checked(cmd: &mut Command) -> io::Result<Vec<u8>> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("{cmd:?}: {e}")))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(io::Error::other(format!(
            "{cmd:?} failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// An error and its causes, each said once, joined by `: `: the line a user is shown
/// (the `oras` CLI prints errors this way). Library errors state one fact each and leave
/// their cause to `source()`, so tests that check the whole story read it here.
pub fn report(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !text.is_empty() && !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A response read by [`http1`].
#[derive(Debug)]
pub struct RawResponse {
    /// Status code.
    pub status: u16,
    /// Headers, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over any stream, `Connection: close`, read to the end: an
/// independent check of what a registry holds, without the client under test.
pub fn http1<S: Read + Write>(
    mut stream: S,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<RawResponse> {
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req += &format!("{k}: {v}\r\n");
    }
    req += "\r\n";
    stream.write_all(req.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    match stream.read_to_end(&mut raw) {
        Ok(_) => {}
        // TLS peers may close without close_notify after a complete response.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
        Err(e) => return Err(e),
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::other("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {status_line:?}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body)?;
    }
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut b: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| io::Error::other("bad chunk"))?;
        let size_text = String::from_utf8_lossy(&b[..eol]);
        let size =
            usize::from_str_radix(size_text.split(';').next().unwrap_or_default().trim(), 16)
                .map_err(io::Error::other)?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(
            b.get(..size)
                .ok_or_else(|| io::Error::other("short chunk"))?,
        );
        b = b.get(size + 2..).unwrap_or_default();
    }
}

/// [`http1`] over plain TCP to a registry.
pub fn http1_plain(
    r: &Registry,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<RawResponse> {
    let s = TcpStream::connect_timeout(&r.addr, Duration::from_secs(5))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    http1(s, &r.host(), method, path, headers, body)
}

//! Debian's `tinyproxy`, started on 127.0.0.1 for one test: what a corporate proxy does,
//! with its own log to read what went through it.

use std::fs;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How the proxy is set up.
#[derive(Clone, Debug, Default)]
pub struct ProxyOptions {
    /// Require these credentials (`BasicAuth`); without them the proxy answers 407.
    pub credentials: Option<(String, String)>,
    /// Requests for this domain go to this address as if it were an upstream proxy: a
    /// registry there answers them. The name resolves nowhere else, so only a client that
    /// goes through the proxy reaches it.
    pub route: Option<(String, SocketAddr)>,
}

/// A running tinyproxy; stopped when dropped.
#[derive(Debug)]
pub struct Tinyproxy {
    addr: SocketAddr,
    dir: PathBuf,
    child: Child,
}

impl Tinyproxy {
    /// Starts one on a free loopback port, in a directory of its own under `dir`.
    ///
    /// # Panics
    /// When tinyproxy is missing or does not start: the test needs it.
    pub fn start(dir: &Path, options: &ProxyOptions) -> Self {
        Self::try_start(dir, options).unwrap_or_else(|e| panic!("cannot start tinyproxy: {e}"))
    }

    fn try_start(dir: &Path, options: &ProxyOptions) -> io::Result<Self> {
        crate::ensure_installed()?;
        fs::create_dir_all(dir)?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = dir.join("tinyproxy.log");
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 120\nLogFile \"{}\"\nLogLevel Info\nMaxClients 64\nAllow 127.0.0.1\nDisableViaHeader Yes\n",
            log.display()
        );
        if let Some((user, password)) = &options.credentials {
            config += &format!("BasicAuth {user} {password}\n");
        }
        if let Some((domain, to)) = &options.route {
            config += &format!("Upstream http {to} \"{domain}\"\n");
        }
        let config_path = dir.join("tinyproxy.conf");
        fs::write(&config_path, config)?;
        let out = fs::File::create(dir.join("tinyproxy.out"))?;
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        let mut proxy = Self {
            addr,
            dir: dir.to_owned(),
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = proxy.child.try_wait()? {
                let out = fs::read_to_string(dir.join("tinyproxy.out")).unwrap_or_default();
                return Err(io::Error::other(format!(
                    "tinyproxy exited with {status}: {out}"
                )));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(proxy);
            }
            if Instant::now() > deadline {
                let _ = proxy.child.kill();
                return Err(io::Error::other("tinyproxy did not listen within 20 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `http://127.0.0.1:PORT`, or with credentials in it.
    pub fn url(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => format!("http://{user}:{password}@{}", self.addr),
            None => format!("http://{}", self.addr),
        }
    }

    /// The request lines the proxy received (`GET http://host/v2/ HTTP/1.1`,
    /// `CONNECT host:443 HTTP/1.1`), in order: what it forwarded or tunnelled.
    pub fn requests(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join("tinyproxy.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                l.split_once("): ")
                    .filter(|_| l.contains("Request (file descriptor"))
            })
            .map(|(_, request)| request.trim().to_owned())
            .collect()
    }

    /// The whole log, for a failure's message.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

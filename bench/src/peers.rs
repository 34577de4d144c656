//! The tools a user would pick instead, side by side with `oras` on the same data, each
//! against fresh registries of its own: oras-py (from PyPI, in a venv under
//! `target/peers`), oci-client (a small program over the crate from crates.io, built under
//! `target/peers` outside the workspace, so neither the workspace's lock file nor its
//! build carries that crate's tree) and skopeo (`skopeo copy --all`, from the system).

use std::path::{Path, PathBuf};
use std::process::Command;

use oras_artifact::distribution::{Body, HyperTransport, Transport};
use oras_artifact::oci::{Algorithm, Digester};
use oras_artifact::{CopyOptions, FileSpec, OciLayout, PushOptions, copy, push};
use oras_tests::OwnRegistry;
use serde_json::{Value, json};

use crate::{Error, Samples, data_dir, files_of, oras_bin, remote, scenarios, timed, workspace};

/// The oras-py release measured.
const ORAS_PY: &str = "0.2.43";
const OCI_CLIENT_MANIFEST: &str = include_str!("../peers/oci_client_Cargo.toml");
const OCI_CLIENT_MAIN: &str = include_str!("../peers/oci_client_main.rs");

/// The multi-platform image: two platforms of four 32 MiB layers each (the `mid` files).
const PLATFORMS: [&str; 2] = ["amd64", "arm64"];
const LAYERS_PER_PLATFORM: usize = 4;
pub(crate) const MULTI_BYTES: u64 = (PLATFORMS.len() * LAYERS_PER_PLATFORM) as u64 * (32 << 20);

/// Who moves the bytes in a row.
#[derive(Clone, Copy, PartialEq)]
enum Tool {
    Oras,
    /// `oras` moving 16 blobs at a time, as oci-client does by default (`oras` and oras-go
    /// move 3 at a time for pulls and copies, 5 for pushes).
    OrasWide,
    OrasPy,
    OciClient,
    Skopeo,
}

impl Tool {
    fn name(self) -> &'static str {
        match self {
            Self::Oras => "oras",
            Self::OrasWide => "oras -c16",
            Self::OrasPy => "oras-py",
            Self::OciClient => "oci-client",
            Self::Skopeo => "skopeo",
        }
    }
}

/// The peers, ready to run.
pub(crate) struct Peers {
    python: PathBuf,
    script: PathBuf,
    oci_client: PathBuf,
    skopeo: PathBuf,
}

/// Runs a set-up command; its output is shown only when it fails.
fn setup(cmd: &mut Command) -> Result<(), Error> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// Writes `text` to `path` unless it holds it already (so cargo sees no change).
fn write_if_changed(path: &Path, text: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().ok_or("a path without a parent")?)?;
        std::fs::write(path, text)?;
    }
    Ok(())
}

impl Peers {
    /// Installs oras-py, builds the oci-client program (both once) and finds skopeo.
    pub(crate) fn prepare() -> Result<Self, Error> {
        let root = workspace().join("target/peers");
        let venv = root.join("oras-py");
        let python = venv.join("bin/python");
        let installed = Command::new(&python)
            .args(["-c", "import oras.version; print(oras.version.__version__)"])
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == ORAS_PY);
        if !installed {
            eprintln!(
                "installing oras-py {ORAS_PY} from PyPI into {} ...",
                venv.display()
            );
            setup(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
            setup(Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "--quiet",
                &format!("oras=={ORAS_PY}"),
            ]))?;
        }
        let dir = root.join("oci-client-bench");
        write_if_changed(&dir.join("Cargo.toml"), OCI_CLIENT_MANIFEST)?;
        write_if_changed(&dir.join("src/main.rs"), OCI_CLIENT_MAIN)?;
        eprintln!("building the oci-client peer under {} ...", dir.display());
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let build = |offline: bool| {
            let mut c = Command::new(&cargo);
            c.args(["build", "--release", "--quiet", "--manifest-path"])
                .arg(dir.join("Cargo.toml"))
                .env("CARGO_TARGET_DIR", dir.join("target"));
            if offline {
                c.arg("--offline");
            }
            setup(&mut c)
        };
        // From the local crate cache when it has everything; from crates.io otherwise.
        build(true).or_else(|_| build(false))?;
        let skopeo = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|d| d.join("skopeo"))
            .find(|p| p.is_file())
            .ok_or("skopeo is not installed (Debian: apt-get install skopeo)")?;
        Ok(Self {
            python,
            script: workspace().join("bench/peers/oras_py_bench.py"),
            oci_client: dir.join("target/release/oci-client-bench"),
            skopeo,
        })
    }

    fn push(&self, tool: Tool, reference: &str, files: &[String]) -> Command {
        let mut c = match tool {
            Tool::Oras | Tool::OrasWide => oras(tool, &["push"]),
            Tool::OrasPy => self.py("push"),
            _ => self.oci("push"),
        };
        c.arg(reference).args(files);
        c
    }

    fn pull(&self, tool: Tool, reference: &str, out: &Path) -> Command {
        let mut c = match tool {
            Tool::Oras | Tool::OrasWide => oras(tool, &["pull", reference, "-o"]),
            Tool::OrasPy => {
                let mut c = self.py("pull");
                c.arg(reference);
                c
            }
            _ => {
                let mut c = self.oci("pull");
                c.arg(reference);
                c
            }
        };
        c.arg(out);
        c
    }

    fn copy(&self, tool: Tool, from: &str, to: &str) -> Command {
        match tool {
            Tool::Oras | Tool::OrasWide => oras(tool, &["cp", from, to]),
            Tool::Skopeo => {
                let mut c = Command::new(&self.skopeo);
                c.args([
                    "copy",
                    "--all",
                    "--quiet",
                    "--src-tls-verify=false",
                    "--dest-tls-verify=false",
                    &format!("docker://{from}"),
                    &format!("docker://{to}"),
                ]);
                c
            }
            _ => {
                let mut c = self.oci("copy");
                c.args([from, to]);
                c
            }
        }
    }

    fn py(&self, op: &str) -> Command {
        let mut c = Command::new(&self.python);
        c.arg(&self.script).arg(op);
        c
    }

    fn oci(&self, op: &str) -> Command {
        let mut c = Command::new(&self.oci_client);
        c.arg(op);
        c
    }

    /// One run: per data set, each tool pushes to a fresh registry and pulls it back; then
    /// each tool that can copies from a fresh registry to another; last, `oras cp` and
    /// `skopeo copy --all` copy a multi-platform image.
    pub(crate) async fn measure(&self, run: usize, samples: &mut Samples) -> Result<(), Error> {
        let dir = workspace().join(format!("target/bench-peers/run-{run}"));
        let _ = std::fs::remove_dir_all(&dir);
        let out = dir.join("pulled");
        for (scenario, _, _) in scenarios() {
            let files = files_of(scenario);
            let names: Vec<String> = files
                .iter()
                .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                .collect();
            // Many small blobs are where concurrency tells: there `oras` also moves as many
            // at a time as oci-client does.
            let wide = (scenario == "many").then_some(Tool::OrasWide);
            let pushers = [Tool::Oras, Tool::OrasPy, Tool::OciClient];
            for tool in pushers.into_iter().chain(wide) {
                let reg = OwnRegistry::start(&dir.join(format!("{scenario}-{}", tool.name())))?;
                let pids = [reg.registry.pid];
                let reference = format!("{}/bench/{scenario}:v1", reg.registry.host());
                let t = timed(
                    self.push(tool, &reference, &names)
                        .current_dir(data_dir(scenario)),
                    &pids,
                )?;
                samples.add(scenario, "push", tool.name(), t);
                let t = timed(&mut self.pull(tool, &reference, &out), &pids)?;
                check_pulled(tool, &out, &files)?;
                samples.add(scenario, "pull", tool.name(), t);
                std::fs::remove_dir_all(&out)?;
            }
            let copiers = [Tool::Oras, Tool::OciClient, Tool::Skopeo];
            for tool in copiers.into_iter().chain(wide) {
                let (src, dst) = self.pair(&dir, scenario, tool)?;
                let from = format!("{}/bench/{scenario}:v1", src.registry.host());
                seed_artifact(&from, &files).await?;
                let to = format!("{}/copied/{scenario}:v1", dst.registry.host());
                let pids = [src.registry.pid, dst.registry.pid];
                let t = timed(&mut self.copy(tool, &from, &to), &pids)?;
                check_graph(
                    &dst.registry.base_url(),
                    &format!("copied/{scenario}"),
                    "v1",
                )
                .await
                .map_err(|e| format!("{} copy of {scenario}: {e}", tool.name()))?;
                samples.add(scenario, "copy", tool.name(), t);
            }
        }
        // oci-client pulls one platform of an index (its own resolver): no whole copy.
        let layout = multi_platform_layout()?;
        for tool in [Tool::Oras, Tool::Skopeo] {
            let (src, dst) = self.pair(&dir, "multi", tool)?;
            let from = format!("{}/bench/multi:v1", src.registry.host());
            copy(
                &OciLayout::open(&layout)?,
                "v1",
                &remote(&from)?,
                Some("v1"),
                &CopyOptions::default(),
            )
            .await?;
            let to = format!("{}/copied/multi:v1", dst.registry.host());
            let pids = [src.registry.pid, dst.registry.pid];
            let t = timed(&mut self.copy(tool, &from, &to), &pids)?;
            check_graph(&dst.registry.base_url(), "copied/multi", "v1")
                .await
                .map_err(|e| format!("{} copy of the multi-platform image: {e}", tool.name()))?;
            samples.add("multi", "copy", tool.name(), t);
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }

    fn pair(
        &self,
        dir: &Path,
        scenario: &str,
        tool: Tool,
    ) -> Result<(OwnRegistry, OwnRegistry), Error> {
        let name = tool.name();
        Ok((
            OwnRegistry::start(&dir.join(format!("{scenario}-{name}-src")))?,
            OwnRegistry::start(&dir.join(format!("{scenario}-{name}-dst")))?,
        ))
    }
}

/// `oras` with `args`, no progress bars, at the concurrency `tool` says.
fn oras(tool: Tool, args: &[&str]) -> Command {
    let mut c = Command::new(oras_bin());
    c.args(&args[..1]).arg("--no-tty");
    if tool == Tool::OrasWide {
        c.args(["--concurrency", "16"]);
    }
    c.args(&args[1..]);
    c
}

/// Every file came back, at its size.
fn check_pulled(tool: Tool, out: &Path, files: &[PathBuf]) -> Result<(), Error> {
    for f in files {
        let name = f.file_name().ok_or("a file without a name")?;
        let want = std::fs::metadata(f)?.len();
        let got = std::fs::metadata(out.join(name)).map(|m| m.len()).ok();
        if got != Some(want) {
            return Err(format!(
                "{} pulled {} as {got:?} bytes, not {want}",
                tool.name(),
                name.to_string_lossy()
            )
            .into());
        }
    }
    Ok(())
}

/// The data set pushed as an artifact by the library (not timed).
async fn seed_artifact(reference: &str, files: &[PathBuf]) -> Result<(), Error> {
    let specs: Vec<FileSpec> = files
        .iter()
        .map(|f| {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
            FileSpec::named(f, name.unwrap_or_default())
        })
        .collect();
    let mut o = PushOptions::default();
    o.artifact_type = Some("application/vnd.oras-rs.bench".into());
    o.tags = vec!["v1".into()];
    push(&remote(reference)?, &specs, &o).await?;
    Ok(())
}

/// The registry at `base` has the whole graph under `repo:tag`: every manifest, and
/// every blob they name.
async fn check_graph(base: &str, repo: &str, tag: &str) -> Result<(), Error> {
    const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
        application/vnd.oci.image.manifest.v1+json, \
        application/vnd.docker.distribution.manifest.list.v2+json, \
        application/vnd.docker.distribution.manifest.v2+json";
    let t = HyperTransport::new()?;
    let mut manifests = vec![tag.to_owned()];
    while let Some(reference) = manifests.pop() {
        let req = http::Request::get(format!("{base}/v2/{repo}/manifests/{reference}"))
            .header("accept", ACCEPT)
            .body(Body::empty())?;
        let resp = t.send(req).await?;
        if resp.status() != 200 {
            return Err(format!("manifest {reference}: {}", resp.status()).into());
        }
        let body = resp.into_body().collect_limited(1 << 20).await?;
        let m: Value = serde_json::from_slice(&body)?;
        let digest_of = |d: &Value| d["digest"].as_str().map(str::to_owned);
        manifests.extend(
            m["manifests"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(digest_of),
        );
        let blobs = m["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(m.get("config"));
        for blob in blobs.filter_map(digest_of) {
            let req =
                http::Request::head(format!("{base}/v2/{repo}/blobs/{blob}")).body(Body::empty())?;
            let status = t.send(req).await?.status();
            if status != 200 {
                return Err(format!("blob {blob}: {status}").into());
            }
        }
    }
    Ok(())
}

/// The multi-platform image, written once as an OCI layout under `target/bench-data`:
/// an index of two linux platforms, each an image of four of the `mid` files as
/// uncompressed layers (hard links into the layout) and a config that lists them.
fn multi_platform_layout() -> Result<PathBuf, Error> {
    let dir = workspace().join("target/bench-data/multi");
    if dir.join("index.json").is_file() {
        return Ok(dir);
    }
    let tmp = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    let blobs = tmp.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)?;
    let put = |bytes: &[u8]| -> Result<Value, Error> {
        let mut d = Digester::new(Algorithm::Sha256);
        d.update(bytes);
        let digest = d.finish();
        std::fs::write(blobs.join(digest.encoded()), bytes)?;
        Ok(json!({"digest": digest.to_string(), "size": bytes.len()}))
    };
    let files = files_of("mid");
    let mut children = Vec::new();
    for (i, arch) in PLATFORMS.iter().enumerate() {
        let mut layers = Vec::new();
        for f in &files[i * LAYERS_PER_PLATFORM..(i + 1) * LAYERS_PER_PLATFORM] {
            let (_, hashed) = crate::floors::hash_floor(std::slice::from_ref(f))?;
            let (digest, size) = hashed.into_iter().next().ok_or("no hash")?;
            let at = blobs.join(digest.encoded());
            if std::fs::hard_link(f, &at).is_err() {
                std::fs::copy(f, &at)?;
            }
            layers.push(json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": digest.to_string(), "size": size,
            }));
        }
        let diff_ids: Vec<&Value> = layers.iter().map(|l| &l["digest"]).collect();
        let config = json!({
            "architecture": arch, "os": "linux", "config": {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        let mut config_desc = put(&serde_json::to_vec(&config)?)?;
        config_desc["mediaType"] = "application/vnd.oci.image.config.v1+json".into();
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_desc,
            "layers": layers,
        });
        let mut desc = put(&serde_json::to_vec(&manifest)?)?;
        desc["mediaType"] = "application/vnd.oci.image.manifest.v1+json".into();
        desc["platform"] = json!({"architecture": arch, "os": "linux"});
        children.push(desc);
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": children,
    });
    let mut root = put(&serde_json::to_vec(&index)?)?;
    root["mediaType"] = "application/vnd.oci.image.index.v1+json".into();
    root["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    std::fs::write(tmp.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    let layout_index = json!({"schemaVersion": 2, "manifests": [root]});
    std::fs::write(tmp.join("index.json"), serde_json::to_vec(&layout_index)?)?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir)?;
    Ok(dir)
}

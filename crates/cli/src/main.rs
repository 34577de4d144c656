//! `oras`: push and pull files to and from OCI registries and OCI image layouts, with the
//! commands and flags of the Go `oras` CLI.

#![allow(
    rustdoc::broken_intra_doc_links,
    reason = "doc comments are clap's help texts, where [OPTIONAL] parts use brackets"
)]

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use oras_artifact::oci::pack::PackVersion;
use oras_artifact::oci::{Descriptor, Digest, ImageIndex, Manifest, Platform, media_type};
use oras_artifact::{CopyOptions, FileSpec, PullOptions, PushOptions, ReferrerTree};
use serde_json::{Value, json};

mod log;
mod progress;
mod remote;

use remote::{FromArgs, Opened, RemoteArgs, ToArgs, is_tty, open, split_tags};

/// A failure reported as one line on stderr.
#[derive(Debug)]
pub(crate) struct CliError(String);

impl CliError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

const NOT_FOUND_HINT: &str = "not found: check the repository, tag or digest";

impl From<oras_artifact::Error> for CliError {
    fn from(e: oras_artifact::Error) -> Self {
        if e.is_not_found() {
            Self(format!("{NOT_FOUND_HINT} ({e})"))
        } else {
            Self(e.to_string())
        }
    }
}

impl From<oras_artifact::distribution::Error> for CliError {
    fn from(e: oras_artifact::distribution::Error) -> Self {
        if e.is_not_found() {
            Self(format!("{NOT_FOUND_HINT} ({e})"))
        } else {
            Self(e.to_string())
        }
    }
}

type Result<T, E = CliError> = std::result::Result<T, E>;

#[derive(Parser)]
#[command(
    name = "oras",
    version,
    about = "OCI Registry As Storage: push and pull files to and from OCI registries and layouts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log what happens to stderr: each operation, and every request and response with
    /// its headers (credentials redacted). `ORAS_LOG` (e.g. `oras_artifact=debug`)
    /// chooses what is logged instead
    #[arg(short = 'd', long, global = true)]
    debug: bool,
    /// Plain progress lines even on a terminal
    #[arg(long, global = true)]
    no_tty: bool,
    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Push files to a registry or an OCI layout
    Push(PushArgs),
    /// Pull files from a registry or an OCI layout
    Pull(PullArgs),
    /// Attach files to an existing artifact as a new referrer
    Attach(AttachArgs),
    /// Show the artifacts that refer to an artifact
    Discover(DiscoverArgs),
    /// Copy an artifact between registries and OCI layouts
    #[command(alias = "cp")]
    Copy(CopyArgs),
    /// Tag a manifest
    Tag(TagArgs),
    /// Show the digest a reference resolves to
    Resolve(ResolveArgs),
    /// Manifest operations
    #[command(subcommand)]
    Manifest(ManifestCommand),
    /// Blob operations
    #[command(subcommand)]
    Blob(BlobCommand),
    /// Repository operations
    #[command(subcommand)]
    Repo(RepoCommand),
    /// Log in to a registry
    Login(LoginArgs),
    /// Log out of a registry
    Logout(LogoutArgs),
    /// Show the version
    Version,
    /// Generate shell completions
    Completion {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct PushArgs {
    /// REGISTRY/REPOSITORY[:TAG[,TAG...]] (or DIR[:TAG,...] with --oci-layout)
    reference: String,
    /// FILE[:MEDIA_TYPE] or DIRECTORY...
    files: Vec<String>,
    /// The artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// A config file, FILE[:MEDIA_TYPE]
    #[arg(long)]
    config: Option<String>,
    /// A manifest annotation, KEY=VALUE (repeatable)
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// Annotations file ({"$manifest": {...}, "$config": {...}, "FILE": {...}})
    #[arg(long)]
    annotation_file: Option<PathBuf>,
    /// Image spec rules to pack the manifest by
    #[arg(long, value_parser = ["v1.0", "v1.1"], default_value = "v1.1")]
    image_spec: String,
    /// Also write the manifest to this file
    #[arg(long)]
    export_manifest: Option<PathBuf>,
    /// Allow absolute paths and `..` in file names
    #[arg(long)]
    disable_path_validation: bool,
    /// Blobs uploaded at once
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct PullArgs {
    /// REGISTRY/REPOSITORY[:TAG|@DIGEST] (or DIR[:TAG|@DIGEST] with --oci-layout)
    reference: String,
    /// Output directory
    #[arg(short = 'o', long, default_value = ".")]
    output: PathBuf,
    /// For an index: OS/ARCH[/VARIANT][:OS_VERSION]
    #[arg(long)]
    platform: Option<String>,
    /// Also pull the subject's files, recursively
    #[arg(long)]
    include_subject: bool,
    /// Do not replace existing files; treat them as errors
    #[arg(short = 'k', long)]
    keep_old_files: bool,
    /// Allow file names that leave the output directory
    #[arg(long)]
    allow_path_traversal: bool,
    /// Layers downloaded at once
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
    /// Only layers of this media type (repeatable)
    #[arg(long = "media-type")]
    media_types: Vec<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct AttachArgs {
    /// The subject: REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// FILE[:MEDIA_TYPE]...
    files: Vec<String>,
    /// The artifact type (required)
    #[arg(long)]
    artifact_type: String,
    /// A manifest annotation, KEY=VALUE (repeatable)
    #[arg(short = 'a', long = "annotation")]
    annotations: Vec<String>,
    /// Annotations file
    #[arg(long)]
    annotation_file: Option<PathBuf>,
    /// Blobs uploaded at once
    #[arg(long, default_value_t = 5)]
    concurrency: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct DiscoverArgs {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// Only referrers of this artifact type
    #[arg(long)]
    artifact_type: Option<String>,
    /// How many levels of referrers to show
    #[arg(long, default_value_t = 10)]
    depth: usize,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct CopyArgs {
    /// Source: REGISTRY/REPOSITORY:TAG|@DIGEST
    from: String,
    /// Destination: REGISTRY/REPOSITORY[:TAG[,TAG...]]
    to: String,
    /// Also copy the referrers, recursively
    #[arg(short = 'r', long)]
    recursive: bool,
    /// For an index: copy only this platform
    #[arg(long)]
    platform: Option<String>,
    /// Blobs copied at once
    #[arg(long, default_value_t = 3)]
    concurrency: usize,
    /// Add a request header, `name: value` (repeatable)
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    #[command(flatten)]
    from_args: FromArgs,
    #[command(flatten)]
    to_args: ToArgs,
}

#[derive(Args)]
struct TagArgs {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// New tags
    #[arg(required = true)]
    tags: Vec<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct ResolveArgs {
    /// REGISTRY/REPOSITORY:TAG|@DIGEST
    reference: String,
    /// Print REGISTRY/REPOSITORY@DIGEST
    #[arg(short = 'l', long)]
    full_reference: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Subcommand)]
enum ManifestCommand {
    /// Fetch a manifest
    Fetch {
        /// REGISTRY/REPOSITORY:TAG|@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Print the descriptor instead
        #[arg(long)]
        descriptor: bool,
        /// Indent the JSON
        #[arg(long)]
        pretty: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Push a manifest from a file ("-": stdin)
    Push {
        /// REGISTRY/REPOSITORY[:TAG[,TAG...]|@DIGEST]
        reference: String,
        /// The manifest file
        file: PathBuf,
        /// Its media type (default: its mediaType field)
        #[arg(long)]
        media_type: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a manifest
    Delete {
        /// REGISTRY/REPOSITORY:TAG|@DIGEST
        reference: String,
        /// Do not ask for confirmation
        #[arg(short = 'f', long)]
        force: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Fetch a manifest's config
    FetchConfig {
        /// REGISTRY/REPOSITORY:TAG|@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Index operations
    #[command(subcommand)]
    Index(IndexCommand),
}

#[derive(Subcommand)]
enum IndexCommand {
    /// Create an index of manifests of the same repository
    Create {
        /// REGISTRY/REPOSITORY[:TAG[,TAG...]]
        reference: String,
        /// Tags or digests of the manifests to list
        sources: Vec<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

#[derive(Subcommand)]
enum BlobCommand {
    /// Fetch a blob
    Fetch {
        /// REGISTRY/REPOSITORY@DIGEST
        reference: String,
        /// Write to this file ("-": stdout)
        #[arg(short = 'o', long)]
        output: PathBuf,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Push a file as a blob
    Push {
        /// REGISTRY/REPOSITORY
        reference: String,
        /// The file
        file: PathBuf,
        /// Its media type (for the printed descriptor)
        #[arg(long, default_value = "application/octet-stream")]
        media_type: String,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// Delete a blob
    Delete {
        /// REGISTRY/REPOSITORY@DIGEST
        reference: String,
        /// Do not ask for confirmation
        #[arg(short = 'f', long)]
        force: bool,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

#[derive(Subcommand)]
enum RepoCommand {
    /// List the repositories of a registry
    #[command(alias = "list")]
    Ls {
        /// REGISTRY
        registry: String,
        /// Start after this repository
        #[arg(long)]
        last: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
    /// List the tags of a repository
    Tags {
        /// REGISTRY/REPOSITORY (or DIR with --oci-layout)
        reference: String,
        /// Start after this tag
        #[arg(long)]
        last: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
    },
}

#[derive(Args)]
struct LoginArgs {
    /// REGISTRY
    registry: String,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args)]
struct LogoutArgs {
    /// REGISTRY
    registry: String,
    /// Path of the credentials file (default: Docker's config.json)
    #[arg(long, value_name = "PATH")]
    registry_config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = log::init(cli.debug) {
        eprintln!("Error: {e}");
        return ExitCode::FAILURE;
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError(message)) => {
            eprintln!("Error: {}", message.lines().next().unwrap_or_default());
            ExitCode::FAILURE
        }
    }
}

struct Ctx {
    tty: bool,
    json: bool,
}

fn print_json(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, v);
    let _ = writeln!(out);
}

async fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        tty: is_tty(cli.no_tty),
        json: cli.format == Format::Json,
    };
    match cli.command {
        Command::Push(a) => push(&ctx, a).await,
        Command::Pull(a) => pull(&ctx, a).await,
        Command::Attach(a) => attach(&ctx, a).await,
        Command::Discover(a) => discover(&ctx, a).await,
        Command::Copy(a) => copy(&ctx, a).await,
        Command::Tag(a) => tag(&ctx, a).await,
        Command::Resolve(a) => resolve(&ctx, a).await,
        Command::Manifest(m) => manifest(&ctx, m).await,
        Command::Blob(b) => blob(&ctx, b).await,
        Command::Repo(r) => repo(&ctx, r).await,
        Command::Login(a) => login(a).await,
        Command::Logout(a) => logout(&ctx, a),
        Command::Version => {
            if ctx.json {
                print_json(&json!({"version": env!("CARGO_PKG_VERSION")}));
            } else {
                println!("Version: {}", env!("CARGO_PKG_VERSION"));
            }
            Ok(())
        }
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "oras", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn descriptor_json(reference: &str, d: &Descriptor) -> Value {
    let mut v = json!({
        "reference": reference,
        "mediaType": d.media_type,
        "digest": d.digest.to_string(),
        "size": d.size,
    });
    if let Some(a) = &d.annotations {
        v["annotations"] = json!(a);
    }
    if let Some(t) = &d.artifact_type {
        v["artifactType"] = json!(t);
    }
    v
}

fn parse_annotations(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| {
                    CliError::new(format!("invalid annotation {p:?}: expected KEY=VALUE"))
                })
        })
        .collect()
}

fn file_specs(files: &[String]) -> Result<Vec<FileSpec>> {
    let specs: Vec<FileSpec> = files.iter().map(|f| FileSpec::parse(f)).collect();
    for s in &specs {
        if !s.path.exists() {
            return Err(CliError::new(format!(
                "{}: no such file or directory",
                s.path.display()
            )));
        }
    }
    Ok(specs)
}

async fn push(ctx: &Ctx, a: PushArgs) -> Result<()> {
    let (base, mut tags) = if a.remote.oci_layout {
        let (dir, tag) = remote::split_layout(&a.reference);
        let tags: Vec<String> = tag
            .map(|t| t.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        (dir, tags)
    } else {
        split_tags(&a.reference)
    };
    if tags.is_empty() {
        tags.push("latest".into());
    }
    let reference = if a.remote.oci_layout {
        base.clone()
    } else {
        base.rsplit_once(':')
            .filter(|(_, t)| !t.contains('/'))
            .map_or(base.clone(), |(n, _)| format!("{n}:{}", tags[0]))
    };
    let opened = open(&a.remote, &reference).await?;
    let files = file_specs(&a.files)?;
    let mut o = PushOptions::default();
    if let Some(f) = &a.annotation_file {
        o.read_annotation_file(f)?;
    }
    o.annotations.extend(parse_annotations(&a.annotations)?);
    o.config = a.config.as_deref().map(FileSpec::parse);
    o.version = if a.image_spec == "v1.0" {
        PackVersion::V1_0
    } else {
        PackVersion::V1_1
    };
    o.artifact_type = a.artifact_type.clone().or_else(|| {
        (o.config.is_none() && o.version == PackVersion::V1_1)
            .then(|| media_type::ORAS_UNKNOWN_ARTIFACT.to_owned())
    });
    o.tags = tags.clone();
    o.concurrency = a.concurrency;
    o.disable_path_validation = a.disable_path_validation;
    let bars = Arc::new(progress::Bars::new(ctx.tty, ctx.json, "Uploaded"));
    o.observer = Some(bars.clone());
    let pushed = oras_artifact::push(opened.target.as_ref(), &files, &o).await?;
    bars.finish();
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &pushed.manifest).await?;
    if let Some(path) = &a.export_manifest {
        std::fs::write(path, manifest.bytes())
            .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
    }
    report_pushed(ctx, &opened, &pushed.manifest, &manifest, &tags, "Pushed");
    Ok(())
}

fn report_pushed(
    ctx: &Ctx,
    opened: &Opened,
    desc: &Descriptor,
    manifest: &Manifest,
    tags: &[String],
    verb: &str,
) {
    let digest_ref = opened.display(desc.digest.as_str());
    if ctx.json {
        let mut v = descriptor_json(&digest_ref, desc);
        if let Some(t) = manifest.artifact_type() {
            v["artifactType"] = json!(t);
        }
        if let Some(a) = manifest.annotations() {
            v["annotations"] = json!(a);
        }
        v["referenceAsTags"] = json!(tags.iter().map(|t| opened.display(t)).collect::<Vec<_>>());
        print_json(&v);
    } else {
        let shown = tags
            .first()
            .map_or_else(|| digest_ref.clone(), |t| opened.display(t));
        println!("{verb} {} {shown}", opened.kind);
        if let Some(t) = manifest.artifact_type() {
            println!("ArtifactType: {t}");
        }
        println!("Digest: {}", desc.digest);
    }
}

fn reference_part(opened: &Opened, what: &str) -> Result<String> {
    opened.tag_or_digest.clone().ok_or_else(|| {
        CliError::new(format!(
            "{what} needs a tag or digest: {}:TAG or {}@DIGEST",
            opened.name, opened.name
        ))
    })
}

async fn pull(ctx: &Ctx, a: PullArgs) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = reference_part(&opened, "pull")?;
    let mut o = PullOptions::default();
    o.platform = a
        .platform
        .as_deref()
        .map(str::parse::<Platform>)
        .transpose()
        .map_err(|e| CliError::new(e.to_string()))?;
    o.include_subject = a.include_subject;
    o.keep_old_files = a.keep_old_files;
    o.allow_path_traversal = a.allow_path_traversal;
    o.concurrency = a.concurrency;
    o.media_types = a.media_types.clone();
    let bars = Arc::new(progress::Bars::new(ctx.tty, ctx.json, "Downloaded"));
    o.observer = Some(bars.clone());
    let pulled = oras_artifact::pull(opened.target.as_ref(), &reference, &a.output, &o).await?;
    bars.finish();
    if ctx.json {
        let files: Vec<Value> = pulled
            .files
            .iter()
            .map(|f| {
                let mut v =
                    descriptor_json(&opened.display(f.descriptor.digest.as_str()), &f.descriptor);
                v["path"] = json!(std::path::absolute(&f.path).unwrap_or_else(|_| f.path.clone()));
                v
            })
            .collect();
        print_json(
            &json!({"reference": opened.display(pulled.manifest.digest.as_str()), "files": files}),
        );
    } else {
        if pulled.files.is_empty() {
            println!(
                "Skipped pulling layers without file name in \"org.opencontainers.image.title\""
            );
        }
        println!("Pulled {} {}", opened.kind, opened.display(&reference));
        println!("Digest: {}", pulled.manifest.digest);
    }
    Ok(())
}

async fn attach(ctx: &Ctx, a: AttachArgs) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let subject = reference_part(&opened, "attach")?;
    let files = file_specs(&a.files)?;
    let mut o = PushOptions::default();
    if let Some(f) = &a.annotation_file {
        o.read_annotation_file(f)?;
    }
    o.annotations.extend(parse_annotations(&a.annotations)?);
    o.concurrency = a.concurrency;
    let bars = Arc::new(progress::Bars::new(ctx.tty, ctx.json, "Uploaded"));
    o.observer = Some(bars.clone());
    let pushed = oras_artifact::attach(
        opened.target.as_ref(),
        &subject,
        &files,
        &a.artifact_type,
        &o,
    )
    .await?;
    bars.finish();
    let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &pushed.manifest).await?;
    if ctx.json {
        report_pushed(ctx, &opened, &pushed.manifest, &manifest, &[], "Attached");
    } else {
        println!("Attached to {} {}", opened.kind, opened.display(&subject));
        println!("Digest: {}", pushed.manifest.digest);
    }
    Ok(())
}

fn tree_json(opened: &Opened, t: &ReferrerTree) -> Value {
    let mut v = descriptor_json(&opened.display(t.descriptor.digest.as_str()), &t.descriptor);
    v["manifests"] = Value::Array(t.referrers.iter().map(|r| tree_json(opened, r)).collect());
    v
}

fn print_tree(t: &ReferrerTree, indent: &str) {
    for (i, r) in t.referrers.iter().enumerate() {
        let last = i + 1 == t.referrers.len();
        let (branch, next) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        println!(
            "{indent}{branch}{}",
            r.descriptor
                .artifact_type
                .as_deref()
                .unwrap_or(&r.descriptor.media_type)
        );
        println!("{indent}{next}└── {}", r.descriptor.digest);
        print_tree(r, &format!("{indent}{next}    "));
    }
}

async fn discover(ctx: &Ctx, a: DiscoverArgs) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = reference_part(&opened, "discover")?;
    let tree = oras_artifact::discover(
        opened.target.as_ref(),
        &reference,
        a.artifact_type.as_deref(),
        a.depth,
    )
    .await?;
    if ctx.json {
        print_json(&tree_json(&opened, &tree));
    } else {
        println!("{}", opened.display(tree.descriptor.digest.as_str()));
        print_tree(&tree, "");
    }
    Ok(())
}

async fn copy(ctx: &Ctx, a: CopyArgs) -> Result<()> {
    let from = open(&a.from_args.remote(&a.headers), &a.from).await?;
    let src_ref = reference_part(&from, "copy")?;
    let to_remote = a.to_args.remote(&a.headers);
    let (to_base, mut tags) = if to_remote.oci_layout {
        let (dir, tag) = remote::split_layout(&a.to);
        (
            dir,
            tag.map(|t| t.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        )
    } else {
        split_tags(&a.to)
    };
    if tags.is_empty() && oras_artifact::reference::is_valid_tag(&src_ref) {
        tags.push(src_ref.clone());
    }
    let to_reference = if to_remote.oci_layout {
        to_base
    } else {
        match tags.first() {
            Some(t) => format!(
                "{}:{t}",
                to_base
                    .rsplit_once(':')
                    .filter(|(_, x)| !x.contains('/'))
                    .map_or(to_base.as_str(), |(n, _)| n)
            ),
            None => to_base,
        }
    };
    let to = open(&to_remote, &to_reference).await?;
    let mut o = CopyOptions::default();
    o.concurrency = a.concurrency;
    o.platform = a
        .platform
        .as_deref()
        .map(str::parse::<Platform>)
        .transpose()
        .map_err(|e| CliError::new(e.to_string()))?;
    if a.recursive {
        o.referrers_depth = 10;
    }
    let bars = Arc::new(progress::Bars::new(ctx.tty, ctx.json, "Copied"));
    o.observer = Some(bars.clone());
    let root = oras_artifact::copy(
        from.target.as_ref(),
        &src_ref,
        to.target.as_ref(),
        tags.first().map(String::as_str),
        &o,
    )
    .await?;
    for t in tags.iter().skip(1) {
        to.target.tag(&root, t).await?;
    }
    bars.finish();
    if ctx.json {
        let mut v = descriptor_json(&to.display(root.digest.as_str()), &root);
        v["referenceAsTags"] = json!(tags.iter().map(|t| to.display(t)).collect::<Vec<_>>());
        print_json(&v);
    } else {
        let dst = tags
            .first()
            .map_or_else(|| to.display(root.digest.as_str()), |t| to.display(t));
        println!(
            "Copied {} {} => {} {dst}",
            from.kind,
            from.display(&src_ref),
            to.kind
        );
        println!("Digest: {}", root.digest);
    }
    Ok(())
}

async fn tag(ctx: &Ctx, a: TagArgs) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = reference_part(&opened, "tag")?;
    let desc = opened.target.resolve(&reference).await?;
    for t in &a.tags {
        if !oras_artifact::reference::is_valid_tag(t) {
            return Err(CliError::new(format!("invalid tag {t:?}")));
        }
        opened.target.tag(&desc, t).await?;
        if !ctx.json {
            println!("Tagged {t}");
        }
    }
    if ctx.json {
        let mut v = descriptor_json(&opened.display(desc.digest.as_str()), &desc);
        v["referenceAsTags"] = json!(a.tags.iter().map(|t| opened.display(t)).collect::<Vec<_>>());
        print_json(&v);
    }
    Ok(())
}

async fn resolve(ctx: &Ctx, a: ResolveArgs) -> Result<()> {
    let opened = open(&a.remote, &a.reference).await?;
    let reference = reference_part(&opened, "resolve")?;
    let desc = opened.target.resolve(&reference).await?;
    if ctx.json {
        print_json(&descriptor_json(
            &opened.display(desc.digest.as_str()),
            &desc,
        ));
    } else if a.full_reference {
        println!("{}", opened.display(desc.digest.as_str()));
    } else {
        println!("{}", desc.digest);
    }
    Ok(())
}

fn write_output(output: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match output {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::write(p, bytes).map_err(|e| CliError::new(format!("{}: {e}", p.display())))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| CliError::new(format!("writing to stdout: {e}")))
        }
    }
}

fn confirm(what: &str, force: bool) -> Result<()> {
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(format!(
            "refusing to delete {what} without confirmation: use --force"
        )));
    }
    eprint!("Are you sure you want to delete {what}? (y/n): ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(e.to_string()))?;
    if matches!(answer.trim(), "y" | "yes" | "Y") {
        Ok(())
    } else {
        Err(CliError::new("deletion cancelled"))
    }
}

async fn manifest(ctx: &Ctx, m: ManifestCommand) -> Result<()> {
    match m {
        ManifestCommand::Fetch {
            reference,
            output,
            descriptor,
            pretty,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let r = reference_part(&opened, "manifest fetch")?;
            let desc = opened.target.resolve(&r).await?;
            if descriptor || ctx.json && output.is_none() {
                print_json(&descriptor_json(
                    &opened.display(desc.digest.as_str()),
                    &desc,
                ));
                return Ok(());
            }
            let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &desc).await?;
            if pretty {
                let v: Value = serde_json::from_slice(manifest.bytes())
                    .map_err(|e| CliError::new(e.to_string()))?;
                let mut text =
                    serde_json::to_vec_pretty(&v).map_err(|e| CliError::new(e.to_string()))?;
                text.push(b'\n');
                write_output(output.as_ref(), &text)
            } else {
                write_output(output.as_ref(), manifest.bytes())
            }
        }
        ManifestCommand::Push {
            reference,
            file,
            media_type,
            remote,
        } => {
            let bytes = if file.as_os_str() == "-" {
                let mut b = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut b)
                    .map_err(|e| CliError::new(format!("reading stdin: {e}")))?;
                b
            } else {
                std::fs::read(&file)
                    .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?
            };
            let manifest = Manifest::parse(bytes, media_type.as_deref())
                .map_err(|e| CliError::new(e.to_string()))?;
            let (base, tags) = if remote.oci_layout {
                (reference.clone(), Vec::new())
            } else {
                split_tags(&reference)
            };
            let opened = open(&remote, &base).await?;
            let desc =
                oras_artifact::push_manifest(opened.target.as_ref(), &manifest, None).await?;
            for t in &tags {
                opened.target.tag(&desc, t).await?;
            }
            if let (true, Some(t)) = (
                remote.oci_layout,
                opened
                    .tag_or_digest
                    .as_deref()
                    .filter(|t| Digest::parse(t).is_err()),
            ) {
                opened.target.tag(&desc, t).await?;
            }
            report_pushed(ctx, &opened, &desc, &manifest, &tags, "Pushed");
            Ok(())
        }
        ManifestCommand::Delete {
            reference,
            force,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let r = reference_part(&opened, "manifest delete")?;
            let desc = opened.target.resolve(&r).await?;
            confirm(
                &format!("the manifest {} and every tag pointing at it", desc.digest),
                force,
            )?;
            opened.target.delete(&desc).await?;
            if ctx.json {
                print_json(&descriptor_json(
                    &opened.display(desc.digest.as_str()),
                    &desc,
                ));
            } else {
                println!("Deleted {} {}", opened.kind, opened.display(&r));
            }
            Ok(())
        }
        ManifestCommand::FetchConfig {
            reference,
            output,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let r = reference_part(&opened, "manifest fetch-config")?;
            let desc = opened.target.resolve(&r).await?;
            let manifest = oras_artifact::fetch_manifest(opened.target.as_ref(), &desc).await?;
            let image = manifest.as_image().ok_or_else(|| {
                CliError::new(format!(
                    "{} is not an image manifest; it has no config",
                    desc.digest
                ))
            })?;
            let config = oras_artifact::fetch_blob(opened.target.as_ref(), &image.config).await?;
            write_output(output.as_ref(), &config)
        }
        ManifestCommand::Index(IndexCommand::Create {
            reference,
            sources,
            remote,
        }) => {
            let (base, tags) = split_tags(&reference);
            let opened = open(&remote, &base).await?;
            let mut entries = Vec::new();
            for s in &sources {
                let mut d = opened.target.resolve(s).await?;
                let m = oras_artifact::fetch_manifest(opened.target.as_ref(), &d).await?;
                if let Some(image) = m.as_image()
                    && image.config.media_type == media_type::OCI_CONFIG
                {
                    let config =
                        oras_artifact::fetch_blob(opened.target.as_ref(), &image.config).await?;
                    d.platform = serde_json::from_slice::<Platform>(&config).ok();
                }
                d.artifact_type = m
                    .artifact_type()
                    .map(str::to_owned)
                    .filter(|_| m.as_image().is_some_and(|i| i.artifact_type.is_some()));
                entries.push(d);
            }
            let index = Manifest::from_index(ImageIndex::new(entries));
            let desc = oras_artifact::push_manifest(opened.target.as_ref(), &index, None).await?;
            for t in &tags {
                opened.target.tag(&desc, t).await?;
            }
            report_pushed(ctx, &opened, &desc, &index, &tags, "Pushed");
            Ok(())
        }
    }
}

fn blob_digest(opened: &Opened) -> Result<Digest> {
    let r = opened.tag_or_digest.as_deref().ok_or_else(|| {
        CliError::new(format!(
            "a blob is named by digest: {}@sha256:...",
            opened.name
        ))
    })?;
    Digest::parse(r).map_err(|e| CliError::new(e.to_string()))
}

async fn blob_descriptor(opened: &Opened, digest: Digest) -> Result<Descriptor> {
    let size = if let Some(repo) = &opened.repository {
        repo.blob_exists(&digest).await?
    } else if let Some(layout) = &opened.layout {
        std::fs::metadata(layout.blob_path(&digest))
            .ok()
            .map(|m| m.len())
    } else {
        None
    };
    let size =
        size.ok_or_else(|| CliError::new(format!("blob {digest} not found in {}", opened.name)))?;
    Ok(Descriptor::new("application/octet-stream", digest, size))
}

async fn blob(ctx: &Ctx, b: BlobCommand) -> Result<()> {
    match b {
        BlobCommand::Fetch {
            reference,
            output,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let desc = blob_descriptor(&opened, blob_digest(&opened)?).await?;
            if output.as_os_str() == "-" {
                let bytes = oras_artifact::fetch_blob(opened.target.as_ref(), &desc).await?;
                return write_output(None, &bytes);
            }
            // Stream to the file through a layout-free pull: verify while writing.
            let tmp = output.with_extension("oras-partial");
            let result = async {
                let mut stream = opened.target.fetch(&desc).await?;
                let mut v = oras_artifact::oci::verify::Verifier::for_descriptor(&desc)
                    .map_err(oras_artifact::Error::from)?;
                let mut f = tokio::fs::File::create(&tmp)
                    .await
                    .map_err(|e| CliError::new(format!("{}: {e}", tmp.display())))?;
                while let Some(chunk) =
                    std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await
                {
                    let chunk = chunk.map_err(|e| CliError::new(e.to_string()))?;
                    v.update(&chunk).map_err(oras_artifact::Error::from)?;
                    tokio::io::AsyncWriteExt::write_all(&mut f, &chunk)
                        .await
                        .map_err(|e| CliError::new(e.to_string()))?;
                }
                v.finish().map_err(oras_artifact::Error::from)?;
                tokio::io::AsyncWriteExt::flush(&mut f)
                    .await
                    .map_err(|e| CliError::new(e.to_string()))?;
                std::fs::rename(&tmp, &output)
                    .map_err(|e| CliError::new(format!("{}: {e}", output.display())))
            }
            .await;
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result?;
            if ctx.json {
                print_json(&descriptor_json(
                    &opened.display(desc.digest.as_str()),
                    &desc,
                ));
            } else {
                println!("Downloaded {}", output.display());
            }
            Ok(())
        }
        BlobCommand::Push {
            reference,
            file,
            media_type,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let bytes = std::fs::read(&file)
                .map_err(|e| CliError::new(format!("{}: {e}", file.display())))?;
            let desc =
                oras_artifact::push_blob(opened.target.as_ref(), &media_type, bytes.into()).await?;
            if ctx.json {
                print_json(&descriptor_json(
                    &opened.display(desc.digest.as_str()),
                    &desc,
                ));
            } else {
                println!(
                    "Pushed {} {}",
                    opened.kind,
                    opened.display(desc.digest.as_str())
                );
                println!("Digest: {}", desc.digest);
            }
            Ok(())
        }
        BlobCommand::Delete {
            reference,
            force,
            remote,
        } => {
            let opened = open(&remote, &reference).await?;
            let desc = blob_descriptor(&opened, blob_digest(&opened)?).await?;
            confirm(&format!("the blob {}", desc.digest), force)?;
            opened.target.delete(&desc).await?;
            if ctx.json {
                print_json(&descriptor_json(
                    &opened.display(desc.digest.as_str()),
                    &desc,
                ));
            } else {
                println!(
                    "Deleted {} {}",
                    opened.kind,
                    opened.display(desc.digest.as_str())
                );
            }
            Ok(())
        }
    }
}

fn after(list: Vec<String>, last: Option<&str>) -> Vec<String> {
    match last {
        Some(l) => list.into_iter().filter(|x| x.as_str() > l).collect(),
        None => list,
    }
}

async fn repo(ctx: &Ctx, r: RepoCommand) -> Result<()> {
    let list = match r {
        RepoCommand::Ls {
            registry,
            last,
            remote,
        } => {
            let client = remote::client(&remote, &registry)?;
            let mut all = client.registry(&registry).catalog(Some(1000)).await?;
            all.sort();
            after(all, last.as_deref())
        }
        RepoCommand::Tags {
            reference,
            last,
            remote,
        } => {
            let mut all = if remote.oci_layout {
                let opened = open(&remote, &reference).await?;
                let layout = opened.layout.expect("opened as a layout");
                layout
                    .index()?
                    .manifests
                    .iter()
                    .filter_map(|d| {
                        d.annotation(oras_artifact::oci::annotations::REF_NAME)
                            .map(str::to_owned)
                    })
                    .collect()
            } else {
                let r = oras_artifact::reference::Reference::parse(&reference)
                    .map_err(|e| CliError::new(e.to_string()))?;
                let client = remote::client(&remote, r.registry())?;
                client.repository(&r).tags(Some(1000)).await?
            };
            all.sort();
            after(all, last.as_deref())
        }
    };
    if ctx.json {
        print_json(&json!(list));
    } else {
        for x in list {
            println!("{x}");
        }
    }
    Ok(())
}

fn config_path(explicit: Option<PathBuf>) -> Result<PathBuf> {
    explicit
        .or_else(oras_artifact::auth::store::DockerConfig::default_path)
        .ok_or_else(|| CliError::new("cannot find the credentials file: set DOCKER_CONFIG or HOME, or pass --registry-config"))
}

async fn login(a: LoginArgs) -> Result<()> {
    let cred = remote::explicit_credential(&a.remote)?.ok_or_else(|| CliError::new("login needs credentials: --username and --password (or --password-stdin), or --identity-token"))?;
    // Check them against the registry before storing them.
    let client = remote::client_with(&a.remote, &a.registry, Some(cred.clone()), false)?;
    client.registry(&a.registry).ping().await?;
    let path = config_path(a.remote.registry_config.clone())?;
    let mut config = oras_artifact::auth::store::DockerConfig::load(&path)
        .map_err(|e| CliError::new(e.to_string()))?;
    config
        .store(&a.registry, &cred)
        .map_err(|e| CliError::new(e.to_string()))?;
    println!("Login Succeeded");
    Ok(())
}

fn logout(_ctx: &Ctx, a: LogoutArgs) -> Result<()> {
    let path = config_path(a.registry_config)?;
    let mut config = oras_artifact::auth::store::DockerConfig::load(&path)
        .map_err(|e| CliError::new(e.to_string()))?;
    config
        .erase(&a.registry)
        .map_err(|e| CliError::new(e.to_string()))?;
    println!("Removed login credentials for {}", a.registry);
    Ok(())
}

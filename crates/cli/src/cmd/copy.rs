//! `oras cp` (`copy`): an artifact's graph between registries and layouts, with its
//! referrers when asked (`-r`), more tags after the destination (`…:t1,t2`).

use std::sync::Arc;

use oras_artifact::oci::ManifestRef;
use oras_artifact::{CopyOptions, Side};

use crate::Common;
use crate::args::Cmd;
use crate::cmd::Status;
use crate::display::Printer;
use crate::display::status::COPY;
use crate::error::{CliError, Result};
use crate::option::platform::PlatformArgs;
use crate::option::{FromArgs, Target, ToArgs, VerboseArgs};

pub(crate) const CMD: Cmd = Cmd::new(
    "oras cp",
    "oras cp [flags] <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]",
)
.long(crate::help::long::COPY)
.tty()
.spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <from>{:<tag>|@<digest>} <to>[:<tag>[,<tag>][...]]
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// [Preview] recursively copy the artifact and its referrer artifacts
    #[arg(short = 'r', long)]
    recursive: bool,
    /// visit the whole destination graph before tagging the root, copying what is
    /// missing (for a destination filled part-way, such as a registry cache)
    #[arg(long)]
    force: bool,
    /// concurrency level
    #[arg(long, default_value_t = 3, value_name = "int")]
    concurrency: usize,
    /// base DNS rules formatted in `host:port:address[:address_port]` for --from-resolve
    /// and --to-resolve
    #[arg(long, value_name = "stringArray")]
    resolve: Vec<String>,
    /// add custom headers to the requests of both sides
    #[arg(short = 'H', long = "header", value_name = "stringArray")]
    headers: Vec<String>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    from: FromArgs,
    #[command(flatten)]
    to: ToArgs,
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    CMD.exactly(&a.args, 2, "the source and destination for copying")?;
    let mut to_refs = a.args[1].split(',');
    let to_raw = to_refs.next().unwrap_or_default().to_owned();
    let extra: Vec<String> = to_refs.map(str::to_owned).collect();
    let mut from = Target::parse(&a.from.target(&a.resolve, &a.headers), &a.args[0])?;
    let to = Target::parse(&a.to.target(&a.resolve, &a.headers), &to_raw)?;
    let platform = a.platform.parse()?;
    let printer = Arc::new(Printer::new(a.verbose.on()));
    let src = from.open_read()?;
    let src_ref = from.manifest_ref(&CMD, true)?;
    let dst = to.open()?;
    let dst_ref = to.optional_ref()?;
    let status = Status::new(common, true, &printer, COPY, false);
    let mut o = CopyOptions::default();
    o.concurrency = a.concurrency;
    o.platform = platform;
    o.deep = a.force;
    if a.recursive {
        o.referrers_depth = usize::MAX;
    }
    o.observer = status.observer.clone();
    let tag = dst_ref.as_ref().and_then(ManifestRef::tag);
    // Go copies to a tag (without -r) by oras.Copy, whose failure to resolve the source is
    // the source's; otherwise it resolves first, and the failure is its own.
    let resolving_side = (tag.is_some() && !a.recursive).then_some(Side::Source);
    let root = oras_artifact::copy(src.as_ref(), &src_ref, dst.as_ref(), tag, &o)
        .await
        .map_err(|e| copy_error(&from, &to, e, resolving_side))?;
    if let Some(d) = dst_ref.as_ref().and_then(ManifestRef::digest)
        && *d != root.digest
    {
        return Err(CliError::new(format!(
            "the destination digest {d} is not the digest of the copied manifest {}",
            root.digest
        )));
    }
    for t in &extra {
        dst.tag(&root, t).await.map_err(|e| to.error(e))?;
    }
    status.finish();
    if src_ref.digest().is_some_and(|d| *d != root.digest) {
        from.raw = format!("{}@{}", from.path, root.digest);
    }
    printer.line(&format!("Copied {} => {}", from.display(), to.display()));
    for t in &extra {
        printer.line(&format!("Tagged {t}"));
    }
    printer.line(&format!("Digest: {}", root.digest));
    Ok(())
}

/// A failed copy, prefixed with the side that failed as Go prefixes it: `Error from
/// source registry for "localhost:5000/repo:v1":`. A failure on neither side (resolving
/// the source) is `unsided`'s, if given.
pub(crate) fn copy_error(
    from: &Target,
    to: &Target,
    e: oras_artifact::Error,
    unsided: Option<Side>,
) -> CliError {
    let (side, cause) = match e {
        oras_artifact::Error::Copy { side, source, .. } => (Some(side), *source),
        other => (unsided, other),
    };
    let target = match side {
        Some(Side::Destination) => to,
        _ => from,
    };
    let credentials = crate::error::no_credentials(&cause);
    let mut err = target.error(cause);
    if credentials {
        err.recommendation = Some(crate::error::credential_advice(
            target
                .remote
                .config_files()
                .first()
                .map(std::path::PathBuf::as_path),
        ));
    }
    if let Some(side) = side {
        err.prefix = format!(
            "Error from {side} {} for {:?}:",
            target.kind_name(),
            target.raw
        );
    }
    err
}

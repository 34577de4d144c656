//! `oras blob`: fetch, push and delete single blobs, streamed in bounded memory whatever
//! their size (files, stdin and stdout alike).

use std::path::PathBuf;
use std::sync::Arc;

use oras_artifact::oci::{Descriptor, Digest, media_type};
use oras_artifact::{
    ReadOnlyTarget, fetch_to_file, fetch_to_writer, hash_and_push_file, push_file, push_stream,
};

use crate::Common;
use crate::args::Cmd;
use crate::cmd::{DeleteArgs, Status};
use crate::display::Printer;
use crate::display::status::{PULL, PUSH, Prompts};
use crate::error::{CliError, Result};
use crate::option::{DescriptorArgs, Target, TargetArgs, VerboseArgs};

/// `oras blob`.
pub(crate) const GROUP: Cmd = Cmd::group("oras blob");

pub(crate) const FETCH: Cmd = Cmd::new(
    "oras blob fetch",
    "oras blob fetch [flags] {--output <file> | --descriptor} <name>@<digest>",
)
.long(crate::help::long::BLOB_FETCH)
.tty();
pub(crate) const PUSH_CMD: Cmd = Cmd::new(
    "oras blob push",
    "oras blob push [flags] <name>[@digest] <file>",
)
.long(crate::help::long::BLOB_PUSH)
.tty();
pub(crate) const DELETE: Cmd = Cmd::new(
    "oras blob delete",
    "oras blob delete [flags] <name>@<digest>",
)
.long(crate::help::long::BLOB_DELETE);

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Delete a blob from a remote registry
    #[command(visible_aliases = ["remove", "rm"])]
    #[command(override_usage = DELETE.usage)]
    Delete(DeleteArgs),
    /// Fetch a blob from a registry or an OCI image layout
    #[command(visible_alias = "get")]
    #[command(override_usage = FETCH.usage)]
    Fetch(FetchArgs),
    /// Push a blob to a registry or an OCI image layout
    #[command(override_usage = PUSH_CMD.usage)]
    Push(PushArgs),
}

#[derive(clap::Args)]
pub(crate) struct FetchArgs {
    /// <name>@<digest>
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// output file `path`, use - for stdout
    #[arg(short = 'o', long, value_name = "string")]
    output: Option<PathBuf>,
    #[command(flatten)]
    json: DescriptorArgs,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    target: TargetArgs,
}

#[derive(clap::Args)]
pub(crate) struct PushArgs {
    /// <name>[@digest] <file>
    #[arg(value_name = "ARGS")]
    args: Vec<String>,
    /// provide the blob size
    #[arg(long, default_value_t = -1, allow_negative_numbers = true, value_name = "int64")]
    size: i64,
    /// specify the returned media type in the descriptor if --descriptor is used
    #[arg(long, default_value = media_type::OCI_LAYER, value_name = "string")]
    media_type: String,
    #[command(flatten)]
    json: DescriptorArgs,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(common: &Common, c: Command) -> Result<()> {
    match c {
        Command::Fetch(a) => fetch(common, a).await,
        Command::Push(a) => push(common, a).await,
        Command::Delete(a) => delete(a).await,
    }
}

/// The blob a digest reference names, with the size the target has for it; `None` when
/// the target does not have it.
async fn blob(
    target: &Target,
    store: &dyn ReadOnlyTarget,
    cmd: &Cmd,
) -> Result<(Descriptor, bool)> {
    let reference = target.manifest_ref(cmd, false)?;
    let Some(digest) = reference.digest().cloned() else {
        return Err(CliError::new(format!(
            "invalid digest {:?}: a blob is named by digest",
            target.reference
        )));
    };
    let size = store
        .blob_size(&digest)
        .await
        .map_err(|e| target.error(e))?;
    Ok((
        Descriptor::new("application/octet-stream", digest, size.unwrap_or(0)),
        size.is_some(),
    ))
}

/// A status observer for one blob.
fn status(common: &Common, printer: &Arc<Printer>, prompts: Prompts, to_stdout: bool) -> Status {
    Status::new(common, true, printer, prompts, to_stdout)
}

async fn fetch(common: &Common, a: FetchArgs) -> Result<()> {
    FETCH.exactly(&a.args, 1, "the target blob to fetch")?;
    let to_stdout = a.output.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if a.output.is_none() && !a.json.descriptor {
        return Err(CliError::new(
            "either `--output` or `--descriptor` must be provided",
        ));
    }
    if to_stdout && a.json.descriptor {
        return Err(CliError::new(
            "`--output -` cannot be used with `--descriptor` at the same time",
        ));
    }
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let store = target.open_read_cached()?;
    let (desc, found) = blob(&target, store.as_ref(), &FETCH).await?;
    if !found {
        return Err(target.not_found());
    }
    let printer = Arc::new(Printer::new(false));
    // Bars only: the text output of a fetch is the blob (or its descriptor).
    let bars = common
        .tty(to_stdout)
        .then(|| status(common, &printer, PULL, to_stdout));
    let observer = bars.as_ref().and_then(|s| s.observer.clone());
    match a.output.as_ref() {
        Some(_) if to_stdout => {
            let mut out = tokio::io::stdout();
            fetch_to_writer(store.as_ref(), &desc, &mut out, observer)
                .await
                .map_err(|e| target.error(e))?;
        }
        Some(path) => {
            if let Some(o) = &observer {
                o.event(oras_artifact::progress::Event::Started(&desc));
            }
            fetch_to_file(store.as_ref(), &desc, path)
                .await
                .map_err(|e| target.error(e))?;
            if let Some(o) = &observer {
                o.event(oras_artifact::progress::Event::Finished(&desc));
            }
        }
        None => {}
    }
    if let Some(s) = &bars {
        s.finish();
    }
    if a.json.descriptor {
        a.json.print(&printer, &desc)?;
    }
    Ok(())
}

async fn push(common: &Common, a: PushArgs) -> Result<()> {
    PUSH_CMD.exactly(
        &a.args,
        2,
        "the destination to push to and the file to read blob content from",
    )?;
    let file = &a.args[1];
    let from_stdin = file == "-";
    if from_stdin {
        a.target.remote.stdin_conflict()?;
        if a.size < 0 {
            return Err(CliError::new(
                "`--size` must be provided if the blob is read from stdin",
            ));
        }
    }
    let target = Target::parse(&a.target, &a.args[0])?;
    let digest = match target.reference.as_str() {
        "" => None,
        d => Some(Digest::parse(d).map_err(|e| CliError::new(format!("invalid digest {d}: {e}")))?),
    };
    let printer = Arc::new(Printer::new(a.verbose.on() && !a.json.descriptor));
    let status = Status::new(common, !a.json.descriptor, &printer, PUSH, false);
    let store = target.open()?;
    let desc = if from_stdin {
        let stdin = stdin_stream();
        push_stream(
            store.as_ref(),
            &a.media_type,
            a.size.unsigned_abs(),
            digest,
            stdin,
            status.observer.clone(),
        )
        .await
        .map_err(|e| target.error(e))?
    } else {
        let path = PathBuf::from(file);
        let meta = std::fs::metadata(&path)
            .map_err(|e| CliError::new(format!("failed to open {file}: {e}")))?;
        if a.size >= 0 && a.size.unsigned_abs() != meta.len() {
            return Err(CliError::new(format!(
                "input size {} does not match the actual content size {}",
                a.size,
                meta.len()
            )));
        }
        match digest {
            Some(d) => {
                let desc = Descriptor::new(&a.media_type, d, meta.len());
                push_file(store.as_ref(), &desc, &path, status.observer.clone())
                    .await
                    .map_err(|e| target.error(e))?;
                desc
            }
            // Hashed while it goes up, where the target can take the digest at the end.
            None => hash_and_push_file(
                store.as_ref(),
                &path,
                &a.media_type,
                status.observer.clone(),
            )
            .await
            .map_err(|e| target.error(e))?,
        }
    };
    status.finish();
    if a.json.descriptor {
        return a.json.print(&printer, &desc);
    }
    printer.line(&format!("Pushed: {}", target.display()));
    printer.line(&format!("Digest: {}", desc.digest));
    Ok(())
}

/// Standard input as a stream of chunks.
fn stdin_stream() -> oras_artifact::distribution::ByteStream {
    use tokio::io::AsyncReadExt;
    let state = (tokio::io::stdin(), vec![0u8; 1 << 20]);
    Box::pin(futures_util::stream::unfold(
        state,
        |(mut stdin, mut buf)| async move {
            match stdin.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => Some((Ok(bytes::Bytes::copy_from_slice(&buf[..n])), (stdin, buf))),
                Err(e) => Some((Err(e.into()), (stdin, buf))),
            }
        },
    ))
}

async fn delete(a: DeleteArgs) -> Result<()> {
    DELETE.exactly(&a.args, 1, "the target blob to delete")?;
    a.check()?;
    a.verbose.on();
    let target = Target::parse(&a.target, &a.args[0])?;
    let printer = Printer::new(true);
    let store = target.open()?;
    let (desc, found) = blob(&target, store.as_ref(), &DELETE).await?;
    let prompt = |desc: &Descriptor| {
        format!(
            "Are you sure you want to delete the blob {:?}?",
            desc.digest.to_string()
        )
    };
    a.delete(
        &printer,
        &target,
        store.as_ref(),
        found.then_some(desc),
        "blob",
        prompt,
    )
    .await
}

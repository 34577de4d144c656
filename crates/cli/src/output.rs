//! What commands print, and the small input helpers several share: descriptors as JSON,
//! the summary of a push, bytes to a file or stdout, confirmations, annotations and files
//! from flags.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use oras_artifact::FileSpec;
use oras_artifact::oci::{Descriptor, Manifest};
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::{CliError, Result};
use crate::remote::Opened;

pub(crate) fn print_json(v: &Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, v);
    let _ = writeln!(out);
}

pub(crate) fn descriptor_json(reference: &str, d: &Descriptor) -> Value {
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

/// The summary of a manifest pushed (by `push`, `manifest push`, `manifest index create`).
pub(crate) fn report_pushed(
    ctx: &Ctx,
    opened: &Opened,
    desc: &Descriptor,
    manifest: &Manifest,
    tags: &[String],
    verb: &str,
) {
    let digest_ref = opened.show_digest(&desc.digest);
    if ctx.json {
        let mut v = descriptor_json(&digest_ref, desc);
        if let Some(t) = manifest.artifact_type() {
            v["artifactType"] = json!(t);
        }
        if let Some(a) = manifest.annotations() {
            v["annotations"] = json!(a);
        }
        v["referenceAsTags"] = json!(tags.iter().map(|t| opened.show_tag(t)).collect::<Vec<_>>());
        print_json(&v);
    } else {
        let shown = tags
            .first()
            .map_or_else(|| digest_ref.clone(), |t| opened.show_tag(t));
        println!("{verb} {} {shown}", opened.kind);
        if let Some(t) = manifest.artifact_type() {
            println!("ArtifactType: {t}");
        }
        println!("Digest: {}", desc.digest);
    }
}

pub(crate) fn parse_annotations(pairs: &[String]) -> Result<BTreeMap<String, String>> {
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

pub(crate) fn file_specs(files: &[String]) -> Result<Vec<FileSpec>> {
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

pub(crate) fn write_output(output: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
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

pub(crate) fn confirm(what: &str, force: bool) -> Result<()> {
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

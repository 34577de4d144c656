//! What `push` and `attach` pack: files as `FILE[:MEDIA_TYPE]` (split at the last `:`, as
//! the Go CLI does), annotations from `-a` or an annotation file (whose keys are the file
//! names as given, `$manifest` and `$config`; a title annotation there renames a file),
//! the path check, and the manifest export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use oras_artifact::oci::annotations::TITLE;
use oras_artifact::oci::media_type;
use oras_artifact::{FileSpec, PushOptions};

use crate::error::{CliError, Result};

/// The flags.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct PackerArgs {
    /// manifest annotations
    #[arg(short = 'a', long = "annotation", value_name = "stringArray")]
    pub(crate) annotations: Vec<String>,
    /// path of the annotation file
    #[arg(long, value_name = "string")]
    pub(crate) annotation_file: Option<PathBuf>,
    /// `path` of the pushed manifest
    #[arg(long, value_name = "string")]
    pub(crate) export_manifest: Option<PathBuf>,
    /// skip path validation
    #[arg(long)]
    pub(crate) disable_path_validation: bool,
}

/// Annotations by what they annotate.
#[derive(Default)]
pub(crate) struct Annotations {
    pub(crate) manifest: BTreeMap<String, String>,
    pub(crate) config: BTreeMap<String, String>,
    /// By file name as given on the command line.
    pub(crate) files: BTreeMap<String, BTreeMap<String, String>>,
}

/// `path[:metadata]` split at the last `:`; `default` when there is none.
pub(crate) fn file_ref(reference: &str, default: &str) -> Result<(String, String)> {
    let (path, meta) = match reference.rfind(':') {
        Some(i) => (&reference[..i], &reference[i + 1..]),
        None => (reference, default),
    };
    if path.is_empty() {
        return Err(CliError::new(format!(
            "found empty file path in {reference:?}"
        )));
    }
    Ok((path.to_owned(), meta.to_owned()))
}

/// `-a key=value` pairs, with Go's checks.
pub(crate) fn parse_annotations(pairs: &[String]) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let (k, v) = pair.split_once('=').ok_or_else(|| {
            CliError::new("annotation value doesn't match the required format")
                .recommend(r#"Please use the correct format in the flag: --annotation "key=value""#)
        })?;
        if out.insert(k.to_owned(), v.to_owned()).is_some() {
            return Err(CliError::new(format!("duplicate annotation key: {k}, ")));
        }
    }
    Ok(out)
}

impl PackerArgs {
    /// What `push` and `attach` build alike from the packer's flags: the files of
    /// `file_refs` with their annotations, the manifest and config annotations, the config
    /// file (`--config FILE[:TYPE]`), the concurrency and the path check.
    pub(crate) fn push_options(
        &self,
        file_refs: &[String],
        annotations: &Annotations,
        config: Option<&str>,
        concurrency: usize,
    ) -> Result<(Vec<FileSpec>, PushOptions)> {
        let mut o = PushOptions::default();
        let (files, file_annotations) = files(file_refs, annotations)?;
        o.file_annotations = file_annotations;
        o.annotations = annotations.manifest.clone();
        o.config_annotations = annotations.config.clone();
        if let Some(c) = config {
            let (path, mt) = file_ref(c, media_type::ORAS_UNKNOWN_CONFIG)?;
            o.config = Some(FileSpec::new(path).with_media_type(mt));
        }
        o.concurrency = concurrency;
        // Go refuses only absolute paths (checked in `parse` unless disabled): a title
        // with `..` is recorded as given. Pulls still refuse to write outside their
        // output directory.
        o.disable_path_validation = true;
        Ok((files, o))
    }

    /// The annotations, and the path check of the files (`FILE[:TYPE]` as given).
    pub(crate) fn parse(&self, file_refs: &[String]) -> Result<Annotations> {
        if !self.disable_path_validation {
            let mut absolute = Vec::new();
            for r in file_refs {
                let (path, _) = file_ref(r, "")?;
                if Path::new(&path).is_absolute() {
                    absolute.push(path);
                }
            }
            if !absolute.is_empty() {
                return Err(CliError::new(format!(
                    "absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: {}",
                    absolute.join(", ")
                )));
            }
        }
        if self.annotation_file.is_some() && !self.annotations.is_empty() {
            return Err(CliError::new(
                "`--annotation` and `--annotation-file` cannot be both specified",
            ));
        }
        let mut out = Annotations::default();
        if let Some(path) = &self.annotation_file {
            let invalid = || {
                CliError::new(format!(
                    "invalid annotation json file: failed to load annotations from {}",
                    path.display()
                ))
                .recommend("Annotation file doesn't match the required format. Please refer to the document at https://oras.land/docs/how_to_guides/manifest_annotations")
            };
            let bytes = std::fs::read(path).map_err(|_| invalid())?;
            let all: BTreeMap<String, BTreeMap<String, String>> =
                serde_json::from_slice(&bytes).map_err(|_| invalid())?;
            for (key, values) in all {
                match key.as_str() {
                    "$manifest" => out.manifest = values,
                    "$config" => out.config = values,
                    _ => {
                        out.files.insert(key, values);
                    }
                }
            }
        }
        if !self.annotations.is_empty() {
            out.manifest = parse_annotations(&self.annotations)?;
        }
        Ok(out)
    }

    /// Writes the manifest pushed, when asked.
    pub(crate) fn export(&self, bytes: &[u8]) -> Result<()> {
        if let Some(path) = &self.export_manifest {
            std::fs::write(path, bytes)
                .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
        }
        Ok(())
    }
}

/// Annotations by layer title.
pub(crate) type ByTitle = BTreeMap<String, BTreeMap<String, String>>;

/// The files to push: each named by its cleaned path (or the title its annotations give),
/// of the media type given after the last `:`, and carrying its annotations. Returns the
/// files and their annotations by title.
fn files(refs: &[String], annotations: &Annotations) -> Result<(Vec<FileSpec>, ByTitle)> {
    let mut specs = Vec::new();
    let mut by_title = BTreeMap::new();
    for r in refs {
        let (path, media_type) = file_ref(r, "")?;
        let given = annotations.files.get(&path);
        let title = given
            .and_then(|a| a.get(TITLE))
            .cloned()
            .unwrap_or_else(|| clean(&path));
        if std::fs::symlink_metadata(&path).is_err() {
            let shown = std::path::absolute(&path).unwrap_or_else(|_| PathBuf::from(&path));
            return Err(CliError::new(format!(
                "stat {}: no such file or directory",
                shown.display()
            )));
        }
        let mut spec = FileSpec::named(&path, title.clone());
        if !media_type.is_empty() {
            spec = spec.with_media_type(media_type);
        }
        if let Some(a) = given {
            let mut a = a.clone();
            a.remove(TITLE);
            by_title.insert(title, a);
        }
        specs.push(spec);
    }
    Ok((specs, by_title))
}

/// A path as Go's `filepath.Clean` writes it: no `.`, `..` resolved where it can be,
/// single separators, no trailing one.
pub(crate) fn clean(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&p) if p != ".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(".."),
            },
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_references_split_at_the_last_colon() {
        assert_eq!(
            file_ref("hi.txt", "d").unwrap(),
            ("hi.txt".into(), "d".into())
        );
        assert_eq!(
            file_ref("hi.txt:layer.type", "").unwrap(),
            ("hi.txt".into(), "layer.type".into())
        );
        assert_eq!(
            file_ref("hi:txt:", "d").unwrap(),
            ("hi:txt".into(), String::new())
        );
        assert!(file_ref(":x", "").is_err());
    }

    #[test]
    fn paths_are_cleaned_as_go_cleans_them() {
        assert_eq!(clean("./a//b/../c/"), "a/c");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("."), ".");
    }
}

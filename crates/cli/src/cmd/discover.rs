//! `oras discover`: the referrers of a manifest, recursively, as a tree (default), a
//! table (deprecated), JSON or a Go template.

use std::sync::Arc;

use oras_artifact::ReferrerTree;
use oras_artifact::oci::Descriptor;

use crate::Common;
use crate::args::{Cmd, exclusive};
use crate::cmd::push::emit;
use crate::display::tree::Tree;
use crate::display::{Printer, json, model};
use crate::error::{CliError, Result};
use crate::option::format::FormatSpec;
use crate::option::platform::PlatformArgs;
use crate::option::{Format, FormatArgs, FormatType, Target, TargetArgs, VerboseArgs};

/// The tree first, then the deprecated table, JSON and templates, as Go words them here.
const DISCOVER_FORMATS: &[FormatSpec] = &[
    FormatSpec::new(FormatType::Tree, "Get referrers and print in tree format"),
    FormatSpec::new(
        FormatType::Table,
        "[Deprecated] Get referrers and output in table format",
    ),
    FormatSpec::new(FormatType::Json, "Get referrers and output in JSON format"),
    FormatSpec::new(
        FormatType::GoTemplate,
        "Print referrers using the given Go template",
    ),
];

pub(crate) const CMD: Cmd = Cmd::new(
    "oras discover",
    "oras discover [flags] <name>{:<tag>|@<digest>}",
)
.long(crate::help::long::DISCOVER)
.formats(DISCOVER_FORMATS)
.tty_saying("[Preview] disable colors")
.defaults(&[("output", "tree")])
.spec();

#[derive(clap::Args)]
pub(crate) struct Args {
    /// <name>{:<tag>|@<digest>}
    #[arg(value_name = "REFERENCE")]
    args: Vec<String>,
    /// artifact type
    #[arg(long, value_name = "string")]
    artifact_type: Option<String>,
    #[arg(
        short = 'o',
        long,
        value_name = "string",
        help = "[Deprecated] format in which to display referrers (table, json, or tree)."
    )]
    output: Option<String>,
    /// [Experimental] level of referrers to display, if unused shows referrers of all levels
    #[arg(long, value_name = "int")]
    depth: Option<i64>,
    #[command(flatten)]
    verbose: VerboseArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    #[command(flatten)]
    format: FormatArgs,
    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) async fn run(common: &Common, a: Args) -> Result<()> {
    exclusive(&[
        ("format", a.format.format.is_some()),
        ("output", a.output.is_some()),
    ])?;
    let mut depth = match a.depth {
        Some(d) if d < 1 => return Err(CliError::new("depth value should be at least 1")),
        Some(d) => usize::try_from(d).unwrap_or(usize::MAX),
        None => usize::MAX,
    };
    let mut format_args = a.format.clone();
    if a.output.is_some() {
        format_args.format = a.output.clone();
    }
    if format_args.format.as_deref() == Some("table") {
        depth = 1;
    }
    CMD.exactly(&a.args, 1, "the target artifact to discover referrers from")?;
    let target = Target::parse(&a.target, &a.args[0])?;
    let format = format_args.parse(&CMD)?;
    if let Some(o) = &a.output {
        if !matches!(format, Format::Tree | Format::Json | Format::Table) {
            return Err(CliError::new("output type can only be tree, table or json"));
        }
        eprintln!("[DEPRECATED] --output is deprecated, try `--format {o}` instead");
    }
    let show_metadata = a.verbose.on();
    let platform = a.platform.parse()?;
    let store = target.open_read()?;
    let reference = target.manifest_ref(&CMD, true)?;
    let root =
        super::resolve::resolve(&target, store.as_ref(), &reference, platform.as_ref()).await?;
    let tree =
        oras_artifact::discover_from(store.as_ref(), &root, a.artifact_type.as_deref(), depth)
            .await
            .map_err(|e| target.error(e))?;
    let printer = Arc::new(Printer::new(true));
    match &format {
        Format::Tree => {
            let colors = common.tty(false);
            printer.raw(tree_view(&target.path, &tree, show_metadata, colors).as_bytes())?;
        }
        Format::Table => printer.raw(table(&target.raw, &tree, show_metadata).as_bytes())?,
        _ => emit(&printer, &format, &node(&target.path, &tree))?,
    }
    Ok(())
}

fn node(path: &str, t: &ReferrerTree) -> model::Node {
    model::Node {
        desc: model::Desc::new(path, &t.descriptor),
        referrers: t.referrers.iter().map(|r| node(path, r)).collect(),
    }
}

const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[93m";
const GREY: &str = "\x1b[90m";
const RESET: &str = "\x1b[0m";

fn paint(text: &str, color: &str, on: bool) -> String {
    if on {
        format!("{color}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

/// The tree: the subject, then each referrer under its artifact type, its annotations
/// under it when `metadata`.
fn tree_view(path: &str, t: &ReferrerTree, metadata: bool, colors: bool) -> String {
    let mut root = Tree::new(paint(
        &format!("{path}@{}", t.descriptor.digest),
        GREEN,
        colors,
    ));
    add_referrers(&mut root, t, metadata, colors);
    root.render()
}

fn add_referrers(at: &mut Tree, t: &ReferrerTree, metadata: bool, colors: bool) {
    for r in &t.referrers {
        let d = &r.descriptor;
        let kind = paint(
            d.artifact_type.as_deref().unwrap_or("<unknown>"),
            YELLOW,
            colors,
        );
        let node = at
            .child(&kind)
            .child(&paint(d.digest.as_ref(), GREEN, colors));
        if metadata && let Some(annotations) = d.annotations.as_ref().filter(|a| !a.is_empty()) {
            let title = paint("[annotations]", GREY, colors);
            let list = node.child(&title);
            for (k, v) in annotations {
                list.child(&format!("{}: {}", yaml_scalar(k), yaml_scalar(v)));
            }
        }
        add_referrers(node, r, metadata, colors);
    }
}

/// A string as YAML writes it: plain when it reads back as that string, else quoted.
fn yaml_scalar(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let reads_as_other = matches!(
        lower.as_str(),
        "" | "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) || s.parse::<f64>().is_ok()
        || looks_like_timestamp(s);
    let plain_ok = !s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]) && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s.chars().all(|c| !c.is_control());
    if reads_as_other || (!plain_ok && s.chars().any(char::is_control)) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    if plain_ok {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// `2024-01-02`, `2024-01-02T03:04:05Z`: what YAML reads as a time.
fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// The deprecated table: direct referrers, their artifact types and digests, and (when
/// `metadata`) each one's descriptor as JSON.
fn table(raw: &str, t: &ReferrerTree, metadata: bool) -> String {
    let referrers: Vec<&Descriptor> = t.referrers.iter().map(|r| &r.descriptor).collect();
    let n = referrers.len();
    let mut out = format!(
        "Discovered {n} artifact{} referencing {raw}\nDigest: {}\n",
        if n == 1 { "" } else { "s" },
        t.descriptor.digest
    );
    if referrers.is_empty() {
        return out;
    }
    out.push('\n');
    let title = "Artifact Type";
    let width = referrers
        .iter()
        .map(|d| d.artifact_type.as_deref().unwrap_or_default().len())
        .max()
        .unwrap_or(0)
        .max(title.len());
    let row =
        |key: &str, value: &str| format!("{key} {} {value}\n", " ".repeat(width - key.len() + 1));
    out.push_str(&row(title, "Digest"));
    for d in referrers {
        out.push_str(&row(
            d.artifact_type.as_deref().unwrap_or_default(),
            d.digest.as_ref(),
        ));
        if metadata {
            out.push_str(&json::pretty(d));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::yaml_scalar;

    #[test]
    fn annotation_values_are_quoted_as_yaml_quotes_them() {
        assert_eq!(yaml_scalar("v1"), "v1");
        assert_eq!(
            yaml_scalar("org.opencontainers.image.created"),
            "org.opencontainers.image.created"
        );
        assert_eq!(
            yaml_scalar("2024-05-01T00:00:00Z"),
            "\"2024-05-01T00:00:00Z\""
        );
        assert_eq!(yaml_scalar("true"), "\"true\"");
        assert_eq!(yaml_scalar("42"), "\"42\"");
        assert_eq!(yaml_scalar("a: b"), "'a: b'");
        assert_eq!(yaml_scalar(""), "\"\"");
    }
}

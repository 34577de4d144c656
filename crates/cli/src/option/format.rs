//! `--format` and `--template`: each command allows some of `text`, `json`,
//! `go-template` (with its template after `=` or in `--template`), and for `discover`
//! `tree` and the deprecated `table`.

use clap::Args;

use crate::error::{CliError, Result};

/// The flags.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct FormatArgs {
    /// [Experimental] format output using a custom template (the help lists each
    /// command's types)
    #[arg(long, value_name = "string")]
    pub(crate) format: Option<String>,
    /// [Experimental] template string used to format output
    #[arg(long, value_name = "string")]
    pub(crate) template: Option<String>,
}

/// A `--format` type a command allows, with what its help says of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FormatSpec {
    pub(crate) kind: FormatType,
    pub(crate) usage: &'static str,
}

impl FormatSpec {
    pub(crate) const fn new(kind: FormatType, usage: &'static str) -> Self {
        Self { kind, usage }
    }
}

/// `text`, `json` and `go-template`, with Go's words for them.
pub(crate) const TEXT_JSON_TEMPLATE: &[FormatSpec] = &[
    FormatSpec::new(FormatType::Text, "Print in text format"),
    FormatSpec::new(FormatType::Json, "Print in JSON format"),
    FormatSpec::new(
        FormatType::GoTemplate,
        "Print output using the given Go template",
    ),
];

/// The help of `--format`: Go's heading, then each type and its words in aligned
/// columns, the others first and the default last (as Go lists them).
pub(crate) fn help(formats: &[FormatSpec]) -> String {
    let Some((default, others)) = formats.split_first() else {
        return String::new();
    };
    let rows: Vec<(String, &str)> = others
        .iter()
        .chain(std::iter::once(default))
        .map(|f| (format!("'{}':", f.kind.name()), f.usage))
        .collect();
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0) + 2;
    let mut out = String::from("[Experimental] format output using a custom template:");
    for (name, usage) in rows {
        out.push_str(&format!("\n{name:<width$}{usage}"));
    }
    out
}

/// A kind of output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FormatType {
    Text,
    Json,
    GoTemplate,
    Tree,
    Table,
}

impl FormatType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
            Self::GoTemplate => "go-template",
            Self::Tree => "tree",
            Self::Table => "table",
        }
    }
}

/// The output chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Text,
    Json,
    Template(String),
    Tree,
    Table,
}

impl Format {
    /// Whether status lines are printed (text output only).
    pub(crate) fn is_text(&self) -> bool {
        matches!(self, Self::Text)
    }
}

impl FormatArgs {
    /// The output asked for, among the types of `cmd` (the first is the default), with
    /// Go's checks and wording.
    pub(crate) fn parse(&self, cmd: &crate::args::Cmd) -> Result<Format> {
        let allowed: Vec<FormatType> = cmd.formats.iter().map(|f| f.kind).collect();
        let default = allowed[0];
        let flag = self
            .format
            .clone()
            .unwrap_or_else(|| default.name().to_owned());
        let (kind, template) = if let Some(t) = &self.template {
            if flag != "go-template" {
                return Err(CliError::new(
                    "--template must be used with --format go-template",
                ));
            }
            ("go-template".to_owned(), t.clone())
        } else if let Some(t) = flag.strip_prefix("go-template=") {
            ("go-template".to_owned(), t.to_owned())
        } else {
            (flag, String::new())
        };
        if kind == "table" {
            eprintln!("Format \"table\" is deprecated and will be removed in a future release.");
        }
        if kind == "go-template" && template.is_empty() {
            return Err(
                CliError::new("\"go-template\" format specified but no template given")
                    .recommend("use `--format go-template=TEMPLATE` to specify the template"),
            );
        }
        let Some(t) = allowed.iter().find(|t| t.name() == kind) else {
            // Go lists the other types first, the default last.
            let names: Vec<&str> = allowed[1..]
                .iter()
                .chain(std::iter::once(&default))
                .map(|t| t.name())
                .collect();
            return Err(CliError::new(format!("invalid format type: {kind:?}"))
                .recommend(format!("supported types: {}", names.join(", "))));
        };
        Ok(match t {
            FormatType::Text => Format::Text,
            FormatType::Json => Format::Json,
            FormatType::GoTemplate => Format::Template(template),
            FormatType::Tree => Format::Tree,
            FormatType::Table => Format::Table,
        })
    }
}

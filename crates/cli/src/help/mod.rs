//! `-h`, `--help` and `oras help`, laid out as cobra lays out the Go CLI's help: the
//! description and examples (`Long`), `Usage:`, `Aliases:`, `Available Commands:`,
//! `Flags:` as pflag prints them (sorted by name, the value's type or the back-quoted name
//! in the usage, `(default …)`), and the line on subcommands' help. The flags are clap's;
//! what Go says of a command beyond them (its long text, `--format` types, whether it has
//! `-d` and `--no-tty`) is its [`Cmd`].

pub(crate) mod long;

use clap::{Arg, ArgAction};

use crate::args::Cmd;
use crate::option::format;

/// cobra's narrowest column of command names.
const MIN_NAME_PADDING: usize = 11;

/// Every command's [`Cmd`], groups included.
fn all() -> &'static [&'static Cmd] {
    use crate::cmd;
    &[
        &ROOT,
        &cmd::pull::CMD,
        &cmd::push::CMD,
        &cmd::login::CMD,
        &cmd::logout::CMD,
        &cmd::version::CMD,
        &cmd::discover::CMD,
        &cmd::resolve::CMD,
        &cmd::copy::CMD,
        &cmd::tag::CMD,
        &cmd::attach::CMD,
        &cmd::backup::CMD,
        &cmd::restore::CMD,
        &cmd::blob::GROUP,
        &cmd::blob::FETCH,
        &cmd::blob::PUSH_CMD,
        &cmd::blob::DELETE,
        &cmd::manifest::GROUP,
        &cmd::manifest::fetch::FETCH,
        &cmd::manifest::fetch::FETCH_CONFIG,
        &cmd::manifest::push::CMD,
        &cmd::manifest::delete::CMD,
        &cmd::manifest::index::GROUP,
        &cmd::manifest::index::CREATE,
        &cmd::manifest::index::UPDATE,
        &cmd::repo::GROUP,
        &cmd::repo::LS,
        &cmd::repo::TAGS,
        &cmd::completion::CMD,
        &HELP,
    ]
}

/// `oras` itself.
pub(crate) const ROOT: Cmd = Cmd::group("oras");
/// `oras help [command]`.
pub(crate) const HELP: Cmd = Cmd::new("oras help", "oras help [command]")
    .long(long::HELP)
    .debug(None);

/// The command at `path` (names, not aliases, after `oras`), if there is one.
pub(crate) fn find<'c>(root: &'c clap::Command, path: &[String]) -> Option<&'c clap::Command> {
    let mut at = root;
    for name in path {
        at = at.find_subcommand(name)?;
    }
    Some(at)
}

/// The subcommand path `args` name (names or aliases, flags skipped), as far as it goes,
/// by canonical names; and the first word after it that names no subcommand, if any.
pub(crate) fn path_of(root: &clap::Command, args: &[String]) -> (Vec<String>, Option<String>) {
    let mut path = Vec::new();
    let mut at = root;
    for a in args {
        if a == "--" {
            break;
        }
        if a.starts_with('-') {
            continue;
        }
        if at.get_subcommands().next().is_none() {
            break;
        }
        match at.find_subcommand(a) {
            Some(sub) => {
                path.push(sub.get_name().to_owned());
                at = sub;
            }
            None => return (path, Some(a.clone())),
        }
    }
    (path, None)
}

/// The help of the command at `path`, as cobra prints it.
pub(crate) fn render(root: &clap::Command, path: &[String]) -> String {
    let Some(cmd) = find(root, path) else {
        return render(root, &[]);
    };
    let full = std::iter::once("oras")
        .chain(path.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    let spec = all()
        .iter()
        .find(|c| c.path == full)
        .copied()
        .copied()
        .unwrap_or(Cmd::group("oras"));
    let short = cmd.get_about().map(ToString::to_string).unwrap_or_default();
    let mut out = String::new();
    let description = if spec.long.is_empty() {
        short.as_str()
    } else {
        spec.long
    };
    let description = description.trim_end();
    if !description.is_empty() {
        out.push_str(description);
        out.push_str("\n\n");
    }
    let subcommands: Vec<&clap::Command> = cmd.get_subcommands().collect();
    out.push_str("Usage:");
    if !spec.usage.is_empty() {
        out.push_str("\n  ");
        out.push_str(spec.usage);
        if !spec.usage.contains("[flags]") {
            out.push_str(" [flags]");
        }
    }
    if !subcommands.is_empty() {
        out.push_str(&format!("\n  {full} [command]"));
    }
    let aliases: Vec<&str> = cmd.get_all_aliases().collect();
    if !aliases.is_empty() {
        out.push_str("\n\nAliases:\n  ");
        out.push_str(
            &std::iter::once(cmd.get_name())
                .chain(aliases)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !subcommands.is_empty() {
        let mut listed: Vec<(String, String)> = subcommands
            .iter()
            .map(|s| {
                let about = s.get_about().map(ToString::to_string).unwrap_or_default();
                (s.get_name().to_owned(), about)
            })
            .collect();
        listed.sort();
        let pad = listed
            .iter()
            .map(|(n, _)| n.len())
            .max()
            .unwrap_or(0)
            .max(MIN_NAME_PADDING);
        out.push_str("\n\nAvailable Commands:");
        for (name, about) in listed {
            out.push_str(&format!("\n  {name:<pad$} {about}"));
        }
    }
    out.push_str("\n\nFlags:\n");
    out.push_str(flag_usages(&flags(cmd, &spec)).trim_end());
    if !subcommands.is_empty() {
        out.push_str(&format!(
            "\n\nUse \"{full} [command] --help\" for more information about a command."
        ));
    }
    out.push('\n');
    out
}

/// A flag as pflag shows it.
struct Flag {
    short: Option<char>,
    long: String,
    /// The value's type (`string`, `stringArray`, `int`, …); empty for a boolean.
    kind: String,
    usage: String,
    default: Option<String>,
}

/// The flags of `cmd`: its own (hidden ones left out, as pflag hides deprecated flags),
/// those the Go command has from its option groups (`-d`, `--no-tty`), and `--help`.
fn flags(cmd: &clap::Command, spec: &Cmd) -> Vec<Flag> {
    let mut out: Vec<Flag> = cmd
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set() && !a.is_global_set())
        .filter(|a| {
            spec.spec
                || !a.get_long().is_some_and(|l| {
                    l.ends_with("distribution-spec") || l.ends_with("referrers-gc")
                })
        })
        .filter_map(|a| flag(a, spec))
        .collect();
    if let Some(usage) = spec.debug {
        out.push(Flag {
            short: Some('d'),
            long: "debug".into(),
            kind: String::new(),
            usage: usage.into(),
            default: None,
        });
    }
    if let Some(usage) = spec.tty {
        out.push(Flag {
            short: None,
            long: "no-tty".into(),
            kind: String::new(),
            usage: usage.into(),
            default: None,
        });
    }
    out.push(Flag {
        short: Some('h'),
        long: "help".into(),
        kind: String::new(),
        usage: format!("help for {}", cmd.get_name()),
        default: None,
    });
    out.sort_by(|a, b| a.long.cmp(&b.long));
    out
}

fn flag(a: &Arg, spec: &Cmd) -> Option<Flag> {
    let long = a.get_long()?.to_owned();
    let boolean = matches!(
        a.get_action(),
        ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count
    ) || a.get_num_args().is_some_and(|n| n.min_values() == 0);
    let mut usage = a.get_help().map(ToString::to_string).unwrap_or_default();
    let mut default = a
        .get_default_values()
        .first()
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty());
    if long == "format" && !spec.formats.is_empty() {
        usage = format::help(spec.formats);
        default = Some(spec.formats[0].kind.name().to_owned());
    }
    if let Some((_, d)) = spec.defaults.iter().find(|(name, _)| *name == long) {
        default = Some((*d).to_owned());
    }
    let kind = if boolean {
        String::new()
    } else {
        match a.get_value_names().and_then(|n| n.first()) {
            Some(n) if PFLAG_TYPES.contains(&n.as_str()) => n.to_string(),
            _ if matches!(a.get_action(), ArgAction::Append) => "stringArray".into(),
            _ => "string".into(),
        }
    };
    Some(Flag {
        short: a.get_short(),
        long,
        kind,
        usage,
        default: if boolean { None } else { default },
    })
}

/// The value types pflag names, as the flags' value names hold them.
const PFLAG_TYPES: &[&str] = &["string", "stringArray", "strings", "int", "int64", "uint"];

/// pflag's `FlagUsages`: the flags in aligned columns, the usage after the widest flag,
/// lines of a usage indented under its first.
fn flag_usages(flags: &[Flag]) -> String {
    let lines: Vec<(String, String)> = flags
        .iter()
        .map(|f| {
            let mut left = match f.short {
                Some(s) => format!("  -{s}, --{}", f.long),
                None => format!("      --{}", f.long),
            };
            let (name, usage) = unquote(&f.usage, &f.kind);
            if !name.is_empty() {
                left.push(' ');
                left.push_str(&name);
            }
            let mut right = usage;
            if let Some(d) = &f.default {
                if f.kind == "string" {
                    right.push_str(&format!(" (default {})", go_quote(d)));
                } else {
                    right.push_str(&format!(" (default {d})"));
                }
            }
            (left, right)
        })
        .collect();
    let width = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let indent = " ".repeat(width + 3);
    let mut out = String::new();
    for (left, right) in lines {
        let right = right.replace('\n', &format!("\n{indent}"));
        out.push_str(&format!("{left:<width$}   {right}\n"));
    }
    out
}

/// pflag's `UnquoteUsage`: a name in back quotes in the usage names the value (and loses
/// its quotes), else the type does (`int64` shown as `int`).
fn unquote(usage: &str, kind: &str) -> (String, String) {
    if let Some(start) = usage.find('`')
        && let Some(len) = usage[start + 1..].find('`')
    {
        let name = &usage[start + 1..start + 1 + len];
        let text = format!("{}{name}{}", &usage[..start], &usage[start + 2 + len..]);
        return (name.to_owned(), text);
    }
    let name = match kind {
        "int64" => "int",
        other => other,
    };
    (name.to_owned(), usage.to_owned())
}

/// Go's `%q` of a default value.
fn go_quote(text: &str) -> String {
    format!("{text:?}")
}

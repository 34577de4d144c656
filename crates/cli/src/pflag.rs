//! The command line as cobra and pflag read it, where clap reads it otherwise: a flag
//! given twice takes the last value, a boolean flag takes `=true`/`=false`, `-h` and
//! `--help` (and `oras help`, and a group of commands alone) print cobra's help, and a
//! word that names no subcommand is cobra's `unknown command`.

use std::io::Write;
use std::process::ExitCode;

use clap::ArgAction;

use crate::help;

/// The command tree, read as pflag reads: the last of a repeated flag wins, `-h` is ours.
pub(crate) fn command(cmd: clap::Command) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let mut cmd = cmd
        .args_override_self(true)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .disable_version_flag(true);
    for n in names {
        cmd = cmd.mut_subcommand(n, command);
    }
    cmd
}

/// Prints the help asked for (`-h`, `--help`, `oras help …`, a group or `oras` alone)
/// and exits 0, or refuses a word that names no subcommand of a group; `None` when the
/// command line is for a command to run.
pub(crate) fn help_or_unknown(root: &clap::Command, args: &[String]) -> Option<ExitCode> {
    if args.first().map(String::as_str) == Some("help") {
        let (path, unknown) = help::path_of(root, &args[1..]);
        if let Some(topic) = unknown {
            let mut out = format!("Unknown help topic [`{topic}`]\n");
            out.push_str(usage_only(&help::render(root, &[])));
            return Some(print(&out));
        }
        return Some(print(&help::render(root, &path)));
    }
    let asked = args
        .iter()
        .take_while(|a| *a != "--")
        .any(|a| a == "-h" || a == "--help");
    let (path, unknown) = help::path_of(root, args);
    let at = help::find(root, &path)?;
    let group = at.get_subcommands().next().is_some();
    if group && let Some(word) = unknown {
        let full = std::iter::once("oras")
            .chain(path.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!("Error: unknown command {word:?} for {full:?}\nRun '{full} --help' for usage.");
        return Some(ExitCode::FAILURE);
    }
    if asked || group {
        return Some(print(&help::render(root, &path)));
    }
    None
}

/// The help without its description: cobra's usage text.
fn usage_only(help: &str) -> &str {
    help.find("Usage:").map_or(help, |i| &help[i..])
}

/// Help goes to stdout, as cobra prints it; a closed pipe ends it.
fn print(text: &str) -> ExitCode {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// `--flag=true` and `--flag=false` for the boolean flags of the command the line runs,
/// as pflag takes them (`1`, `t`, `T`, `TRUE`, `true`, `True`, and the same for false):
/// the flag, or nothing.
pub(crate) fn bool_values(root: &clap::Command, args: Vec<String>) -> Result<Vec<String>, String> {
    let (path, _) = help::path_of(root, &args);
    let Some(at) = help::find(root, &path) else {
        return Ok(args);
    };
    let is_bool = |name: &str| {
        at.get_arguments()
            .chain(root.get_arguments())
            .any(|a| a.get_long() == Some(name) && matches!(a.get_action(), ArgAction::SetTrue))
    };
    let mut out = Vec::with_capacity(args.len());
    let mut rest = false;
    for a in args {
        if rest || a == "--" {
            rest = true;
            out.push(a);
            continue;
        }
        let Some((flag, value)) = a.strip_prefix("--").and_then(|f| f.split_once('=')) else {
            out.push(a);
            continue;
        };
        if !is_bool(flag) {
            out.push(a);
            continue;
        }
        match value {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => out.push(format!("--{flag}")),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => {}
            _ => {
                return Err(format!(
                    "invalid argument {value:?} for \"--{flag}\" flag: strconv.ParseBool: parsing {value:?}: invalid syntax"
                ));
            }
        }
    }
    Ok(out)
}

//! What the Go CLI checks of a command line before it runs anything, with its wording:
//! the number of arguments, flags that exclude or need each other, deprecated flags.

use crate::error::{CliError, Result};

/// A command as its errors name it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cmd {
    /// `oras manifest fetch`.
    pub(crate) path: &'static str,
    /// `oras manifest fetch [flags] <name>{:<tag>|@<digest>}`.
    pub(crate) usage: &'static str,
}

impl Cmd {
    /// The command `path` (`oras manifest fetch`) with its usage line.
    pub(crate) const fn new(path: &'static str, usage: &'static str) -> Self {
        Self { path, usage }
    }

    /// `"oras push" requires exactly 2 argument but got 1`, the usage, and what to give.
    fn wrong_count(&self, text: &str, what: &str, got: usize) -> CliError {
        CliError::new(format!("{:?} requires {text} but got {got}", self.path))
            .usage(self.usage)
            .recommend(format!(
                "Please specify {text} as {what}. Run \"{} -h\" for more options and examples",
                self.path
            ))
    }

    /// Exactly `n` arguments.
    pub(crate) fn exactly(&self, args: &[String], n: usize, what: &str) -> Result<()> {
        if args.len() == n {
            Ok(())
        } else {
            Err(self.wrong_count(&format!("exactly {n} argument"), what, args.len()))
        }
    }

    /// At least `n` arguments.
    pub(crate) fn at_least(&self, args: &[String], n: usize, what: &str) -> Result<()> {
        if args.len() >= n {
            Ok(())
        } else {
            Err(self.wrong_count(&format!("at least {n} argument"), what, args.len()))
        }
    }

    /// A reference without the tag or digest the command needs.
    pub(crate) fn no_reference(&self, raw: &str, tag_allowed: bool) -> CliError {
        let (message, form) = if tag_allowed {
            (
                "no tag or digest specified",
                r#""<name>:<tag>" or "<name>@<digest>""#,
            )
        } else {
            ("no digest specified", r#""<name>@<digest>""#)
        };
        CliError::new(format!("\"{raw}\": {message}"))
            .usage(self.usage)
            .recommend(format!(
                "Please specify a reference in the form of {form}. Run \"{} -h\" for more options and examples",
                self.path
            ))
    }
}

/// At most one of these flags (`(name, given)`): `--a, --b cannot be used at the same time`.
pub(crate) fn exclusive(flags: &[(&str, bool)]) -> Result<()> {
    let given: Vec<String> = flags
        .iter()
        .filter(|(_, g)| *g)
        .map(|(n, _)| format!("--{n}"))
        .collect();
    if given.len() >= 2 {
        return Err(CliError::new(format!(
            "{} cannot be used at the same time",
            given.join(", ")
        )));
    }
    Ok(())
}

/// All of these flags or none: `--a must be used in conjunction with --b`.
pub(crate) fn together(flags: &[(&str, bool)]) -> Result<()> {
    let (given, missing): (Vec<_>, Vec<_>) = flags.iter().partition(|(_, g)| *g);
    if !given.is_empty() && !missing.is_empty() {
        let names = |v: Vec<&(&str, bool)>| {
            v.iter()
                .map(|(n, _)| format!("--{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(CliError::new(format!(
            "{} must be used in conjunction with {}",
            names(given),
            names(missing)
        )));
    }
    Ok(())
}

/// The deprecated `--verbose` (`-v`): on unless `--verbose=false`; saying so when given.
pub(crate) fn verbose(flag: Option<bool>) -> bool {
    if flag.is_some() {
        eprintln!("Flag --verbose has been deprecated, and will be removed in a future release.");
    }
    flag.unwrap_or(true)
}

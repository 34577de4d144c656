//! What the Go CLI checks of a command line before it runs anything, with its wording:
//! the number of arguments, flags that exclude or need each other, deprecated flags; and
//! what its help says of each command.

use crate::error::{CliError, Result};
use crate::option::format::FormatSpec;

/// A command as its errors and its help name it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cmd {
    /// `oras manifest fetch`.
    pub(crate) path: &'static str,
    /// `oras manifest fetch [flags] <name>{:<tag>|@<digest>}` (empty for a group of
    /// commands).
    pub(crate) usage: &'static str,
    /// The help's description and `Example - …:` blocks (cobra's `Long`); empty for the
    /// one-line description alone.
    pub(crate) long: &'static str,
    /// The `--format` types, the default first.
    pub(crate) formats: &'static [FormatSpec],
    /// What the help says of `--no-tty`, when the Go command has it (its `Terminal`
    /// options).
    pub(crate) tty: Option<&'static str>,
    /// What the help says of `-d`/`--debug`, when the Go command has it.
    pub(crate) debug: Option<&'static str>,
    /// Whether the Go command has `--distribution-spec` (the referrers method; here also
    /// `--referrers-gc`): the help leaves them out otherwise.
    pub(crate) spec: bool,
    /// Defaults the help shows that clap does not hold (a flag with no value when not
    /// given): `(flag, default)`.
    pub(crate) defaults: &'static [(&'static str, &'static str)],
}

impl Cmd {
    /// The command `path` (`oras manifest fetch`) with its usage line; it has `-d`.
    pub(crate) const fn new(path: &'static str, usage: &'static str) -> Self {
        Self {
            path,
            usage,
            long: "",
            formats: &[],
            tty: None,
            debug: Some("output debug logs (implies --no-tty)"),
            spec: false,
            defaults: &[],
        }
    }

    /// A group of commands (`oras blob`): no usage line of its own, no `-d`.
    pub(crate) const fn group(path: &'static str) -> Self {
        let mut c = Self::new(path, "");
        c.debug = None;
        c
    }

    /// With this description and these examples.
    pub(crate) const fn long(mut self, long: &'static str) -> Self {
        self.long = long;
        self
    }

    /// With `--format` of these types.
    pub(crate) const fn formats(mut self, formats: &'static [FormatSpec]) -> Self {
        self.formats = formats;
        self
    }

    /// With `--no-tty`.
    pub(crate) const fn tty(mut self) -> Self {
        self.tty = Some("[Preview] disable progress bars");
        self
    }

    /// With `--no-tty` saying this.
    pub(crate) const fn tty_saying(mut self, usage: &'static str) -> Self {
        self.tty = Some(usage);
        self
    }

    /// With `-d` saying this, or without it.
    pub(crate) const fn debug(mut self, usage: Option<&'static str>) -> Self {
        self.debug = usage;
        self
    }

    /// With `--distribution-spec`.
    pub(crate) const fn spec(mut self) -> Self {
        self.spec = true;
        self
    }

    /// With these defaults shown in the help.
    pub(crate) const fn defaults(
        mut self,
        defaults: &'static [(&'static str, &'static str)],
    ) -> Self {
        self.defaults = defaults;
        self
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

/// A flag the command cannot do without, checked as cobra checks them: after the
/// arguments and the other flags (so those errors come first), with cobra's wording.
pub(crate) fn required<'a, T>(flag: &str, value: &'a Option<T>) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| CliError::new(format!("required flag(s) {flag:?} not set")))
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

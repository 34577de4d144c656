//! Token scopes: `repository:<name>:<actions>`, `registry:catalog:*`.
//!
//! [`Scopes`] is a set that merges actions per resource, drops empty ones, lets `*` stand
//! for every action, and sorts, so equal sets give equal strings and cache keys.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The `pull` action.
pub const PULL: &str = "pull";
/// The `push` action.
pub const PUSH: &str = "push";
/// The `delete` action.
pub const DELETE: &str = "delete";

/// One resource and the actions wanted on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    resource_type: String,
    name: String,
    actions: BTreeSet<String>,
}

impl Scope {
    /// A scope on any resource type.
    pub fn new<'a>(
        resource_type: impl Into<String>,
        name: impl Into<String>,
        actions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        Self {
            resource_type: resource_type.into(),
            name: name.into(),
            actions: clean(actions.into_iter().map(str::to_owned)),
        }
    }

    /// `repository:<name>:<actions>`.
    pub fn repository<'a>(name: &str, actions: impl IntoIterator<Item = &'a str>) -> Self {
        Self::new("repository", name, actions)
    }

    /// `repository:<name>:pull`.
    pub fn pull(name: &str) -> Self {
        Self::repository(name, [PULL])
    }

    /// `repository:<name>:pull,push`: what a push needs for HEAD, POST, PATCH and PUT,
    /// asked for up front so one token covers the whole push.
    pub fn push(name: &str) -> Self {
        Self::repository(name, [PULL, PUSH])
    }

    /// `registry:catalog:*`.
    pub fn catalog() -> Self {
        Self::new("registry", "catalog", ["*"])
    }

    /// Parses `type:name:actions`; the name may contain `:` (the type is before the first
    /// `:`, the actions after the last).
    pub fn parse(s: &str) -> Result<Self, ScopeError> {
        let err = || ScopeError(s.chars().take(256).collect());
        let (resource_type, rest) = s.split_once(':').ok_or_else(err)?;
        let (name, actions) = rest.rsplit_once(':').ok_or_else(err)?;
        if resource_type.is_empty() || name.is_empty() || s.contains([' ', '\t']) {
            return Err(err());
        }
        Ok(Self::new(resource_type, name, actions.split(',')))
    }

    /// The resource type (`repository`, `registry`).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The resource name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The actions, sorted.
    pub fn actions(&self) -> impl Iterator<Item = &str> {
        self.actions.iter().map(String::as_str)
    }
}

fn clean(actions: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    let set: BTreeSet<String> = actions
        .into_iter()
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    if set.contains("*") {
        BTreeSet::from(["*".to_owned()])
    } else {
        set
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.resource_type, self.name)?;
        for (i, a) in self.actions.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(a)?;
        }
        Ok(())
    }
}

/// A scope string that is not `type:name:actions`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid scope {0:?}: expected TYPE:NAME:ACTIONS such as repository:team/app:pull")]
pub struct ScopeError(String);

/// A set of scopes, merged per resource and sorted.
///
/// ```
/// use oras_auth::{Scope, Scopes};
/// let mut s = Scopes::new();
/// s.add(Scope::pull("a"));
/// s.add(Scope::repository("a", ["push", "pull"]));
/// s.add(Scope::pull("src"));
/// assert_eq!(s.to_strings(), ["repository:a:pull,push", "repository:src:pull"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Scopes(BTreeMap<(String, String), BTreeSet<String>>);

impl Scopes {
    /// No scopes.
    pub fn new() -> Self {
        Self::default()
    }

    /// What pulling from `repository` needs.
    pub fn for_pull(repository: &str) -> Self {
        Self::from_iter([Scope::pull(repository)])
    }

    /// What pushing to `repository` needs (`pull,push`).
    pub fn for_push(repository: &str) -> Self {
        Self::from_iter([Scope::push(repository)])
    }

    /// What mounting a blob from `source` into `destination` needs, in one token:
    /// `pull` on the source, `pull,push` on the destination.
    pub fn for_mount(source: &str, destination: &str) -> Self {
        Self::from_iter([Scope::pull(source), Scope::push(destination)])
    }

    /// Adds a scope, merging its actions with those already asked for the resource.
    pub fn add(&mut self, scope: Scope) {
        if scope.actions.is_empty() {
            return;
        }
        let entry = self.0.entry((scope.resource_type, scope.name)).or_default();
        let merged = clean(std::mem::take(entry).into_iter().chain(scope.actions));
        *entry = merged;
    }

    /// Adds every scope of another set.
    pub fn merge(&mut self, other: &Scopes) {
        for s in other.iter() {
            self.add(s);
        }
    }

    /// Adds the space-separated scopes of a challenge's `scope` parameter; malformed ones
    /// are skipped (the registry's hint is advice, not a requirement).
    pub fn add_challenge_scopes(&mut self, scope_param: &str) {
        for s in scope_param
            .split_whitespace()
            .filter_map(|s| Scope::parse(s).ok())
        {
            self.add(s);
        }
    }

    /// The scopes, sorted.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().map(|((t, n), a)| Scope {
            resource_type: t.clone(),
            name: n.clone(),
            actions: a.clone(),
        })
    }

    /// Each scope as a string, sorted.
    pub fn to_strings(&self) -> Vec<String> {
        self.iter().map(|s| s.to_string()).collect()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes joined by spaces: the token cache's key for the set, and the form the
    /// OAuth2 `scope` parameter takes.
    pub fn joined(&self) -> String {
        self.to_strings().join(" ")
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut s = Self::new();
        for scope in iter {
            s.add(scope);
        }
        s
    }
}

//! The capability traits, for calling their methods on a concrete target
//! (`layout.resolve(&reference)`): `use oras_artifact::prelude::*;`. Through `&dyn Target`
//! and `&dyn ReadOnlyTarget` they need no import.

pub use crate::content::{
    Delete, Fetch, ListReferrers, ListTags, Push, ReadOnlyTarget, Resolve, Tag, Target,
};

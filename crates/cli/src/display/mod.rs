//! What commands print, in the Go CLI's forms: status lines as content moves
//! ([`status`]), the summary in text, JSON ([`model`]) or a Go template ([`template`]),
//! and the pieces they are made of (JSON as Go writes it, trees, sizes and durations).

pub(crate) mod humanize;
pub(crate) mod json;
pub(crate) mod model;
pub(crate) mod printer;
pub(crate) mod status;
pub(crate) mod template;
pub(crate) mod tree;
pub(crate) mod warn;

pub(crate) use printer::Printer;

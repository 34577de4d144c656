//! Push, pull, copy, attach and discover OCI artifacts (not yet implemented).
//!
//! This crate will hold the operations most users call, over any `Target`: a registry
//! repository, an OCI image layout directory or memory. It builds on `oras-distribution`
//! and re-exports the lower crates so one dependency is enough.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

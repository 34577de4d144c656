//! A transport-agnostic OCI distribution-spec client (not yet implemented).
//!
//! This crate will hold `Registry` and `Repository` clients speaking the whole distribution
//! spec over a small `Transport` trait, with a hyper + hyper-rustls + tokio transport behind
//! a default feature. It builds on `oras-reference`, `oras-oci` and `oras-auth`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

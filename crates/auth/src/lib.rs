//! Registry authentication for ORAS (not yet implemented).
//!
//! This crate will hold the sans-IO side of the Docker token protocol: parsing
//! `WWW-Authenticate` challenges, building token requests (distribution GET and OAuth2 POST)
//! as `http::Request`s, and parsing their responses; a token cache keyed by registry and
//! scope set; and credential stores (docker `config.json`, the containers auth file,
//! credential helpers). It depends only on `oras-reference` and `oras-oci`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

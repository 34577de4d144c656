//! Annotation keys with a defined meaning.

/// The file name of a layer (`oras push` sets it; `oras pull` writes the file under it).
pub const TITLE: &str = "org.opencontainers.image.title";
/// Creation time, RFC 3339.
pub const CREATED: &str = "org.opencontainers.image.created";
/// The tag of a manifest in an OCI image layout's `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Human-readable description.
pub const DESCRIPTION: &str = "org.opencontainers.image.description";
/// The digest of a directory layer's uncompressed tar (ORAS), used to check it on unpack.
pub const ORAS_CONTENT_DIGEST: &str = "io.deis.oras.content.digest";
/// `"true"` when a layer is a directory packed as tar+gzip that pull should unpack (ORAS).
pub const ORAS_CONTENT_UNPACK: &str = "io.deis.oras.content.unpack";

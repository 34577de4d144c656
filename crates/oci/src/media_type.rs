//! Media type constants (OCI image spec 1.1, Docker image manifest v2 schema 2, ORAS) and
//! media type validation.

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image configuration.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// OCI layer, uncompressed tar.
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI layer, gzip-compressed tar.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI layer, zstd-compressed tar.
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// The empty JSON value `{}`, used for configs and layers of artifacts that have none.
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// The `oci-layout` file of an image layout directory.
pub const OCI_LAYOUT_HEADER: &str = "application/vnd.oci.layout.header.v1+json";

/// Docker image manifest v2 schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list (the Docker counterpart of an image index).
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker container image configuration.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// Docker layer, gzip-compressed tar.
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Docker foreign (non-distributable) layer.
pub const DOCKER_FOREIGN_LAYER: &str = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
/// OCI's non-distributable layers (deprecated by image spec 1.1, still met in Windows
/// images): their blobs are fetched from the descriptor's `urls`, not from registries.
pub const OCI_LAYER_NONDISTRIBUTABLE: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar";
/// The same, gzip-compressed.
pub const OCI_LAYER_NONDISTRIBUTABLE_GZIP: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/// The same, zstd-compressed.
pub const OCI_LAYER_NONDISTRIBUTABLE_ZSTD: &str =
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

/// The config media type ORAS uses for image-spec 1.0 artifacts with no artifact type.
pub const ORAS_UNKNOWN_CONFIG: &str = "application/vnd.unknown.config.v1+json";
/// The artifact type ORAS uses when none is given and one is required.
pub const ORAS_UNKNOWN_ARTIFACT: &str = "application/vnd.unknown.artifact.v1";
/// The media type the `oras` CLI gives a file pushed without one.
pub const ORAS_DEFAULT_FILE: &str = OCI_LAYER;

/// Every manifest media type this crate parses, in the order a client offers them in an
/// `Accept` header.
pub const MANIFEST_TYPES: &[&str] = &[
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_MANIFEST_LIST,
];

/// Whether `media_type` is an image manifest (OCI or Docker).
pub fn is_image_manifest(media_type: &str) -> bool {
    matches!(essence(media_type), OCI_MANIFEST | DOCKER_MANIFEST)
}

/// Whether `media_type` is an index (OCI image index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    matches!(essence(media_type), OCI_INDEX | DOCKER_MANIFEST_LIST)
}

/// The media type without parameters or surrounding whitespace
/// (`application/json; charset=utf-8` -> `application/json`).
pub fn essence(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or_default().trim()
}

/// Checks `type/subtype` against RFC 6838: each part 1 to 127 characters, starting with a
/// letter or digit, then letters, digits and `!#$&-^_.+`.
pub fn is_valid(media_type: &str) -> bool {
    let part = |p: &str| {
        let b = p.as_bytes();
        (1..=127).contains(&b.len())
            && b[0].is_ascii_alphanumeric()
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
    };
    matches!(media_type.split_once('/'), Some((t, s)) if part(t) && part(s))
}

/// Whether `media_type` is any manifest this crate parses: an image manifest or an index.
/// Content of other types is a blob.
pub fn is_manifest(media_type: &str) -> bool {
    is_image_manifest(media_type) || is_index(media_type)
}

/// Whether `media_type` is a layer whose blob is not distributed by registries (Docker's
/// foreign layers, OCI's non-distributable ones): copies and pulls leave such blobs alone
/// unless asked, as oras-go does.
pub fn is_non_distributable(media_type: &str) -> bool {
    matches!(
        essence(media_type),
        DOCKER_FOREIGN_LAYER
            | OCI_LAYER_NONDISTRIBUTABLE
            | OCI_LAYER_NONDISTRIBUTABLE_GZIP
            | OCI_LAYER_NONDISTRIBUTABLE_ZSTD
    )
}

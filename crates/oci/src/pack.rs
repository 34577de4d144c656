//! Packing an artifact's blobs into a manifest, by the rules of image spec 1.0 or 1.1 as
//! ORAS applies them.
//!
//! Image spec 1.1 (the default):
//! - the manifest has an `artifactType`; it is required when the config is empty or absent;
//! - without a config, the config is the [empty descriptor](Descriptor::empty);
//! - without layers, the single layer is the empty descriptor (a manifest needs one).
//!
//! Image spec 1.0 (for registries that reject 1.1 fields):
//! - no `artifactType` field and no `subject`; the artifact type becomes the media type of
//!   a config blob `{}` (default `application/vnd.unknown.config.v1+json`);
//! - no layers is an empty list.
//!
//! Both add `org.opencontainers.image.created` (RFC 3339, UTC, seconds) unless the
//! annotations have it (then it must be valid RFC 3339) or [`Created::Omit`] asks for
//! reproducible output. The JSON is deterministic: equal inputs give equal bytes.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::descriptor::EMPTY_JSON;
use crate::{Descriptor, ImageManifest, Manifest, annotations, media_type};

/// Which image spec's rules to pack by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PackVersion {
    /// Image spec 1.0.
    V1_0,
    /// Image spec 1.1 (default).
    #[default]
    V1_1,
}

/// Where the `org.opencontainers.image.created` annotation comes from when the annotations
/// do not already have it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Created {
    /// The current time (default, as the `oras` CLI does).
    #[default]
    Now,
    /// A given time.
    At(SystemTime),
    /// No annotation: the same inputs always give the same manifest digest.
    Omit,
}

/// What to pack.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PackOptions {
    /// Which rules to apply.
    pub version: PackVersion,
    /// The artifact type.
    pub artifact_type: Option<String>,
    /// The config blob, already pushed. `None` packs an empty config.
    pub config: Option<Descriptor>,
    /// Annotations of a config blob generated for image spec 1.0.
    pub config_annotations: Option<BTreeMap<String, String>>,
    /// The layers, already pushed.
    pub layers: Vec<Descriptor>,
    /// The manifest this one refers to (image spec 1.1 only).
    pub subject: Option<Descriptor>,
    /// The manifest's annotations.
    pub annotations: BTreeMap<String, String>,
    /// Where the creation time comes from.
    pub created: Created,
}

/// A packed manifest, with the blobs the packer made up (an empty config or layer) that
/// must be pushed before it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Packed {
    /// The manifest.
    pub manifest: Manifest,
    /// Generated blobs and their descriptors (each listed once).
    pub blobs: Vec<(Descriptor, Bytes)>,
}

/// Packs a manifest.
///
/// ```
/// use oras_oci::pack::{pack_manifest, Created, PackOptions};
/// use oras_oci::Descriptor;
///
/// let mut opts = PackOptions::default();
/// opts.artifact_type = Some("application/vnd.example+type".into());
/// opts.layers = vec![Descriptor::of("text/plain", b"hello")];
/// opts.created = Created::Omit;
/// let packed = pack_manifest(opts)?;
/// let m = packed.manifest.as_image().unwrap();
/// assert_eq!(m.config, Descriptor::empty());
/// assert_eq!(packed.blobs.len(), 1); // the empty config blob `{}`
/// # Ok::<(), oras_oci::pack::PackError>(())
/// ```
pub fn pack_manifest(opts: PackOptions) -> Result<Packed, PackError> {
    if let Some(t) = &opts.artifact_type {
        check_media_type("artifact type", t)?;
    }
    if let Some(c) = &opts.config {
        check_media_type("config media type", &c.media_type)?;
    }
    let annotations = with_created(opts.annotations, opts.created)?;
    let annotations = (!annotations.is_empty()).then_some(annotations);
    let mut blobs = Vec::new();
    let manifest = match opts.version {
        PackVersion::V1_1 => {
            let config_is_empty = opts
                .config
                .as_ref()
                .is_none_or(|c| c.media_type == media_type::OCI_EMPTY);
            if opts.artifact_type.is_none() && config_is_empty {
                return Err(PackError::MissingArtifactType);
            }
            let config = opts.config.unwrap_or_else(|| {
                blobs.push((Descriptor::empty(), Bytes::from_static(EMPTY_JSON)));
                Descriptor::empty()
            });
            let mut layers = opts.layers;
            if layers.is_empty() {
                if blobs.is_empty() {
                    blobs.push((Descriptor::empty(), Bytes::from_static(EMPTY_JSON)));
                }
                layers.push(Descriptor::empty());
            }
            let mut m = ImageManifest::new(config, layers);
            m.artifact_type = opts.artifact_type;
            m.subject = opts.subject;
            m.annotations = annotations;
            m
        }
        PackVersion::V1_0 => {
            if opts.subject.is_some() {
                return Err(PackError::Unsupported("a subject needs image spec 1.1"));
            }
            let config = match (opts.config, opts.artifact_type) {
                (Some(_), Some(_)) => {
                    return Err(PackError::Unsupported(
                        "image spec 1.0 carries the artifact type as the config media type, so it cannot be set with a config",
                    ));
                }
                (Some(c), None) => c,
                (None, artifact_type) => {
                    let mut c = Descriptor::of(
                        artifact_type.unwrap_or_else(|| media_type::ORAS_UNKNOWN_CONFIG.to_owned()),
                        EMPTY_JSON,
                    );
                    c.annotations = opts.config_annotations;
                    blobs.push((c.clone(), Bytes::from_static(EMPTY_JSON)));
                    c
                }
            };
            let mut m = ImageManifest::new(config, opts.layers);
            m.annotations = annotations;
            m
        }
    };
    Ok(Packed {
        manifest: Manifest::from_image(manifest),
        blobs,
    })
}

fn check_media_type(what: &'static str, value: &str) -> Result<(), PackError> {
    if media_type::is_valid(value) {
        Ok(())
    } else {
        Err(PackError::InvalidMediaType {
            what,
            value: crate::truncated(value),
        })
    }
}

fn with_created(
    mut annotations: BTreeMap<String, String>,
    created: Created,
) -> Result<BTreeMap<String, String>, PackError> {
    if let Some(v) = annotations.get(annotations::CREATED) {
        if !is_rfc3339(v) {
            return Err(PackError::InvalidCreated(crate::truncated(v)));
        }
        return Ok(annotations);
    }
    let at = match created {
        Created::Now => SystemTime::now(),
        Created::At(t) => t,
        Created::Omit => return Ok(annotations),
    };
    annotations.insert(annotations::CREATED.to_owned(), format_rfc3339(at));
    Ok(annotations)
}

/// `YYYY-MM-DDTHH:MM:SSZ` in UTC (times before 1970 are written as 1970-01-01T00:00:00Z).
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or(i64::MAX / 2));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).expect("day of month is 1..=31");
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("month is 1..=12");
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, fields in range.
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let sep = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    let (Some(year), Some(month), Some(day), Some(hour), Some(min), Some(sec)) = (
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) else {
        return false;
    };
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt") && sep(13, b":") && sep(16, b":")) {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days_in_month || hour > 23 || min > 59 || sec > 60 {
        return false;
    }
    let mut i = 19;
    if sep(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len()
                && sep(i + 3, b":")
                && num(i + 1..i + 3).is_some_and(|h| h <= 23)
                && num(i + 4..i + 6).is_some_and(|m| m <= 59)
        }
        _ => false,
    }
}

/// A manifest that cannot be packed as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// Image spec 1.1 needs an artifact type when the config is empty.
    #[error(
        "an artifact type is required when packing an image spec 1.1 manifest without a config"
    )]
    MissingArtifactType,
    /// A media type or artifact type is not `type/subtype`.
    #[error("invalid {what} {value:?}: expected type/subtype as in RFC 6838")]
    InvalidMediaType {
        /// Which field.
        what: &'static str,
        /// Its value.
        value: String,
    },
    /// The `org.opencontainers.image.created` annotation is not RFC 3339.
    #[error(
        "invalid org.opencontainers.image.created annotation {0:?}: expected an RFC 3339 date-time such as 2024-01-31T12:00:00Z"
    )]
    InvalidCreated(String),
    /// The chosen image spec version cannot express what was asked.
    #[error("cannot pack: {0}")]
    Unsupported(&'static str),
}

//! Conversions to and from the `oci-spec` crate's image types (feature `oci-spec`).
//!
//! Both sides serialise to the image spec's JSON, so each conversion goes through that
//! form: whatever the spec defines survives; fields only this crate keeps (`extra`) are
//! lost on the way into `oci-spec`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Descriptor, ImageIndex, ImageManifest, Platform};

/// A value one side accepts and the other does not.
#[derive(Debug, thiserror::Error)]
#[error("cannot convert between oras-oci and oci-spec types")]
pub struct OciSpecError(#[from] serde_json::Error);

fn convert<A: Serialize, B: DeserializeOwned>(a: &A) -> Result<B, OciSpecError> {
    Ok(serde_json::from_value(serde_json::to_value(a)?)?)
}

macro_rules! both_ways {
    ($ours:ty, $theirs:ty) => {
        impl TryFrom<&$ours> for $theirs {
            type Error = OciSpecError;
            fn try_from(v: &$ours) -> Result<Self, Self::Error> {
                convert(v)
            }
        }
        impl TryFrom<&$theirs> for $ours {
            type Error = OciSpecError;
            fn try_from(v: &$theirs) -> Result<Self, Self::Error> {
                convert(v)
            }
        }
    };
}

both_ways!(Descriptor, oci_spec::image::Descriptor);
both_ways!(ImageManifest, oci_spec::image::ImageManifest);
both_ways!(ImageIndex, oci_spec::image::ImageIndex);
both_ways!(Platform, oci_spec::image::Platform);

//! Choosing a platform's manifest from an index.

use oras_oci::{Descriptor, Manifest, Platform};

use crate::{Error, Result};

/// The manifest for `platform` in an index, or an error listing what there is. Without a
/// platform, an index of one manifest gives that one.
pub fn select_platform(index: &Manifest, platform: Option<&Platform>) -> Result<Descriptor> {
    let list = &index
        .as_index()
        .ok_or_else(|| Error::NotAnIndex(index.digest().clone()))?
        .manifests;
    if let Some(want) = platform
        && let Some(d) = list
            .iter()
            .find(|d| d.platform.as_ref().is_some_and(|p| want.matches(p)))
    {
        return Ok(d.clone());
    }
    if platform.is_none() && list.len() == 1 {
        return Ok(list[0].clone());
    }
    let available = list
        .iter()
        .map(|d| {
            d.platform
                .as_ref()
                .map_or_else(|| "(none)".to_owned(), ToString::to_string)
        })
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::Platform {
        wanted: platform.map_or_else(|| "(none given)".to_owned(), ToString::to_string),
        available,
    })
}

//! Manifest and index parsing never panics, keeps the bytes, and a parsed structure
//! serialises to bytes that parse back to the same structure.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oras_oci::{Manifest, media_type};

fuzz_target!(|data: &[u8]| {
    let (selector, body) = data.split_first().unwrap_or((&0, &[]));
    let content_type = [
        None,
        Some(media_type::OCI_MANIFEST),
        Some(media_type::OCI_INDEX),
        Some(media_type::DOCKER_MANIFEST),
    ][usize::from(*selector) % 4];
    let Ok(m) = Manifest::parse(body.to_vec(), content_type) else {
        return;
    };
    assert_eq!(m.bytes().as_ref(), body);
    assert_eq!(m.digest(), &oras_oci::Digest::sha256(body));
    if let Some(image) = m.as_image() {
        let again = Manifest::from_image(image.clone());
        assert_eq!(
            Manifest::parse(again.bytes().clone(), Some(again.media_type()))
                .expect("re-serialised manifest parses")
                .as_image(),
            Some(image)
        );
    }
    if let Some(index) = m.as_index() {
        let again = Manifest::from_index(index.clone());
        assert_eq!(
            Manifest::parse(again.bytes().clone(), Some(again.media_type()))
                .expect("re-serialised index parses")
                .as_index(),
            Some(index)
        );
    }
});

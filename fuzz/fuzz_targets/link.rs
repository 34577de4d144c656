//! `Link` header parsing never panics; a next link found is inside the header's text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = http::HeaderValue::from_bytes(data) else {
        return;
    };
    let mut headers = http::HeaderMap::new();
    headers.append(http::header::LINK, value);
    if let Some(next) = oras_distribution::next_link(&headers) {
        let text = String::from_utf8_lossy(data);
        assert!(text.contains(&next), "{next} not in {text}");
    }
});

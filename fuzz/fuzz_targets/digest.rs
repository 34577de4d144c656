//! Digest parsing never panics; what parses displays as the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oras_oci::Digest;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = Digest::parse(s) {
        assert_eq!(d.as_str(), s);
        assert_eq!(format!("{}:{}", d.algorithm_name(), d.encoded()), s);
    }
});

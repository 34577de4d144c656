//! Platform parsing and normalisation never panic; normalisation is idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oras_oci::Platform;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = s.parse::<Platform>() {
        let n = p.normalized();
        assert_eq!(n.normalized(), n);
        assert!(p.matches(&p));
        assert_eq!(
            n.to_string()
                .parse::<Platform>()
                .expect("display parses")
                .normalized(),
            n
        );
    }
});

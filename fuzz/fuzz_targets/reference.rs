//! Reference parsing never panics, and whatever parses displays to a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oras_reference::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(r) = Reference::parse(s) {
        let shown = r.to_string();
        assert_eq!(Reference::parse(&shown).expect("display output parses"), r);
    }
    if let Ok(r) = Reference::parse_normalized(s) {
        assert_eq!(
            Reference::parse(&r.to_string()).expect("normalised output parses strictly"),
            r
        );
    }
});

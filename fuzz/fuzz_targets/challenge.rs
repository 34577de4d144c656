//! WWW-Authenticate parsing never panics; a parsed challenge displays to text that parses
//! back to the same scheme and parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oras_auth::Challenge;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(challenges) = Challenge::parse(s) else {
        return;
    };
    for c in challenges {
        if c.token68().is_some() || c.params().next().is_none() {
            continue;
        }
        let again = Challenge::parse(&c.to_string()).expect("displayed challenge parses");
        assert_eq!(again.len(), 1, "{c}");
        assert_eq!(again[0].scheme_name(), c.scheme_name());
        assert!(again[0].params().eq(c.params()), "{c}");
    }
});

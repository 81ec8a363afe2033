//! Fuzz the `.env` parser: never panic, skipped lines name a line of the input, and values
//! that can be quoted survive a round trip.
#![no_main]

use herd_procfile::dotenv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = dotenv::parse(&text, "fuzz");
    for v in &parsed.vars {
        if let Some(q) = dotenv::quote(&v.value) {
            let back = dotenv::parse(&format!("{}={q}", v.key), "fuzz");
            assert!(back.skipped.is_empty());
            assert_eq!(back.vars[0].value, v.value);
        }
    }
    let lines = text.split('\n').count();
    for s in &parsed.skipped {
        assert!(s.line >= 1 && s.line <= lines);
        assert!(parsed.vars.iter().all(|v| v.line != s.line));
    }
});

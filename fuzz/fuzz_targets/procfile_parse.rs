//! Fuzz the Procfile parser: never panic, and a successful parse writes back to text that
//! parses to the same entries (up to surrounding whitespace, which the format cannot keep);
//! skipped lines name lines of the input that are not entries.
#![no_main]

use herd_procfile::Procfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let scan = Procfile::scan(&text, "fuzz");
    let lines = text.split('\n').count();
    for s in &scan.procfile.skipped {
        assert!(s.line >= 1 && s.line <= lines);
        assert!(scan.procfile.entries.iter().all(|e| e.line != s.line));
    }
    if let Ok(p) = Procfile::parse(&text, "fuzz") {
        let again = Procfile::parse(&p.to_string(), "fuzz").expect("canonical text parses");
        let a: Vec<_> = p
            .entries
            .iter()
            .map(|e| (&e.name, e.command.trim()))
            .collect();
        let b: Vec<_> = again
            .entries
            .iter()
            .map(|e| (&e.name, e.command.trim()))
            .collect();
        assert_eq!(a, b);
    }
});

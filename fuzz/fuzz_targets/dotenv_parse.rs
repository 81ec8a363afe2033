//! Fuzz the `.env` parser: never panic, errors name a line of the input, and values that can
//! be quoted survive a round trip.
#![no_main]

use herd_procfile::dotenv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match dotenv::parse(&text, "fuzz") {
        Ok(vars) => {
            for v in vars {
                if let Some(q) = dotenv::quote(&v.value) {
                    let back =
                        dotenv::parse(&format!("{}={q}", v.key), "fuzz").expect("quoted parses");
                    assert_eq!(back[0].value, v.value);
                }
            }
        }
        Err(dotenv::DotenvError::Syntax { line, .. }) => {
            assert!(line >= 1 && line <= text.split('\n').count());
        }
        Err(_) => {}
    }
});

//! Any byte stream through the UDS stream framer: no panic, frames tile the stream exactly.
#![no_main]

use herd_dogstatsd::frame::{encode_frame, frames};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut rebuilt = Vec::new();
    let mut failed = false;
    for frame in frames(data, 8192) {
        match frame {
            Ok((offset, payload)) => {
                assert_eq!(offset as usize, rebuilt.len());
                encode_frame(payload, &mut rebuilt);
            }
            Err(_) => failed = true,
        }
    }
    if !failed {
        assert_eq!(rebuilt, data);
    } else {
        assert!(data.starts_with(&rebuilt));
    }
});

//! Any bytes as a forwarding buffer file (what a restart reads back from
//! `<data dir>/forward/`): no panic, and whatever reads as a payload writes back to the same
//! bytes.
#![no_main]

use herd_server::forward::Payload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = Payload::from_bytes(data) {
        assert_eq!(p.to_bytes(), data);
    }
});

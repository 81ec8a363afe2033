//! Any bytes through the decoder: no panic, and every decoded message is a fixed point of
//! encode/decode (what herd forwards reads back as what it decoded).
#![no_main]

use herd_dogstatsd::{decode, Limits, Overflow};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tight = Limits { max_name_len: 8, max_tag_len: 4, max_tags: 3, overflow: Overflow::Truncate };
    let unbounded = Limits::unbounded();
    for limits in [Limits::default(), tight, Limits { overflow: Overflow::Reject, ..tight }] {
        for message in decode(data, &limits).flatten() {
            let mut wire = Vec::new();
            message.encode(&mut wire);
            if wire.ends_with(b"\r") {
                // A CR at the very end of a message is line framing (CR LF) to a decoder, so a
                // message whose last field ends in CR (a tag cut to its limit just after a CR)
                // has no wire form that reads back to it. Known and accepted; skip it.
                continue;
            }
            let mut again = decode(&wire, &unbounded);
            let back = again.next().expect("one message").expect("re-encoded message decodes");
            assert!(again.next().is_none());
            let mut rewire = Vec::new();
            back.encode(&mut rewire);
            assert_eq!(rewire, wire, "{}", String::from_utf8_lossy(&wire));
        }
    }
});

//! Any bytes as a sealed block file: opening and verifying never panics, and every damage
//! report names the file. The same bytes also go straight to the entry decoders (columns,
//! pco, sketches), which a block's checksums would otherwise keep the fuzzer from.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("blocks/0-00000001.blk");
    for d in herd_tsdb::check_block_bytes(path, data.to_vec()) {
        assert_eq!(d.path, path);
        assert!(!d.what.is_empty());
    }
    if let Some((&n, body)) = data.split_first() {
        herd_tsdb::decode_entry_body(body, u32::from(n) * 7);
    }
});

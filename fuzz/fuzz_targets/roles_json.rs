//! Fuzz the JSON reader (with Chef's `//` and `/* */` comments) for roles, nodes and
//! environments: never a panic; comment stripping keeps the length.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let stripped = herd_roles::jsonc::strip_comments(&text);
    assert_eq!(stripped.len(), text.len());
    let path = std::path::Path::new("fuzz.json");
    let _ = herd_roles::model::read_role(path, &text);
    let _ = herd_roles::model::read_node(path, &text);
    let _ = herd_roles::model::read_environment(path, &text);
});

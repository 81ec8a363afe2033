//! Fuzz the static Ruby DSL reader: any bytes must give a role and warnings, never a panic,
//! a hang or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = herd_roles::ruby::parse(&text);
    let _ = herd_roles::model::read_role(std::path::Path::new("fuzz.rb"), &text);
    let _ = herd_roles::model::read_environment(std::path::Path::new("fuzz.rb"), &text);
});

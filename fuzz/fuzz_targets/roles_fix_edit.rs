//! Fuzz `herd roles fix`'s text edit: removing entries from arbitrary text — at the places the
//! role reader found them, and at arbitrary places — never panics, and the edited text reads
//! again without a panic. (Whether an edit reads back as intended is checked by `fix` itself,
//! which refuses any other result, and by the property and corpus tests.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = std::path::Path::new(if data.first() == Some(&b'{') {
        "fuzz.json"
    } else {
        "fuzz.rb"
    });
    let (role, _) = herd_roles::model::read_role(path, &text);
    let list = role.run_list();
    for entry in list {
        let Some(pos) = entry.pos else { continue };
        if let Ok(after) = herd_roles::fix::edit::remove(&text, &[(pos, &entry.item)]) {
            let _ = herd_roles::model::read_role(path, &after);
        }
    }
    if let Some(item) = list.first().map(|e| e.item.clone()) {
        for line in 1..4 {
            for col in 1..40 {
                let pos = herd_roles::Pos { line, col };
                let _ = herd_roles::fix::edit::remove(&text, &[(pos, &item)]);
            }
        }
    }
});

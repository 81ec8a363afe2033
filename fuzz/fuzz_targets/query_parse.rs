//! Fuzz the metric query parser: never panic, errors point inside the text, and a successful
//! parse prints to text that parses to the same trees.
#![no_main]

use herd_query::ast::Expr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match herd_query::parse(&text) {
        Ok(mut list) => {
            let printed = list.to_string();
            let mut again = herd_query::parse(&printed).expect("canonical text parses");
            list.exprs.iter_mut().for_each(Expr::clear_spans);
            again.exprs.iter_mut().for_each(Expr::clear_spans);
            assert_eq!(list, again, "{printed}");
        }
        Err(e) => {
            assert!(e.column >= 1 && e.column <= text.chars().count() + 1);
            let _ = e.to_string();
        }
    }
});

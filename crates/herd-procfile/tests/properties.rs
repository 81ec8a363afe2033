//! Property tests for the Procfile and `.env` parsers.

use std::fmt::Write as _;

use herd_procfile::dotenv;
use herd_procfile::Procfile;
use proptest::prelude::*;

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_-]{1,12}"
}

fn command() -> impl Strategy<Value = String> {
    // Anything printable on one line that does not start with whitespace.
    "[!-~][ -~]{0,40}"
}

proptest! {
    /// Writing entries out and parsing them back gives the same entries, whatever the line
    /// endings and the junk lines between them.
    #[test]
    fn property_test_procfile_round_trips(
        entries in proptest::collection::btree_map(name(), command(), 0..8),
        crlf in any::<bool>(),
        junk in proptest::collection::vec("(# [ -~]{0,20}|  [ -~]{0,10}|)", 0..8),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = String::new();
        for (i, (n, c)) in entries.iter().enumerate() {
            if let Some(j) = junk.get(i) {
                text.push_str(j);
                text.push_str(eol);
            }
            let sep = if i % 2 == 0 { " " } else { "" };
            let _ = write!(text, "{n}:{sep}{c}{eol}");
        }
        let parsed = Procfile::parse(&text, "P").unwrap();
        let got: Vec<(String, String)> = parsed.entries.into_iter().map(|e| (e.name, e.command)).collect();
        let want: Vec<(String, String)> = entries.into_iter().collect();
        prop_assert_eq!(got, want);
    }

    /// The Procfile parser never panics and every entry it returns satisfies the grammar.
    #[test]
    fn property_test_procfile_entries_match_the_grammar(text in "[ -~\t\r\n:#]{0,200}") {
        if let Ok(p) = Procfile::parse(&text, "P") {
            for e in &p.entries {
                prop_assert!(!e.name.is_empty());
                prop_assert!(e.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
                prop_assert!(!e.command.is_empty() && !e.command.contains('\n'));
            }
        }
    }

    /// Any value that `quote` can express parses back unchanged, and keys keep their order.
    #[test]
    fn property_test_dotenv_round_trips(
        vars in proptest::collection::vec(("[A-Za-z_][A-Za-z0-9_]{0,10}", "\\PC{0,30}|[ -~\n\r'\"\\\\]{0,30}"), 0..8),
    ) {
        let mut text = String::new();
        let mut want = Vec::new();
        for (k, v) in &vars {
            if let Some(q) = dotenv::quote(v) {
                let _ = write!(text, "{k}={q}\n# comment\n\n");
                want.push((k.clone(), v.clone()));
            }
        }
        let got: Vec<(String, String)> = dotenv::parse(&text, ".env")
            .unwrap()
            .into_iter()
            .map(|v| (v.key, v.value))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// The `.env` parser never panics; an error always names a line that exists.
    #[test]
    fn property_test_dotenv_errors_name_a_real_line(text in "\\PC{0,200}") {
        if let Err(dotenv::DotenvError::Syntax { line, .. }) = dotenv::parse(&text, ".env") {
            prop_assert!(line >= 1 && line <= text.split('\n').count());
        }
    }
}

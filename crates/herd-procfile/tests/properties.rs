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
        let parsed = dotenv::parse(&text, ".env");
        prop_assert!(parsed.skipped.is_empty(), "{:?}", parsed.skipped);
        let got: Vec<(String, String)> = parsed
            .vars
            .into_iter()
            .map(|v| (v.key, v.value))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// The `.env` parser never panics; every skipped line names a line that exists, holding
    /// the text quoted, and is neither blank nor a comment.
    #[test]
    fn property_test_dotenv_skipped_lines_are_real_lines(text in "\\PC{0,200}|[ -~\t\r\n=\"']{0,200}") {
        let parsed = dotenv::parse(&text, ".env");
        let lines: Vec<&str> = text.strip_prefix('\u{feff}').unwrap_or(&text).split('\n').collect();
        for s in &parsed.skipped {
            prop_assert!(s.line >= 1 && s.line <= lines.len());
            let line = lines[s.line - 1].strip_suffix('\r').unwrap_or(lines[s.line - 1]);
            prop_assert!(line.starts_with(s.text.as_str()), "{:?} vs {:?}", s.text, line);
            // Blank (spaces, tabs) and `#` comment lines are never reported.
            let start = line.trim_start_matches([' ', '\t']);
            prop_assert!(!start.trim_end_matches([' ', '\t', '\r']).is_empty() && !start.starts_with('#'));
        }
        let mut previous = 0;
        for v in &parsed.vars {
            prop_assert!(v.line > previous);
            prop_assert!(parsed.skipped.iter().all(|s| s.line != v.line));
            previous = v.line;
        }
    }

    /// Lines foreman skips do not disturb the variables around them.
    #[test]
    fn property_test_dotenv_skipped_lines_leave_the_rest_applied(
        vars in proptest::collection::vec(("[A-Z_][A-Z0-9_]{0,8}", "[a-z0-9]{0,10}"), 1..6),
        junk in proptest::collection::vec("( [A-Z]{1,4}=x|[A-Z]{1,4} = x|[A-Z]{1,3}-[A-Z]=x|[a-z]{1,4} [a-z]{1,4})", 0..6),
    ) {
        let mut text = String::new();
        for (i, (k, v)) in vars.iter().enumerate() {
            let _ = writeln!(text, "{k}={v}");
            if let Some(j) = junk.get(i) {
                let _ = writeln!(text, "{j}");
            }
        }
        let parsed = dotenv::parse(&text, ".env");
        let got: Vec<(String, String)> = parsed.vars.into_iter().map(|v| (v.key, v.value)).collect();
        let skipped = junk.len().min(vars.len());
        prop_assert_eq!(got, vars);
        prop_assert_eq!(parsed.skipped.len(), skipped);
    }

    /// Every skipped Procfile line exists, is not an entry, and is no comment or blank line.
    #[test]
    fn property_test_procfile_skipped_lines_are_real_lines(text in "[ -~\t\r\n:#]{0,200}") {
        let scan = Procfile::scan(&text, "P");
        let lines: Vec<&str> = text.split('\n').collect();
        for s in &scan.procfile.skipped {
            prop_assert!(s.line >= 1 && s.line <= lines.len());
            prop_assert!(scan.procfile.entries.iter().all(|e| e.line != s.line));
            let t = lines[s.line - 1].trim();
            prop_assert!(!t.is_empty() && !t.starts_with('#'));
        }
    }
}

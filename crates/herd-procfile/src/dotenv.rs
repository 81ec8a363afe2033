//! `.env` files in foreman's dialect, plus `export ` prefixes.
//!
//! Rules (foreman `lib/foreman/env.rb`), applied per line after `\r\n` becomes `\n`:
//!
//! * A variable line matches `^([A-Za-z_0-9]+)=(.*)$`; herd also accepts an `export ` prefix
//!   (spaces or tabs after `export`), which foreman 0.78 stopped accepting (ddollar/foreman#561).
//! * Blank lines and lines whose first non-blank character is `#` are comments.
//! * A value wholly inside single quotes is taken literally, quotes removed.
//! * A value wholly inside double quotes has its quotes removed, then every `\n` (backslash, n)
//!   becomes a newline, then every backslash followed by a character is replaced by that
//!   character (`\"` → `"`, `\\` → `\`, `\t` → `t`).
//! * Any other value is taken as written: no trimming, and `A=b # c` keeps ` # c`.
//! * No `$VAR` expansion and no multi-line values.
//! * A leading UTF-8 byte-order mark is ignored.
//!
//! Where foreman silently skips any other line, herd rejects it with `file:line`, because a
//! typo such as `DATABASE_URL = x` would otherwise leave the variable unset without a word.

use std::path::{Path, PathBuf};

/// One `KEY=value` assignment from a `.env` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    /// The variable name (`[A-Za-z_0-9]+`).
    pub key: String,
    /// The value after quote removal and unescaping.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// Why a `.env` file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum DotenvError {
    /// The file could not be read.
    #[error("{}: cannot read the env file: {source}", path.display())]
    Read {
        /// The file's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is neither a comment, blank, nor `KEY=value`.
    #[error("{origin}:{line}: expected KEY=value (KEY of letters, digits and _; no spaces around =), found `{text}`")]
    Syntax {
        /// Where the text came from.
        origin: String,
        /// 1-based line number.
        line: usize,
        /// The offending line, shortened to 80 characters.
        text: String,
    },
}

/// Parses `.env` text. `origin` names the input in errors.
pub fn parse(text: &str, origin: &str) -> Result<Vec<Var>, DotenvError> {
    // A byte-order mark (Windows editors) would otherwise make line 1 unparsable.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut vars = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.trim_end_matches([' ', '\t', '\r']).is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = parse_assignment(line) else {
            return Err(DotenvError::Syntax {
                origin: origin.to_owned(),
                line: index + 1,
                text: line.chars().take(80).collect(),
            });
        };
        vars.push(Var {
            key: key.to_owned(),
            value: unquote(value),
            line: index + 1,
        });
    }
    Ok(vars)
}

/// Reads and parses the `.env` file at `path`.
pub fn read(path: &Path) -> Result<Vec<Var>, DotenvError> {
    let bytes = std::fs::read(path).map_err(|source| DotenvError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
    )
}

/// Splits `[export ]KEY=value`, or `None` if the line is not an assignment.
fn parse_assignment(line: &str) -> Option<(&str, &str)> {
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start_matches([' ', '\t']),
        _ => line,
    };
    let eq = line.find('=')?;
    let key = &line[..eq];
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some((key, &line[eq + 1..]))
}

/// foreman's quote handling.
fn unquote(value: &str) -> String {
    if value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'') {
        return value[1..value.len() - 1].to_owned();
    }
    if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
        let inner = value[1..value.len() - 1].replace("\\n", "\n");
        // Ruby's `gsub(/\\(.)/, '\1')`: `.` does not match a newline.
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.peek() {
                    Some(&next) if next != '\n' => {
                        out.push(next);
                        chars.next();
                    }
                    _ => out.push(c),
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    value.to_owned()
}

/// Quotes `value` so that [`parse`] reads it back unchanged, or `None` when the dialect cannot
/// express it (a value holding both a `'` or a line break and a backslash followed by `n`:
/// foreman turns every `\n` in double quotes into a newline before any other unescaping).
pub fn quote(value: &str) -> Option<String> {
    if !value.contains(['\'', '\n', '\r']) {
        return Some(format!("'{value}'"));
    }
    if value.contains("\\n") {
        return None;
    }
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn one(line: &str) -> (String, String) {
        let vars = parse(line, ".env").unwrap();
        assert_eq!(vars.len(), 1, "{line:?}");
        (vars[0].key.clone(), vars[0].value.clone())
    }

    #[test]
    fn values_follow_foremans_rules() {
        let cases = [
            ("A=b", "b"),
            ("A=", ""),
            ("A=b # c", "b # c"),
            ("A= b ", " b "),
            ("A='x \\n y'", "x \\n y"),
            ("A=\"x\\ny\"", "x\ny"),
            ("A=\"say \\\"hi\\\"\"", "say \"hi\""),
            ("A=\"a\\\\b\"", "a\\b"),
            ("A=\"a\\tb\"", "atb"),
            ("A=\"unbalanced", "\"unbalanced"),
            ("A='", "'"),
            ("A=\"", "\""),
            ("A=b=c", "b=c"),
            ("A='it''s'", "it''s"),
            ("export A=b", "b"),
            ("export\tA=b", "b"),
        ];
        for (line, want) in cases {
            assert_eq!(one(line).1, want, "{line:?}");
        }
    }

    #[test]
    fn a_double_backslash_n_becomes_backslash_newline_like_ruby() {
        // gsub('\n', "\n") runs first, then `\\(.)` cannot eat the newline.
        assert_eq!(one("A=\"a\\\\nb\"").1, "a\\\nb");
    }

    #[test]
    fn comments_blank_lines_and_crlf_are_skipped() {
        let vars = parse("# c\n\n   \n  # indented\r\nA=1\r\nB=2", ".env").unwrap();
        let got: Vec<_> = vars
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str(), v.line))
            .collect();
        assert_eq!(got, [("A", "1", 5), ("B", "2", 6)]);
    }

    #[test]
    fn unparsable_lines_name_the_file_and_line() {
        for bad in [
            "A = b",
            "A-B=c",
            "=x",
            "just words",
            " A=b",
            "exportA",
            "export =x",
        ] {
            let err = parse(&format!("OK=1\n{bad}\n"), "app/.env").unwrap_err();
            let msg = err.to_string();
            assert!(
                msg.starts_with("app/.env:2: expected KEY=value"),
                "{bad:?}: {msg}"
            );
            assert!(msg.contains(bad.trim_start()), "{msg}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        assert_eq!(one("\u{feff}A=1"), ("A".into(), "1".into()));
    }

    #[test]
    fn export_as_a_variable_name_still_works() {
        assert_eq!(one("export=1"), ("export".into(), "1".into()));
        assert_eq!(one("exported=1"), ("exported".into(), "1".into()));
    }

    #[test]
    fn quote_round_trips_through_parse() {
        for v in ["", "plain", "it's", "a\nb", "q\"\\'", "#x", "cr\r", "\\\n"] {
            assert_eq!(one(&format!("K={}", quote(v).unwrap())).1, v, "{v:?}");
        }
        assert_eq!(quote("it's \\n"), None);
    }
}

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
//! Any other line is skipped, as foreman and honcho skip it, so an app that runs under them
//! runs under herd; but where they say nothing, herd keeps each skipped line with `file:line`
//! and the reason ([`Skipped`]): `herd start` warns once per line and `herd check` lists them,
//! because a typo such as `DATABASE_URL = x` leaves the variable unset.

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

/// Why a `.env` file could not be read.
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
}

/// A line that is neither blank, a comment, nor `KEY=value`: skipped, as foreman does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: ignored `{text}`: {reason}")]
pub struct Skipped {
    /// Where the text came from.
    pub origin: String,
    /// 1-based line number.
    pub line: usize,
    /// The line, shortened to 80 characters.
    pub text: String,
    /// Why it is not a variable.
    pub reason: String,
}

/// The variables of a `.env` file and the lines skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Assignments in file order.
    pub vars: Vec<Var>,
    /// Lines that assign nothing, in file order.
    pub skipped: Vec<Skipped>,
}

/// Parses `.env` text. `origin` names the input in the skipped lines' messages.
pub fn parse(text: &str, origin: &str) -> Parsed {
    // A byte-order mark (Windows editors) would otherwise make line 1 unparsable.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parsed = Parsed::default();
    // The variable whose value opened a quote it did not close (`A="one` … `two"`).
    let mut open_quote: Option<(String, usize, char)> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start_matches([' ', '\t']);
        let continues = open_quote.take();
        if trimmed.trim_end_matches([' ', '\t', '\r']).is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = parse_assignment(line) else {
            let reason = match &continues {
                Some((key, first, quote)) if line.contains(*quote) || !line.contains('=') => {
                    open_quote = (!line.contains(*quote)).then(|| (key.clone(), *first, *quote));
                    format!(
                        "continues the value of `{key}` from line {first}; values cannot span lines (write \\n inside double quotes)"
                    )
                }
                _ => why_not_assignment(line),
            };
            parsed.skipped.push(Skipped {
                origin: origin.to_owned(),
                line: index + 1,
                text: line.chars().take(80).collect(),
                reason,
            });
            continue;
        };
        for quote in ['"', '\''] {
            if value.starts_with(quote) && (value.len() < 2 || !value.ends_with(quote)) {
                open_quote = Some((key.to_owned(), index + 1, quote));
            }
        }
        parsed.vars.push(Var {
            key: key.to_owned(),
            value: unquote(value),
            line: index + 1,
        });
    }
    parsed
}

/// Reads and parses the `.env` file at `path`.
pub fn read(path: &Path) -> Result<Parsed, DotenvError> {
    let bytes = std::fs::read(path).map_err(|source| DotenvError::Read {
        path: path.to_owned(),
        source,
    })?;
    Ok(parse(
        &String::from_utf8_lossy(&bytes),
        &path.display().to_string(),
    ))
}

/// Why `line` (not blank, not a comment) is not an assignment.
fn why_not_assignment(line: &str) -> String {
    if line.starts_with([' ', '\t']) {
        return "leading whitespace; a variable must start at the beginning of the line".into();
    }
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start_matches([' ', '\t']),
        _ => line,
    };
    let Some(eq) = line.find('=') else {
        return "no `=`: expected KEY=value".into();
    };
    let key = &line[..eq];
    if key.is_empty() {
        return "no variable name before `=`".into();
    }
    if key.ends_with([' ', '\t']) {
        return "a space before `=`: write KEY=value".into();
    }
    format!("`{key}` is not a variable name: only ASCII letters, digits and `_`")
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
        let parsed = parse(line, ".env");
        assert_eq!(parsed.vars.len(), 1, "{line:?}");
        assert!(parsed.skipped.is_empty(), "{line:?}");
        (parsed.vars[0].key.clone(), parsed.vars[0].value.clone())
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
        let vars = parse("# c\n\n   \n  # indented\r\nA=1\r\nB=2", ".env").vars;
        let got: Vec<_> = vars
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str(), v.line))
            .collect();
        assert_eq!(got, [("A", "1", 5), ("B", "2", 6)]);
    }

    #[test]
    fn lines_foreman_ignores_are_skipped_with_file_line_and_reason_and_the_rest_applies() {
        let text =
            "OK=1\nA = b\n B=c\nA-B=c\nA.B=c\n\u{e9}t\u{e9}=x\njust words\n=x\nexport =x\nLAST=2\n";
        let parsed = parse(text, "app/.env");
        let vars: Vec<(&str, &str)> = parsed
            .vars
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(vars, [("OK", "1"), ("LAST", "2")]);
        let got: Vec<String> = parsed.skipped.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "app/.env:2: ignored `A = b`: a space before `=`: write KEY=value",
                "app/.env:3: ignored ` B=c`: leading whitespace; a variable must start at the beginning of the line",
                "app/.env:4: ignored `A-B=c`: `A-B` is not a variable name: only ASCII letters, digits and `_`",
                "app/.env:5: ignored `A.B=c`: `A.B` is not a variable name: only ASCII letters, digits and `_`",
                "app/.env:6: ignored `\u{e9}t\u{e9}=x`: `\u{e9}t\u{e9}` is not a variable name: only ASCII letters, digits and `_`",
                "app/.env:7: ignored `just words`: no `=`: expected KEY=value",
                "app/.env:8: ignored `=x`: no variable name before `=`",
                "app/.env:9: ignored `export =x`: no variable name before `=`",
            ]
        );
    }

    #[test]
    fn the_rest_of_a_multi_line_value_is_skipped_and_named() {
        let parsed = parse("KEY=\"-----BEGIN\nabc\ndef-----\"\nNEXT=1\n", ".env");
        let vars: Vec<(&str, &str)> = parsed
            .vars
            .iter()
            .map(|v| (v.key.as_str(), v.value.as_str()))
            .collect();
        // foreman's reading: the first line keeps its unbalanced quote.
        assert_eq!(vars, [("KEY", "\"-----BEGIN"), ("NEXT", "1")]);
        let lines: Vec<usize> = parsed.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, [2, 3]);
        assert!(
            parsed.skipped[1]
                .reason
                .starts_with("continues the value of `KEY` from line 1"),
            "{:?}",
            parsed.skipped
        );
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

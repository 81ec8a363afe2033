//! Quoting for the file formats the exporters write.

use std::fmt::Write as _;

/// A POSIX shell word: `'…'` with `'` written as `'\''`.
pub fn shell(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,+".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A YAML (and JSON) double-quoted string.
pub fn yaml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// XML character data.
pub fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A systemd unit-file argument in double quotes: `\` and `"` escaped, `%` specifiers and `$`
/// expansion disabled (`%%`, `$$`), newlines as `\n`.
pub fn systemd(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A systemd `Environment=` assignment in double quotes: like [`systemd`] but `$` is kept, as
/// systemd does not expand variables there.
pub fn systemd_env(s: &str) -> String {
    systemd(s).replace("$$", "$")
}

/// A path in a systemd unit (`WorkingDirectory=`, `EnvironmentFile=`): written bare, because
/// systemd takes the rest of the line as the path (quotes would become part of it), with `%`
/// doubled so that it is not read as a specifier.
pub fn systemd_path(s: &str) -> String {
    s.replace('%', "%%")
}

/// A value in a systemd `EnvironmentFile=`: single quotes (literal) when it has no `'`,
/// otherwise double quotes with `\`, `"`, `$` and `` ` `` escaped.
pub fn systemd_env_file(s: &str) -> String {
    if !s.contains('\'') {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A value in a docker compose `env_file:`, as compose's dotenv parser (compose-go
/// `dotenv/parser.go`) reads it, or `None` when that dialect cannot hold it.
///
/// Single quotes are literal up to the first `'` not after a backslash, so they hold any
/// value without `'` that does not end in `\`. Otherwise double quotes, with `\`, `"` and `$`
/// escaped and line breaks as `\n`/`\r`; the parser strips every `"` from both ends and ends
/// the value at the first `"` not after a backslash, so a value that ends in `\`, or has a
/// `'` and ends in `"`, cannot be written at all.
pub fn compose_env_file(s: &str) -> Option<String> {
    if !s.contains('\'') && !s.ends_with('\\') {
        return Some(format!("'{s}'"));
    }
    if s.ends_with(['"', '\\']) {
        return None;
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

/// A supervisord (Python `ConfigParser`) value: `%` doubled.
pub fn ini(s: &str) -> String {
    s.replace('%', "%%")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// compose-go's reading of one `KEY=<value>` value (`dotenv/parser.go`): the quoted
    /// string ends at the first quote not after a backslash, quotes are trimmed from both
    /// ends, and in double quotes `\n`/`\r` become line breaks, a backslash before anything
    /// but `$` is dropped, and `\$` is a literal `$`.
    fn compose_reads(written: &str) -> Option<String> {
        let q = written.chars().next()?;
        let bytes: Vec<char> = written.chars().collect();
        let end = (1..bytes.len()).find(|&i| bytes[i] == q && bytes[i - 1] != '\\')?;
        let inner: String = bytes[..end].iter().collect();
        let inner = inner.trim_matches(q).to_owned();
        if q == '\'' {
            return Some(inner);
        }
        let mut out = String::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().copied()) {
                ('\\', Some('n')) => {
                    out.push('\n');
                    chars.next();
                }
                ('\\', Some('r')) => {
                    out.push('\r');
                    chars.next();
                }
                ('\\', Some('$')) => {
                    out.push('$');
                    chars.next();
                }
                ('\\', Some(next)) => {
                    out.push(next);
                    chars.next();
                }
                (c, _) => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn compose_env_file_values_read_back_or_are_refused() {
        for v in [
            "plain",
            "",
            "say \"hi\" for $5",
            "it's $HOME",
            "it's \\n not a newline",
            "a\nb",
            "\"lead",
            "it's\r",
            "${X} and \\$ and $(y)",
        ] {
            let written = compose_env_file(v).unwrap();
            assert_eq!(
                compose_reads(&written).as_deref(),
                Some(v),
                "{v:?} as {written}"
            );
        }
        assert_eq!(compose_env_file("it's \""), None);
        assert_eq!(compose_env_file("it's \\"), None);
        assert_eq!(compose_env_file("ends\\"), None);
    }

    proptest::proptest! {
        /// Any value is either refused or read back unchanged by compose's rules, and only
        /// the values the documentation names are refused.
        #[test]
        fn property_test_compose_env_file_round_trips(v in "\\PC{0,20}|[ -~\n\r'\"\\\\$]{0,20}") {
            match compose_env_file(&v) {
                Some(written) => proptest::prop_assert_eq!(compose_reads(&written), Some(v)),
                None => proptest::prop_assert!(
                    v.ends_with('\\') || (v.contains('\'') && v.ends_with('"'))
                ),
            }
        }
    }

    #[test]
    fn shell_words_survive_quotes() {
        assert_eq!(shell("plain"), "plain");
        assert_eq!(shell("it's"), "'it'\\''s'");
        assert_eq!(shell(""), "''");
    }

    #[test]
    fn yaml_and_systemd_escape_what_they_must() {
        assert_eq!(yaml("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\u0001\"");
        assert_eq!(systemd("100% $HOME \"x\""), "\"100%% $$HOME \\\"x\\\"\"");
        assert_eq!(xml("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(ini("50%"), "50%%");
    }
}

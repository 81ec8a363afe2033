//! The Procfile: one `name: command` entry per line.
//!
//! The grammar is foreman's (`lib/foreman/procfile.rb`): after `\r\n` becomes `\n`, each line
//! is matched against `^([A-Za-z0-9_-]+):\s*(.+)$` and lines that do not match (comments,
//! blank lines, junk) are skipped. Unlike foreman, a name defined twice is an error naming both
//! lines: foreman runs both entries and looks up the last, which silently shadows the first.
//!
//! Skipped lines that are neither blank nor comments are kept in [`Procfile::skipped`] with the
//! reason they do not count (`worker python3 worker.py` has no colon, ` web: x` is indented,
//! `bad name: x` has a space in the name, `empty:` has no command), so that `herd check` can
//! list them; starting ignores them, as foreman does.

use std::fmt;
use std::path::{Path, PathBuf};

/// One `name: command` line of a Procfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The process type (`web`, `worker`), matching `[A-Za-z0-9_-]+`.
    pub name: String,
    /// The command, with leading whitespace removed and trailing text kept as written.
    pub command: String,
    /// 1-based line number in the file.
    pub line: usize,
}

/// A parsed Procfile: its entries in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Procfile {
    /// Entries in the order they appear; the index is what the PORT rule counts.
    pub entries: Vec<Entry>,
    /// Lines that are not entries, blank or comments: foreman skips them silently.
    pub skipped: Vec<Skipped>,
}

/// A Procfile line that foreman (and herd) skip, though it looks meant as an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// 1-based line number.
    pub line: usize,
    /// The line, shortened to 80 characters.
    pub text: String,
    /// Why it is not an entry.
    pub reason: &'static str,
}

/// Everything a Procfile holds, duplicates included (see [`Procfile::scan`]).
#[derive(Debug, Default)]
pub struct Scan {
    /// The entries, first definitions only, and the skipped lines.
    pub procfile: Procfile,
    /// One [`ProcfileError::Duplicate`] per repeated definition.
    pub duplicates: Vec<ProcfileError>,
}

/// Why a Procfile was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ProcfileError {
    /// The file could not be read. The OS error is said once, in the message (not also as
    /// the error's source, which would print it twice in a chain).
    #[error("{}: cannot read the Procfile: {cause}{}", path.display(),
        if cause.kind() == std::io::ErrorKind::NotFound {
            " (run herd in the app's folder, or name the file with -f/--procfile)"
        } else { "" })]
    Read {
        /// The Procfile's path.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// A process type is defined on two lines.
    #[error("{origin}:{second_line}: process type `{name}` is already defined on line {first_line}; names must be unique (rename or remove one)")]
    Duplicate {
        /// Where the text came from (a path or `<input>`).
        origin: String,
        /// The repeated name.
        name: String,
        /// Line of the first definition.
        first_line: usize,
        /// Line of the second definition.
        second_line: usize,
    },
}

impl Procfile {
    /// Parses Procfile text. `origin` names the input in errors (usually the path). The first
    /// repeated name is an error.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProcfileError> {
        let scan = Self::scan(text, origin);
        match scan.duplicates.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(scan.procfile),
        }
    }

    /// Parses Procfile text without stopping at a problem: every repeated name is reported
    /// and the first definition kept.
    pub fn scan(text: &str, origin: &str) -> Scan {
        // With a byte-order mark (Windows editors) foreman silently skips the first entry.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut scan = Scan::default();
        for (index, raw) in split_lines(text).enumerate() {
            let line = index + 1;
            let Some((name, command)) = parse_line(raw) else {
                if let Some(reason) = why_skipped(raw) {
                    scan.procfile.skipped.push(Skipped {
                        line,
                        text: raw.chars().take(80).collect(),
                        reason,
                    });
                }
                continue;
            };
            if let Some(first) = scan.procfile.entries.iter().find(|e| e.name == name) {
                scan.duplicates.push(ProcfileError::Duplicate {
                    origin: origin.to_owned(),
                    name: name.to_owned(),
                    first_line: first.line,
                    second_line: line,
                });
                continue;
            }
            scan.procfile.entries.push(Entry {
                name: name.to_owned(),
                command: command.to_owned(),
                line,
            });
        }
        scan
    }

    /// Reads and parses the Procfile at `path`.
    pub fn read(path: &Path) -> Result<Self, ProcfileError> {
        let text = read_text(path)?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Reads and scans the Procfile at `path` (see [`Procfile::scan`]).
    pub fn read_scan(path: &Path) -> Result<Scan, ProcfileError> {
        let text = read_text(path)?;
        Ok(Self::scan(&text, &path.display().to_string()))
    }

    /// The entry named `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// The position of `name` among all entries (what the PORT rule multiplies by 100).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.name == name)
    }

    /// Entry names in file order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }
}

impl fmt::Display for Procfile {
    /// Writes the Procfile back in canonical `name: command` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.entries {
            writeln!(f, "{}: {}", e.name, e.command)?;
        }
        Ok(())
    }
}

fn read_text(path: &Path) -> Result<String, ProcfileError> {
    let bytes = std::fs::read(path).map_err(|cause| ProcfileError::Read {
        path: path.to_owned(),
        cause,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Why a line that is not an entry was skipped, or `None` for blank lines and comments.
fn why_skipped(line: &str) -> Option<&'static str> {
    let trimmed = line.trim_matches([' ', '\t', '\r', '\x0c', '\x0b']);
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
        return None;
    }
    if line.starts_with([' ', '\t']) {
        return Some("indented: an entry must start at the beginning of the line");
    }
    let Some((name, command)) = line.split_once(':') else {
        return Some("no `:` after the process name");
    };
    let valid = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    if name.is_empty() {
        return Some("no process name before the `:`");
    }
    if !name.bytes().all(valid) {
        return Some("a process name may only hold ASCII letters, digits, `_` and `-`");
    }
    if command.is_empty() {
        return Some("no command after the `:`");
    }
    Some("not a `name: command` entry")
}

/// Splits like foreman: `\r\n` → `\n`, then on `\n`. A lone `\r` stays part of the line.
fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Matches `^([A-Za-z0-9_-]+):\s*(.+)$` on one line (no newline inside).
fn parse_line(line: &str) -> Option<(&str, &str)> {
    let name_len = line
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        .count();
    if name_len == 0 || line.as_bytes().get(name_len) != Some(&b':') {
        return None;
    }
    let name = &line[..name_len];
    // Ruby's `\s` is [ \t\r\n\f\v]; `\s*` is greedy but must leave `.+` at least one character.
    let rest = &line[name_len + 1..];
    let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\x0c', '\x0b']);
    let command = if trimmed.is_empty() {
        // `\s*` backtracks so that `.+` takes the last whitespace character.
        if rest.is_empty() {
            return None;
        }
        &rest[rest.len() - 1..]
    } else {
        trimmed
    };
    Some((name, command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn names(text: &str) -> Vec<(String, String, usize)> {
        Procfile::parse(text, "Procfile")
            .unwrap()
            .entries
            .into_iter()
            .map(|e| (e.name, e.command, e.line))
            .collect()
    }

    #[test]
    fn entries_keep_file_order_and_line_numbers() {
        let got = names("web: bundle exec puma\n\n# comment\nworker:   sidekiq -q a\n");
        assert_eq!(
            got,
            vec![
                ("web".into(), "bundle exec puma".into(), 1),
                ("worker".into(), "sidekiq -q a".into(), 4)
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_the_first_entry() {
        assert_eq!(names("\u{feff}web: a\n")[0].0, "web");
    }

    #[test]
    fn crlf_line_endings_are_accepted() {
        let got = names("web: a\r\nworker: b\r\n");
        assert_eq!(got[0].1, "a");
        assert_eq!(got[1].1, "b");
    }

    #[test]
    fn lines_that_do_not_match_are_ignored() {
        for junk in [
            "# web: x", " web: x", "web x", "web:", "we.b: x", "web :x", "", "Ω: x",
        ] {
            assert!(names(junk).is_empty(), "{junk:?} should be ignored");
        }
    }

    #[test]
    fn skipped_lines_are_kept_with_their_reason_but_comments_and_blanks_are_not() {
        let p = Procfile::parse(
            "web: a\nworker python3 worker.py\n  clock: b\nbad name: x\nempty:\n# c\n\n  \n:x\n",
            "P",
        )
        .unwrap();
        let got: Vec<(usize, &str)> = p.skipped.iter().map(|s| (s.line, s.reason)).collect();
        assert_eq!(
            got,
            [
                (2, "no `:` after the process name"),
                (
                    3,
                    "indented: an entry must start at the beginning of the line"
                ),
                (
                    4,
                    "a process name may only hold ASCII letters, digits, `_` and `-`"
                ),
                (5, "no command after the `:`"),
                (9, "no process name before the `:`"),
            ]
        );
        assert_eq!(p.skipped[0].text, "worker python3 worker.py");
        assert_eq!(p.names(), ["web"]);
    }

    #[test]
    fn scan_reports_every_duplicate_and_keeps_the_first() {
        let scan = Procfile::scan("web: a\nweb: b\nx: c\nweb: d\nx: e\n", "P");
        assert_eq!(scan.duplicates.len(), 3);
        assert_eq!(scan.procfile.get("web").unwrap().command, "a");
        assert!(scan.duplicates[2]
            .to_string()
            .starts_with("P:5: process type `x`"));
    }

    #[test]
    fn no_space_after_colon_is_fine_and_dashes_underscores_digits_allowed() {
        let got = names("my-web_2:cmd\n");
        assert_eq!(got, vec![("my-web_2".into(), "cmd".into(), 1)]);
    }

    #[test]
    fn trailing_text_and_inline_hashes_are_part_of_the_command() {
        let got = names("web: echo a # b  \n");
        assert_eq!(got[0].1, "echo a # b  ");
    }

    #[test]
    fn whitespace_only_command_keeps_one_character_like_the_regex() {
        assert_eq!(names("web:  \n")[0].1, " ");
    }

    #[test]
    fn duplicate_names_are_an_error_naming_both_lines() {
        let err = Procfile::parse("web: a\nworker: b\nweb: c\n", "app/Procfile").unwrap_err();
        assert_eq!(
            err.to_string(),
            "app/Procfile:3: process type `web` is already defined on line 1; names must be unique (rename or remove one)"
        );
    }

    #[test]
    fn index_counts_every_entry() {
        let p = Procfile::parse("web: a\nworker: b\n", "P").unwrap();
        assert_eq!(p.index_of("worker"), Some(1));
        assert_eq!(p.get("web").unwrap().command, "a");
        assert_eq!(p.names(), ["web", "worker"]);
    }

    #[test]
    fn display_round_trips() {
        let p = Procfile::parse("web: a b\r\nx:c\n", "P").unwrap();
        let again = Procfile::parse(&p.to_string(), "P").unwrap();
        assert_eq!(
            p.entries
                .iter()
                .map(|e| (&e.name, &e.command))
                .collect::<Vec<_>>(),
            again
                .entries
                .iter()
                .map(|e| (&e.name, &e.command))
                .collect::<Vec<_>>()
        );
    }
}

//! The Procfile: one `name: command` entry per line.
//!
//! The grammar is foreman's (`lib/foreman/procfile.rb`): after `\r\n` becomes `\n`, each line
//! is matched against `^([A-Za-z0-9_-]+):\s*(.+)$` and lines that do not match (comments,
//! blank lines, junk) are skipped. Unlike foreman, a name defined twice is an error naming both
//! lines: foreman runs both entries and looks up the last, which silently shadows the first.

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
}

/// Why a Procfile was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ProcfileError {
    /// The file could not be read.
    #[error("{}: cannot read the Procfile: {source}", path.display())]
    Read {
        /// The Procfile's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
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
    /// Parses Procfile text. `origin` names the input in errors (usually the path).
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProcfileError> {
        // With a byte-order mark (Windows editors) foreman silently skips the first entry.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut entries: Vec<Entry> = Vec::new();
        for (index, raw) in split_lines(text).enumerate() {
            let Some((name, command)) = parse_line(raw) else {
                continue;
            };
            let line = index + 1;
            if let Some(first) = entries.iter().find(|e| e.name == name) {
                return Err(ProcfileError::Duplicate {
                    origin: origin.to_owned(),
                    name: name.to_owned(),
                    first_line: first.line,
                    second_line: line,
                });
            }
            entries.push(Entry {
                name: name.to_owned(),
                command: command.to_owned(),
                line,
            });
        }
        Ok(Self { entries })
    }

    /// Reads and parses the Procfile at `path`.
    pub fn read(path: &Path) -> Result<Self, ProcfileError> {
        let bytes = std::fs::read(path).map_err(|source| ProcfileError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(
            &String::from_utf8_lossy(&bytes),
            &path.display().to_string(),
        )
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

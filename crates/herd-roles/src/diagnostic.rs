//! Positions and warnings. A warning names the file, line and column and the construct, and
//! never stops the load: the role is still drawn with what was understood.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// What a diagnostic is about. Parse warnings (`Syntax`, `Unsupported`, `Invalid`) mean part of a
/// file was not understood; the others are findings about a file that was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The text is not valid JSON or Ruby.
    Syntax,
    /// Valid Ruby that a static reader does not evaluate (blocks, method calls, control flow).
    Unsupported,
    /// A value Chef would reject (a non-hash attribute, a bad name).
    Invalid,
    /// A run-list item Chef rejects (`Role[cache]`, `roles[x]`): Chef refuses to load the file.
    InvalidItem,
    /// A role file whose `name` differs from its file name.
    NameMismatch,
    /// Valid, but Chef does something users rarely expect (an empty env run list).
    Trap,
    /// Two files define the same role, node or environment.
    Duplicate,
    /// A file could not be read, or was skipped (too large, a symlinked folder).
    Io,
}

impl Kind {
    /// Whether this diagnostic means part of a file was not understood.
    pub fn is_parse_warning(self) -> bool {
        matches!(
            self,
            Kind::Syntax | Kind::Unsupported | Kind::Invalid | Kind::InvalidItem
        )
    }
}

/// A warning about one place in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The file.
    pub file: PathBuf,
    /// Where in the file, when known.
    pub pos: Option<Pos>,
    /// What kind of problem this is.
    pub kind: Kind,
    /// The message, naming the construct.
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic at `pos` in `file`.
    pub fn new(file: &Path, pos: Option<Pos>, kind: Kind, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            pos,
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(pos) = self.pos {
            write!(f, ":{pos}")?;
        }
        write!(f, ": warning: {}", self.message)
    }
}

/// A warning inside a text whose file is not known yet (the parsers work on text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Where.
    pub pos: Pos,
    /// What kind.
    pub kind: Kind,
    /// The message.
    pub message: String,
}

impl Warning {
    /// Attaches the file name.
    pub fn in_file(self, file: &Path) -> Diagnostic {
        Diagnostic::new(file, Some(self.pos), self.kind, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_reads_file_line_col_warning_message() {
        let d = Diagnostic::new(
            Path::new("roles/web.rb"),
            Some(Pos { line: 3, col: 7 }),
            Kind::Unsupported,
            "method call `.map` is not evaluated",
        );
        assert_eq!(
            d.to_string(),
            "roles/web.rb:3:7: warning: method call `.map` is not evaluated"
        );
    }
}

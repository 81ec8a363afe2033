//! Errors: a parse error names the column and what was expected and shows the query with a
//! caret; an evaluation error names the part of the query at fault.

use crate::ast::Span;

/// A query that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The query text.
    pub query: String,
    /// Byte offset of the fault.
    pub offset: usize,
    /// 1-based column (in characters) of the fault.
    pub column: usize,
    /// What the parser wanted there, e.g. "`}` closing the scope".
    pub expected: String,
    /// What it found, e.g. "`)`" or "the end of the query".
    pub found: String,
}

impl ParseError {
    pub(crate) fn new(query: &str, offset: usize, expected: impl Into<String>) -> Self {
        let offset = offset.min(query.len());
        let found = match query[offset..].chars().next() {
            None => "the end of the query".to_string(),
            Some(c) => format!("`{c}`"),
        };
        ParseError {
            query: query.to_string(),
            offset,
            column: query[..offset].chars().count() + 1,
            expected: expected.into(),
            found,
        }
    }

    /// The query on one line and a caret under the column, for terminals and JSON errors.
    pub fn caret(&self) -> String {
        let line: String = self
            .query
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("  {line}\n  {}^", " ".repeat(self.column - 1))
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "query column {}: expected {}, found {}\n{}",
            self.column,
            self.expected,
            self.found,
            self.caret()
        )
    }
}

impl std::error::Error for ParseError {}

/// Why a query could not be answered.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryError {
    /// The text is not a query.
    Parse(ParseError),
    /// `from` is not before `to`, or a time is beyond [`crate::MAX_TIME_MS`] either side of
    /// 1970.
    Range {
        /// Start, Unix milliseconds.
        from_ms: i64,
        /// End, Unix milliseconds.
        to_ms: i64,
    },
    /// The query parses but cannot be evaluated (e.g. `p99` on a gauge).
    Invalid {
        /// The query text.
        query: String,
        /// The part at fault.
        span: Span,
        /// What is wrong.
        message: String,
    },
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::Parse(e) => e.fmt(f),
            QueryError::Range { from_ms, to_ms } if from_ms >= to_ms => write!(
                f,
                "the time range is empty: from ({from_ms} ms) must be before to ({to_ms} ms)"
            ),
            QueryError::Range { from_ms, to_ms } => write!(
                f,
                "the time range {from_ms}..{to_ms} ms reaches beyond {} ms either side of 1970",
                crate::MAX_TIME_MS
            ),
            QueryError::Invalid {
                query,
                span,
                message,
            } => {
                let start = span.start.min(query.len());
                let end = span.end.clamp(start, query.len());
                write!(
                    f,
                    "query column {}: {message} (at `{}`)",
                    query[..start].chars().count() + 1,
                    &query[start..end]
                )
            }
        }
    }
}

impl std::error::Error for QueryError {}

impl From<ParseError> for QueryError {
    fn from(e: ParseError) -> Self {
        QueryError::Parse(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_sits_under_the_column_counting_characters() {
        let e = ParseError::new("avg:é{x)", 8, "`}`");
        assert_eq!(e.column, 8);
        assert_eq!(e.found, "`)`");
        assert_eq!(
            e.to_string(),
            "query column 8: expected `}`, found `)`\n  avg:é{x)\n         ^"
        );
    }
}

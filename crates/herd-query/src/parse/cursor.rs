//! A position in the query text and the small steps the parser takes over it.

use crate::ast::Span;
use crate::error::ParseError;

/// The query text and the parser's byte position in it.
pub(crate) struct Cursor<'a> {
    pub(crate) src: &'a str,
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Cursor { src, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(crate) fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// Skips whitespace; consumes `c` if it is next.
    pub(crate) fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Skips whitespace; consumes `c` or fails naming `what`.
    pub(crate) fn expect(&mut self, c: char, what: &str) -> Result<(), ParseError> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    /// Consumes the longest run of characters passing `f` (maybe empty).
    pub(crate) fn take_while(&mut self, f: impl Fn(char) -> bool) -> (&'a str, Span) {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.bump();
        }
        (&self.src[start..self.pos], Span::new(start, self.pos))
    }

    /// Skips whitespace; reads a word of letters, digits, `_` and `.`.
    pub(crate) fn word(&mut self) -> (&'a str, Span) {
        self.skip_ws();
        self.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    }

    /// Skips whitespace; reads an unsigned integer.
    pub(crate) fn integer(&mut self, what: &str) -> Result<(u64, Span), ParseError> {
        self.skip_ws();
        let (digits, span) = self.take_while(|c| c.is_ascii_digit());
        match digits.parse() {
            Ok(n) => Ok((n, span)),
            Err(_) if digits.is_empty() => Err(self.err(what)),
            Err(_) => Err(self.err_at(span.start, format!("{what} (at most 20 digits)"))),
        }
    }

    /// Skips whitespace; reads an integer with an optional sign.
    pub(crate) fn signed(&mut self, what: &str) -> Result<i64, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let negative = self.eat('-') || {
            self.eat('+');
            false
        };
        let (n, _) = self.integer(what)?;
        let n = i64::try_from(n).map_err(|_| self.err_at(start, format!("{what} in range")))?;
        Ok(if negative { -n } else { n })
    }

    /// Skips whitespace; reads `'text'` or `"text"`.
    pub(crate) fn string(&mut self, what: &str) -> Result<(&'a str, Span), ParseError> {
        self.skip_ws();
        let start = self.pos;
        let Some(quote @ ('\'' | '"')) = self.peek() else {
            return Err(self.err(what));
        };
        self.bump();
        let (text, _) = self.take_while(|c| c != quote);
        if self.bump() != Some(quote) {
            return Err(self.err(format!("`{quote}` closing the string")));
        }
        Ok((text, Span::new(start, self.pos)))
    }

    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos == self.src.len()
    }

    /// An error at the current position.
    pub(crate) fn err(&self, expected: impl Into<String>) -> ParseError {
        ParseError::new(self.src, self.pos, expected)
    }

    /// An error at byte `offset`.
    pub(crate) fn err_at(&self, offset: usize, expected: impl Into<String>) -> ParseError {
        ParseError::new(self.src, offset, expected)
    }
}

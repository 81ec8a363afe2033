//! The hand-written parser: text → [`QueryList`], with spans, or a [`ParseError`] naming the
//! column and what was expected there.
//!
//! ```text
//! list    := expr (',' expr)*
//! expr    := term (('+' | '-') term)*
//! term    := unary (('*' | '/') unary)*
//! unary   := '-' unary | primary
//! primary := number | '(' expr ')' | func '(' expr [',' args] ')' | query
//! query   := agg ':' metric '{' scope '}' ['by' '{' key (',' key)* '}'] ('.' method '(' args ')')*
//! ```

mod cursor;
mod expr;
pub(crate) mod query;
mod scope;

use crate::ast::{Expr, QueryList};
use crate::error::ParseError;
use cursor::Cursor;

/// Deepest nesting of parentheses and functions accepted (bounds the parser's stack).
pub const MAX_DEPTH: usize = 64;

/// Longest query text accepted, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

pub(crate) struct Parser<'a> {
    c: Cursor<'a>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            c: Cursor::new(src),
            depth: 0,
        }
    }

    /// Enters one level of nesting, failing past [`MAX_DEPTH`].
    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.c.err(format!("at most {MAX_DEPTH} levels of nesting")));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }
}

/// Parses one or more comma-separated expressions.
pub fn parse(src: &str) -> Result<QueryList, ParseError> {
    if src.len() > MAX_LEN {
        return Err(ParseError::new(
            src,
            MAX_LEN,
            format!("a query of at most {MAX_LEN} bytes"),
        ));
    }
    let mut p = Parser::new(src);
    let mut exprs = vec![p.expr()?];
    while p.c.eat(',') {
        exprs.push(p.expr()?);
    }
    if !p.c.at_end() {
        return Err(p
            .c
            .err("an operator (`+ - * /`), `,` or the end of the query"));
    }
    Ok(QueryList { exprs })
}

/// Parses exactly one expression.
pub fn parse_expr(src: &str) -> Result<Expr, ParseError> {
    let mut list = parse(src)?;
    if list.exprs.len() > 1 {
        let at = list.exprs[1].span().start;
        return Err(ParseError::new(src, at, "one expression, not a list"));
    }
    Ok(list.exprs.remove(0))
}

//! The scope grammar, inside `{…}`:
//!
//! ```text
//! scope := '*' | or
//! or    := and ('OR' and)*
//! and   := unary (('AND' | ',') unary)*
//! unary := '!' tag | 'NOT' unary | '(' or ')' | tag | key ['NOT'] 'IN' '(' value (',' value)* ')'
//! ```
//! The comma form and the boolean keywords are not mixed in one scope, as in Datadog.

use super::Parser;
use crate::ast::Span;
use crate::error::ParseError;
use crate::scope::{Scope, TagPattern};

/// A character of a tag, a tag pattern or a value: anything but whitespace, control
/// characters and the scope's own punctuation `{ } ( ) , ! ' "`, so that raw DogStatsD tags
/// (`version:1.2+b7`, `path:/a?b=c`) can be written as they were sent.
pub(crate) fn is_tag_char(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '{' | '}' | '(' | ')' | ',' | '!' | '\'' | '"'))
}

const KEYWORDS: [&str; 4] = ["AND", "OR", "NOT", "IN"];

/// Where each style was first seen.
#[derive(Default)]
struct Styles {
    comma: Option<usize>,
    keyword: Option<usize>,
}

impl Parser<'_> {
    pub(super) fn scope(&mut self) -> Result<Scope, ParseError> {
        let mut styles = Styles::default();
        let s = self.scope_or(&mut styles)?;
        if let (Some(a), Some(b)) = (styles.comma, styles.keyword) {
            return Err(self.c.err_at(
                a.max(b),
                "one style per scope: commas or the keywords AND, OR, NOT, IN, not both",
            ));
        }
        Ok(s)
    }

    /// The next tag-character word, not consumed.
    fn peek_token(&mut self) -> &str {
        self.c.skip_ws();
        let rest = &self.c.src[self.c.pos..];
        let end = rest.find(|c| !is_tag_char(c)).unwrap_or(rest.len());
        &rest[..end]
    }

    /// Consumes `keyword` if it is the next token.
    fn eat_keyword(&mut self, keyword: &str, styles: &mut Styles) -> bool {
        if self.peek_token() == keyword {
            styles.keyword.get_or_insert(self.c.pos);
            self.c.pos += keyword.len();
            true
        } else {
            false
        }
    }

    fn scope_or(&mut self, styles: &mut Styles) -> Result<Scope, ParseError> {
        let mut parts = vec![self.scope_and(styles)?];
        while self.eat_keyword("OR", styles) {
            parts.push(self.scope_and(styles)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Scope::Or(parts)
        })
    }

    fn scope_and(&mut self, styles: &mut Styles) -> Result<Scope, ParseError> {
        let mut parts = vec![self.scope_unary(styles)?];
        loop {
            self.c.skip_ws();
            if self.c.peek() == Some(',') {
                styles.comma.get_or_insert(self.c.pos);
                self.c.bump();
            } else if !self.eat_keyword("AND", styles) {
                break;
            }
            parts.push(self.scope_unary(styles)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Scope::And(parts)
        })
    }

    fn scope_unary(&mut self, styles: &mut Styles) -> Result<Scope, ParseError> {
        self.c.skip_ws();
        match self.c.peek() {
            Some('!') => {
                self.c.bump();
                let (text, span) = self.c.take_while(is_tag_char);
                if text.is_empty() || KEYWORDS.contains(&text) {
                    return Err(self
                        .c
                        .err_at(span.start, "a tag after `!`, e.g. `!env:prod`"));
                }
                Ok(Scope::Not(Box::new(pattern(text, span))))
            }
            Some('(') => {
                self.c.bump();
                self.enter()?;
                let s = self.scope_or(styles)?;
                self.leave();
                self.c
                    .expect(')', "`)` closing the parenthesis in the scope")?;
                Ok(s)
            }
            _ if self.eat_keyword("NOT", styles) => {
                self.enter()?;
                let s = self.scope_unary(styles)?;
                self.leave();
                Ok(Scope::Not(Box::new(s)))
            }
            _ => self.scope_tag(styles),
        }
    }

    /// A tag pattern, or `key [NOT] IN (values)`.
    fn scope_tag(&mut self, styles: &mut Styles) -> Result<Scope, ParseError> {
        self.c.skip_ws();
        let (text, span) = self.c.take_while(is_tag_char);
        if text.is_empty() || KEYWORDS.contains(&text) {
            return Err(self.c.err_at(
                span.start,
                "a tag (`key:value`, `tag`, `env:prod-*`), `!tag`, `NOT`, `(` or `*`",
            ));
        }
        let mark = self.c.pos;
        let negated = self.eat_keyword("NOT", styles);
        if !self.eat_keyword("IN", styles) {
            if negated {
                return Err(self.c.err("`IN` after `key NOT`"));
            }
            self.c.pos = mark;
            return Ok(pattern(text, span));
        }
        if text.contains([':', '*']) {
            return Err(self
                .c
                .err_at(span.start, "a plain tag key before `IN` (no `:` or `*`)"));
        }
        self.c
            .expect('(', "`(` opening the list of values after `IN`")?;
        let mut values = Vec::new();
        loop {
            self.c.skip_ws();
            let (v, _) = self.c.take_while(is_tag_char);
            if v.is_empty() {
                return Err(self.c.err("a tag value in the `IN` list"));
            }
            values.push(v.to_string());
            if self.c.eat(')') {
                break;
            }
            self.c.expect(',', "`,` or `)` in the `IN` list")?;
        }
        Ok(Scope::In {
            key: text.to_string(),
            values,
            negated,
            span,
        })
    }
}

/// `*` alone is everything; anything else is a tag pattern.
fn pattern(text: &str, span: Span) -> Scope {
    if text == "*" {
        Scope::All
    } else {
        Scope::Tag(TagPattern {
            text: text.to_string(),
            span,
        })
    }
}

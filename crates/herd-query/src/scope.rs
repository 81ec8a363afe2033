//! Scopes (`{env:prod,!host:a}`, `{env IN (a, b) AND NOT canary}`): which series a query
//! reads, matched against a series' tags and host.

use crate::ast::Span;

/// A filter over a series' tags. The host of a series counts as a `host:<host>` tag.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// `*`: every series.
    All,
    /// `key:value`, a bare `tag`, or a pattern with `*` wildcards (`env:prod-*`, `*-east`).
    Tag(TagPattern),
    /// `!filter` or `NOT filter`.
    Not(Box<Scope>),
    /// `a,b` or `a AND b` (two or more parts).
    And(Vec<Scope>),
    /// `a OR b` (two or more parts).
    Or(Vec<Scope>),
    /// `key IN (v1, v2)` or `key NOT IN (v1, v2)`; values may hold wildcards.
    In {
        /// The tag key.
        key: String,
        /// The values (one or more).
        values: Vec<String>,
        /// `NOT IN`.
        negated: bool,
        /// Where the key is.
        span: Span,
    },
}

/// One tag pattern; `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq)]
pub struct TagPattern {
    /// The pattern as written.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

impl TagPattern {
    /// A pattern with an empty span.
    pub fn new(text: impl Into<String>) -> Self {
        TagPattern {
            text: text.into(),
            span: Span::default(),
        }
    }
}

impl Scope {
    /// True when a series with these tags and host passes the filter.
    pub fn matches(&self, tags: &[String], host: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Tag(p) => any_tag(tags, host, |t| glob(&p.text, t)),
            Scope::Not(s) => !s.matches(tags, host),
            Scope::And(parts) => parts.iter().all(|s| s.matches(tags, host)),
            Scope::Or(parts) => parts.iter().any(|s| s.matches(tags, host)),
            Scope::In {
                key,
                values,
                negated,
                ..
            } => {
                let found = any_tag(tags, host, |t| {
                    t.strip_prefix(key.as_str())
                        .and_then(|rest| rest.strip_prefix(':'))
                        .is_some_and(|v| values.iter().any(|p| glob(p, v)))
                });
                found != *negated
            }
        }
    }

    /// Sets every span to `0..0`.
    pub fn clear_spans(&mut self) {
        match self {
            Scope::All => {}
            Scope::Tag(p) => p.span = Span::default(),
            Scope::Not(s) => s.clear_spans(),
            Scope::And(parts) | Scope::Or(parts) => parts.iter_mut().for_each(Scope::clear_spans),
            Scope::In { span, .. } => *span = Span::default(),
        }
    }

    /// A tag or a negated tag: what the comma form is made of.
    fn is_simple(&self) -> bool {
        match self {
            Scope::Tag(_) => true,
            Scope::Not(s) => matches!(**s, Scope::Tag(_)),
            _ => false,
        }
    }

    /// Writes a part of a larger filter: `And` and `Or` get parentheses.
    fn fmt_part(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::And(_) | Scope::Or(_) | Scope::All => write!(f, "({})", Keywords(self)),
            _ => write!(f, "{}", Keywords(self)),
        }
    }
}

/// Writes a scope with keywords (`AND`), never commas, so it nests.
struct Keywords<'a>(&'a Scope);

impl std::fmt::Display for Keywords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Scope::All => f.write_str("*"),
            Scope::Tag(p) => f.write_str(&p.text),
            Scope::Not(s) => match &**s {
                Scope::Tag(p) => write!(f, "!{}", p.text),
                s => write!(f, "NOT ({})", Keywords(s)),
            },
            Scope::And(parts) | Scope::Or(parts) => {
                let sep = if matches!(self.0, Scope::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                for (i, s) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    s.fmt_part(f)?;
                }
                Ok(())
            }
            Scope::In {
                key,
                values,
                negated,
                ..
            } => {
                write!(f, "{key} {}IN (", if *negated { "NOT " } else { "" })?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(v)?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The scope as written inside `{…}`: the comma form when it is a list of (negated) tags,
/// the boolean form otherwise.
impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::And(parts) if parts.iter().all(Scope::is_simple) => {
                for (i, s) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}", Keywords(s))?;
                }
                Ok(())
            }
            s => write!(f, "{}", Keywords(s)),
        }
    }
}

/// Calls `f` on each tag, then on `host:<host>` when there is a host.
fn any_tag(tags: &[String], host: &str, mut f: impl FnMut(&str) -> bool) -> bool {
    if tags.iter().any(|t| f(t)) {
        return true;
    }
    if host.is_empty() {
        return false;
    }
    let mut h = String::with_capacity(5 + host.len());
    h.push_str("host:");
    h.push_str(host);
    f(&h)
}

/// `pattern` matches all of `text`; `*` matches any run of characters (also empty).
pub fn glob(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut text) = text.strip_prefix(first) else {
        return false;
    };
    let mut pieces: Vec<&str> = rest.split('*').collect();
    let last = pieces.pop().unwrap_or("");
    for piece in pieces {
        match text.find(piece) {
            Some(i) => text = &text[i + piece.len()..],
            None => return false,
        }
    }
    text.len() >= last.len() && text.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_handles_prefix_suffix_and_middle_wildcards() {
        assert!(glob("env:prod-*", "env:prod-eu"));
        assert!(glob("env:prod-*", "env:prod-"));
        assert!(!glob("env:prod-*", "env:staging"));
        assert!(glob("*-east", "region:us-east"));
        assert!(!glob("*-east", "region:us-west"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
        assert!(glob("*", ""));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }

    #[test]
    fn the_host_matches_host_filters() {
        let tags = vec!["env:prod".to_string()];
        let host = Scope::Tag(TagPattern::new("host:web-1"));
        assert!(host.matches(&tags, "web-1"));
        assert!(!host.matches(&tags, "web-2"));
        assert!(!host.matches(&tags, ""));
        let within = Scope::In {
            key: "host".into(),
            values: vec!["web-*".into()],
            negated: false,
            span: Span::default(),
        };
        assert!(within.matches(&tags, "web-7"));
        assert!(!within.matches(&tags, "db-1"));
    }
}

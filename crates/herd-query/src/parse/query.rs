//! One metric query: `agg:metric{scope} by {keys}` and its methods.

use super::Parser;
use crate::ast::{Expr, Fill, FillMode, MetricQuery, Modifier, Rollup, SpaceAgg, Span, TimeAgg};
use crate::error::ParseError;
use crate::scope::Scope;

/// Longest `.rollup` interval, in seconds: ten years of 365 days.
pub const MAX_ROLLUP_S: u64 = 10 * 365 * 86_400;

/// Longest `.fill` limit, in seconds (Datadog's).
pub const MAX_FILL_LIMIT: u64 = 600;

const AGGREGATORS: &str =
    "a space aggregator: avg, sum, min, max, count or a percentile (p50, p99.9)";

/// A tag key in `by {…}`.
pub(crate) fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '@')
}

impl Parser<'_> {
    /// The rest of a metric query; `agg` has been read and the cursor is on `:`.
    pub(super) fn metric_query(&mut self, agg: &str, agg_span: Span) -> Result<Expr, ParseError> {
        let agg = space_agg(agg).ok_or_else(|| self.c.err_at(agg_span.start, AGGREGATORS))?;
        self.c.bump();
        let (metric, span) = self
            .c
            .take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if !metric.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return Err(self.c.err_at(
                span.start,
                "a metric name (a letter, then letters, digits, `_` or `.`)",
            ));
        }
        self.c.expect('{', "`{` opening the scope, e.g. `{*}`")?;
        let scope = self.scope()?;
        self.c.expect('}', "`}` closing the scope")?;
        let mut q = MetricQuery {
            agg,
            metric: metric.to_string(),
            scope,
            group_by: Vec::new(),
            modifier: None,
            rollup: None,
            fill: None,
            span: Span::default(),
        };
        self.group_by(&mut q)?;
        while self.c.eat('.') {
            self.method(&mut q)?;
        }
        q.span = Span::new(agg_span.start, self.c.pos);
        Ok(Expr::Query(Box::new(q)))
    }

    /// ` by {k1, k2}`, if present.
    fn group_by(&mut self, q: &mut MetricQuery) -> Result<(), ParseError> {
        let mark = self.c.pos;
        self.c.skip_ws();
        let rest = &self.c.src[self.c.pos..];
        let is_by = rest.starts_with("by")
            && rest[2..].starts_with(|c: char| c.is_whitespace() || c == '{');
        if !is_by {
            self.c.pos = mark;
            return Ok(());
        }
        self.c.pos += 2;
        self.c
            .expect('{', "`{` opening the group-by keys, e.g. `by {host}`")?;
        loop {
            self.c.skip_ws();
            let (key, _) = self.c.take_while(is_key_char);
            if key.is_empty() {
                return Err(self.c.err("a tag key to group by"));
            }
            q.group_by.push(key.to_string());
            if self.c.eat('}') {
                return Ok(());
            }
            self.c.expect(',', "`,` or `}` after a group-by key")?;
        }
    }

    /// One `.name(args)`; the `.` has been read.
    fn method(&mut self, q: &mut MetricQuery) -> Result<(), ParseError> {
        let (name, span) = self.c.word();
        let once = |p: &Self, taken: bool| {
            if taken {
                Err(p.c.err_at(span.start, format!("no second `.{name}()`")))
            } else {
                Ok(())
            }
        };
        let unknown = "a method: rollup, as_count, as_rate or fill";
        if !matches!(name, "rollup" | "as_count" | "as_rate" | "fill") {
            return Err(self.c.err_at(span.start, unknown));
        }
        self.c.expect('(', "`(` after the method name")?;
        match name {
            "as_count" | "as_rate" => {
                once(self, q.modifier.is_some())?;
                q.modifier = Some(if name == "as_count" {
                    Modifier::AsCount
                } else {
                    Modifier::AsRate
                });
            }
            "rollup" => {
                once(self, q.rollup.is_some())?;
                let (agg, aspan) = self.c.word();
                let agg = time_agg(agg).ok_or_else(|| {
                    self.c.err_at(
                        aspan.start,
                        "a rollup aggregator: avg, sum, min, max or count",
                    )
                })?;
                let seconds = if self.c.eat(',') {
                    let (n, nspan) = self.c.integer("the rollup interval in seconds")?;
                    if n == 0 || n > MAX_ROLLUP_S {
                        return Err(self.c.err_at(
                            nspan.start,
                            format!("an interval from 1 to {MAX_ROLLUP_S} s (10 years)"),
                        ));
                    }
                    Some(n)
                } else {
                    None
                };
                q.rollup = Some(Rollup { agg, seconds });
            }
            _ => {
                once(self, q.fill.is_some())?;
                let (mode, mspan) = self.c.word();
                let mode = match mode {
                    "null" => FillMode::Null,
                    "zero" => FillMode::Zero,
                    "last" => FillMode::Last,
                    "linear" => FillMode::Linear,
                    _ => {
                        return Err(self
                            .c
                            .err_at(mspan.start, "a fill mode: null, zero, last or linear"))
                    }
                };
                let limit = if self.c.eat(',') {
                    let (n, nspan) = self.c.integer("the fill limit in seconds")?;
                    if n > MAX_FILL_LIMIT {
                        return Err(self.c.err_at(
                            nspan.start,
                            format!("a fill limit of at most {MAX_FILL_LIMIT} s"),
                        ));
                    }
                    Some(n)
                } else {
                    None
                };
                q.fill = Some(Fill { mode, limit });
            }
        }
        self.c.expect(')', "`)` closing the method")
    }
}

/// `avg`, `p99.9`, …
fn space_agg(word: &str) -> Option<SpaceAgg> {
    Some(match word {
        "avg" => SpaceAgg::Avg,
        "sum" => SpaceAgg::Sum,
        "min" => SpaceAgg::Min,
        "max" => SpaceAgg::Max,
        "count" => SpaceAgg::Count,
        _ => {
            let digits = word.strip_prefix('p')?;
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(int) || !all_digits(frac) || int.len() > 3 {
                return None;
            }
            let p: f64 = digits.parse().ok()?;
            if p > 100.0 {
                return None;
            }
            SpaceAgg::Percentile(p)
        }
    })
}

fn time_agg(word: &str) -> Option<TimeAgg> {
    Some(match word {
        "avg" => TimeAgg::Avg,
        "sum" => TimeAgg::Sum,
        "min" => TimeAgg::Min,
        "max" => TimeAgg::Max,
        "count" => TimeAgg::Count,
        _ => return None,
    })
}

/// Parses the inside of `{…}` as a scope (for tests of the scope grammar alone).
pub fn parse_scope(src: &str) -> Result<Scope, ParseError> {
    let mut p = Parser::new(src);
    let s = p.scope()?;
    if !p.c.at_end() {
        return Err(p.c.err("the end of the scope"));
    }
    Ok(s)
}

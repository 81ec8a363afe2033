//! Evaluation: a parsed query over `[from, to)` against a [`Source`].
//!
//! Order, as in Datadog: selection by scope → time aggregation of each series into aligned
//! intervals (always) → `.fill` → space aggregation per group → functions and arithmetic.

mod arith;
mod fill;
pub use fill::DEFAULT_FILL_LIMIT;
mod functions;
mod query;
mod select;
mod space;
mod time;

use crate::ast::{Expr, QueryList, Span};
use crate::error::QueryError;
use crate::result::{QueryResult, ResultSeries};
use crate::source::Source;

/// One series on a dense grid of intervals: point `i` is at `start_ms + i * step_ms`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    /// The metric name (of the leftmost query for a formula).
    pub(crate) metric: String,
    /// The group's tags (`host:a`), empty without `by`.
    pub(crate) tag_set: Vec<String>,
    /// The scope of the series: the query's scope plus the group's tags.
    pub(crate) scope: String,
    /// The space aggregator, for plain queries.
    pub(crate) aggr: Option<String>,
    /// The query text that gives this series alone.
    pub(crate) expression: String,
    /// True for a plain metric query (no function, no arithmetic).
    pub(crate) plain: bool,
    pub(crate) start_ms: i64,
    pub(crate) step_ms: i64,
    pub(crate) points: Vec<Option<f64>>,
}

/// What an expression evaluates to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Scalar(f64),
    Series(Vec<Series>),
}

/// The source, the range, and the text for errors.
pub(crate) struct Ctx<'a, S: ?Sized> {
    pub(crate) source: &'a S,
    pub(crate) text: &'a str,
    pub(crate) from_ms: i64,
    pub(crate) to_ms: i64,
}

impl<S: Source + ?Sized> Ctx<'_, S> {
    pub(crate) fn invalid(&self, span: Span, message: impl Into<String>) -> QueryError {
        QueryError::Invalid {
            query: self.text.to_string(),
            span,
            message: message.into(),
        }
    }

    pub(crate) fn eval(&self, e: &Expr) -> Result<Value, QueryError> {
        match e {
            Expr::Number { value, .. } => Ok(Value::Scalar(*value)),
            Expr::Query(q) => query::evaluate(self, q).map(Value::Series),
            Expr::Neg { expr, .. } => Ok(arith::negate(self.eval(expr)?)),
            Expr::Binary { op, lhs, rhs, .. } => {
                Ok(arith::binary(*op, self.eval(lhs)?, self.eval(rhs)?))
            }
            Expr::Call { func, arg, span } => functions::apply(self, *func, arg, *span),
        }
    }
}

/// Parses `query` and evaluates it over `[from_ms, to_ms)` (Unix milliseconds).
pub fn evaluate<S: Source + ?Sized>(
    source: &S,
    query: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<QueryResult, QueryError> {
    let list = crate::parse(query)?;
    evaluate_list(source, &list, query, from_ms, to_ms)
}

/// Evaluates parsed expressions; `text` is the query they were parsed from (for errors and
/// the response's `query` field).
pub fn evaluate_list<S: Source + ?Sized>(
    source: &S,
    list: &QueryList,
    text: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<QueryResult, QueryError> {
    if from_ms >= to_ms || !in_range(from_ms) || !in_range(to_ms) {
        return Err(QueryError::Range { from_ms, to_ms });
    }
    let ctx = Ctx {
        source,
        text,
        from_ms,
        to_ms,
    };
    let mut series = Vec::new();
    let mut group_by = Vec::new();
    for (index, e) in list.exprs.iter().enumerate() {
        collect_group_by(e, &mut group_by);
        match ctx.eval(e)? {
            Value::Scalar(_) => {
                return Err(ctx.invalid(e.span(), "an expression with at least one metric query"))
            }
            Value::Series(found) => {
                series.extend(
                    found
                        .into_iter()
                        .filter_map(|s| ResultSeries::new(s, index)),
                );
            }
        }
    }
    Ok(QueryResult {
        query: text.to_string(),
        from_ms,
        to_ms,
        group_by,
        series,
    })
}

/// Times a query may reach, in Unix milliseconds either side of 1970 (about 31,700 years), so
/// that interval arithmetic never overflows.
pub const MAX_TIME_MS: i64 = 1_000_000_000_000_000;

pub(crate) fn in_range(t: i64) -> bool {
    (-MAX_TIME_MS..=MAX_TIME_MS).contains(&t)
}

fn collect_group_by(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Number { .. } => {}
        Expr::Query(q) => {
            for k in &q.group_by {
                if !out.contains(k) {
                    out.push(k.clone());
                }
            }
        }
        Expr::Neg { expr, .. } | Expr::Call { arg: expr, .. } => collect_group_by(expr, out),
        Expr::Binary { lhs, rhs, .. } => {
            collect_group_by(lhs, out);
            collect_group_by(rhs, out);
        }
    }
}

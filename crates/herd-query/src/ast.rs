//! The syntax tree of a query, with byte spans into the query text.
//!
//! Spans are for error messages only: two trees that differ only in spans describe the same
//! query ([`Expr::clear_spans`] makes them equal).

use crate::scope::Scope;

/// A byte range `start..end` in the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub const fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// Several expressions separated by top-level commas; each is one `query_index` of the result.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryList {
    /// The expressions, in order.
    pub exprs: Vec<Expr>,
}

/// An expression: metric queries and constants combined by arithmetic and functions.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A constant.
    Number {
        /// Its value (finite, not negative: `-` is [`Expr::Neg`]).
        value: f64,
        /// Where it is.
        span: Span,
    },
    /// `agg:metric{scope} by {…}.methods()`.
    Query(Box<MetricQuery>),
    /// `-expr`.
    Neg {
        /// The operand.
        expr: Box<Expr>,
        /// Where it is.
        span: Span,
    },
    /// `lhs op rhs`.
    Binary {
        /// The operator.
        op: BinOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// Where the operator is.
        span: Span,
    },
    /// `func(arg, …)`.
    Call {
        /// The function and its constant arguments.
        func: Func,
        /// The series argument.
        arg: Box<Expr>,
        /// Where the function name is.
        span: Span,
    },
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl BinOp {
    /// Binding strength: `*` and `/` bind tighter than `+` and `-`.
    pub const fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
        }
    }

    /// The operator's symbol.
    pub const fn symbol(self) -> char {
        match self {
            BinOp::Add => '+',
            BinOp::Sub => '-',
            BinOp::Mul => '*',
            BinOp::Div => '/',
        }
    }
}

/// A function applied to a series expression.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Func {
    /// `abs(q)`
    Abs,
    /// `log2(q)`
    Log2,
    /// `log10(q)`
    Log10,
    /// `cumsum(q)`: running sum over the range.
    Cumsum,
    /// `integral(q)`: running sum of value × interval seconds.
    Integral,
    /// `per_second(q)`: value ÷ interval seconds.
    PerSecond,
    /// `per_minute(q)`: value ÷ interval seconds × 60.
    PerMinute,
    /// `diff(q)`: value minus the previous value.
    Diff,
    /// `derivative(q)`: `diff` ÷ seconds between the two points.
    Derivative,
    /// `top(q, N, 'mean'|'max'|'last'|'sum', 'desc'|'asc')`.
    Top {
        /// How many series to keep.
        n: u32,
        /// What ranks a series.
        by: TopBy,
        /// Largest first (`desc`) or smallest first (`asc`).
        order: Order,
    },
    /// `timeshift(q, seconds)`, also written `hour_before(q)` (−3600), `day_before(q)`
    /// (−86400) and `week_before(q)` (−604800).
    Timeshift(i64),
}

impl Func {
    /// The name of a function taking only the series argument, or `None` for `top` and
    /// `timeshift`.
    pub const fn simple_name(self) -> Option<&'static str> {
        Some(match self {
            Func::Abs => "abs",
            Func::Log2 => "log2",
            Func::Log10 => "log10",
            Func::Cumsum => "cumsum",
            Func::Integral => "integral",
            Func::PerSecond => "per_second",
            Func::PerMinute => "per_minute",
            Func::Diff => "diff",
            Func::Derivative => "derivative",
            Func::Top { .. } | Func::Timeshift(_) => return None,
        })
    }
}

/// What `top` ranks series by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopBy {
    /// Mean of the points.
    Mean,
    /// Largest point.
    Max,
    /// Last point.
    Last,
    /// Sum of the points.
    Sum,
}

impl TopBy {
    /// Its name in a query.
    pub const fn name(self) -> &'static str {
        match self {
            TopBy::Mean => "mean",
            TopBy::Max => "max",
            TopBy::Last => "last",
            TopBy::Sum => "sum",
        }
    }
}

/// Sort order of `top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Largest first.
    Desc,
    /// Smallest first.
    Asc,
}

/// A space aggregator: how series of one group merge into one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpaceAgg {
    /// Mean.
    Avg,
    /// Sum.
    Sum,
    /// Smallest.
    Min,
    /// Largest.
    Max,
    /// Number of samples (distributions only).
    Count,
    /// A percentile `0 <= p <= 100` (distributions only), written `p50`, `p99.9`.
    Percentile(f64),
}

impl SpaceAgg {
    /// True for aggregators only distributions have.
    pub const fn needs_distribution(self) -> bool {
        matches!(self, SpaceAgg::Count | SpaceAgg::Percentile(_))
    }
}

impl std::fmt::Display for SpaceAgg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpaceAgg::Avg => f.write_str("avg"),
            SpaceAgg::Sum => f.write_str("sum"),
            SpaceAgg::Min => f.write_str("min"),
            SpaceAgg::Max => f.write_str("max"),
            SpaceAgg::Count => f.write_str("count"),
            SpaceAgg::Percentile(p) => write!(f, "p{p}"),
        }
    }
}

/// A time aggregator (`.rollup(agg)`): how the points of one series inside one interval merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeAgg {
    /// Mean.
    Avg,
    /// Sum.
    Sum,
    /// Smallest.
    Min,
    /// Largest.
    Max,
    /// Number of points.
    Count,
}

impl TimeAgg {
    /// Its name in a query.
    pub const fn name(self) -> &'static str {
        match self {
            TimeAgg::Avg => "avg",
            TimeAgg::Sum => "sum",
            TimeAgg::Min => "min",
            TimeAgg::Max => "max",
            TimeAgg::Count => "count",
        }
    }
}

/// `.rollup(agg[, seconds])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollup {
    /// The time aggregator.
    pub agg: TimeAgg,
    /// The interval, when given.
    pub seconds: Option<u64>,
}

/// `.as_count()` or `.as_rate()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    /// `.as_count()`: events per interval.
    AsCount,
    /// `.as_rate()`: events per second.
    AsRate,
}

/// How `.fill(…)` fills empty intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillMode {
    /// Leave them empty.
    Null,
    /// 0.
    Zero,
    /// The previous value.
    Last,
    /// A straight line between the values on either side.
    Linear,
}

impl FillMode {
    /// Its name in a query.
    pub const fn name(self) -> &'static str {
        match self {
            FillMode::Null => "null",
            FillMode::Zero => "zero",
            FillMode::Last => "last",
            FillMode::Linear => "linear",
        }
    }
}

/// `.fill(mode[, limit seconds])`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// The mode.
    pub mode: FillMode,
    /// Longest gap filled, in seconds, when given (default 300, at most 600).
    pub limit: Option<u64>,
}

/// One metric query: `agg:metric{scope} by {keys}` and its methods.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// The space aggregator.
    pub agg: SpaceAgg,
    /// The metric name.
    pub metric: String,
    /// Which series.
    pub scope: Scope,
    /// Tag keys to group by (empty: one group).
    pub group_by: Vec<String>,
    /// `.as_count()` / `.as_rate()`.
    pub modifier: Option<Modifier>,
    /// `.rollup(…)`.
    pub rollup: Option<Rollup>,
    /// `.fill(…)`.
    pub fill: Option<Fill>,
    /// From the aggregator to the end of the last method.
    pub span: Span,
}

impl Expr {
    /// Sets every span to `0..0`, so trees parsed from different spellings compare equal.
    pub fn clear_spans(&mut self) {
        match self {
            Expr::Number { span, .. } => *span = Span::default(),
            Expr::Query(q) => {
                q.span = Span::default();
                q.scope.clear_spans();
            }
            Expr::Neg { expr, span } => {
                *span = Span::default();
                expr.clear_spans();
            }
            Expr::Binary { lhs, rhs, span, .. } => {
                *span = Span::default();
                lhs.clear_spans();
                rhs.clear_spans();
            }
            Expr::Call { arg, span, .. } => {
                *span = Span::default();
                arg.clear_spans();
            }
        }
    }

    /// The span of the whole expression, as far as the tree knows it (operators and function
    /// names carry their own position).
    pub fn span(&self) -> Span {
        match self {
            Expr::Number { span, .. } | Expr::Neg { span, .. } | Expr::Call { span, .. } => *span,
            Expr::Query(q) => q.span,
            Expr::Binary { lhs, rhs, .. } => Span::new(lhs.span().start, rhs.span().end),
        }
    }
}

//! Writes a tree back as query text that parses to the same tree (up to spans), with as few
//! parentheses as precedence allows.

use crate::ast::{Expr, Func, MetricQuery, Modifier, Order, QueryList};
use std::fmt::{self, Display, Formatter};

impl Display for QueryList {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, e) in self.exprs.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

impl Display for MetricQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}{{{}}}", self.agg, self.metric, self.scope)?;
        if !self.group_by.is_empty() {
            write!(f, " by {{{}}}", self.group_by.join(","))?;
        }
        f.write_str(&methods(self))
    }
}

/// The methods of a query as written after the scope and group-by: `.as_count().rollup(sum, 60)`.
pub(crate) fn methods(q: &MetricQuery) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match q.modifier {
        Some(Modifier::AsCount) => out.push_str(".as_count()"),
        Some(Modifier::AsRate) => out.push_str(".as_rate()"),
        None => {}
    }
    if let Some(r) = q.rollup {
        let _ = write!(out, ".rollup({}", r.agg.name());
        if let Some(s) = r.seconds {
            let _ = write!(out, ", {s}");
        }
        out.push(')');
    }
    if let Some(fill) = q.fill {
        let _ = write!(out, ".fill({}", fill.mode.name());
        if let Some(l) = fill.limit {
            let _ = write!(out, ", {l}");
        }
        out.push(')');
    }
    out
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Number { value, .. } => write!(f, "{value}"),
            Expr::Query(q) => q.fmt(f),
            Expr::Neg { expr, .. } => match **expr {
                Expr::Binary { .. } => write!(f, "-({expr})"),
                _ => write!(f, "-{expr}"),
            },
            Expr::Binary { op, lhs, rhs, .. } => {
                let prec = op.precedence();
                match &**lhs {
                    Expr::Binary { op: l, .. } if l.precedence() < prec => write!(f, "({lhs})")?,
                    _ => write!(f, "{lhs}")?,
                }
                write!(f, " {} ", op.symbol())?;
                match &**rhs {
                    Expr::Binary { op: r, .. } if r.precedence() <= prec => write!(f, "({rhs})"),
                    _ => write!(f, "{rhs}"),
                }
            }
            Expr::Call { func, arg, .. } => match func {
                Func::Top { n, by, order } => {
                    let order = match order {
                        Order::Desc => "desc",
                        Order::Asc => "asc",
                    };
                    write!(f, "top({arg}, {n}, '{}', '{order}')", by.name())
                }
                Func::Timeshift(s) => write!(f, "timeshift({arg}, {s})"),
                func => write!(f, "{}({arg})", func.simple_name().unwrap_or("?")),
            },
        }
    }
}

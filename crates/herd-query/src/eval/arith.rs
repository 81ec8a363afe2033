//! Arithmetic between series and constants. Series pair up by group (`tag_set`); a series
//! without groups pairs with every series of the other side; intervals pair up by time. A
//! result that is not a finite number (division by zero) is an empty interval.

use super::{Series, Value};
use crate::ast::BinOp;

fn op_value(op: BinOp, a: f64, b: f64) -> Option<f64> {
    let v = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
    };
    v.is_finite().then_some(v)
}

/// `-v`.
pub(crate) fn negate(v: Value) -> Value {
    match v {
        Value::Scalar(x) => Value::Scalar(-x),
        Value::Series(all) => Value::Series(
            all.into_iter()
                .map(|mut s| {
                    s.points.iter_mut().for_each(|p| *p = p.map(|v| -v));
                    s.expression = format!("-{}", operand(&s));
                    s.plain = false;
                    s
                })
                .collect(),
        ),
    }
}

/// A series' expression as an operand: parenthesised when it is itself a formula.
fn operand(s: &Series) -> String {
    if s.plain || !s.expression.contains(' ') {
        s.expression.clone()
    } else {
        format!("({})", s.expression)
    }
}

/// `lhs op rhs`.
pub(crate) fn binary(op: BinOp, lhs: Value, rhs: Value) -> Value {
    let sym = op.symbol();
    match (lhs, rhs) {
        (Value::Scalar(a), Value::Scalar(b)) => {
            Value::Scalar(op_value(op, a, b).unwrap_or(f64::NAN))
        }
        (Value::Series(all), Value::Scalar(b)) => Value::Series(
            all.into_iter()
                .map(|mut s| {
                    s.points
                        .iter_mut()
                        .for_each(|p| *p = p.and_then(|a| op_value(op, a, b)));
                    s.expression = format!("{} {sym} {b}", operand(&s));
                    s.plain = false;
                    s.aggr = None;
                    s
                })
                .collect(),
        ),
        (Value::Scalar(a), Value::Series(all)) => Value::Series(
            all.into_iter()
                .map(|mut s| {
                    s.points
                        .iter_mut()
                        .for_each(|p| *p = p.and_then(|b| op_value(op, a, b)));
                    s.expression = format!("{a} {sym} {}", operand(&s));
                    s.plain = false;
                    s.aggr = None;
                    s
                })
                .collect(),
        ),
        (Value::Series(l), Value::Series(r)) => Value::Series(
            pairs(&l, &r)
                .into_iter()
                .map(|(a, b, grouped)| combine(op, a, b, grouped))
                .collect(),
        ),
    }
}

/// The pairs of series to combine, and which of the two carries the group.
fn pairs<'a>(l: &'a [Series], r: &'a [Series]) -> Vec<(&'a Series, &'a Series, &'a Series)> {
    let lone = |v: &[Series]| v.len() == 1 && v[0].tag_set.is_empty();
    if lone(r) {
        l.iter().map(|a| (a, &r[0], a)).collect()
    } else if lone(l) {
        r.iter().map(|b| (&l[0], b, b)).collect()
    } else {
        l.iter()
            .filter_map(|a| r.iter().find(|b| b.tag_set == a.tag_set).map(|b| (a, b, a)))
            .collect()
    }
}

fn combine(op: BinOp, a: &Series, b: &Series, grouped: &Series) -> Series {
    let points = a
        .points
        .iter()
        .enumerate()
        .map(|(i, &pa)| {
            let t = a.start_ms + i as i64 * a.step_ms;
            let off = t - b.start_ms;
            let pb = if off % b.step_ms == 0 && off >= 0 {
                b.points.get((off / b.step_ms) as usize).copied().flatten()
            } else {
                None
            };
            op_value(op, pa?, pb?)
        })
        .collect();
    Series {
        metric: a.metric.clone(),
        tag_set: grouped.tag_set.clone(),
        scope: grouped.scope.clone(),
        aggr: None,
        expression: format!("{} {} {}", operand(a), op.symbol(), operand(b)),
        plain: false,
        start_ms: a.start_ms,
        step_ms: a.step_ms,
        points,
    }
}

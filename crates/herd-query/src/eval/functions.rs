//! Functions applied after space aggregation: pointwise (`abs log2 log10`), running
//! (`cumsum integral`), rates (`per_second per_minute diff derivative`), `top` and
//! `timeshift`.

use super::{Ctx, Series, Value};
use crate::ast::{Expr, Func, Order, Span, TopBy};
use crate::error::QueryError;
use crate::source::Source;

pub(crate) fn apply<S: Source + ?Sized>(
    ctx: &Ctx<'_, S>,
    func: Func,
    arg: &Expr,
    span: Span,
) -> Result<Value, QueryError> {
    if let Func::Timeshift(s) = func {
        return timeshift(ctx, s, arg, span);
    }
    let value = ctx.eval(arg)?;
    let name = func.simple_name().unwrap_or("top");
    let mut all = match value {
        Value::Scalar(x) => {
            return if is_pointwise(func) {
                Ok(Value::Scalar(pointwise(func, x).unwrap_or(f64::NAN)))
            } else {
                Err(ctx.invalid(span, format!("`{name}` needs a metric query")))
            };
        }
        Value::Series(all) => all,
    };
    if let Func::Top { n, by, order } = func {
        return Ok(Value::Series(top(all, n, by, order)));
    }
    for s in &mut all {
        let step_s = s.step_ms as f64 / 1000.0;
        if is_pointwise(func) {
            s.points = s
                .points
                .iter()
                .map(|p| p.and_then(|v| pointwise(func, v)))
                .collect();
        } else {
            running(func, &mut s.points, step_s);
        }
        s.expression = format!("{name}({})", s.expression);
        s.plain = false;
    }
    Ok(Value::Series(all))
}

fn is_pointwise(func: Func) -> bool {
    matches!(func, Func::Abs | Func::Log2 | Func::Log10)
}

/// A pointwise function of one value; `None` where it is undefined (the log of 0 or less).
fn pointwise(func: Func, v: f64) -> Option<f64> {
    match func {
        Func::Abs => Some(v.abs()),
        Func::Log2 if v > 0.0 => Some(v.log2()),
        Func::Log10 if v > 0.0 => Some(v.log10()),
        _ => None,
    }
}

/// Functions that look along the series.
fn running(func: Func, points: &mut [Option<f64>], step_s: f64) {
    match func {
        Func::Cumsum | Func::Integral => {
            let k = if func == Func::Integral { step_s } else { 1.0 };
            let mut total = 0.0;
            for p in points.iter_mut().flatten() {
                total += *p * k;
                *p = total;
            }
        }
        Func::PerSecond | Func::PerMinute => {
            let k = if func == Func::PerMinute { 60.0 } else { 1.0 } / step_s;
            for p in points.iter_mut().flatten() {
                *p *= k;
            }
        }
        Func::Diff | Func::Derivative => {
            let mut prev: Option<(usize, f64)> = None;
            for (i, p) in points.iter_mut().enumerate() {
                let Some(v) = *p else { continue };
                *p = prev.map(|(j, pv)| {
                    let d = v - pv;
                    if func == Func::Derivative {
                        d / ((i - j) as f64 * step_s)
                    } else {
                        d
                    }
                });
                prev = Some((i, v));
            }
        }
        _ => {}
    }
}

/// The `n` series ranking highest (`desc`) or lowest (`asc`) by `by`; series without points
/// are left out; ties keep group order.
fn top(all: Vec<Series>, n: u32, by: TopBy, order: Order) -> Vec<Series> {
    let mut ranked: Vec<(f64, Series)> = all
        .into_iter()
        .filter_map(|s| {
            let values: Vec<f64> = s.points.iter().flatten().copied().collect();
            let last = *values.last()?;
            let sum: f64 = values.iter().sum();
            let rank = match by {
                TopBy::Mean => sum / values.len() as f64,
                TopBy::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                TopBy::Last => last,
                TopBy::Sum => sum,
            };
            Some((rank, s))
        })
        .collect();
    ranked.sort_by(|a, b| match order {
        Order::Desc => b.0.total_cmp(&a.0),
        Order::Asc => a.0.total_cmp(&b.0),
    });
    ranked
        .into_iter()
        .take(n as usize)
        .map(|(_, mut s)| {
            let order = if order == Order::Desc { "desc" } else { "asc" };
            s.expression = format!("top({}, {n}, '{}', '{order}')", s.expression, by.name());
            s.plain = false;
            s
        })
        .collect()
}

/// `timeshift(q, s)`: `q` over the range moved by `s` seconds, its points moved back.
fn timeshift<S: Source + ?Sized>(
    ctx: &Ctx<'_, S>,
    shift_s: i64,
    arg: &Expr,
    span: Span,
) -> Result<Value, QueryError> {
    let shift_ms = shift_s.saturating_mul(1000);
    let shifted = Ctx {
        source: ctx.source,
        text: ctx.text,
        from_ms: ctx.from_ms.saturating_add(shift_ms),
        to_ms: ctx.to_ms.saturating_add(shift_ms),
    };
    if !super::in_range(shifted.from_ms) || !super::in_range(shifted.to_ms) {
        return Err(ctx.invalid(
            span,
            format!(
                "a shift that keeps the range within {} ms of 1970",
                super::MAX_TIME_MS
            ),
        ));
    }
    Ok(match shifted.eval(arg)? {
        Value::Scalar(x) => Value::Scalar(x),
        Value::Series(mut all) => {
            for s in &mut all {
                s.start_ms -= shift_ms;
                s.expression = format!("timeshift({}, {shift_s})", s.expression);
                s.plain = false;
            }
            Value::Series(all)
        }
    })
}

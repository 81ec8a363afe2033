//! One metric query: select, aggregate in time, fill, aggregate in space, per group.

use super::{fill::fill, select::select, space, time, Ctx, Series};
use crate::ast::MetricQuery;
use crate::error::QueryError;
use crate::interval::{buckets, interval_s};
use crate::scope::Scope;
use crate::source::{SeriesKind, Source};

pub(crate) fn evaluate<S: Source + ?Sized>(
    ctx: &Ctx<'_, S>,
    q: &MetricQuery,
) -> Result<Vec<Series>, QueryError> {
    let step_s = interval_s(ctx.from_ms, ctx.to_ms, q.rollup.and_then(|r| r.seconds));
    let step_ms = step_s * 1000;
    let start_ms = ctx.from_ms.div_euclid(step_ms) * step_ms;
    let n = buckets(ctx.from_ms, ctx.to_ms, step_s) as usize;
    let end_ms = start_ms + step_ms * n as i64;
    let mut out = Vec::new();
    let groups = select(ctx.source, q);
    // Every group's float series in one read, in id order: the store is visited once, not
    // once a group, and widgets asking for the same metric over the same range ask the same
    // read (the store shares a read in flight).
    let mut float_ids: Vec<_> = groups
        .values()
        .flat_map(|members| members.iter())
        .filter(|(_, k)| k.kind != SeriesKind::Sketch)
        .map(|(id, _)| *id)
        .collect();
    float_ids.sort_unstable();
    float_ids.dedup();
    let float_reads = ctx
        .source
        .read_buckets_many(&float_ids, start_ms, end_ms, step_ms);
    let read_of = |id| {
        float_ids
            .binary_search(&id)
            .map_or(&[][..], |i| float_reads[i].as_slice())
    };
    for (tag_set, members) in groups {
        let sketches = members
            .iter()
            .filter(|(_, k)| k.kind == SeriesKind::Sketch)
            .count();
        if sketches > 0 && sketches < members.len() {
            return Err(ctx.invalid(
                q.span,
                format!(
                    "`{}` mixes distributions with other kinds of series",
                    q.metric
                ),
            ));
        }
        if sketches == 0 && q.agg.needs_distribution() {
            let kind = format!("{:?}", members[0].1.kind).to_lowercase();
            return Err(ctx.invalid(
                q.span,
                format!(
                    "`{}` needs a distribution, and `{}` is a {kind}: use avg, sum, min or max",
                    q.agg, q.metric
                ),
            ));
        }
        let points = if sketches > 0 {
            let ids: Vec<_> = members.iter().map(|(id, _)| *id).collect();
            let mut points =
                space::sketches(ctx.source, &ids, q.agg, q.modifier, start_ms, step_ms, n);
            if let Some(f) = q.fill {
                fill(&mut points, step_s as f64, f);
            }
            points
        } else {
            // Each series on the grid in one buffer, added to the group's and forgotten.
            let mut combined = space::Combine::new(q.agg, n);
            let mut points = Vec::with_capacity(n);
            for (id, key) in &members {
                let rule = time::rule(q, key.kind, key.interval_ms, step_s as f64);
                time::to_grid(read_of(*id), rule, start_ms, step_ms, n, &mut points);
                if let Some(f) = q.fill {
                    fill(&mut points, step_s as f64, f);
                }
                combined.add(&points);
            }
            combined.finish()
        };
        let scope = scope_text(&q.scope, &tag_set);
        out.push(Series {
            metric: q.metric.clone(),
            expression: format!(
                "{}:{}{{{scope}}}{}",
                q.agg,
                q.metric,
                crate::print::methods(q)
            ),
            aggr: Some(q.agg.to_string()),
            scope,
            tag_set,
            plain: true,
            start_ms,
            step_ms,
            points,
        });
    }
    Ok(out)
}

/// The scope of one group's series: the query's scope and the group's tags.
fn scope_text(scope: &Scope, tag_set: &[String]) -> String {
    match (scope, tag_set.is_empty()) {
        (Scope::All, true) => "*".to_string(),
        (Scope::All, false) => tag_set.join(","),
        (s, true) => s.to_string(),
        (s, false) => format!("{s},{}", tag_set.join(",")),
    }
}

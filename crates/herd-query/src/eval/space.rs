//! Space aggregation: the series of one group merged into one, per interval.

use crate::ast::{Modifier, SpaceAgg};
use crate::source::{SeriesId, Source};
use herd_aggregate::Sketch;

/// Merges float series (each already on the grid) with `avg`, `sum`, `min` or `max`; an
/// interval where no series has a value stays empty.
pub(crate) fn combine(agg: SpaceAgg, series: &[Vec<Option<f64>>], n: usize) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| {
            let mut present = series.iter().filter_map(|s| s[i]);
            let first = present.next()?;
            let (mut sum, mut min, mut max, mut count) = (first, first, first, 1u32);
            for v in present {
                sum += v;
                min = min.min(v);
                max = max.max(v);
                count += 1;
            }
            Some(match agg {
                SpaceAgg::Sum => sum,
                SpaceAgg::Min => min,
                SpaceAgg::Max => max,
                // Count and percentiles are refused for float series before this point.
                _ => sum / f64::from(count),
            })
        })
        .collect()
}

/// Merges the sketches of every series of a group per interval and reads `agg` from the
/// merged sketch: percentiles within the sketch's relative accuracy, the rest exact.
pub(crate) fn sketches<S: Source + ?Sized>(
    source: &S,
    ids: &[SeriesId],
    agg: SpaceAgg,
    modifier: Option<Modifier>,
    start_ms: i64,
    step_ms: i64,
    n: usize,
) -> Vec<Option<f64>> {
    let mut merged: Vec<Option<Sketch>> = vec![None; n];
    let end_ms = start_ms + step_ms * n as i64;
    for read in source.read_sketches_many(ids, start_ms, end_ms, step_ms) {
        for (t, sketch) in read {
            let i = (t - start_ms).div_euclid(step_ms);
            if !(0..n as i64).contains(&i) || sketch.count() == 0 {
                continue;
            }
            match &mut merged[i as usize] {
                Some(m) => m.merge(&sketch),
                slot @ None => *slot = Some(sketch),
            }
        }
    }
    let step_s = step_ms as f64 / 1000.0;
    merged
        .into_iter()
        .map(|s| {
            let s = s?;
            Some(match agg {
                SpaceAgg::Avg => s.sum() / s.count() as f64,
                SpaceAgg::Sum => s.sum(),
                SpaceAgg::Min => s.min(),
                SpaceAgg::Max => s.max(),
                SpaceAgg::Count if modifier == Some(Modifier::AsRate) => s.count() as f64 / step_s,
                SpaceAgg::Count => s.count() as f64,
                SpaceAgg::Percentile(p) => s.quantile(p / 100.0),
            })
        })
        .collect()
}

//! Space aggregation: the series of one group merged into one, per interval.

use crate::ast::{Modifier, SpaceAgg};
use crate::source::{SeriesId, Source};
use herd_aggregate::Sketch;

/// Merges float series on the grid with `avg`, `sum`, `min` or `max`, one series at a time
/// (a group of 1,000 series is added row by row, no series kept); an interval where no series
/// has a value stays empty.
pub(crate) struct Combine {
    agg: SpaceAgg,
    /// Per interval: sum, min, max and how many series had a value.
    acc: Vec<(f64, f64, f64, u32)>,
}

impl Combine {
    pub(crate) fn new(agg: SpaceAgg, n: usize) -> Self {
        Self {
            agg,
            acc: vec![(0.0, 0.0, 0.0, 0); n],
        }
    }

    /// Adds one series' intervals.
    pub(crate) fn add(&mut self, points: &[Option<f64>]) {
        for (a, p) in self.acc.iter_mut().zip(points) {
            let Some(v) = *p else { continue };
            if a.3 == 0 {
                *a = (v, v, v, 1);
            } else {
                a.0 += v;
                a.1 = a.1.min(v);
                a.2 = a.2.max(v);
                a.3 += 1;
            }
        }
    }

    /// The merged series.
    pub(crate) fn finish(self) -> Vec<Option<f64>> {
        let agg = self.agg;
        self.acc
            .into_iter()
            .map(|(sum, min, max, count)| {
                (count > 0).then(|| match agg {
                    SpaceAgg::Sum => sum,
                    SpaceAgg::Min => min,
                    SpaceAgg::Max => max,
                    // Count and percentiles are refused for float series before this point.
                    _ => sum / f64::from(count),
                })
            })
            .collect()
    }
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

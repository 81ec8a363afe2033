//! Time aggregation of one float series into the query's intervals, with Datadog's
//! `.as_count()` / `.as_rate()` semantics for rates and counts.

use crate::ast::{MetricQuery, Modifier, TimeAgg};
use crate::source::{Bucket, SeriesKind};

/// How the buckets of one series turn into values: `agg(points × scale) ÷ divisor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rule {
    pub(crate) agg: TimeAgg,
    pub(crate) scale: f64,
    pub(crate) divisor: f64,
}

/// The rule for a series of `kind` flushed every `interval_ms`, in intervals of `step_s`.
///
/// | kind | `.as_count()` (the default) | `.as_rate()` |
/// |---|---|---|
/// | gauge | rollup agg (default avg) | same |
/// | rate (per second) | value × its interval, summed | events ÷ step seconds |
/// | count | summed | events ÷ step seconds |
///
/// With an explicit non-sum rollup and `.as_rate()`, the aggregator runs over per-second
/// values; with `.as_count()`, over per-point counts.
pub(crate) fn rule(q: &MetricQuery, kind: SeriesKind, interval_ms: u64, step_s: f64) -> Rule {
    let explicit = q.rollup.map(|r| r.agg);
    let interval_s = (interval_ms.max(1) as f64) / 1000.0;
    let to_count = match kind {
        SeriesKind::Gauge | SeriesKind::Sketch => {
            return Rule {
                agg: explicit.unwrap_or(TimeAgg::Avg),
                scale: 1.0,
                divisor: 1.0,
            }
        }
        SeriesKind::Rate => interval_s,
        SeriesKind::Count => 1.0,
    };
    let agg = explicit.unwrap_or(TimeAgg::Sum);
    match q.modifier.unwrap_or(Modifier::AsCount) {
        Modifier::AsCount => Rule {
            agg,
            scale: to_count,
            divisor: 1.0,
        },
        Modifier::AsRate if agg == TimeAgg::Sum => Rule {
            agg,
            scale: to_count,
            divisor: step_s,
        },
        Modifier::AsRate => Rule {
            agg,
            scale: to_count / interval_s,
            divisor: 1.0,
        },
    }
}

impl Rule {
    /// The value of one bucket.
    pub(crate) fn apply(&self, b: &Bucket) -> f64 {
        let k = self.scale;
        let v = match self.agg {
            TimeAgg::Avg => b.sum * k / b.count as f64,
            TimeAgg::Sum => b.sum * k,
            TimeAgg::Min => (b.min * k).min(b.max * k),
            TimeAgg::Max => (b.max * k).max(b.min * k),
            TimeAgg::Count => b.count as f64,
        };
        v / self.divisor
    }
}

/// Places buckets on the grid of `n` intervals from `start_ms`, into `points` (cleared
/// first, so one buffer serves every series of a group). A store's buckets come in
/// time order on the grid's own steps: each one's interval is found by stepping along the
/// grid, not by a division (a day of 1,000 series is 288,000 buckets a query).
pub(crate) fn to_grid(
    buckets: &[Bucket],
    rule: Rule,
    start_ms: i64,
    step_ms: i64,
    n: usize,
    points: &mut Vec<Option<f64>>,
) {
    points.clear();
    points.resize(n, None);
    let (mut i, mut t) = (0usize, start_ms);
    for b in buckets {
        while t < b.start_ms && i < n {
            t += step_ms;
            i += 1;
        }
        let at = if t == b.start_ms {
            i as i64
        } else {
            (b.start_ms - start_ms).div_euclid(step_ms)
        };
        if b.count > 0 && (0..n as i64).contains(&at) {
            points[at as usize] = Some(rule.apply(b));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(start_ms: i64, v: f64) -> Bucket {
        Bucket::one(start_ms, v)
    }

    #[test]
    fn buckets_land_in_their_interval_in_order_or_not() {
        let rule = Rule {
            agg: TimeAgg::Sum,
            scale: 1.0,
            divisor: 1.0,
        };
        // In order on the grid, with gaps; one before the grid, one after it; then one out of
        // order and one off the grid's steps (which goes to the interval holding it).
        let read = [
            b(-10, 9.0),
            b(0, 1.0),
            b(20, 2.0),
            b(50, 3.0),
            b(60, 9.0),
            b(10, 4.0),
            b(35, 5.0),
        ];
        let mut got = vec![Some(7.0); 9];
        to_grid(&read, rule, 0, 10, 6, &mut got);
        assert_eq!(
            got,
            vec![Some(1.0), Some(4.0), Some(2.0), Some(5.0), None, Some(3.0)]
        );
    }
}

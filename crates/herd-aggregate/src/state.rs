//! What one context accumulates inside one bucket, per metric type, and what it flushes to.

use std::sync::Arc;

use crate::point::{PointKind, Value};
use crate::sketch::Builder;
use crate::HashSet;

/// One context's samples in one bucket.
///
/// 16 bytes: counters and gauges (most contexts) hold their number inline, the other kinds a
/// box, so a bucket of 100k contexts is 2.4 MB of states rather than 5.6 MB.
#[derive(Debug, Clone)]
pub(crate) enum State {
    /// Sum of `value / rate`.
    Counter(f64),
    /// Last value.
    Gauge(f64),
    /// Distinct members.
    Set(Box<HashSet<Box<str>>>),
    /// Histogram samples.
    Histogram(Box<Samples>),
    /// A sketch being built.
    Distribution(Box<Builder>),
}

/// Histogram samples with integer weights `int(1/rate)`, the weighted sum and the weight total.
#[derive(Debug, Clone, Default)]
pub(crate) struct Samples {
    values: Vec<(f64, i64)>,
    sum: f64,
    count: i64,
}

/// The outputs a histogram flushes to, configured once.
pub(crate) struct HistogramOutputs<'a> {
    pub aggregates: &'a [crate::HistogramAggregate],
    pub aggregate_suffixes: &'a [Arc<str>],
    pub percentiles: &'a [u8],
    pub percentile_suffixes: &'a [Arc<str>],
}

impl State {
    /// Adds a histogram sample as the Agent does: weight `int64(1/rate)`, sum `v × (1/rate)`.
    pub(crate) fn add_histogram(&mut self, v: f64, rate: f64) {
        if let Self::Histogram(h) = self {
            let w = (1.0 / rate) as i64;
            h.values.push((v, w));
            h.sum += v * (1.0 / rate);
            h.count += w;
        }
    }

    /// The `(suffix, kind, value)` outputs of this state over a bucket of `interval_s` seconds.
    pub(crate) fn outputs(
        self,
        interval_s: f64,
        hist: &HistogramOutputs<'_>,
        out: &mut Vec<(Arc<str>, PointKind, Value)>,
    ) {
        let empty: Arc<str> = Arc::from("");
        match self {
            Self::Counter(sum) => {
                out.push((empty, PointKind::Rate, Value::Scalar(sum / interval_s)));
            }
            Self::Gauge(v) => out.push((empty, PointKind::Gauge, Value::Scalar(v))),
            Self::Set(members) => {
                out.push((empty, PointKind::Gauge, Value::Scalar(members.len() as f64)));
            }
            Self::Distribution(sketch) => {
                out.push((
                    empty,
                    PointKind::Sketch,
                    Value::Sketch(Box::new(sketch.finish())),
                ));
            }
            Self::Histogram(h) => {
                let Samples {
                    values: mut samples,
                    sum,
                    count,
                } = *h;
                if samples.is_empty() || count <= 0 {
                    return;
                }
                samples.sort_by(|a, b| a.0.total_cmp(&b.0));
                for (agg, suffix) in hist.aggregates.iter().zip(hist.aggregate_suffixes) {
                    use crate::HistogramAggregate as A;
                    let (kind, v) = match agg {
                        A::Max => (PointKind::Gauge, samples[samples.len() - 1].0),
                        A::Min => (PointKind::Gauge, samples[0].0),
                        A::Median => (PointKind::Gauge, weighted_at(&samples, (count - 1) / 2)),
                        A::Avg => (PointKind::Gauge, sum / count as f64),
                        A::Sum => (PointKind::Gauge, sum),
                        A::Count => (PointKind::Rate, count as f64 / interval_s),
                    };
                    out.push((suffix.clone(), kind, Value::Scalar(v)));
                }
                for (&p, suffix) in hist.percentiles.iter().zip(hist.percentile_suffixes) {
                    let target = (i64::from(p) * count - 1) / 100;
                    out.push((
                        suffix.clone(),
                        PointKind::Gauge,
                        Value::Scalar(weighted_at(&samples, target)),
                    ));
                }
            }
        }
    }
}

/// The first sample whose running weight passes `target` (the Agent's rank walk).
fn weighted_at(sorted: &[(f64, i64)], target: i64) -> f64 {
    let mut weight = 0;
    for &(v, w) in sorted {
        weight += w;
        if weight > target {
            return v;
        }
    }
    sorted[sorted.len() - 1].0
}

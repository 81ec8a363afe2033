//! The "top" table of the overview: for every metric, how many contexts (series) the store
//! holds and how much arrived over a range: what loads the daemon.

use herd_tsdb::{SeriesKind, Store};
use serde::Serialize;

/// One metric's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The metric.
    pub metric: String,
    /// How values are stored: `gauge`, `rate`, `count` or `distribution`.
    pub kind: &'static str,
    /// Series in the store's index (every tag combination and host seen).
    pub contexts: usize,
    /// Series with points in the range.
    pub active: usize,
    /// What arrived in the range: for counters the counted total (a rate × its interval, or
    /// a count's sum: the sum of the values sent, which is the number of messages when each
    /// sends 1), for distributions the samples, for gauges the values flushed.
    pub volume: f64,
}

fn kind_name(kind: SeriesKind) -> &'static str {
    match kind {
        SeriesKind::Gauge => "gauge",
        SeriesKind::Rate => "rate",
        SeriesKind::Count => "count",
        SeriesKind::Sketch => "distribution",
    }
}

/// Every metric's row over `[from_ms, to_ms)`, largest volume first (then by name).
pub fn rows(store: &Store, from_ms: i64, to_ms: i64) -> Vec<Row> {
    // One bucket over the whole range: the coarsest stored resolution answers.
    let step = (to_ms - from_ms).max(1);
    let mut out: Vec<Row> = store
        .metric_names()
        .into_iter()
        .map(|metric| {
            let series = store.series(&metric);
            let mut row = Row {
                kind: series.first().map_or("gauge", |(_, k)| kind_name(k.kind)),
                contexts: series.len(),
                active: 0,
                volume: 0.0,
                metric,
            };
            for (id, key) in &series {
                let buckets = store.read_buckets(*id, from_ms, to_ms, step);
                if buckets.is_empty() {
                    continue;
                }
                row.active += 1;
                let interval_s = key.interval_ms as f64 / 1000.0;
                row.volume += buckets
                    .iter()
                    .map(|b| match key.kind {
                        SeriesKind::Rate => b.sum * interval_s,
                        SeriesKind::Count => b.sum,
                        SeriesKind::Gauge | SeriesKind::Sketch => b.count as f64,
                    })
                    .sum::<f64>();
            }
            row
        })
        .collect();
    out.sort_by(|a, b| {
        b.volume
            .total_cmp(&a.volume)
            .then_with(|| a.metric.cmp(&b.metric))
    });
    out
}

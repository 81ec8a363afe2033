//! What evaluation reads: the [`Source`] trait and its small vocabulary, shared in shape with
//! the store (`herd-tsdb`) so that an adapter is a few lines of conversion.

use herd_aggregate::Sketch;

/// What a series holds, as `herd_aggregate::PointKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeriesKind {
    /// A value at a time.
    Gauge,
    /// Events per second over the point's interval (DogStatsD counters).
    Rate,
    /// Events in the point's interval.
    Count,
    /// A distribution: one sketch per point.
    Sketch,
}

/// Identifies a series for the life of the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesId(pub u64);

/// Everything that tells one series from another.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    /// The full metric name, e.g. `web.latency.95percentile`.
    pub name: String,
    /// Sorted and de-duplicated, `key:value` or a bare `tag`.
    pub tags: Vec<String>,
    /// The host, `""` when none.
    pub host: String,
    /// What the points are.
    pub kind: SeriesKind,
    /// The flush interval the points were aggregated over, in milliseconds (for a rate, the
    /// value is per second over this interval).
    pub interval_ms: u64,
}

/// One aligned time bucket of a float series: min, max, sum and count (the store's own type).
pub use herd_aggregate::Summary as Bucket;

/// Where series and their points come from: the store, or [`crate::MemorySource`].
pub trait Source {
    /// Every metric name known.
    fn metric_names(&self) -> Vec<String>;

    /// The series of one metric, from the index (no points read).
    fn series(&self, metric: &str) -> Vec<(SeriesId, SeriesKey)>;

    /// The non-empty buckets of a float series covering `[from_ms, to_ms)`, aligned to
    /// multiples of `step_ms` (`start_ms % step_ms == 0`), in time order.
    fn read_buckets(&self, id: SeriesId, from_ms: i64, to_ms: i64, step_ms: i64) -> Vec<Bucket>;

    /// [`Source::read_buckets`] of many series, in the order of `ids` (a store reads them
    /// in one pass, and shares one read between queries asking the same at once; this
    /// default asks one by one).
    fn read_buckets_many(
        &self,
        ids: &[SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> std::sync::Arc<Vec<Vec<Bucket>>> {
        std::sync::Arc::new(
            ids.iter()
                .map(|&id| self.read_buckets(id, from_ms, to_ms, step_ms))
                .collect(),
        )
    }

    /// The non-empty buckets of a distribution series: one merged sketch per aligned step,
    /// `(start_ms, sketch)` in time order.
    fn read_sketches(
        &self,
        id: SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<(i64, Sketch)>;

    /// [`Source::read_sketches`] of many series, in the order of `ids` (a store reads them
    /// in one pass; this default asks one by one).
    fn read_sketches_many(
        &self,
        ids: &[SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<Vec<(i64, Sketch)>> {
        ids.iter()
            .map(|&id| self.read_sketches(id, from_ms, to_ms, step_ms))
            .collect()
    }
}

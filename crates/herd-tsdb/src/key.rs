//! The store's vocabulary: what a series is, its id, and one aggregated time bucket.

use herd_aggregate::PointKind;

/// How a series' values are read (as [`herd_aggregate::PointKind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SeriesKind {
    /// A value at a time.
    Gauge,
    /// A per-second rate over the series' interval.
    Rate,
    /// A count over the series' interval.
    Count,
    /// A distribution: one sketch per point.
    Sketch,
}

impl SeriesKind {
    /// The kind of a flushed point.
    pub const fn of(kind: PointKind) -> Self {
        match kind {
            PointKind::Gauge => Self::Gauge,
            PointKind::Rate => Self::Rate,
            PointKind::Count => Self::Count,
            PointKind::Sketch => Self::Sketch,
        }
    }

    /// The kind's byte on disk.
    pub(crate) const fn code(self) -> u8 {
        match self {
            Self::Gauge => 0,
            Self::Rate => 1,
            Self::Count => 2,
            Self::Sketch => 3,
        }
    }

    /// The kind of a byte on disk.
    pub(crate) const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Gauge),
            1 => Some(Self::Rate),
            2 => Some(Self::Count),
            3 => Some(Self::Sketch),
            _ => None,
        }
    }

    /// `gauge`, `rate`, `count` or `sketch`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gauge => "gauge",
            Self::Rate => "rate",
            Self::Count => "count",
            Self::Sketch => "sketch",
        }
    }
}

/// A series' identity: the full metric name, sorted tags, host, kind and flush interval.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Full metric name, e.g. `web.latency.95percentile`.
    pub name: String,
    /// Sorted, de-duplicated, `key:value` or bare `tag`.
    pub tags: Vec<String>,
    /// The host, `""` when none.
    pub host: String,
    /// How values are read.
    pub kind: SeriesKind,
    /// The interval the points were aggregated over (a rate's value is per second).
    pub interval_ms: u64,
}

/// A series' number, stable for the store's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesId(pub u64);

/// One aligned time bucket of a float series (shared with the query language).
pub use herd_aggregate::Summary as Bucket;

/// The start of the aligned bucket of `step_ms` that holds `t_ms` (Euclidean, so times before
/// the epoch land in the right bucket too).
pub(crate) fn align(t_ms: i64, step_ms: i64) -> i64 {
    t_ms.div_euclid(step_ms) * step_ms
}

//! Rollups: per series, buckets of 1 minute, 5 minutes and 1 hour (min, max, sum, count;
//! merged sketches for distributions), computed when a window is sealed, so that a long query
//! reads a few rows per hour instead of 360 points. 5 minutes is Datadog's default interval
//! for a day's range: a day's query reads 288 rows per series instead of 1,440.

use herd_aggregate::Sketch;

use crate::key::{align, Bucket};

/// Which stored resolution a read uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Resolution {
    /// The flushed points.
    Raw,
    /// 1-minute rollups.
    Minute,
    /// 5-minute rollups.
    FiveMinutes,
    /// 1-hour rollups.
    Hour,
}

/// A minute in milliseconds.
pub(crate) const MINUTE_MS: i64 = 60_000;
/// Five minutes in milliseconds.
pub(crate) const FIVE_MINUTES_MS: i64 = 300_000;
/// An hour in milliseconds.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// The stored rollup levels, in the order an entry holds them.
pub(crate) const LEVELS: [Resolution; 3] = [
    Resolution::Minute,
    Resolution::FiveMinutes,
    Resolution::Hour,
];
/// Every resolution a read may ask for.
pub(crate) const ALL: [Resolution; 4] = [
    Resolution::Raw,
    Resolution::Minute,
    Resolution::FiveMinutes,
    Resolution::Hour,
];

impl Resolution {
    /// The coarsest resolution whose buckets divide `step_ms` (so every step bucket is made
    /// of whole rollup buckets).
    pub(crate) fn for_step(step_ms: i64) -> Self {
        if step_ms % HOUR_MS == 0 {
            Self::Hour
        } else if step_ms % FIVE_MINUTES_MS == 0 {
            Self::FiveMinutes
        } else if step_ms % MINUTE_MS == 0 {
            Self::Minute
        } else {
            Self::Raw
        }
    }

    /// The bucket length of a rollup.
    pub(crate) fn ms(self) -> i64 {
        match self {
            Self::Raw => 1,
            Self::Minute => MINUTE_MS,
            Self::FiveMinutes => FIVE_MINUTES_MS,
            Self::Hour => HOUR_MS,
        }
    }
}

/// Rollup buckets of time-sorted points.
pub(crate) fn buckets(points: &[(i64, f64)], res_ms: i64) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    for &(t, v) in points {
        let start = align(t, res_ms);
        match out.last_mut() {
            Some(b) if b.start_ms == start => b.merge(&Bucket::one(start, v)),
            _ => out.push(Bucket::one(start, v)),
        }
    }
    out
}

/// Coarser buckets from time-sorted rollup rows (each row inside one coarser bucket: the
/// coarser length is a multiple of the rows').
pub(crate) fn rebucket(rows: &[Bucket], res_ms: i64) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::new();
    for b in rows {
        let start = align(b.start_ms, res_ms);
        match out.last_mut() {
            Some(o) if o.start_ms == start => o.merge(b),
            _ => out.push(Bucket {
                start_ms: start,
                ..*b
            }),
        }
    }
    out
}

/// Rollup sketches of time-sorted sketch points.
pub(crate) fn sketches(points: &[(i64, Sketch)], res_ms: i64) -> Vec<(i64, Sketch)> {
    let mut out: Vec<(i64, Sketch)> = Vec::new();
    for (t, s) in points {
        let start = align(*t, res_ms);
        match out.last_mut() {
            Some((b, acc)) if *b == start => acc.merge(s),
            _ => out.push((start, s.clone())),
        }
    }
    out
}

/// A sketch's summary as a bucket.
pub(crate) fn sketch_bucket(start_ms: i64, s: &Sketch) -> Bucket {
    Bucket {
        start_ms,
        min: s.min(),
        max: s.max(),
        sum: s.sum(),
        count: s.count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_pick_the_coarsest_dividing_resolution() {
        assert_eq!(Resolution::for_step(10_000), Resolution::Raw);
        assert_eq!(Resolution::for_step(90_000), Resolution::Raw);
        assert_eq!(Resolution::for_step(120_000), Resolution::Minute);
        assert_eq!(Resolution::for_step(300_000), Resolution::FiveMinutes);
        assert_eq!(Resolution::for_step(5_400_000), Resolution::FiveMinutes);
        assert_eq!(Resolution::for_step(5_460_000), Resolution::Minute);
        assert_eq!(Resolution::for_step(86_400_000), Resolution::Hour);
    }

    #[test]
    fn buckets_hold_min_max_sum_count() {
        let pts = [(0, 1.0), (10_000, 3.0), (59_999, -1.0), (60_000, 5.0)];
        let b = buckets(&pts, MINUTE_MS);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].min, b[0].max, b[0].sum, b[0].count),
            (-1.0, 3.0, 3.0, 3)
        );
        assert_eq!((b[1].start_ms, b[1].count), (60_000, 1));
    }
}

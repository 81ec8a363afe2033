//! The time-aggregation interval of a query: Datadog's default for the range, an explicit
//! `.rollup(…, seconds)`, and the cap of [`MAX_POINTS`] points per series.

/// Most points a series of the result has (Datadog's cap).
pub const MAX_POINTS: i64 = 1_500;

/// Intervals chosen when the cap raises one, in seconds: round numbers that divide a minute,
/// an hour or a day, so the store can answer from its 1 min and 1 h rollups.
const NICE: [i64; 19] = [
    1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1_200, 1_800, 3_600, 7_200, 14_400, 21_600,
    43_200,
];

const MINUTE: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// Datadog's default interval for a range of `range_s` seconds: 20 s up to 1 h, 1 min up to
/// 4 h, 5 min up to 1 day (documented); 10 min up to 2 days, 1 h up to a week, 4 h up to a
/// month and 1 day beyond (inferred from Datadog's graphs).
pub fn default_interval_s(range_s: i64) -> i64 {
    match range_s {
        r if r <= HOUR => 20,
        r if r <= 4 * HOUR => MINUTE,
        r if r <= DAY => 5 * MINUTE,
        r if r <= 2 * DAY => 10 * MINUTE,
        r if r <= 7 * DAY => HOUR,
        r if r <= 31 * DAY => 4 * HOUR,
        _ => DAY,
    }
}

/// The interval used for a range: the requested one (or the default) raised, when it would
/// give more than [`MAX_POINTS`] aligned buckets, to the smallest round interval that does not.
pub fn interval_s(from_ms: i64, to_ms: i64, requested_s: Option<u64>) -> i64 {
    let range_s = to_ms.saturating_sub(from_ms).max(1).saturating_add(999) / 1000;
    let wanted = requested_s.map_or_else(
        || default_interval_s(range_s),
        |s| i64::try_from(s).unwrap_or(i64::MAX),
    );
    if buckets(from_ms, to_ms, wanted) <= MAX_POINTS {
        return wanted;
    }
    if let Some(s) = NICE
        .iter()
        .copied()
        .find(|&s| s > wanted && buckets(from_ms, to_ms, s) <= MAX_POINTS)
    {
        return s;
    }
    // Whole days: start near the answer, so this loops a step or two.
    let mut days = (range_s / DAY / MAX_POINTS).max(wanted / DAY + 1);
    while buckets(from_ms, to_ms, days * DAY) > MAX_POINTS {
        days += 1;
    }
    days * DAY
}

/// Number of aligned buckets of `step_s` seconds that `[from_ms, to_ms)` touches.
pub fn buckets(from_ms: i64, to_ms: i64, step_s: i64) -> i64 {
    let step = step_s.saturating_mul(1000);
    let first = from_ms.div_euclid(step);
    let last = (to_ms - 1).div_euclid(step);
    last - first + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_764_000_000_000; // a multiple of 1 h

    #[test]
    fn defaults_follow_datadogs_table() {
        assert_eq!(interval_s(T0, T0 + 3_600_000, None), 20);
        assert_eq!(interval_s(T0, T0 + 4 * 3_600_000, None), 60);
        assert_eq!(interval_s(T0, T0 + 86_400_000, None), 300);
        assert_eq!(interval_s(T0, T0 + 7 * 86_400_000, None), 3_600);
        assert_eq!(interval_s(T0, T0 + 30 * 86_400_000, None), 14_400);
    }

    #[test]
    fn the_point_cap_raises_small_intervals() {
        // 1 h at 1 s would be 3,600 points: raised to 5 s (720 points), not 2 s (1,800).
        assert_eq!(interval_s(T0, T0 + 3_600_000, Some(1)), 5);
        assert_eq!(buckets(T0, T0 + 3_600_000, 5), 720);
        // 1 day at 10 s = 8,640 points: raised to 60 s (1,440).
        assert_eq!(interval_s(T0, T0 + 86_400_000, Some(10)), 60);
        // Large enough already: kept as asked, even if not round.
        assert_eq!(interval_s(T0, T0 + 3_600_000, Some(7)), 7);
        // A year at the default: a day per point.
        assert_eq!(interval_s(T0, T0 + 365 * 86_400_000, None), 86_400);
    }

    #[test]
    fn buckets_count_partial_ones_at_the_edges() {
        assert_eq!(buckets(T0 + 5_000, T0 + 25_000, 10), 3);
        assert_eq!(buckets(T0, T0 + 20_000, 10), 2);
    }
}

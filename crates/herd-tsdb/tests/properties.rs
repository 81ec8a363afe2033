//! For random points, the store's sum and count over any range and step equal a naive sum,
//! whether the points sit in the head, in sealed blocks (raw or rollups), in two blocks of
//! one window (points that came late), and after a reopen.

mod support;

use std::time::Duration;

use herd_aggregate::PointKind;
use herd_tsdb::{FsyncPolicy, Options, Store};
use proptest::prelude::*;
use support::{flush, point, T0};

const STEPS: [i64; 6] = [10_000, 30_000, 60_000, 300_000, 3_600_000, 7_200_000];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn range_sums_equal_a_naive_sum(
        points in proptest::collection::vec((0u8..3, 0u64..2_000, -5_000i32..5_000), 1..300),
        seal_at in 0u64..2_000,
        ranges in proptest::collection::vec((0u64..2_100, 1u64..2_100, 0usize..6), 1..8),
        reopen in any::<bool>(),
        minute_rollups in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            fsync: FsyncPolicy::Never,
            block: Duration::from_secs(3600),
            seal_delay: Duration::from_secs(3600 * 1000),
            minute_rollups,
            ..Options::default()
        };
        let mut store = Store::open(dir.path(), opts.clone()).unwrap();
        // Points at 10 s slots over about 5.5 hours, values in tenths.
        let mut naive: Vec<(u8, i64, f64)> = Vec::new();
        // Half the points, a seal, then the rest (late points for sealed windows too).
        for (i, &(s, slot, v)) in points.iter().enumerate() {
            if i == points.len() / 2 {
                store.seal(T0 as i64 + seal_at as i64 * 10_000).unwrap();
            }
            let t = T0 + slot * 10_000;
            let v = f64::from(v) / 10.0;
            store.write(&flush(vec![point("p", &[&format!("s:{s}")], "", PointKind::Gauge, t, v)])).unwrap();
            naive.push((s, t as i64, v));
        }
        store.seal(T0 as i64 + (seal_at as i64 + 1_000) * 10_000).unwrap();
        if reopen {
            drop(store);
            store = Store::open(dir.path(), opts).unwrap();
        }
        support::buckets_equal_a_naive_reduction(&store, &naive, &ranges, &STEPS)?;
    }
}

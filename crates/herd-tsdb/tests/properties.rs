//! For random points, the store's sum and count over any range and step equal a naive sum,
//! whether the points sit in the head, in sealed blocks (raw or rollups), in two blocks of
//! one window (points that came late), and after a reopen.

mod support;

use std::collections::BTreeMap;
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
        for (id, key) in store.series("p") {
            let s: u8 = key.tags[0][2..].parse().unwrap();
            for &(a, len, step) in &ranges {
                let step = STEPS[step];
                let from = T0 as i64 + a as i64 * 10_000;
                let to = from + len as i64 * 10_000;
                let (lo, hi) = (from.div_euclid(step) * step, (to - 1).div_euclid(step) * step + step);
                let mut want: BTreeMap<i64, (f64, u64, f64, f64)> = BTreeMap::new();
                for &(_, t, v) in naive.iter().filter(|p| p.0 == s && p.1 >= lo && p.1 < hi) {
                    let e = want.entry(t.div_euclid(step) * step).or_insert((0.0, 0, f64::MAX, f64::MIN));
                    e.0 += v;
                    e.1 += 1;
                    e.2 = e.2.min(v);
                    e.3 = e.3.max(v);
                }
                let got = store.read_buckets(id, from, to, step);
                prop_assert_eq!(got.len(), want.len());
                for (b, (start, (sum, count, min, max))) in got.iter().zip(want) {
                    prop_assert_eq!((b.start_ms, b.count, b.min, b.max), (start, count, min, max));
                    prop_assert!((b.sum - sum).abs() < 1e-6, "{} vs {}", b.sum, sum);
                }
            }
        }
    }
}

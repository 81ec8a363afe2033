//! Property tests of evaluation against oracles written independently of the code under
//! test: sums over any range and interval equal a naive sum of the raw points; percentiles
//! of sketches merged across series stay within the sketch's relative accuracy of the exact
//! percentile of the raw samples.

mod support;

use herd_aggregate::sketch::EPS;
use herd_query::{MemorySource, SeriesKind};
use proptest::prelude::*;
use support::{key, sketch, T0};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn property_test_sums_equal_a_naive_sum(
        series in prop::collection::vec(
            prop::collection::vec((0i64..7_200_000, -1000i32..1000), 0..60), 1..5),
        from in 0i64..3_600_000,
        len in 1i64..3_600_000,
        step_s in prop::sample::select(vec![1u64, 5, 7, 10, 20, 60, 300, 600, 3600]),
    ) {
        let mut src = MemorySource::new();
        for (i, points) in series.iter().enumerate() {
            let id = src.add_series(key("m", &format!("h{i}"), &[], SeriesKind::Gauge, 10));
            for &(t, v) in points {
                src.push(id, T0 + t, f64::from(v));
            }
        }
        let (from_ms, to_ms) = (T0 + from, T0 + from + len);
        let q = format!("sum:m{{*}}.rollup(sum, {step_s})");
        let r = herd_query::evaluate(&src, &q, from_ms, to_ms).unwrap();
        // The interval is the one asked for unless that would exceed 1,500 points (the
        // choice itself is tested in interval.rs).
        let step = herd_query::interval::interval_s(from_ms, to_ms, Some(step_s)) * 1000;
        for s in &r.series {
            prop_assert_eq!(s.interval_s * 1000, step);
        }
        let buckets = (to_ms - 1).div_euclid(step) - from_ms.div_euclid(step) + 1;
        prop_assert!(buckets <= 1_500);
        if (to_ms - 1) / (step_s as i64 * 1000) - from_ms / (step_s as i64 * 1000) < 1_500 {
            prop_assert_eq!(step, step_s as i64 * 1000);
        }
        // Naive: every raw point whose interval overlaps the range, interval by interval.
        let first = from_ms.div_euclid(step) * step;
        let end = first + buckets * step;
        let mut naive = std::collections::BTreeMap::new();
        for points in &series {
            for &(t, v) in points {
                let t = T0 + t;
                if (first..end).contains(&t) {
                    *naive.entry(t.div_euclid(step) * step).or_insert(0.0) += f64::from(v);
                }
            }
        }
        let got: std::collections::BTreeMap<i64, f64> = r
            .series
            .iter()
            .flat_map(|s| s.pointlist.iter().filter_map(|&(t, v)| v.map(|v| (t, v))))
            .collect();
        prop_assert_eq!(got, naive);
    }

    #[test]
    fn property_test_merged_percentiles_stay_within_the_sketch_accuracy(
        samples in prop::collection::vec(
            prop::collection::vec((0i64..60_000, 1e-3f64..1e6), 1..200), 1..5),
        q in prop::sample::select(vec![0.0, 1.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0]),
    ) {
        let mut src = MemorySource::new();
        // Each series gets one sketch per 10 s of its samples.
        for (i, s) in samples.iter().enumerate() {
            let id = src.add_series(key("d", &format!("h{i}"), &[], SeriesKind::Sketch, 10));
            for window in 0..6 {
                let within: Vec<f64> = s
                    .iter()
                    .filter(|(t, _)| t / 10_000 == window)
                    .map(|&(_, v)| v)
                    .collect();
                if !within.is_empty() {
                    src.push_sketch(id, T0 + window * 10_000, sketch(within));
                }
            }
        }
        let query = format!("p{q}:d{{*}}.rollup(avg, 20)");
        let r = herd_query::evaluate(&src, &query, T0, T0 + 60_000).unwrap();
        let got = &r.series[0].pointlist;
        for interval in 0..3i64 {
            // Exact: the sample at rank round-half-even(q × (n − 1)) of the sorted samples.
            let mut all: Vec<f64> = samples
                .iter()
                .flatten()
                .filter(|(t, _)| t / 20_000 == interval)
                .map(|&(_, v)| v)
                .collect();
            let at = T0 + interval * 20_000;
            let value = got.iter().find(|p| p.0 == at).and_then(|p| p.1);
            if all.is_empty() {
                prop_assert!(value.is_none());
                continue;
            }
            all.sort_by(f64::total_cmp);
            let rank = (q / 100.0 * (all.len() - 1) as f64).round_ties_even() as usize;
            let exact = all[rank];
            let value = value.expect("a value where there are samples");
            prop_assert!(
                (value - exact).abs() <= exact * EPS,
                "{}: got {} exact {} over {} samples", query, value, exact, all.len()
            );
        }
    }
}

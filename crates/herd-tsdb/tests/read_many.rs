//! Reading many series at once (what a query over a metric does) gives each series what
//! reading it alone gives, across sealed blocks (entries read in runs) and the head, and
//! for series that are unknown or absent from a block.

mod support;

use herd_aggregate::PointKind;
use herd_tsdb::{Options, SeriesId, Store};
use support::{flush, point, T0};

#[test]
fn many_series_read_at_once_equal_each_read_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    let hosts: Vec<String> = (0..60).map(|h| format!("host-{h}")).collect();
    // 5 h of points a minute: two sealed 2 h windows and the head. Every third host
    // stops after the first hour, so later blocks lack its entry; the values are
    // uneven so that a bucket from the wrong series would show.
    for minute in 0..300u64 {
        let t = T0 + minute * 60_000;
        let points = hosts
            .iter()
            .enumerate()
            .filter(|(h, _)| h % 3 != 0 || minute < 60)
            .map(|(h, host)| {
                let v = (h as f64) * 1.5 + ((minute * 7 + h as u64) % 11) as f64 / 10.0;
                point(
                    "cpu",
                    &[&format!("host:{host}")],
                    "",
                    PointKind::Gauge,
                    t,
                    v,
                )
            })
            .collect();
        store.write(&flush(points)).unwrap();
    }
    // The two first windows sealed (if writing has not sealed them already): nothing moves
    // while the reads below are compared.
    store.seal(T0 as i64 + 4 * 3_600_000).unwrap();
    let mut ids: Vec<SeriesId> = store.series("cpu").into_iter().map(|(id, _)| id).collect();
    ids.reverse();
    ids.insert(7, SeriesId(999_999));
    let (from, to) = (T0 as i64 - 3_600_000, T0 as i64 + 6 * 3_600_000);
    for step in [60_000, 300_000, 600_000, 3_600_000, 20_000] {
        let many = store.read_buckets_many(&ids, from, to, step);
        assert_eq!(many.len(), ids.len());
        for (id, got) in ids.iter().zip(many.iter()) {
            assert_eq!(
                got,
                &store.read_buckets(*id, from, to, step),
                "{id:?} step {step}"
            );
        }
        assert!(many[7].is_empty(), "an unknown series reads nothing");
        assert!(
            many.iter().filter(|b| !b.is_empty()).count() == 60,
            "step {step}"
        );
    }
}

#[test]
fn many_distributions_read_at_once_equal_each_read_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    for minute in 0..200u64 {
        let t = T0 + minute * 60_000;
        let points = (0..20u64)
            .filter(|h| h % 4 != 0 || minute < 30)
            .map(|h| {
                let samples: Vec<f64> =
                    (0..3).map(|k| (h * 10 + (minute + k) % 7) as f64).collect();
                support::sketch_point("lat", &[&format!("host:h{h}")], t, &samples)
            })
            .collect();
        store.write(&flush(points)).unwrap();
    }
    store.seal(T0 as i64 + 2 * 3_600_000).unwrap();
    let mut ids: Vec<SeriesId> = store.series("lat").into_iter().map(|(id, _)| id).collect();
    ids.push(SeriesId(424_242));
    let (from, to) = (T0 as i64, T0 as i64 + 4 * 3_600_000);
    for step in [60_000, 300_000, 3_600_000] {
        let many = store.read_sketches_many(&ids, from, to, step);
        for (id, got) in ids.iter().zip(many.iter()) {
            assert_eq!(
                got,
                &store.read_sketches(*id, from, to, step),
                "{id:?} step {step}"
            );
        }
        assert_eq!(
            many.iter().filter(|s| !s.is_empty()).count(),
            20,
            "step {step}"
        );
    }
}

/// Sealed rollup rows are kept decoded: a second read finds them and answers the same, and
/// a store told to keep none decodes every time, with the same answer.
#[test]
fn rollup_rows_read_again_come_from_the_cache_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    for minute in 0..300u64 {
        let t = T0 + minute * 60_000;
        let points = (0..20)
            .map(|h| {
                let v = f64::from(h) + (minute % 13) as f64 / 4.0;
                point("mem", &[&format!("host:h{h}")], "", PointKind::Gauge, t, v)
            })
            .collect();
        store.write(&flush(points)).unwrap();
    }
    store.seal(T0 as i64 + 4 * 3_600_000).unwrap();
    let ids: Vec<SeriesId> = store.series("mem").into_iter().map(|(id, _)| id).collect();
    let (from, to, step) = (T0 as i64, T0 as i64 + 5 * 3_600_000, 300_000);
    let first = store.read_buckets_many(&ids, from, to, step);
    let after_first = store.stats();
    assert_eq!(after_first.read_cache_hits, 0);
    assert!(after_first.read_cache_misses >= 40, "{after_first:?}");
    assert!(after_first.read_cache_bytes > 0);
    let second = store.read_buckets_many(&ids, from, to, step);
    assert_eq!(first, second);
    let after_second = store.stats();
    assert_eq!(after_second.read_cache_hits, after_first.read_cache_misses);
    assert_eq!(
        after_second.read_cache_misses,
        after_first.read_cache_misses
    );
    drop(store);

    let none = Options {
        read_cache_bytes: 0,
        ..Options::default()
    };
    let store = Store::open(dir.path(), none).unwrap();
    assert_eq!(store.read_buckets_many(&ids, from, to, step), first);
    assert_eq!(store.read_buckets_many(&ids, from, to, step), first);
    let stats = store.stats();
    assert_eq!((stats.read_cache_hits, stats.read_cache_bytes), (0, 0));
}

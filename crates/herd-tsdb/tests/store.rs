//! The store end to end on real directories: write, read back, reopen, seal, retention,
//! lock, version.

mod support;

use std::time::Duration;

use herd_aggregate::PointKind;
use herd_tsdb::{Bucket, Error, FsyncPolicy, Options, SeriesKind, Store};
use support::{check, event, flush, point, sketch_point, T0};

fn opts() -> Options {
    Options::default()
}

#[test]
fn a_flush_reads_back_by_metric_series_and_bucket() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let mut f = flush(vec![
        point(
            "web.hits",
            &["env:prod", "svc:a"],
            "h1",
            PointKind::Rate,
            T0,
            0.6,
        ),
        point("web.hits", &["env:dev"], "h2", PointKind::Rate, T0, 1.5),
        point("q.depth", &[], "", PointKind::Gauge, T0, 7.0),
        sketch_point("lat", &["env:prod"], T0, &[1.0, 2.0, 3.0, 100.0]),
    ]);
    f.events
        .push(event("deploy", (T0 / 1000) as i64, &["env:prod"]));
    f.events
        .push(event("other", (T0 / 1000) as i64 + 5, &["env:dev"]));
    f.checks.push(check("db.up", "h1", 0, (T0 / 1000) as i64));
    store.write(&f).unwrap();
    store
        .write(&flush(vec![point(
            "web.hits",
            &["env:prod", "svc:a"],
            "h1",
            PointKind::Rate,
            T0 + 10_000,
            0.4,
        )]))
        .unwrap();
    let mut f2 = flush(vec![]);
    f2.checks
        .push(check("db.up", "h1", 2, (T0 / 1000) as i64 + 10));
    store.write(&f2).unwrap();

    let verify = |store: &Store| {
        assert_eq!(store.metric_names(), ["lat", "q.depth", "web.hits"]);
        let hits = store.series("web.hits");
        assert_eq!(hits.len(), 2);
        let (id, key) = hits.iter().find(|(_, k)| k.host == "h1").unwrap().clone();
        assert_eq!(key.tags, ["env:prod", "svc:a"]);
        assert_eq!((key.kind, key.interval_ms), (SeriesKind::Rate, 10_000));
        let t0 = T0 as i64;
        let raw = store.read_buckets(id, t0, t0 + 20_000, 10_000);
        assert_eq!(
            raw,
            [
                Bucket {
                    start_ms: t0,
                    min: 0.6,
                    max: 0.6,
                    sum: 0.6,
                    count: 1
                },
                Bucket {
                    start_ms: t0 + 10_000,
                    min: 0.4,
                    max: 0.4,
                    sum: 0.4,
                    count: 1
                }
            ]
        );
        let minute = store.read_buckets(id, t0, t0 + 60_000, 60_000);
        assert_eq!(minute.len(), 1);
        assert_eq!(
            (minute[0].min, minute[0].max, minute[0].count),
            (0.4, 0.6, 2)
        );
        assert!((minute[0].sum - 1.0).abs() < 1e-12);
        assert!(store
            .read_buckets(id, t0 + 60_000, t0 + 120_000, 60_000)
            .is_empty());
        let (lat, _) = store.series("lat")[0].clone();
        let sk = store.read_sketches(lat, t0, t0 + 3_600_000, 3_600_000);
        assert_eq!(sk.len(), 1);
        assert_eq!(sk[0].1.count(), 4);
        assert_eq!(sk[0].1.max(), 100.0);
        let b = store.read_buckets(lat, t0, t0 + 10_000, 10_000);
        assert_eq!((b[0].count, b[0].sum, b[0].min), (4, 106.0, 1.0));
        let tags = store.tags("web.hits");
        assert_eq!(tags["env"], ["dev", "prod"]);
        let from = (T0 / 1000) as i64;
        let ev = store.events(from, from + 60, &["env:prod".to_owned()]);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].title, "deploy");
        assert_eq!(store.events(from, from + 60, &[]).len(), 2);
        assert!(store.events(from + 6, from + 60, &[]).is_empty());
        let checks = store.latest_checks();
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, 2);
    };
    verify(&store);
    drop(store);
    let store = Store::open(dir.path(), opts()).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    verify(&store);
    // Sealed into a block, the same answers (from blocks, rollups and the checkpoint).
    assert_eq!(store.seal(T0 as i64 + 86_400_000).unwrap(), 1);
    verify(&store);
    assert_eq!(store.stats().blocks, 1);
    drop(store);
    let store = Store::open(dir.path(), opts()).unwrap();
    verify(&store);
    assert_eq!(store.stats().head_points, 0);
    assert!(store.check().damage.is_empty());
}

/// A day of three series at 10 s: every read equals the sum computed from the points.
#[test]
fn sealed_windows_rollups_and_the_head_agree_with_the_points() {
    let dir = tempfile::tempdir().unwrap();
    let fast = Options {
        fsync: FsyncPolicy::Never,
        ..opts()
    };
    let store = Store::open(dir.path(), fast).unwrap();
    let n = 8640 + 360; // a day and an hour
    let value = |s: u64, i: u64| ((i * 7 + s * 13) % 50) as f64 / 10.0;
    for i in 0..n {
        let t = T0 + i * 10_000;
        let pts = (0..3)
            .map(|s| {
                point(
                    "m",
                    &[&format!("s:{s}")],
                    "",
                    PointKind::Gauge,
                    t,
                    value(s, i),
                )
            })
            .collect();
        store.write(&flush(pts)).unwrap();
    }
    store.seal_due().unwrap();
    let st = store.stats();
    // The first day's twelve 2 h windows sealed, and compacted into one day block.
    assert!(st.block_points >= 3 * 8640, "{st:?}");
    assert_eq!(st.points, 3 * n);
    for (id, key) in store.series("m") {
        let series: u64 = key.tags[0][2..].parse().unwrap();
        for (from, to, step) in [
            (0, n, 10_000),
            (95, 4000, 60_000),
            (0, n, 3_600_000),
            (17, 8000, 300_000),
            (0, n, 86_400_000),
            (8000, n, 7_200_000),
        ] {
            let (f, t) = ((T0 + from * 10_000) as i64, (T0 + to * 10_000) as i64);
            let got = store.read_buckets(id, f, t, step);
            // Whole buckets: the aligned span covering [f, t).
            let lo = f.div_euclid(step) * step;
            let hi = (t - 1).div_euclid(step) * step + step;
            let mut want = std::collections::BTreeMap::<i64, (f64, u64)>::new();
            for i in 0..n {
                let ts = (T0 + i * 10_000) as i64;
                if ts >= lo && ts < hi {
                    let e = want.entry(ts.div_euclid(step) * step).or_default();
                    e.0 += value(series, i);
                    e.1 += 1;
                }
            }
            assert_eq!(got.len(), want.len(), "step {step}");
            for (b, (start, (sum, count))) in got.iter().zip(want) {
                assert_eq!((b.start_ms, b.count), (start, count));
                assert!((b.sum - sum).abs() < 1e-6, "{} vs {sum}", b.sum);
            }
        }
    }
    drop(store);
    let store = Store::open(dir.path(), opts()).unwrap();
    assert_eq!(store.stats().points, 3 * n);
}

#[test]
fn retention_deletes_whole_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let o = Options {
        retention: Duration::from_secs(86_400),
        ..opts()
    };
    let store = Store::open(dir.path(), o.clone()).unwrap();
    for h in 0..72 {
        let t = T0 + h * 3_600_000;
        store
            .write(&flush(vec![point("m", &[], "", PointKind::Gauge, t, 1.0)]))
            .unwrap();
        // Each window sealed (and its day compacted) as it closes, as at 10 s flushes.
        store.seal_due().unwrap();
    }
    let st = store.stats();
    // 72 hours of 2 h windows, the last one still open; whole days sealed are compacted
    // into day blocks, deleted once the whole day is past retention: day 0 is gone, day 1
    // (ends at 48 h, newest point at 71 h) is kept, and day 2's eleven windows.
    assert_eq!(st.blocks, 12, "{st:?}");
    assert_eq!(st.oldest_ms, Some(T0 as i64 + 24 * 3_600_000), "{st:?}");
    let blocks = std::fs::read_dir(dir.path().join("blocks"))
        .unwrap()
        .count();
    assert_eq!(blocks, st.blocks);
    let (id, _) = store.series("m")[0].clone();
    assert!(store
        .read_buckets(id, T0 as i64, T0 as i64 + 86_400_000, 3_600_000)
        .is_empty());
}

#[test]
fn a_second_opener_is_refused_naming_the_directory_and_pid() {
    let dir = tempfile::tempdir().unwrap();
    let _store = Store::open(dir.path(), opts()).unwrap();
    let err = Store::open(dir.path(), opts()).unwrap_err();
    let Error::Locked { pid, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(*pid, Some(std::process::id()));
    let msg = err.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(
        msg.contains("in use") && msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
}

#[test]
fn a_newer_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), opts()).unwrap());
    std::fs::write(dir.path().join("VERSION"), "herd-tsdb 99\n").unwrap();
    let err = Store::open(dir.path(), opts()).unwrap_err();
    assert!(
        matches!(err, Error::NewerVersion { found: 99, .. }),
        "{err}"
    );
    let msg = err.to_string();
    assert!(msg.contains("VERSION") && msg.contains("99"), "{msg}");
}

#[test]
fn a_read_only_view_beside_the_writer_sees_what_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    for k in 0..200u64 {
        let t = T0 + k * 60_000;
        store
            .write(&flush(vec![point(
                "ro",
                &[],
                "",
                PointKind::Gauge,
                t,
                k as f64,
            )]))
            .unwrap();
    }
    assert_eq!(store.stats().blocks, 1);
    let files = |d: &std::path::Path| {
        let mut v: Vec<_> = walk(d);
        v.sort();
        v
    };
    let before = files(dir.path());
    let reader = Store::open_read_only(dir.path()).unwrap();
    assert_eq!(files(dir.path()), before, "a reader changes no file");
    let (id, _) = reader.series("ro")[0].clone();
    let t0 = T0 as i64;
    let all = reader.read_buckets(id, t0, t0 + 86_400_000, 86_400_000);
    assert_eq!(
        (all[0].count, all[0].sum),
        (200, (0..200).sum::<u64>() as f64)
    );
    let err = reader.write(&flush(vec![])).unwrap_err();
    assert!(matches!(err, Error::ReadOnly { .. }), "{err}");
    // The writer goes on; a fresh view sees it.
    store
        .write(&flush(vec![point(
            "ro",
            &[],
            "",
            PointKind::Gauge,
            T0 + 200 * 60_000,
            1.0,
        )]))
        .unwrap();
    let fresh = Store::open_read_only(dir.path()).unwrap();
    assert_eq!(
        fresh.read_buckets(id, t0, t0 + 86_400_000, 86_400_000)[0].count,
        201
    );
    assert!(fresh.warnings().is_empty(), "{:?}", fresh.warnings());
    let missing = Store::open_read_only(dir.path().join("nope")).unwrap_err();
    assert!(missing.to_string().contains("nope"), "{missing}");
}

fn walk(d: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(d).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        if m.is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push((e.path(), m.len()));
        }
    }
    out
}

/// The daemon's flush thread writes while HTTP threads read: one store, shared.
#[test]
fn a_store_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Store>();
}

#[test]
fn a_flush_of_many_new_series_is_stored_whole_and_reopens() {
    // 20,000 new series in one flush: their definitions (~1 MB) go to the series log in
    // several batches, all before the flush's log record.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let n = 20_000;
    let tags: Vec<String> = (0..n)
        .map(|i| format!("shard:{i:05}-a-long-tag-value"))
        .collect();
    let pts = (0..n)
        .map(|i| point("many", &[&tags[i]], "h", PointKind::Gauge, T0, i as f64))
        .collect();
    store.write(&flush(pts)).unwrap();
    drop(store);
    let store = Store::open(dir.path(), opts()).unwrap();
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
    let series = store.series("many");
    assert_eq!(series.len(), n);
    for (id, key) in series.iter().step_by(997) {
        let i: usize = key.tags[0][6..11].parse().unwrap();
        let b = store.read_buckets(*id, T0 as i64, T0 as i64 + 10_000, 10_000);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].sum, i as f64);
    }
}

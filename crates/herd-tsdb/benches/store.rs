//! The store's costs: writing a flush of 100k series (fsync every flush, as by default), a
//! 7-day query of one series, and reading 1,000 series over 24 hours (what
//! `avg:m{*} by {host}` reads at Datadog's default 5-minute interval for a day; and at a
//! 2-minute step, from minute rows or, without stored minute rollups, from the points).
//! `cargo bench -p herd-tsdb --bench store`; figures in `docs/benchmarks.md`.
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use herd_aggregate::{Context, Flush, Point, PointKind, Value};
use herd_dogstatsd::MetricType;
use herd_tsdb::{FsyncPolicy, Options, SeriesId, Store};

const T0: i64 = 1_764_000_000_000 - 1_764_000_000_000 % 86_400_000;

fn contexts(n: usize, name: &str) -> Vec<Arc<Context>> {
    (0..n)
        .map(|i| {
            let tags = [
                format!("env:{}", ["prod", "dev"][i % 2]),
                format!("shard:{}", i % 100),
            ];
            let host = format!("host-{}", i % 1000);
            Arc::new(Context::new(
                name,
                tags.iter().map(String::as_str),
                &host,
                MetricType::Gauge,
            ))
        })
        .collect()
}

fn flush(ctx: &[Arc<Context>], t_ms: i64, f: usize) -> Flush {
    let points = ctx
        .iter()
        .enumerate()
        .map(|(i, c)| Point {
            context: c.clone(),
            suffix: "".into(),
            kind: PointKind::Gauge,
            interval_ms: 10_000,
            timestamp_ms: t_ms as u64,
            value: Value::Scalar(((i * 7 + f * 3) % 1000) as f64 / 10.0),
        })
        .collect();
    Flush {
        points,
        ..Flush::default()
    }
}

/// A store holding `series` series of 10 s points over `hours`, all sealed but the last window.
fn filled(
    dir: &std::path::Path,
    series: usize,
    hours: i64,
    minute_rollups: bool,
) -> (Store, Vec<SeriesId>) {
    let opts = Options {
        fsync: FsyncPolicy::Never,
        minute_rollups,
        ..Options::default()
    };
    let store = Store::open(dir, opts).unwrap();
    let ctx = contexts(series, "bench.m");
    for f in 0..hours * 360 {
        store
            .write(&flush(&ctx, T0 + f * 10_000, f as usize))
            .unwrap();
    }
    store.seal(T0 + hours * 3_600_000).unwrap();
    let ids = store.series("bench.m").into_iter().map(|s| s.0).collect();
    (store, ids)
}

fn write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Options::default()).unwrap();
    let ctx = contexts(100_000, "bench.w");
    let mut f = 0;
    store.write(&flush(&ctx, T0, 0)).unwrap(); // series known from here on
    let mut g = c.benchmark_group("write");
    g.sample_size(20).measurement_time(Duration::from_secs(20));
    g.bench_function("flush of 100k series, fsync", |b| {
        b.iter_batched(
            || {
                f += 1;
                flush(&ctx, T0 + f * 10_000, f as usize)
            },
            |fl| store.write(&fl).unwrap(),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn query(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (store, ids) = filled(dir.path(), 1, 7 * 24, true);
    let (from, to) = (T0, T0 + 7 * 86_400_000);
    let mut g = c.benchmark_group("query 1 series, 7 days");
    for (name, step) in [
        ("1 h step (hour rollups)", 3_600_000),
        ("10 min step (5-minute rollups)", 600_000),
        ("10 s step (raw)", 10_000),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| store.read_buckets(ids[0], from, to, step));
        });
    }
    g.finish();
    drop(store);

    let mut g = c.benchmark_group("query 1,000 series, 24 h");
    g.sample_size(20);
    for minute_rollups in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let (store, ids) = filled(dir.path(), 1_000, 24, minute_rollups);
        let (from, to) = (T0, T0 + 86_400_000);
        let name = if minute_rollups {
            "5 min step (5-minute rollups)"
        } else {
            "2 min step (minute rows from the points)"
        };
        let step = if minute_rollups { 300_000 } else { 120_000 };
        g.bench_function(name, |b| {
            b.iter(|| {
                ids.iter()
                    .map(|&id| store.read_buckets(id, from, to, step).len())
                    .sum::<usize>()
            });
        });
    }
    g.finish();
}

criterion_group!(benches, write, query);
criterion_main!(benches);

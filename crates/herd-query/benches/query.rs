//! Query benchmarks: `avg:m{*} by {host}` over 1,000 series × 24 h of 10 s points from a
//! `MemorySource` (which reduces raw points on every read, the slowest path a source can
//! take), and parse speed.
//!
//! `cargo bench -p herd-query --bench query`

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use herd_aggregate::Sketch;
use herd_query::{evaluate, parse, Bucket, MemorySource, SeriesId, SeriesKey, SeriesKind, Source};
use std::collections::HashMap;

const T0: i64 = 1_764_000_000_000;
const DAY_MS: i64 = 86_400_000;
const SERIES: usize = 1_000;
const HOSTS: usize = 100;

/// 1,000 gauge series (100 hosts × 10 shards) with a point every 10 s for a day: 8.64 M points.
fn day_of_data() -> MemorySource {
    let mut src = MemorySource::new();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..SERIES {
        let id = src.add_series(SeriesKey {
            name: "m".into(),
            tags: vec![format!("shard:{}", i / HOSTS), "env:prod".into()],
            host: format!("host-{}", i % HOSTS),
            kind: SeriesKind::Gauge,
            interval_ms: 10_000,
        });
        let mut v = 100.0;
        for t in (0..DAY_MS).step_by(10_000) {
            // xorshift: a cheap random walk in 0.1 steps, like a statsd gauge.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v += if x & 1 == 0 { 0.1 } else { -0.1 };
            src.push(id, T0 + t, v);
        }
    }
    src
}

/// The same series with their 5-minute buckets computed once, as a store with rollups
/// serves them: what is left is the query's own work (selection, grouping, aggregation).
struct Rolled {
    inner: MemorySource,
    buckets: HashMap<SeriesId, Vec<Bucket>>,
}

impl Rolled {
    fn new(inner: MemorySource) -> Self {
        let buckets = inner
            .series("m")
            .into_iter()
            .map(|(id, _)| (id, inner.read_buckets(id, T0, T0 + DAY_MS, 300_000)))
            .collect();
        Rolled { inner, buckets }
    }
}

impl Source for Rolled {
    fn metric_names(&self) -> Vec<String> {
        self.inner.metric_names()
    }
    fn series(&self, metric: &str) -> Vec<(SeriesId, SeriesKey)> {
        self.inner.series(metric)
    }
    fn read_buckets(&self, id: SeriesId, from: i64, to: i64, step: i64) -> Vec<Bucket> {
        assert_eq!((from, to, step), (T0, T0 + DAY_MS, 300_000));
        self.buckets[&id].clone()
    }
    fn read_sketches(&self, _: SeriesId, _: i64, _: i64, _: i64) -> Vec<(i64, Sketch)> {
        Vec::new()
    }
}

fn bench_query(c: &mut Criterion) {
    let src = day_of_data();
    let mut g = c.benchmark_group("query");
    g.sample_size(10);
    g.bench_function("avg:m{*} by {host}, 1,000 series x 24 h", |b| {
        b.iter(|| {
            let r = evaluate(&src, "avg:m{*} by {host}", T0, T0 + DAY_MS).unwrap();
            assert_eq!(r.series.len(), HOSTS);
            black_box(r)
        });
    });
    let rolled = Rolled::new(src.clone());
    g.bench_function(
        "avg:m{*} by {host}, 1,000 series x 24 h, from 5 min buckets",
        |b| {
            b.iter(|| {
                let r = evaluate(&rolled, "avg:m{*} by {host}", T0, T0 + DAY_MS).unwrap();
                assert_eq!(r.series.len(), HOSTS);
                black_box(r)
            });
        },
    );
    g.bench_function("sum:m{host:host-7}.rollup(max, 60), 24 h", |b| {
        b.iter(|| {
            black_box(
                evaluate(&src, "sum:m{host:host-7}.rollup(max, 60)", T0, T0 + DAY_MS).unwrap(),
            )
        });
    });
    g.finish();
}

fn bench_parse(c: &mut Criterion) {
    let queries = [
        "avg:m{*} by {host}",
        "sum:web.hits{env:prod,!host:b,role:web-*} by {host,az}.as_count().rollup(sum, 60).fill(zero, 120)",
        "top(sum:a{env IN (prod, staging) AND NOT (canary OR host:x)} by {host} / sum:b{*} * 100, 10, 'mean', 'desc')",
    ];
    let bytes: usize = queries.iter().map(|q| q.len()).sum();
    let mut g = c.benchmark_group("parse");
    g.throughput(criterion::Throughput::Bytes(bytes as u64));
    g.bench_function("three queries", |b| {
        b.iter(|| {
            for q in queries {
                black_box(parse(black_box(q)).unwrap());
            }
        });
    });
    g.finish();
}

criterion_group!(benches, bench_query, bench_parse);
criterion_main!(benches);

//! The worker's per-message cost on `herd blast` traffic: decode only, and decode + aggregate,
//! single-threaded with no sockets, so the daemon's figures can be split into parts.
//!
//! Two loads: `herd blast`'s default (lading's DogStatsD mix, 3–8 tags, 8 KiB datagrams) at
//! 1k / 10k / 100k contexts, and the plain StatsD lines of the peer comparison
//! (`bench/ingest`: no tags, c/g/ms/s, 1,000 contexts, 1432-byte datagrams).
//!
//! The aggregator flushes once every ten rounds of ~1 M messages: the daemon flushes every
//! 10 s, so even at 1 M messages/s it sees 10 M messages per flush, and flushing more often
//! than that would measure state creation and flush instead of the steady state.
//!
//! Run: `cargo bench -p herd-server --bench pipeline`
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herd_aggregate::{AggregateConfig, Aggregator};
use herd_dogstatsd::{decode, Limits};
use herd_server::blast::{generate, Shape};

/// Rounds between two flushes.
const ROUNDS_PER_FLUSH: u32 = 10;

fn bench_load(c: &mut Criterion, name: &str, shape: &Shape) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("pipeline");
    let payloads = generate(shape);
    // About 1 M messages, every context included.
    let mut datagrams = Vec::new();
    let mut messages = 0u64;
    for (d, n) in &payloads.datagrams {
        if messages >= 1_000_000 {
            break;
        }
        datagrams.push(d.as_slice());
        messages += u64::from(*n);
    }
    group.throughput(Throughput::Elements(messages));
    group.bench_with_input(BenchmarkId::new("decode", name), &datagrams, |b, ds| {
        b.iter(|| {
            ds.iter()
                .map(|d| decode(d, &limits).flatten().count())
                .sum::<usize>()
        });
    });
    let mut agg = Aggregator::new(AggregateConfig {
        context_limit: 1_000_000,
        ..AggregateConfig::default()
    });
    let mut now = 1_700_000_000_000u64;
    let mut round = 0;
    group.bench_with_input(
        BenchmarkId::new("decode_aggregate", name),
        &datagrams,
        |b, ds| {
            b.iter(|| {
                let mut messages = Vec::with_capacity(128);
                for d in ds {
                    messages.clear();
                    messages.extend(decode(d, &limits).flatten());
                    agg.insert_batch(&messages, now);
                }
                round += 1;
                if round % ROUNDS_PER_FLUSH == 0 {
                    now += 10_000;
                    agg.flush(now).points.len()
                } else {
                    0
                }
            });
        },
    );
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    for contexts in [1_000usize, 10_000, 100_000] {
        let shape = Shape {
            contexts,
            datagram_size: 8192,
            ..Shape::default()
        };
        bench_load(c, &contexts.to_string(), &shape);
    }
    // The peer comparison's load (bench/ingest: PLAIN).
    let plain = Shape {
        contexts: 1_000,
        tags: (0, 0),
        mix: [208, 66, 0, 9, 0, 73],
        packed: 0.0,
        datagram_size: 1432,
        ..Shape::default()
    };
    bench_load(c, "plain", &plain);
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);

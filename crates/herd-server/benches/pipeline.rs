//! The worker's per-message cost on `herd blast` traffic: decode only, and decode + aggregate,
//! single-threaded with no sockets, so the daemon's figures can be split into parts.
//!
//! Run: `cargo bench -p herd-server --bench pipeline`
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herd_aggregate::{AggregateConfig, Aggregator};
use herd_dogstatsd::{decode, Limits};
use herd_server::blast::{generate, Shape};

fn bench_pipeline(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("pipeline");
    for contexts in [1_000usize, 10_000, 100_000] {
        let payloads = generate(&Shape {
            contexts,
            datagram_size: 8192,
            ..Shape::default()
        });
        // About 1 M messages, every context included.
        let datagrams: Vec<_> = payloads.datagrams.iter().take(13_000).collect();
        let messages: u64 = datagrams.iter().map(|(_, n)| u64::from(*n)).sum();
        group.throughput(Throughput::Elements(messages));
        group.bench_with_input(BenchmarkId::new("decode", contexts), &datagrams, |b, ds| {
            b.iter(|| {
                ds.iter()
                    .map(|(d, _)| decode(d, &limits).flatten().count())
                    .sum::<usize>()
            });
        });
        let mut agg = Aggregator::new(AggregateConfig {
            context_limit: 1_000_000,
            ..AggregateConfig::default()
        });
        let mut now = 1_700_000_000_000u64;
        group.bench_with_input(
            BenchmarkId::new("decode_aggregate", contexts),
            &datagrams,
            |b, ds| {
                b.iter(|| {
                    let mut messages = Vec::with_capacity(128);
                    for (d, _) in ds {
                        messages.clear();
                        messages.extend(decode(d, &limits).flatten());
                        agg.insert_batch(&messages, now);
                    }
                    // Flush each round, as the daemon does every interval, so states stay small.
                    now += 10_000;
                    agg.flush(now).points.len()
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);

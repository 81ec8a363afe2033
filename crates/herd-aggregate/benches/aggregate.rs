//! Aggregation throughput: decoded messages into contexts and buckets.
//!
//! Run: `cargo bench -p herd-aggregate --bench aggregate`
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herd_aggregate::{AggregateConfig, Aggregator};
use herd_dogstatsd::{decode, Limits};

fn bench_insert(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("aggregate");
    for contexts in [100usize, 10_000] {
        let mut datagram = Vec::new();
        for i in 0..1000 {
            let ctx = (i * 7919) % contexts;
            let line = match i % 4 {
                0 => format!("app.requests:1|c|#env:prod,route:r{ctx},az:a,ver:1.2\n"),
                1 => format!("app.queue:{i}|g|#env:prod,queue:q{ctx},az:a\n"),
                2 => format!(
                    "app.latency:{}|ms|@0.5|#env:prod,route:r{ctx},az:a,ver:1.2\n",
                    i % 300
                ),
                _ => format!("app.size:{}|d|#env:prod,route:r{ctx},region:eu\n", i % 5000),
            };
            datagram.extend_from_slice(line.as_bytes());
        }
        let messages: Vec<_> = decode(&datagram, &limits).map(Result::unwrap).collect();
        group.throughput(Throughput::Elements(messages.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("insert", contexts),
            &messages,
            |b, messages| {
                let mut agg = Aggregator::new(AggregateConfig::default());
                let mut now = 1_700_000_000_000u64;
                b.iter(|| {
                    for m in messages {
                        agg.insert(m, now);
                    }
                    now += 1;
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench_insert);
criterion_main!(benches);

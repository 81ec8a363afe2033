//! Decoder throughput, in messages and bytes per second, for the shapes that matter.
//!
//! Run: `cargo bench -p herd-dogstatsd --bench decode`
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herd_dogstatsd::{decode, Limits, Message};

/// Builds a datagram of about `target` bytes by repeating `message` (newline-separated).
fn datagram(message: &str, target: usize) -> (Vec<u8>, u64) {
    let mut out = Vec::with_capacity(target + message.len());
    let mut count = 0;
    while out.len() + message.len() < target || count == 0 {
        out.extend_from_slice(message.as_bytes());
        out.push(b'\n');
        count += 1;
    }
    (out, count)
}

fn bench_decode(c: &mut Criterion) {
    let cases = [
        ("bare_counter", "page.views:1|c".to_owned()),
        (
            // 100 bytes with 5 tags: the shape of the 10 M messages/s goal.
            "metric_100b_5tags",
            "web.request.duration:42.5|ms|@0.5|#env:production,service:checkout,region:us-east-1,version:1.2,az:b".to_owned(),
        ),
        ("packed_values", "lat:12:15.5:9:30:41:7:22:18|h|#env:prod,svc:api".to_owned()),
        (
            "event",
            "_e{21,36}:An exception occurred|Cannot parse CSV file from 10.0.0.17|t:warning|#err_type:bad_file".to_owned(),
        ),
        ("service_check", "_sc|Redis connection|2|#env:dev|m:Redis connection timed out after 10s".to_owned()),
    ];
    assert_eq!(cases[1].1.len(), 100);
    let limits = Limits::default();
    let mut group = c.benchmark_group("decode");
    for (name, message) in &cases {
        let (dgram, count) = datagram(message, 8192);
        assert!(
            decode(&dgram, &limits).all(|r| r.is_ok()),
            "{name} must decode"
        );
        group.throughput(Throughput::Elements(count));
        group.bench_with_input(BenchmarkId::new("messages", name), &dgram, |b, d| {
            b.iter(|| {
                let mut n = 0usize;
                for m in decode(d, &limits) {
                    if let Ok(Message::Metric(m)) = m {
                        n += m.tags.as_wire().len();
                    }
                    n += 1;
                }
                n
            });
        });
        group.throughput(Throughput::Bytes(dgram.len() as u64));
        group.bench_with_input(BenchmarkId::new("bytes", name), &dgram, |b, d| {
            b.iter(|| decode(d, &limits).flatten().count());
        });
    }
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);

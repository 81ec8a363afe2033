//! The relay's hot path without processes: splitting a child's bytes into lines and formatting
//! them with the `HH:MM:SS name | ` prefix, in lines per second.
//!
//! Run: `cargo bench -p herd-procfile --bench relay`
#![allow(missing_docs)] // criterion_group! generates undocumented public items

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use herd_procfile::output::{LineSplitter, Output, Style};

fn relay(c: &mut Criterion) {
    let mut group = c.benchmark_group("relay");
    for line_len in [16usize, 64, 256] {
        let mut line = vec![b'x'; line_len - 1];
        line.push(b'\n');
        let chunk: Vec<u8> = line.iter().copied().cycle().take(1 << 16).collect();
        let lines = memchr::memchr_iter(b'\n', &chunk).count() as u64;
        group.throughput(Throughput::Elements(lines));
        group.bench_with_input(BenchmarkId::from_parameter(line_len), &chunk, |b, chunk| {
            let style = Style {
                timestamps: true,
                color: false,
            };
            let mut out = Output::new(std::io::sink(), style, ["web.1", "worker.1"]);
            let label = out.label("web.1", 0);
            let mut splitter = LineSplitter::default();
            b.iter(|| {
                out.tick();
                splitter.feed(chunk, |l| out.line(&label, l));
                out.flush();
            });
        });
    }
    group.finish();
}

criterion_group!(benches, relay);
criterion_main!(benches);

//! How long reopening a data directory takes when its write-ahead log holds a whole block
//! window (nothing sealed yet): every point is replayed into the head.
//!
//! `cargo run --release -p herd-tsdb --example replay_seconds -- [SERIES] [MINUTES] [DIR]`
//! (defaults: 10,000 series, 120 minutes of 10 s flushes, a temporary directory). Prints one
//! JSON line: points, log bytes, the reopen's seconds and the RSS it grew by.

use std::sync::Arc;
use std::time::Instant;

use herd_aggregate::{Context, Flush, Point, PointKind, Value};
use herd_dogstatsd::MetricType;
use herd_tsdb::{FsyncPolicy, Options, Store};

#[allow(dead_code)] // its value generators serve the other examples
mod shapes;

use shapes::rss_kib;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (series, minutes) = (arg(1, 10_000), arg(2, 120));
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = args
        .get(3)
        .map_or_else(|| tmp.path().to_owned(), Into::into);
    let opts = Options {
        fsync: FsyncPolicy::Never,
        ..Options::default()
    };
    // One 2 h window from its start: the last flush is at its end less 10 s, so none seals.
    let t0 = 1_764_000_000_000u64; // a multiple of 2 h
    let mut points: Vec<Point> = (0..series)
        .map(|i| Point {
            context: Arc::new(Context::new(
                &format!("replay.metric.{}", i / 100),
                [
                    format!("env:{}", ["prod", "staging"][(i % 2) as usize]).as_str(),
                    format!("shard:{}", i % 100).as_str(),
                ],
                &format!("host-{}", i % 50),
                MetricType::Gauge,
            )),
            suffix: "".into(),
            kind: PointKind::Gauge,
            interval_ms: 10_000,
            timestamp_ms: 0,
            value: Value::Scalar(0.0),
        })
        .collect();
    {
        let store = Store::open(&dir, opts.clone()).expect("open");
        let mut level = 0.0f64;
        for f in 0..minutes * 6 {
            for (i, p) in points.iter_mut().enumerate() {
                p.timestamp_ms = t0 + f * 10_000;
                // A slow random-walk-like gauge: a step every few flushes, per series.
                if (f + i as u64).is_multiple_of(7) {
                    level += 0.1;
                }
                p.value = Value::Scalar((level * 10.0).round() / 10.0 + (i % 13) as f64);
            }
            let flush = Flush {
                points: std::mem::take(&mut points),
                ..Flush::default()
            };
            store.write(&flush).expect("write");
            points = flush.points;
        }
        store.sync().expect("sync");
        assert_eq!(store.stats().blocks, 0, "the window is still in the log");
    }
    drop(points);
    let rss_before = rss_kib();
    let started = Instant::now();
    let store = Store::open(&dir, opts).expect("reopen");
    let reopen_seconds = started.elapsed().as_secs_f64();
    let rss_growth = rss_kib().saturating_sub(rss_before);
    let s = store.stats();
    assert_eq!(s.head_points, series * minutes * 6);
    println!(
        "{{\"series\": {series}, \"minutes\": {minutes}, \"points\": {}, \"wal_bytes\": {}, \"reopen_seconds\": {reopen_seconds:.3}, \"rss_growth_kib\": {rss_growth}, \"head_bytes\": {}, \"head_file_bytes\": {}}}",
        s.head_points, s.wal_bytes, s.head_bytes, s.head_file_bytes
    );
}

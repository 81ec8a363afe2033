//! A large data directory, and the time `Store::open` takes to reopen it
//! (`bench/tsdb/reopen.sh`; results in `docs/benchmarks.md`, Store).
//!
//! - `reopen_data write DIR [series] [days]` (default 10000 15): statsd-shaped series at 10 s
//!   ending at the last whole hour (so a daemon started on the directory, whose own points are
//!   stamped now, keeps them within its 15-day retention), written one flush at a time through
//!   `Store::write` with the default options, all sealed; prints the store's stats as JSON.
//!   10,000 series × 15 days is ~1 GiB (1.3 G points).
//! - `reopen_data append DIR [series] [hours]` (default 10000 2): the same series again, from
//!   the next 2 h boundary after the newest point, for `hours` (a whole block window by
//!   default) and not sealed: what a daemon stopped just before a seal leaves in its
//!   write-ahead log for the next open to replay.
//! - `reopen_data open DIR`: opens the directory as the daemon does (read-write, taking the
//!   lock) and prints how long that took, with the series and block counts, as JSON.
//!
//! The mix follows `herd blast`'s default type weights without distributions and histograms
//! (counters 208, gauges 66, sets 9): counters as rates of Poisson-like counts ÷ 10 (a tenth
//! idle at 0), gauges as 0.1-step random walks or (a quarter) constants, set sizes as small
//! integers; 500 metric names over 20 hosts, two tags each.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use herd_aggregate::{Context, Flush, Point, PointKind, Value};
use herd_dogstatsd::MetricType;
use herd_tsdb::{FsyncPolicy, Options, Store};

// Not every shape is used here; the module is shared with the other examples.
#[allow(dead_code)]
mod shapes;

use shapes::{value, Rng, Shape};

/// The series of the mix: a context, its kind and its shape.
fn mix(series: usize, rng: &mut Rng) -> Vec<(Arc<Context>, PointKind, Shape)> {
    (0..series)
        .map(|i| {
            let (name, kind, mt, shape) = match rng.next() % 283 {
                0..208 if rng.unit() < 0.1 => {
                    ("app.idle", PointKind::Rate, MetricType::Count, Shape::Idle)
                }
                0..208 => (
                    "app.hits",
                    PointKind::Rate,
                    MetricType::Count,
                    Shape::Rate {
                        lambda: 1.0 + rng.unit() * 300.0,
                    },
                ),
                208..274 if rng.unit() < 0.25 => (
                    "app.conf",
                    PointKind::Gauge,
                    MetricType::Gauge,
                    Shape::Constant((rng.next() % 64) as f64),
                ),
                208..274 => (
                    "app.level",
                    PointKind::Gauge,
                    MetricType::Gauge,
                    Shape::Walk {
                        at: (rng.unit() * 1000.0).round() / 10.0,
                    },
                ),
                _ => (
                    "app.users",
                    PointKind::Gauge,
                    MetricType::Set,
                    Shape::SetSize {
                        at: (rng.next() % 100) as f64,
                    },
                ),
            };
            let name = format!("{name}.{}", i / 20 % 500);
            let tags = [
                format!("env:{}", ["prod", "staging"][i % 2]),
                format!("shard:{}", i / 10_000),
            ];
            let host = format!("host-{}", i % 20);
            let ctx = Context::new(&name, tags.iter().map(String::as_str), &host, mt);
            (Arc::new(ctx), kind, shape)
        })
        .collect()
}

/// Writes `flushes` 10 s flushes of `series` series from `t0` (ms), sealing only what the
/// store seals by itself, and returns the store.
fn write_flushes(dir: &Path, series: usize, t0: u64, flushes: u64) -> Store {
    let mut rng = Rng(0x0e0e_1234_5678);
    let mut contexts = mix(series, &mut rng);
    let opts = Options {
        fsync: FsyncPolicy::Never,
        ..Options::default()
    };
    let store = Store::open(dir, opts).unwrap();
    for f in 0..flushes {
        let points = contexts
            .iter_mut()
            .map(|(ctx, kind, shape)| Point {
                context: ctx.clone(),
                suffix: "".into(),
                kind: *kind,
                interval_ms: 10_000,
                timestamp_ms: t0 + f * 10_000,
                value: Value::Scalar(value(shape, &mut rng)),
            })
            .collect();
        store
            .write(&Flush {
                points,
                ..Flush::default()
            })
            .unwrap();
    }
    store
}

fn write(dir: &Path, series: usize, days: u64) {
    let now_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let t0 = (now_s / 3600 * 3600 - days * 86_400) * 1000;
    let started = Instant::now();
    let store = write_flushes(dir, series, t0, days * 8_640);
    store.seal(i64::MAX).unwrap();
    let s = store.stats();
    println!(
        "{{\"series\": {}, \"days\": {days}, \"points\": {}, \"blocks\": {}, \"block_bytes\": {}, \
         \"bytes_per_sample\": {:.3}, \"write_seconds\": {:.1}}}",
        s.series,
        s.points,
        s.blocks,
        s.block_bytes,
        s.bytes_per_point,
        started.elapsed().as_secs_f64()
    );
}

fn append(dir: &Path, series: usize, hours: u64) {
    const WINDOW_MS: u64 = 2 * 3_600_000;
    let newest = Store::open_read_only(dir)
        .unwrap()
        .stats()
        .newest_ms
        .unwrap();
    let t0 = (newest as u64 / WINDOW_MS + 1) * WINDOW_MS;
    let store = write_flushes(dir, series, t0, hours * 360);
    let s = store.stats();
    println!(
        "{{\"series\": {}, \"points\": {}, \"head_points\": {}, \"wal_bytes\": {}}}",
        s.series, s.points, s.head_points, s.wal_bytes
    );
}

fn open(dir: &Path) {
    let started = Instant::now();
    let store = Store::open(dir, Options::default()).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let s = store.stats();
    println!(
        "{{\"open_seconds\": {seconds:.4}, \"series\": {}, \"blocks\": {}, \"block_bytes\": {}, \"points\": {}, \"head_points\": {}}}",
        s.series, s.blocks, s.block_bytes, s.points, s.head_points
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("write"), Some(dir)) => write(Path::new(dir), arg(3, 10_000) as usize, arg(4, 15)),
        (Some("append"), Some(dir)) => append(Path::new(dir), arg(3, 10_000) as usize, arg(4, 2)),
        (Some("open"), Some(dir)) => open(Path::new(dir)),
        _ => {
            eprintln!("usage: reopen_data write DIR [series] [days] | append DIR [series] [hours] | open DIR");
            std::process::exit(2);
        }
    }
}

//! Writes statsd-shaped series through the store and prints the bytes per sample on disk
//! after sealing, as JSON. Run by `bench/tsdb/bytes-per-sample.sh`; see `docs/benchmarks.md`.
//!
//! `bytes_per_sample [series] [hours] [block hours] [dir]` (default 10000 24 2, a temp dir);
//! `HERD_BPS_MINUTE_ROLLUPS=1` stores float minute rollups for every series (by default a
//! level is stored only where it thins the rows 10×: not the minute rows of 10 s points).
//! A whole day sealed is compacted into one day block (by the final seal).
//!
//! The mix follows `herd blast`'s default type weights (c 208, g 66, s 9, h 1; its `d` 72
//! are distributions, stored as sketches, and left out of this float figure), with values
//! shaped like real traffic rather than blast's uniform noise: counters flushed as rates
//! (Poisson-like counts ÷ 10, a tenth idle at 0), gauges as 0.1-step random walks or (a
//! quarter) constants, set sizes as small integers, and histograms as their five aggregates
//! (`.count` rate, `.avg`, `.median`, `.max`, `.95percentile`) of integer-millisecond samples.
//! `HERD_BPS_HISTOGRAMS=1` makes a fifth of the contexts histograms instead (a harder mix).

use std::sync::Arc;
use std::time::{Duration, Instant};

use herd_aggregate::{Context, Flush, Point, PointKind, Value};
use herd_dogstatsd::MetricType;
use herd_tsdb::{FsyncPolicy, Options, Store};

mod shapes;

use shapes::{rss_kib, value, Rng, Shape};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (series, hours, block_hours) = (arg(1, 10_000) as usize, arg(2, 24), arg(3, 2));
    let tmp = tempfile::tempdir().unwrap();
    let dir = args
        .get(4)
        .map_or_else(|| tmp.path().to_owned(), Into::into);
    let heavy = std::env::var_os("HERD_BPS_HISTOGRAMS").is_some_and(|v| v == "1");
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut shapes = Vec::with_capacity(series);
    let mut contexts = Vec::with_capacity(series);
    let suffixes = [".count", ".avg", ".median", ".max", ".95percentile"];
    while shapes.len() < series {
        let i = shapes.len();
        let tags = [
            format!("env:{}", ["prod", "staging"][i % 2]),
            format!("service:svc{}", i % 37),
        ];
        let host = format!("host-{}", i % 50);
        // herd blast's default weights without distributions: c 208, g 66, s 9, h 1 (or a
        // fifth histograms when asked).
        let pick = match rng.next() % 284 {
            p if heavy && p < 57 => 274 + p % 72,
            p if p >= 283 => 274,
            p if p >= 274 => 346 + p % 9,
            p => p,
        };
        let (name, kind, mt, shape): (String, _, _, Vec<Shape>) = match pick {
            0..208 if rng.unit() < 0.1 => (
                format!("app.idle.{i}"),
                PointKind::Rate,
                MetricType::Count,
                vec![Shape::Idle],
            ),
            0..208 => {
                let lambda = 1.0 + rng.unit() * 300.0;
                (
                    format!("app.hits.{i}"),
                    PointKind::Rate,
                    MetricType::Count,
                    vec![Shape::Rate { lambda }],
                )
            }
            208..274 if rng.unit() < 0.25 => (
                format!("app.conf.{i}"),
                PointKind::Gauge,
                MetricType::Gauge,
                vec![Shape::Constant((rng.next() % 64) as f64)],
            ),
            208..274 => {
                let at = (rng.unit() * 1000.0).round() / 10.0;
                (
                    format!("app.level.{i}"),
                    PointKind::Gauge,
                    MetricType::Gauge,
                    vec![Shape::Walk { at }],
                )
            }
            274..346 => {
                let mu = 2.0 + rng.unit() * 3.0;
                (
                    format!("app.latency.{i}"),
                    PointKind::Gauge,
                    MetricType::Histogram,
                    (0..5).map(|agg| Shape::Histogram { mu, agg }).collect(),
                )
            }
            _ => (
                format!("app.users.{i}"),
                PointKind::Gauge,
                MetricType::Set,
                vec![Shape::SetSize {
                    at: (rng.next() % 100) as f64,
                }],
            ),
        };
        let ctx = Arc::new(Context::new(
            &name,
            tags.iter().map(String::as_str),
            &host,
            mt,
        ));
        let n = shape.len();
        for (j, s) in shape.into_iter().enumerate() {
            if shapes.len() == series {
                break;
            }
            let suffix: Arc<str> = if n == 1 {
                "".into()
            } else {
                suffixes[j].into()
            };
            let k = if n > 1 && j == 0 {
                PointKind::Rate
            } else {
                kind
            };
            contexts.push((ctx.clone(), suffix, k));
            shapes.push(s);
        }
    }
    let opts = Options {
        fsync: FsyncPolicy::Never,
        block: Duration::from_secs(3600 * block_hours),
        minute_rollups: std::env::var_os("HERD_BPS_MINUTE_ROLLUPS").is_some_and(|v| v == "1"),
        ..Options::default()
    };
    let minute = opts.minute_rollups;
    let rss_before = rss_kib();
    let store = Store::open(&dir, opts).unwrap();
    let mut rss_one_minute = 0;
    let t0 = 1_764_000_000_000u64 - 1_764_000_000_000 % 86_400_000;
    let flushes = hours * 360;
    let started = Instant::now();
    let mut write_time = Duration::ZERO;
    for f in 0..flushes {
        let t = t0 + f * 10_000;
        let points = contexts
            .iter()
            .zip(shapes.iter_mut())
            .map(|((ctx, suffix, kind), shape)| Point {
                context: ctx.clone(),
                suffix: suffix.clone(),
                kind: *kind,
                interval_ms: 10_000,
                timestamp_ms: t,
                value: Value::Scalar(value(shape, &mut rng)),
            })
            .collect();
        let flush = Flush {
            points,
            ..Flush::default()
        };
        let w = Instant::now();
        store.write(&flush).unwrap();
        write_time += w.elapsed();
        if f == 5 {
            rss_one_minute = rss_kib();
        }
    }
    let rss_end = rss_kib();
    let head_bytes = store.stats().head_bytes;
    let seal = Instant::now();
    store.seal(i64::MAX).unwrap();
    let seal_seconds = seal.elapsed().as_secs_f64();
    let s = store.stats();
    let disk: u64 = std::fs::read_dir(dir.join("blocks"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert_eq!(disk, s.block_bytes, "every block file is counted");
    drop(store);
    let reopen = Instant::now();
    let store = Store::open(&dir, Options::default()).unwrap();
    let reopen_seconds = reopen.elapsed().as_secs_f64();
    assert_eq!(store.stats().points, s.points);
    println!(
        "{{\"series\": {series}, \"histogram_heavy\": {heavy}, \"minute_rollups\": {minute}, \"hours\": {hours}, \"block_hours\": {block_hours}, \"points\": {}, \"blocks\": {}, \
         \"block_bytes\": {}, \"bytes_per_sample\": {:.3}, \"point_bytes_per_sample\": {:.3}, \
         \"rollup_and_index_bytes_per_sample\": {:.3}, \"rss_growth_kib_after_1_min\": {}, \"rss_growth_kib_at_end\": {}, \"head_bytes_at_end\": {head_bytes}, \"seal_and_compact_seconds\": {seal_seconds:.2}, \"reopen_seconds\": {reopen_seconds:.3}, \"write_seconds\": {:.2}, \"write_ns_per_point\": {:.0}, \"total_seconds\": {:.2}}}",
        s.block_points,
        s.blocks,
        s.block_bytes,
        s.bytes_per_point,
        s.point_bytes as f64 / s.block_points as f64,
        (s.block_bytes - s.point_bytes) as f64 / s.block_points as f64,
        rss_one_minute.saturating_sub(rss_before),
        rss_end.saturating_sub(rss_before),
        write_time.as_secs_f64(),
        write_time.as_nanos() as f64 / s.block_points as f64,
        started.elapsed().as_secs_f64(),
    );
}

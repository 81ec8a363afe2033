//! One deterministic data set for the comparison with Prometheus and `VictoriaMetrics`
//! (`bench/tsdb/peers.py`; results in `docs/benchmarks.md`, Store): the same samples written
//! three ways.
//!
//! `peer_data OUT END_S` writes, for data ending at `END_S` (Unix seconds, a whole hour):
//! - `OUT/herd/`: a herd data directory, through `Store::write` one 10 s flush at a time and
//!   sealed (as the daemon does once a block window has passed), with the default options;
//! - `OUT/prom.om`: OpenMetrics text with second timestamps, for
//!   `promtool tsdb create-blocks-from openmetrics`;
//! - `OUT/vm.jsonl`: `VictoriaMetrics`' JSON lines (`/api/v1/import`), millisecond timestamps.
//!
//! The series: `m` for 100 hosts × 10 shards (`host` is the herd series' host, `shard:N` a
//! tag; labels `host` and `shard` for the peers) at 10 s for the last 24 h, and `m1`, one
//! series at 10 s for the last 7 days. Values have statsd shapes (see `shapes/`): 0.1-step
//! random walks, Poisson-like counts ÷ 10 (a counter flushed as a rate) and constants. All are
//! stored as gauges, so that `avg:` in herd and `avg_over_time` in `PromQL` mean the same (herd
//! would sum a rate series' counts by default, as Datadog does). Samples sit 5 s past each
//! 10 s mark, so no sample falls on a bucket edge, where herd's `[t, t + step)` and `PromQL`'s
//! `[T − range, T]` would disagree.

use std::fs::File;
use std::io::{BufWriter, Write};
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

const HOSTS: usize = 100;
const SHARDS: usize = 10;
const STEP_MS: i64 = 10_000;
const DAY_POINTS: usize = 8_640;
const WEEK_POINTS: usize = 7 * DAY_POINTS;

/// One series: its herd context and its peers' labels, and its values in time order.
struct Series {
    context: Arc<Context>,
    name: &'static str,
    labels: Vec<(&'static str, String)>,
    values: Vec<f64>,
}

/// The 1,000 `m` series and `m1`, values generated in a fixed order from one seed.
fn series() -> Vec<Series> {
    let mut rng = Rng(0x9ee2_5eed_0017);
    let mut out = Vec::with_capacity(HOSTS * SHARDS + 1);
    for i in 0..HOSTS * SHARDS {
        let (host, shard) = (format!("host-{}", i / SHARDS), i % SHARDS);
        let mut shape = match rng.next() % 20 {
            0..9 => Shape::Walk {
                at: (rng.unit() * 1000.0).round() / 10.0,
            },
            9..18 => Shape::Rate {
                lambda: 1.0 + rng.unit() * 300.0,
            },
            _ => Shape::Constant((rng.next() % 64) as f64),
        };
        let values = (0..DAY_POINTS)
            .map(|_| value(&mut shape, &mut rng))
            .collect();
        let shard_tag = format!("shard:{shard}");
        out.push(Series {
            context: Arc::new(Context::new(
                "m",
                [shard_tag.as_str()],
                &host,
                MetricType::Gauge,
            )),
            name: "m",
            labels: vec![("host", host), ("shard", shard.to_string())],
            values,
        });
    }
    let mut shape = Shape::Walk { at: 50.0 };
    out.push(Series {
        context: Arc::new(Context::new("m1", [], "", MetricType::Gauge)),
        name: "m1",
        labels: vec![],
        values: (0..WEEK_POINTS)
            .map(|_| value(&mut shape, &mut rng))
            .collect(),
    });
    out
}

/// The time of a series' `k`th sample, for a series of `n` samples ending before `end_ms`.
fn time_ms(end_ms: i64, n: usize, k: usize) -> i64 {
    end_ms - n as i64 * STEP_MS + k as i64 * STEP_MS + 5_000
}

/// Writes every sample into a herd data directory, one flush per 10 s, then seals it.
fn write_herd(dir: &Path, all: &[Series], end_ms: i64) -> herd_tsdb::Stats {
    let opts = Options {
        fsync: FsyncPolicy::Never,
        ..Options::default()
    };
    let store = Store::open(dir, opts).unwrap();
    for k in 0..WEEK_POINTS {
        let t = time_ms(end_ms, WEEK_POINTS, k);
        let points = all
            .iter()
            .filter_map(|s| {
                let j = k.checked_sub(WEEK_POINTS - s.values.len())?;
                Some(Point {
                    context: s.context.clone(),
                    suffix: "".into(),
                    kind: PointKind::Gauge,
                    interval_ms: STEP_MS as u64,
                    timestamp_ms: t as u64,
                    value: Value::Scalar(s.values[j]),
                })
            })
            .collect();
        store
            .write(&Flush {
                points,
                ..Flush::default()
            })
            .unwrap();
    }
    store.seal(i64::MAX).unwrap();
    store.stats()
}

/// `name{k="v",...}`, or `name` alone.
fn prom_series(s: &Series) -> String {
    if s.labels.is_empty() {
        return s.name.to_owned();
    }
    let labels: Vec<String> = s
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("{}{{{}}}", s.name, labels.join(","))
}

/// OpenMetrics text: each family's samples together, each series in time order.
fn write_openmetrics(path: &Path, all: &[Series], end_ms: i64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut family = "";
    for s in all {
        if s.name != family {
            family = s.name;
            writeln!(w, "# TYPE {family} gauge")?;
        }
        let head = prom_series(s);
        for (k, v) in s.values.iter().enumerate() {
            let t = time_ms(end_ms, s.values.len(), k);
            writeln!(w, "{head} {v} {}", t / 1000)?;
        }
    }
    writeln!(w, "# EOF")?;
    w.flush()
}

/// `VictoriaMetrics`' import format: one JSON object per series.
fn write_vm_json(path: &Path, all: &[Series], end_ms: i64) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    for s in all {
        write!(w, "{{\"metric\":{{\"__name__\":\"{}\"", s.name)?;
        for (k, v) in &s.labels {
            write!(w, ",\"{k}\":\"{v}\"")?;
        }
        w.write_all(b"},\"values\":[")?;
        for (k, v) in s.values.iter().enumerate() {
            write!(w, "{}{v}", if k == 0 { "" } else { "," })?;
        }
        w.write_all(b"],\"timestamps\":[")?;
        for k in 0..s.values.len() {
            let t = time_ms(end_ms, s.values.len(), k);
            write!(w, "{}{t}", if k == 0 { "" } else { "," })?;
        }
        w.write_all(b"]}\n")?;
    }
    w.flush()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(end_s)) = (args.get(1), args.get(2).and_then(|a| a.parse::<i64>().ok()))
    else {
        eprintln!("usage: peer_data OUT END_S (Unix seconds, a whole hour)");
        std::process::exit(2);
    };
    let out = Path::new(out);
    std::fs::create_dir_all(out).unwrap();
    let end_ms = end_s * 1000;
    let all = series();
    let samples: usize = all.iter().map(|s| s.values.len()).sum();
    let started = Instant::now();
    let stats = write_herd(&out.join("herd"), &all, end_ms);
    let herd_seconds = started.elapsed().as_secs_f64();
    write_openmetrics(&out.join("prom.om"), &all, end_ms).unwrap();
    write_vm_json(&out.join("vm.jsonl"), &all, end_ms).unwrap();
    println!(
        "{{\"samples\": {samples}, \"series\": {}, \"end_s\": {end_s}, \"herd_points\": {}, \
         \"herd_blocks\": {}, \"herd_block_bytes\": {}, \"herd_bytes_per_sample\": {:.3}, \
         \"herd_write_seconds\": {herd_seconds:.1}}}",
        all.len(),
        stats.points,
        stats.blocks,
        stats.block_bytes,
        stats.bytes_per_point,
    );
}

//! Building flushes for tests.
#![allow(dead_code)]

use std::sync::Arc;

use herd_aggregate::{CheckRecord, Context, EventRecord, Flush, Point, PointKind, Sketch, Value};
use herd_dogstatsd::MetricType;

/// A point of `name` with `tags` on `host`.
pub fn point(name: &str, tags: &[&str], host: &str, kind: PointKind, t_ms: u64, v: f64) -> Point {
    let mt = match kind {
        PointKind::Gauge => MetricType::Gauge,
        PointKind::Sketch => MetricType::Distribution,
        _ => MetricType::Count,
    };
    Point {
        context: Arc::new(Context::new(name, tags.iter().copied(), host, mt)),
        suffix: "".into(),
        kind,
        interval_ms: 10_000,
        timestamp_ms: t_ms,
        value: Value::Scalar(v),
    }
}

/// A distribution point holding `samples`.
pub fn sketch_point(name: &str, tags: &[&str], t_ms: u64, samples: &[f64]) -> Point {
    let mut s = Sketch::default();
    for &v in samples {
        s.insert(v, 1);
    }
    Point {
        context: Arc::new(Context::new(
            name,
            tags.iter().copied(),
            "",
            MetricType::Distribution,
        )),
        suffix: "".into(),
        kind: PointKind::Sketch,
        interval_ms: 10_000,
        timestamp_ms: t_ms,
        value: Value::Sketch(Box::new(s)),
    }
}

/// A flush of these points.
pub fn flush(points: Vec<Point>) -> Flush {
    Flush {
        points,
        ..Flush::default()
    }
}

/// An event.
pub fn event(title: &str, t_s: i64, tags: &[&str]) -> EventRecord {
    EventRecord {
        title: title.into(),
        text: format!("{title} text"),
        timestamp: t_s,
        host: "web-1".into(),
        tags: tags.iter().map(|&t| t.to_owned()).collect(),
        priority: "normal",
        alert_type: "info",
        aggregation_key: Some("k".into()),
        source_type: None,
    }
}

/// A service check.
pub fn check(name: &str, host: &str, status: u8, t_s: i64) -> CheckRecord {
    CheckRecord {
        name: name.into(),
        status,
        timestamp: t_s,
        host: host.into(),
        tags: vec!["env:prod".into()],
        message: format!("status {status}"),
    }
}

/// A day boundary well after the epoch (ms).
pub const T0: u64 = 1_764_000_000_000 - 1_764_000_000_000 % 86_400_000;

/// For each `(start slot, slots, step index)` of `ranges` (slots of 10 s from [`T0`]), the
/// store's buckets of every series of metric `p` (tagged `s:<n>`) equal a naive reduction of
/// the points written, `naive` = `(n, time ms, value)`: sum, count, min and max per bucket.
pub fn buckets_equal_a_naive_reduction(
    store: &herd_tsdb::Store,
    naive: &[(u8, i64, f64)],
    ranges: &[(u64, u64, usize)],
    steps: &[i64],
) -> Result<(), proptest::test_runner::TestCaseError> {
    use proptest::{prop_assert, prop_assert_eq};
    for (id, key) in store.series("p") {
        let s: u8 = key.tags[0][2..].parse().unwrap();
        for &(a, len, step) in ranges {
            let step = steps[step];
            let from = T0 as i64 + a as i64 * 10_000;
            let to = from + len as i64 * 10_000;
            let (lo, hi) = (
                from.div_euclid(step) * step,
                (to - 1).div_euclid(step) * step + step,
            );
            let mut want: std::collections::BTreeMap<i64, (f64, u64, f64, f64)> =
                std::collections::BTreeMap::new();
            for &(_, t, v) in naive.iter().filter(|p| p.0 == s && p.1 >= lo && p.1 < hi) {
                let e =
                    want.entry(t.div_euclid(step) * step)
                        .or_insert((0.0, 0, f64::MAX, f64::MIN));
                e.0 += v;
                e.1 += 1;
                e.2 = e.2.min(v);
                e.3 = e.3.max(v);
            }
            let got = store.read_buckets(id, from, to, step);
            prop_assert_eq!(got.len(), want.len());
            for (b, (start, (sum, count, min, max))) in got.iter().zip(want) {
                prop_assert_eq!(
                    (b.start_ms, b.count, b.min, b.max),
                    (start, count, min, max)
                );
                prop_assert!((b.sum - sum).abs() < 1e-6, "{} vs {}", b.sum, sum);
            }
        }
    }
    Ok(())
}

/// A xorshift generator: the kill loops' random points, reproducible from the seed they print.
pub struct Rng(pub u64);

impl Rng {
    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

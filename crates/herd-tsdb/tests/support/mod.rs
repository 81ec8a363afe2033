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

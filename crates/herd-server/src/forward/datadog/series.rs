//! Series JSON: v2 (`/api/v2/series`: `type` 1 count, 2 rate, 3 gauge; points as objects;
//! the host as a `resources` entry) or v1 (`/api/v1/series`: `type` as text, points as
//! `[ts, v]`, `host`). Every series carries a `tags` array, empty when it has none (a
//! Victoria Metrics 1.79 quirk: a series without the key takes an earlier request's tags).
//! Written straight into the compressor, one series at a time.

use herd_aggregate::{Flush, Point, PointKind, Value};

use super::payload::{Packer, GENERIC, V2_SERIES};
use super::{Config, SeriesApi, MAX_AGE_S};
use crate::forward::buffer::Payload;
use crate::forward::{Counters, Drop};

/// Points more than this far in the future are refused by the intake (10 minutes).
const MAX_FUTURE_S: u64 = 10 * 60;

/// A JSON string (escaped as JSON needs).
fn string(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to memory");
}

/// A JSON number (finite: callers drop NaN and infinities).
fn number(out: &mut Vec<u8>, v: f64) {
    serde_json::to_writer(&mut *out, &v).expect("writing to memory");
}

/// `"tags":[…]`: the point's tags and the host tags.
fn tags(out: &mut Vec<u8>, p: &Point, config: &Config) {
    out.extend_from_slice(b"\"tags\":[");
    let all = p
        .context
        .tags()
        .chain(config.host_tags.iter().map(String::as_str));
    for (i, t) in all.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, t);
    }
    out.push(b']');
}

/// One point as a v2 series object.
pub fn v2(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    let kind = match p.kind {
        PointKind::Count => b'1',
        PointKind::Rate => b'2',
        _ => b'3',
    };
    out.extend_from_slice(b"{\"metric\":");
    string(out, &p.name());
    out.extend_from_slice(b",\"type\":");
    out.push(kind);
    if kind != b'3' {
        out.extend_from_slice(format!(",\"interval\":{}", p.interval_ms / 1000).as_bytes());
    }
    out.extend_from_slice(
        format!(
            ",\"points\":[{{\"timestamp\":{},\"value\":",
            p.timestamp_ms / 1000
        )
        .as_bytes(),
    );
    number(out, value);
    out.extend_from_slice(b"}],");
    if !p.context.host().is_empty() {
        out.extend_from_slice(b"\"resources\":[{\"type\":\"host\",\"name\":");
        string(out, p.context.host());
        out.extend_from_slice(b"}],");
    }
    tags(out, p, config);
    out.push(b'}');
}

/// One point as a v1 series object.
pub fn v1(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    let kind: &[u8] = match p.kind {
        PointKind::Count => b"count",
        PointKind::Rate => b"rate",
        _ => b"gauge",
    };
    out.extend_from_slice(b"{\"metric\":");
    string(out, &p.name());
    out.extend_from_slice(b",\"type\":\"");
    out.extend_from_slice(kind);
    out.push(b'"');
    if matches!(p.kind, PointKind::Count | PointKind::Rate) {
        out.extend_from_slice(format!(",\"interval\":{}", p.interval_ms / 1000).as_bytes());
    }
    out.extend_from_slice(format!(",\"points\":[[{},", p.timestamp_ms / 1000).as_bytes());
    number(out, value);
    out.extend_from_slice(b"]],\"host\":");
    string(out, p.context.host());
    out.push(b',');
    tags(out, p, config);
    out.push(b'}');
}

/// Whether the intake takes a point at `ts_s` now; counts it as dropped if not.
pub fn fresh(ts_s: u64, now_s: u64, counters: &Counters) -> bool {
    let ok = now_s.saturating_sub(ts_s) <= MAX_AGE_S && ts_s <= now_s + MAX_FUTURE_S;
    if !ok {
        counters.drop(Drop::TooOld, 1);
    }
    ok
}

/// The series payloads of one flush.
pub fn encode(flush: &Flush, config: &Config, now_s: u64, counters: &Counters) -> Vec<Payload> {
    let mut packer = match config.series_api {
        SeriesApi::V2 => Packer::new("series", "/api/v2/series", V2_SERIES),
        SeriesApi::V1 => Packer::new("series", "/api/v1/series", GENERIC),
    };
    let mut item = Vec::with_capacity(512);
    for p in &flush.points {
        let Value::Scalar(value) = p.value else {
            continue;
        };
        let ts = p.timestamp_ms / 1000;
        if !value.is_finite() || !fresh(ts, now_s, counters) {
            continue;
        }
        item.clear();
        match config.series_api {
            SeriesApi::V2 => v2(&mut item, p, value, config),
            SeriesApi::V1 => v1(&mut item, p, value, config),
        }
        packer.push(&item, 1, ts);
    }
    packer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_aggregate::Context;
    use herd_dogstatsd::MetricType;
    use std::sync::Arc;

    #[test]
    fn v1_and_v2_objects_are_the_documented_json() {
        let p = Point {
            context: Arc::new(Context::new(
                "a.b",
                ["env:prod", "q\"t"],
                "h1",
                MetricType::Count,
            )),
            suffix: Arc::from(""),
            kind: PointKind::Rate,
            interval_ms: 10_000,
            timestamp_ms: 1_700_000_000_000,
            value: Value::Scalar(0.5),
        };
        let config = Config {
            api_key: String::new(),
            url: String::new(),
            series_api: SeriesApi::V2,
            host_tags: vec!["team:x".into()],
        };
        let mut out = Vec::new();
        v2(&mut out, &p, 0.5, &config);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"metric": "a.b", "type": 2, "interval": 10,
                "points": [{"timestamp": 1_700_000_000, "value": 0.5}],
                "resources": [{"type": "host", "name": "h1"}],
                "tags": ["env:prod", "q\"t", "team:x"]})
        );
        out.clear();
        v1(&mut out, &p, 0.5, &config);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"metric": "a.b", "type": "rate", "interval": 10,
                "points": [[1_700_000_000, 0.5]], "host": "h1",
                "tags": ["env:prod", "q\"t", "team:x"]})
        );
    }
}

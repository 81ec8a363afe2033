//! Series JSON: v2 (`/api/v2/series`: `type` 1 count, 2 rate, 3 gauge; points as objects;
//! the host as a `resources` entry) or v1 (`/api/v1/series`: `type` as text, points as
//! `[ts, v]`, `host`). Every series carries a `tags` array, empty when it has none (a
//! Victoria Metrics 1.79 quirk: a series without the key takes an earlier request's tags).
//! Written straight into the compressor, one series at a time: zstd level 1 for v2 (as the
//! Agent), deflate for v1 (Victoria Metrics' Datadog intake takes nothing else).

use std::collections::HashMap;
use std::sync::Arc;

use herd_aggregate::{Context, Flush, Point, PointKind, Value};

use super::payload::{Codec, Packer, GENERIC, V2_SERIES};
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

/// The parts of a v2 series object around its timestamp and value: `prefix` TS
/// `,"value":` V `suffix`.
fn v2_parts(p: &Point, config: &Config) -> (Vec<u8>, Vec<u8>) {
    let kind = match p.kind {
        PointKind::Count => b'1',
        PointKind::Rate => b'2',
        _ => b'3',
    };
    let mut prefix = b"{\"metric\":".to_vec();
    string(&mut prefix, &p.name());
    prefix.extend_from_slice(b",\"type\":");
    prefix.push(kind);
    if kind != b'3' {
        prefix.extend_from_slice(format!(",\"interval\":{}", p.interval_ms / 1000).as_bytes());
    }
    prefix.extend_from_slice(b",\"points\":[{\"timestamp\":");
    let mut suffix = b"}],".to_vec();
    if !p.context.host().is_empty() {
        suffix.extend_from_slice(b"\"resources\":[{\"type\":\"host\",\"name\":");
        string(&mut suffix, p.context.host());
        suffix.extend_from_slice(b"}],");
    }
    tags(&mut suffix, p, config);
    suffix.push(b'}');
    (prefix, suffix)
}

/// The parts of a v1 series object: `prefix` TS `,` V `suffix`.
fn v1_parts(p: &Point, config: &Config) -> (Vec<u8>, Vec<u8>) {
    let kind: &[u8] = match p.kind {
        PointKind::Count => b"count",
        PointKind::Rate => b"rate",
        _ => b"gauge",
    };
    let mut prefix = b"{\"metric\":".to_vec();
    string(&mut prefix, &p.name());
    prefix.extend_from_slice(b",\"type\":\"");
    prefix.extend_from_slice(kind);
    prefix.push(b'"');
    if matches!(p.kind, PointKind::Count | PointKind::Rate) {
        prefix.extend_from_slice(format!(",\"interval\":{}", p.interval_ms / 1000).as_bytes());
    }
    prefix.extend_from_slice(b",\"points\":[[");
    let mut suffix = b"]],\"host\":".to_vec();
    string(&mut suffix, p.context.host());
    suffix.push(b',');
    tags(&mut suffix, p, config);
    suffix.push(b'}');
    (prefix, suffix)
}

/// One series object from its parts.
fn object(out: &mut Vec<u8>, api: SeriesApi, parts: &(Vec<u8>, Vec<u8>), ts_s: u64, value: f64) {
    out.extend_from_slice(&parts.0);
    out.extend_from_slice(ts_s.to_string().as_bytes());
    out.extend_from_slice(match api {
        SeriesApi::V2 => b",\"value\":",
        SeriesApi::V1 => b",",
    });
    number(out, value);
    out.extend_from_slice(&parts.1);
}

/// One point as a v2 series object.
pub fn v2(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    object(
        out,
        SeriesApi::V2,
        &v2_parts(p, config),
        p.timestamp_ms / 1000,
        value,
    );
}

/// One point as a v1 series object.
pub fn v1(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    object(
        out,
        SeriesApi::V1,
        &v1_parts(p, config),
        p.timestamp_ms / 1000,
        value,
    );
}

/// Flushes a series' cached JSON parts stay without being seen.
const KEEP_FLUSHES: u64 = 3;

/// The JSON around each series' timestamp and value, kept from one flush to the next (a
/// context's name, type, host and tags do not change), so a flush writes only numbers.
#[derive(Default)]
pub struct Cache {
    parts: HashMap<(usize, Arc<str>, u8, u64), Parts>,
    flushes: u64,
}

struct Parts {
    /// Holds the context, so that its address names no other while cached.
    _context: Arc<Context>,
    json: (Vec<u8>, Vec<u8>),
    seen: u64,
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
pub fn encode(
    flush: &Flush,
    config: &Config,
    now_s: u64,
    counters: &Counters,
    cache: &mut Cache,
) -> Vec<Payload> {
    let mut packer = match config.series_api {
        SeriesApi::V2 => Packer::new("series", "/api/v2/series", V2_SERIES, Codec::Zstd),
        SeriesApi::V1 => Packer::new("series", "/api/v1/series", GENERIC, Codec::Deflate),
    };
    cache.flushes += 1;
    let flushes = cache.flushes;
    let mut item = Vec::with_capacity(512);
    for p in &flush.points {
        let Value::Scalar(value) = p.value else {
            continue;
        };
        let ts = p.timestamp_ms / 1000;
        if !value.is_finite() || !fresh(ts, now_s, counters) {
            continue;
        }
        let key = (
            Arc::as_ptr(&p.context) as usize,
            p.suffix.clone(),
            p.kind as u8,
            p.interval_ms,
        );
        let parts = cache.parts.entry(key).or_insert_with(|| Parts {
            _context: p.context.clone(),
            json: match config.series_api {
                SeriesApi::V2 => v2_parts(p, config),
                SeriesApi::V1 => v1_parts(p, config),
            },
            seen: flushes,
        });
        parts.seen = flushes;
        item.clear();
        object(&mut item, config.series_api, &parts.json, ts, value);
        packer.push(&item, 1, ts);
    }
    cache.parts.retain(|_, p| flushes - p.seen < KEEP_FLUSHES);
    packer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_dogstatsd::MetricType;

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

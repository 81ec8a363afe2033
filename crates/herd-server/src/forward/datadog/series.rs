//! Series: v2 (`/api/v2/series`) as the Agent sends it, the `MetricPayload` protobuf
//! (DataDog/agent-payload `proto/metrics/agent_payload.proto`: `series` 1; `MetricSeries`
//! `resources` 1, `metric` 2, `tags` 3, `points` 4, `type` 5 (1 count, 2 rate, 3 gauge),
//! `interval` 8; `MetricPoint` `value` 1 double, `timestamp` 2 int64 seconds; `Resource`
//! `type` 1, `name` 2), or v2 JSON (the same fields; points as objects); or v1 JSON
//! (`/api/v1/series`: `type` as text, points as `[ts, v]`, `host`). Every JSON series carries
//! a `tags` array, empty when it has none (a Victoria Metrics 1.79 quirk: a series without
//! the key takes an earlier request's tags). Written straight into the compressor, one
//! series at a time: zstd level 1 for v2 (as the Agent), deflate for v1 (Victoria Metrics'
//! Datadog intake takes nothing else).

use std::collections::HashMap;
use std::sync::Arc;

use herd_aggregate::{Context, Flush, Point, PointKind, Value};

use prost::encoding::{encode_key, encode_varint, encoded_len_varint, WireType};

use super::payload::{Codec, Framing, Packer, GENERIC, V2_SERIES};
use super::{Config, SeriesApi, SeriesFormat, MAX_AGE_S};
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

/// A length-delimited protobuf field.
fn pb_bytes(out: &mut Vec<u8>, field: u32, data: &[u8]) {
    encode_key(field, WireType::LengthDelimited, out);
    encode_varint(data.len() as u64, out);
    out.extend_from_slice(data);
}

/// A `MetricSeries` without its points: `resources` (the host), `metric`, `tags`, `type`
/// and, for counts and rates, `interval`.
fn pb_parts(out: &mut Vec<u8>, p: &Point, config: &Config) {
    let host = p.context.host().as_bytes();
    if !host.is_empty() {
        // Resource {type (1) "host", name (2) host}.
        let len = 2 + 4 + 1 + encoded_len_varint(host.len() as u64) + host.len();
        encode_key(1, WireType::LengthDelimited, out);
        encode_varint(len as u64, out);
        pb_bytes(out, 1, b"host");
        pb_bytes(out, 2, host);
    }
    // metric: the context's name and the point's suffix (`.max`, `.95percentile`).
    let (name, suffix) = (p.context.name(), &*p.suffix);
    encode_key(2, WireType::LengthDelimited, out);
    encode_varint((name.len() + suffix.len()) as u64, out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    for t in p
        .context
        .tags()
        .chain(config.host_tags.iter().map(String::as_str))
    {
        pb_bytes(out, 3, t.as_bytes());
    }
    let kind = match p.kind {
        PointKind::Count => 1,
        PointKind::Rate => 2,
        _ => 3,
    };
    encode_key(5, WireType::Varint, out);
    encode_varint(kind, out);
    if kind != 3 {
        encode_key(8, WireType::Varint, out);
        encode_varint(p.interval_ms / 1000, out);
    }
}

/// `MetricSeries.points` (4): one `MetricPoint` {`value` (1) double, `timestamp` (2) int64}.
fn pb_point(out: &mut Vec<u8>, ts_s: u64, value: f64) {
    let point = 1 + 8 + 1 + encoded_len_varint(ts_s);
    encode_key(4, WireType::LengthDelimited, out);
    encode_varint(point as u64, out);
    encode_key(1, WireType::SixtyFourBit, out);
    out.extend_from_slice(&value.to_le_bytes());
    encode_key(2, WireType::Varint, out);
    encode_varint(ts_s, out);
}

/// How the series of one flush are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    V1Json,
    V2Json,
    V2Protobuf,
}

impl Form {
    fn of(config: &Config) -> Self {
        match (config.series_api, config.series_format) {
            (SeriesApi::V1, _) => Self::V1Json,
            (SeriesApi::V2, SeriesFormat::Json) => Self::V2Json,
            (SeriesApi::V2, SeriesFormat::Protobuf) => Self::V2Protobuf,
        }
    }

    /// What stays the same from one flush to the next around the timestamp and value of a
    /// JSON series.
    fn parts(self, p: &Point, config: &Config) -> (Vec<u8>, Vec<u8>) {
        match self {
            Self::V1Json => v1_parts(p, config),
            _ => v2_parts(p, config),
        }
    }

    fn packer(self) -> Packer {
        match self {
            Self::V1Json => Packer::new(
                Framing::JsonArray("series"),
                "/api/v1/series",
                GENERIC,
                Codec::Deflate,
            ),
            Self::V2Json => Packer::new(
                Framing::JsonArray("series"),
                "/api/v2/series",
                V2_SERIES,
                Codec::Zstd,
            ),
            Self::V2Protobuf => Packer::new(
                Framing::Protobuf(1),
                "/api/v2/series",
                V2_SERIES,
                Codec::Zstd,
            ),
        }
    }
}

/// One JSON series from its parts.
fn object(out: &mut Vec<u8>, form: Form, parts: &(Vec<u8>, Vec<u8>), ts_s: u64, value: f64) {
    out.extend_from_slice(&parts.0);
    out.extend_from_slice(ts_s.to_string().as_bytes());
    out.extend_from_slice(if form == Form::V2Json {
        b",\"value\":"
    } else {
        b","
    });
    number(out, value);
    out.extend_from_slice(&parts.1);
}

/// One point as a v2 series object.
pub fn v2(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    object(
        out,
        Form::V2Json,
        &v2_parts(p, config),
        p.timestamp_ms / 1000,
        value,
    );
}

/// One point as a v1 series object.
pub fn v1(out: &mut Vec<u8>, p: &Point, value: f64, config: &Config) {
    object(
        out,
        Form::V1Json,
        &v1_parts(p, config),
        p.timestamp_ms / 1000,
        value,
    );
}

/// Flushes a series' cached JSON parts stay without being seen.
const KEEP_FLUSHES: u64 = 3;

/// The JSON around each series' timestamp and value, kept from one flush to the next (a
/// context's name, type, host and tags do not change), so a flush writes only numbers
/// (escaping JSON is most of the cost of writing it). Protobuf is written whole at every
/// flush (copying bytes costs about what looking them up would, and nothing is held).
#[derive(Default)]
pub struct Cache {
    parts: HashMap<(usize, Arc<str>, u8, u64), Parts>,
    flushes: u64,
}

struct Parts {
    /// Holds the context, so that its address names no other while cached.
    _context: Arc<Context>,
    bytes: (Vec<u8>, Vec<u8>),
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
    let form = Form::of(config);
    let mut packer = form.packer();
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
        item.clear();
        if form == Form::V2Protobuf {
            pb_parts(&mut item, p, config);
            pb_point(&mut item, ts, value);
            packer.push(&item, 1, ts);
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
            bytes: form.parts(p, config),
            seen: flushes,
        });
        parts.seen = flushes;
        object(&mut item, form, &parts.bytes, ts, value);
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
            series_format: SeriesFormat::Json,
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

    /// `MetricPayload` and its parts, as DataDog/agent-payload numbers their fields, to
    /// read back what herd writes.
    #[derive(Clone, PartialEq, prost::Message)]
    struct MetricPayload {
        #[prost(message, repeated, tag = "1")]
        series: Vec<MetricSeries>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct MetricSeries {
        #[prost(message, repeated, tag = "1")]
        resources: Vec<Resource>,
        #[prost(string, tag = "2")]
        metric: String,
        #[prost(string, repeated, tag = "3")]
        tags: Vec<String>,
        #[prost(message, repeated, tag = "4")]
        points: Vec<MetricPoint>,
        #[prost(int32, tag = "5")]
        r#type: i32,
        #[prost(string, tag = "6")]
        unit: String,
        #[prost(string, tag = "7")]
        source_type_name: String,
        #[prost(int64, tag = "8")]
        interval: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct MetricPoint {
        #[prost(double, tag = "1")]
        value: f64,
        #[prost(int64, tag = "2")]
        timestamp: i64,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    struct Resource {
        #[prost(string, tag = "1")]
        r#type: String,
        #[prost(string, tag = "2")]
        name: String,
    }

    #[test]
    fn protobuf_series_are_the_agents_metric_payload() {
        use prost::Message;
        let point = |kind, host: &str, value| Point {
            context: Arc::new(Context::new("a.b", ["env:prod"], host, MetricType::Count)),
            suffix: Arc::from(""),
            kind,
            interval_ms: 10_000,
            timestamp_ms: 1_700_000_000_000,
            value: Value::Scalar(value),
        };
        let config = Config {
            api_key: String::new(),
            url: String::new(),
            series_api: SeriesApi::V2,
            series_format: SeriesFormat::Protobuf,
            host_tags: vec!["team:x".into()],
        };
        let flush = Flush {
            points: vec![
                point(PointKind::Rate, "h1", 0.5),
                point(PointKind::Gauge, "", 0.0),
                Point {
                    suffix: Arc::from(".95percentile"),
                    ..point(PointKind::Gauge, "", 7.25)
                },
            ],
            ..Flush::default()
        };
        let counters = Counters::default();
        let out = encode(
            &flush,
            &config,
            1_700_000_005,
            &counters,
            &mut Cache::default(),
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].path, "/api/v2/series");
        assert_eq!(out[0].content_type, "application/x-protobuf");
        assert_eq!(out[0].points, 3);
        let raw = zstd::stream::decode_all(&out[0].body[..]).unwrap();
        let payload = MetricPayload::decode(&raw[..]).unwrap();
        let tags = vec!["env:prod".to_owned(), "team:x".to_owned()];
        let expected = |r#type, interval, value, resources| MetricSeries {
            resources,
            metric: "a.b".into(),
            tags: tags.clone(),
            points: vec![MetricPoint {
                value,
                timestamp: 1_700_000_000,
            }],
            r#type,
            unit: String::new(),
            source_type_name: String::new(),
            interval,
        };
        let host = vec![Resource {
            r#type: "host".into(),
            name: "h1".into(),
        }];
        let mut percentile = expected(3, 0, 7.25, Vec::new());
        percentile.metric = "a.b.95percentile".into();
        assert_eq!(
            payload.series,
            [
                expected(2, 10, 0.5, host),
                expected(3, 0, 0.0, Vec::new()),
                percentile
            ]
        );
    }
}

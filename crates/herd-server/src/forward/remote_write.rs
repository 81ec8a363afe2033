//! Prometheus remote write 1.0: a protobuf `WriteRequest` (hand-written prost messages),
//! snappy block format, to each `--remote-write` URL.
//!
//! | herd point | series (`__name__` sanitised as on `/metrics/app`: dots to `_`) |
//! |---|---|
//! | gauge | `<name>` = the value |
//! | rate | `<name>` = the per-second rate (what herd's store and Datadog show) |
//! | count (`\|T` counts) | `<name>` = the count of the interval |
//! | distribution | `<name>_count`, `<name>_sum`, and `<name>{quantile="0.5"/"0.9"/"0.99"}` of the flush's sketch |
//!
//! Labels: the point's `key:value` tags (bare tags dropped) and `host`, as on `/metrics/app`;
//! sorted by name with `__name__`, none empty. Timestamps are the bucket starts, in ms.

use std::collections::HashMap;
use std::sync::Arc;

use herd_aggregate::{Context, Flush, Point, Value};
use prost::Message;

use super::buffer::Payload;
use super::exposition::{labels, sanitize, QUANTILES};
use super::{Counters, Encode};

/// Prometheus refuses samples older than about an hour (its head block); older ones are
/// dropped rather than retried.
pub const MAX_AGE_S: u64 = 55 * 60;
/// Series per request (Prometheus' own `max_samples_per_send` is 2000).
pub const SERIES_PER_REQUEST: usize = 2000;

/// `WriteRequest` (fields 2 and 3 are reserved).
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// The series.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// `TimeSeries`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// Sorted by name, `__name__` included.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// In time order.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `Label`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    /// Name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// Value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `Sample`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// Value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// The headers every request carries (besides content type and encoding).
pub fn headers() -> Vec<(String, String)> {
    vec![(
        "X-Prometheus-Remote-Write-Version".to_owned(),
        "0.1.0".to_owned(),
    )]
}

/// The encoder of remote-write requests. Each series' labels (sorted, sanitised, with
/// `__name__`) are protobuf-encoded once and kept from one flush to the next (a context
/// reports at every flush and its labels do not change); a flush then only appends the
/// samples. Series not seen for [`KEEP_FLUSHES`] flushes are forgotten.
#[derive(Default)]
pub struct Encoder {
    labels: HashMap<(usize, Arc<str>), Cached>,
    flushes: u64,
}

/// Flushes a series' labels stay cached without being seen.
pub const KEEP_FLUSHES: u64 = 3;

struct Cached {
    /// Holds the context, so that its address names no other while cached.
    _context: Arc<Context>,
    /// The encoded `labels` fields of each series of the point: one for a number; for a
    /// sketch `_count`, `_sum`, then one per quantile.
    series: Vec<Vec<u8>>,
    seen: u64,
}

/// The encoded `TimeSeries.labels` of `labels` with `__name__` = `name` and `extra` added,
/// sorted by name.
fn encode_labels(
    base: &[(String, String)],
    name: String,
    extra: Option<(&str, String)>,
) -> Vec<u8> {
    let mut labels: Vec<Label> = base
        .iter()
        .map(|(name, value)| Label {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    labels.push(Label {
        name: "__name__".to_owned(),
        value: name,
    });
    if let Some((k, v)) = extra {
        labels.push(Label {
            name: k.to_owned(),
            value: v,
        });
    }
    labels.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    TimeSeries {
        labels,
        samples: Vec::new(),
    }
    .encode_to_vec()
}

/// The encoded labels of every series of a point.
fn point_labels(p: &Point) -> Vec<Vec<u8>> {
    let name = sanitize(&p.name());
    let base: Vec<(String, String)> = labels(p).into_iter().collect();
    match p.value {
        Value::Scalar(_) => vec![encode_labels(&base, name, None)],
        Value::Sketch(_) => {
            let mut out = vec![
                encode_labels(&base, format!("{name}_count"), None),
                encode_labels(&base, format!("{name}_sum"), None),
            ];
            for q in QUANTILES {
                out.push(encode_labels(
                    &base,
                    name.clone(),
                    Some(("quantile", q.to_string())),
                ));
            }
            out
        }
    }
}

/// Appends one `TimeSeries` (field 1 of `WriteRequest`) of one sample.
fn push_series(raw: &mut Vec<u8>, labels: &[u8], value: f64, timestamp: i64) {
    use prost::encoding::{encode_varint, encoded_len_varint};
    let sample = 1 + 8 + 1 + encoded_len_varint(timestamp as u64);
    let series = labels.len() + 1 + encoded_len_varint(sample as u64) + sample;
    raw.push(0x0a);
    encode_varint(series as u64, raw);
    raw.extend_from_slice(labels);
    raw.push(0x12);
    encode_varint(sample as u64, raw);
    raw.push(0x09);
    raw.extend_from_slice(&value.to_le_bytes());
    raw.push(0x10);
    encode_varint(timestamp as u64, raw);
}

/// A request being filled.
#[derive(Default)]
struct Request {
    raw: Vec<u8>,
    series: usize,
    oldest_ms: i64,
}

impl Request {
    fn push(&mut self, labels: &[u8], value: f64, timestamp: i64) {
        if self.series == 0 || timestamp < self.oldest_ms {
            self.oldest_ms = timestamp;
        }
        push_series(&mut self.raw, labels, value, timestamp);
        self.series += 1;
    }

    /// The payload: snappy block format of the `WriteRequest`.
    fn payload(&self) -> Payload {
        let body = snap::raw::Encoder::new()
            .compress_vec(&self.raw)
            .expect("snappy compresses any input that fits in memory");
        Payload {
            path: String::new(),
            content_type: "application/x-protobuf".to_owned(),
            encoding: "snappy".to_owned(),
            points: self.series as u64,
            oldest_s: (self.oldest_ms.max(0) / 1000) as u64,
            body,
        }
    }
}

impl Encode for Encoder {
    fn encode(&mut self, flush: &Flush, _counters: &Counters) -> Vec<Payload> {
        self.flushes += 1;
        let flushes = self.flushes;
        let mut out = Vec::new();
        let mut request = Request::default();
        for p in &flush.points {
            let key = (Arc::as_ptr(&p.context) as usize, p.suffix.clone());
            let cached = self.labels.entry(key).or_insert_with(|| Cached {
                _context: p.context.clone(),
                series: point_labels(p),
                seen: flushes,
            });
            cached.seen = flushes;
            let timestamp = p.timestamp_ms as i64;
            // A flush holds one point per series and bucket: each series is one sample (a
            // series in two buckets, at shutdown, is two entries in time order).
            match &p.value {
                Value::Scalar(v) => request.push(&cached.series[0], *v, timestamp),
                Value::Sketch(s) => {
                    request.push(&cached.series[0], s.count() as f64, timestamp);
                    request.push(&cached.series[1], s.sum(), timestamp);
                    if s.count() > 0 {
                        for (q, labels) in QUANTILES.iter().zip(&cached.series[2..]) {
                            request.push(labels, s.quantile(*q), timestamp);
                        }
                    }
                }
            }
            if request.series >= SERIES_PER_REQUEST {
                out.push(request.payload());
                request = Request::default();
            }
        }
        if request.series > 0 {
            out.push(request.payload());
        }
        self.labels.retain(|_, c| flushes - c.seen < KEEP_FLUSHES);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herd_aggregate::{Context, PointKind, Sketch};
    use herd_dogstatsd::MetricType;
    use std::sync::Arc;

    #[test]
    fn labels_sorted_with_name_and_body_is_snappy_block_protobuf() {
        let mut s = Sketch::default();
        s.insert(3.0, 2);
        let mut flush = Flush::default();
        for (name, value) in [
            ("web.hits", Value::Scalar(1.5)),
            ("lat", Value::Sketch(Box::new(s))),
        ] {
            flush.points.push(Point {
                context: Arc::new(Context::new(
                    name,
                    ["Zone:a", "bare", "env:prod"],
                    "h",
                    MetricType::Gauge,
                )),
                suffix: Arc::from(""),
                kind: PointKind::Gauge,
                interval_ms: 10_000,
                timestamp_ms: 1_700_000_000_000,
                value,
            });
        }
        let payloads = Encoder::default().encode(&flush, &Counters::default());
        assert_eq!(payloads.len(), 1);
        let p = &payloads[0];
        assert_eq!(p.points, 1 + 2 + 3);
        assert_eq!(p.oldest_s, 1_700_000_000);
        let raw = snap::raw::Decoder::new().decompress_vec(&p.body).unwrap();
        let req = WriteRequest::decode(&raw[..]).unwrap();
        // The hand-written encoding is the canonical one (no value here is a default).
        assert_eq!(req.encode_to_vec(), raw);
        let hits = req
            .timeseries
            .iter()
            .find(|t| t.labels.iter().any(|l| l.value == "web_hits"))
            .unwrap();
        let names: Vec<_> = hits.labels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Zone", "__name__", "env", "host"]);
        assert_eq!(
            hits.samples,
            [Sample {
                value: 1.5,
                timestamp: 1_700_000_000_000
            }]
        );
        for t in &req.timeseries {
            let mut sorted = t.labels.clone();
            sorted.sort_by(|a, b| a.name.cmp(&b.name));
            assert_eq!(sorted, t.labels);
        }
    }
}

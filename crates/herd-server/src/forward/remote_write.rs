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

use super::buffer::Payload;
use super::exposition::{labels as labels_of, sanitize, QUANTILES};
use super::{Counters, Encode};
use herd_aggregate::{Context, Flush, Point, Value};

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

/// The encoder of remote-write requests. Each context's labels (its tags and host,
/// sanitised and sorted) are protobuf-encoded once and kept from one flush to the next (a
/// context reports at every flush and its labels do not change), once for all the series
/// it gives (a histogram's `.max`, `.avg`, …; a distribution's `_count`, `_sum` and
/// quantiles): a flush copies them around each series' `__name__` (and `quantile`) label and
/// appends the sample. Contexts not seen for [`KEEP_FLUSHES`] flushes are forgotten.
#[derive(Default)]
pub struct Encoder {
    labels: HashMap<usize, Cached>,
    flushes: u64,
    /// The labels of the series being written.
    series: Vec<u8>,
    /// Its `__name__`.
    name: String,
}

/// Flushes a context's labels stay cached without being seen.
pub const KEEP_FLUSHES: u64 = 3;

struct Cached {
    /// Holds the context, so that its address names no other while cached.
    _context: Arc<Context>,
    /// The context's metric name, sanitised.
    name: Box<str>,
    /// The encoded `TimeSeries.labels` fields of its labels, sorted by name.
    labels: Box<[u8]>,
    /// Where in `labels` `__name__` and `quantile` go (no label of a context is named
    /// either: `labels` renames them).
    name_at: usize,
    quantile_at: usize,
    seen: u64,
}

/// One encoded `TimeSeries.labels` field (1): `Label {name (1), value (2)}`.
fn push_label(out: &mut Vec<u8>, name: &str, value: &str) {
    use prost::encoding::{encode_varint, encoded_len_varint};
    let len = 2
        + encoded_len_varint(name.len() as u64)
        + name.len()
        + encoded_len_varint(value.len() as u64)
        + value.len();
    out.push(0x0a);
    encode_varint(len as u64, out);
    out.push(0x0a);
    encode_varint(name.len() as u64, out);
    out.extend_from_slice(name.as_bytes());
    out.push(0x12);
    encode_varint(value.len() as u64, out);
    out.extend_from_slice(value.as_bytes());
}

impl Cached {
    fn new(p: &Point, seen: u64) -> Self {
        let mut labels = Vec::with_capacity(128);
        let (mut name_at, mut quantile_at) = (None, None);
        for (name, value) in labels_of(p) {
            if name_at.is_none() && name.as_str() > "__name__" {
                name_at = Some(labels.len());
            }
            if quantile_at.is_none() && name.as_str() > "quantile" {
                quantile_at = Some(labels.len());
            }
            push_label(&mut labels, &name, &value);
        }
        Self {
            _context: p.context.clone(),
            name: sanitize(p.context.name()).into_boxed_str(),
            name_at: name_at.unwrap_or(labels.len()),
            quantile_at: quantile_at.unwrap_or(labels.len()),
            labels: labels.into_boxed_slice(),
            seen,
        }
    }

    /// The labels of one series: the context's, with `__name__` = `name` and, for a
    /// quantile, `quantile` = `q`.
    fn series(&self, out: &mut Vec<u8>, name: &str, quantile: Option<&str>) {
        out.clear();
        out.extend_from_slice(&self.labels[..self.name_at]);
        push_label(out, "__name__", name);
        out.extend_from_slice(&self.labels[self.name_at..self.quantile_at]);
        if let Some(q) = quantile {
            push_label(out, "quantile", q);
        }
        out.extend_from_slice(&self.labels[self.quantile_at..]);
    }
}

/// A point's metric name, sanitised: the context's, then its suffix (`.max`, `.95percentile`)
/// with everything outside `[a-zA-Z0-9]` as `_`, and `extra` (`_count`, `_sum`).
fn series_name(out: &mut String, cached: &Cached, suffix: &str, extra: &str) {
    out.clear();
    out.push_str(&cached.name);
    out.extend(
        suffix
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
    );
    out.push_str(extra);
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
        let mut body = snap::raw::Encoder::new()
            .compress_vec(&self.raw)
            .expect("snappy compresses any input that fits in memory");
        // snappy allocates for the worst case (about 7/6 of the input) and the payload
        // waits in the retry buffer, which counts its length: no spare capacity.
        body.shrink_to_fit();
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
            let cached = self
                .labels
                .entry(Arc::as_ptr(&p.context) as usize)
                .or_insert_with(|| Cached::new(p, flushes));
            cached.seen = flushes;
            let timestamp = p.timestamp_ms as i64;
            let (series, name) = (&mut self.series, &mut self.name);
            // A flush holds one point per series and bucket: each series is one sample (a
            // series in two buckets, at shutdown, is two entries in time order).
            match &p.value {
                Value::Scalar(v) => {
                    series_name(name, cached, &p.suffix, "");
                    cached.series(series, name, None);
                    request.push(series, *v, timestamp);
                }
                Value::Sketch(s) => {
                    series_name(name, cached, &p.suffix, "_count");
                    cached.series(series, name, None);
                    request.push(series, s.count() as f64, timestamp);
                    series_name(name, cached, &p.suffix, "_sum");
                    cached.series(series, name, None);
                    request.push(series, s.sum(), timestamp);
                    if s.count() > 0 {
                        series_name(name, cached, &p.suffix, "");
                        for q in QUANTILES {
                            cached.series(series, name, Some(&q.to_string()));
                            request.push(series, s.quantile(q), timestamp);
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
    use prost::Message;
    use std::sync::Arc;

    #[test]
    fn labels_sorted_with_name_and_body_is_snappy_block_protobuf() {
        let mut s = Sketch::default();
        s.insert(3.0, 2);
        let mut flush = Flush::default();
        let timer = Arc::new(Context::new(
            "t",
            ["Zone:a", "bare", "env:prod", "zone:b"],
            "h",
            MetricType::Histogram,
        ));
        for (context, suffix, value) in [
            (None, "", Value::Scalar(1.5)),
            (None, "", Value::Sketch(Box::new(s))),
            (Some(timer.clone()), ".95percentile", Value::Scalar(7.0)),
            (Some(timer), ".max", Value::Scalar(9.0)),
        ] {
            let name = if suffix.is_empty() && matches!(value, Value::Scalar(_)) {
                "web.hits"
            } else {
                "lat"
            };
            flush.points.push(Point {
                context: context.unwrap_or_else(|| {
                    Arc::new(Context::new(
                        name,
                        ["Zone:a", "bare", "env:prod", "zone:b"],
                        "h",
                        MetricType::Gauge,
                    ))
                }),
                suffix: Arc::from(suffix),
                kind: PointKind::Gauge,
                interval_ms: 10_000,
                timestamp_ms: 1_700_000_000_000,
                value,
            });
        }
        let payloads = Encoder::default().encode(&flush, &Counters::default());
        assert_eq!(payloads.len(), 1);
        let p = &payloads[0];
        assert_eq!(p.points, 1 + 2 + 3 + 2);
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
        assert_eq!(names, ["Zone", "__name__", "env", "host", "zone"]);
        let named = |name: &str| -> Vec<&TimeSeries> {
            req.timeseries
                .iter()
                .filter(|t| {
                    t.labels
                        .iter()
                        .any(|l| l.name == "__name__" && l.value == name)
                })
                .collect()
        };
        let quantiles = named("lat");
        assert_eq!(quantiles.len(), 3);
        let names: Vec<_> = quantiles[2]
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        assert_eq!(
            names,
            ["Zone", "__name__", "env", "host", "quantile", "zone"]
        );
        assert_eq!(quantiles[2].labels[4].value, "0.99");
        assert_eq!(named("lat_count")[0].samples[0].value, 2.0);
        assert_eq!(named("lat_sum")[0].samples[0].value, 6.0);
        assert_eq!(named("t_95percentile")[0].samples[0].value, 7.0);
        assert_eq!(named("t_max")[0].samples[0].value, 9.0);
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

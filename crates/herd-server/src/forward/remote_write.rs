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

use std::collections::BTreeMap;

use herd_aggregate::{Flush, Point, Value};
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

/// The encoder of remote-write requests.
pub struct Encoder;

type Series = BTreeMap<Vec<(String, String)>, Vec<Sample>>;

fn add(
    series: &mut Series,
    name: String,
    base: &BTreeMap<String, String>,
    extra: Option<(&str, String)>,
    sample: Sample,
) {
    let mut labels: Vec<(String, String)> = Vec::with_capacity(base.len() + 2);
    labels.push(("__name__".to_owned(), name));
    labels.extend(base.iter().map(|(k, v)| (k.clone(), v.clone())));
    if let Some((k, v)) = extra {
        labels.push((k.to_owned(), v));
    }
    labels.sort();
    series.entry(labels).or_default().push(sample);
}

/// The series of one point.
fn point_series(p: &Point, series: &mut Series) {
    let name = sanitize(&p.name());
    let base = labels(p);
    let timestamp = p.timestamp_ms as i64;
    match &p.value {
        Value::Scalar(v) => add(
            series,
            name,
            &base,
            None,
            Sample {
                value: *v,
                timestamp,
            },
        ),
        Value::Sketch(s) => {
            let count = Sample {
                value: s.count() as f64,
                timestamp,
            };
            add(series, format!("{name}_count"), &base, None, count);
            let sum = Sample {
                value: s.sum(),
                timestamp,
            };
            add(series, format!("{name}_sum"), &base, None, sum);
            if s.count() > 0 {
                for q in QUANTILES {
                    let sample = Sample {
                        value: s.quantile(q),
                        timestamp,
                    };
                    add(
                        series,
                        name.clone(),
                        &base,
                        Some(("quantile", q.to_string())),
                        sample,
                    );
                }
            }
        }
    }
}

/// One request's body and its payload.
fn payload(timeseries: Vec<TimeSeries>) -> Payload {
    let points = timeseries.iter().map(|t| t.samples.len() as u64).sum();
    let oldest_ms = timeseries
        .iter()
        .flat_map(|t| t.samples.iter().map(|s| s.timestamp))
        .min()
        .unwrap_or(0);
    let raw = WriteRequest { timeseries }.encode_to_vec();
    let body = snap::raw::Encoder::new()
        .compress_vec(&raw)
        .expect("snappy compresses any input that fits in memory");
    Payload {
        path: String::new(),
        content_type: "application/x-protobuf".to_owned(),
        encoding: "snappy".to_owned(),
        points,
        oldest_s: (oldest_ms.max(0) / 1000) as u64,
        body,
    }
}

impl Encode for Encoder {
    fn encode(&mut self, flush: &Flush, _counters: &Counters) -> Vec<Payload> {
        let mut series = Series::new();
        for p in &flush.points {
            point_series(p, &mut series);
        }
        let mut out = Vec::new();
        let mut batch = Vec::new();
        for (labels, mut samples) in series {
            samples.sort_by_key(|s| s.timestamp);
            samples.dedup_by_key(|s| s.timestamp);
            batch.push(TimeSeries {
                labels: labels
                    .into_iter()
                    .map(|(name, value)| Label { name, value })
                    .collect(),
                samples,
            });
            if batch.len() == SERIES_PER_REQUEST {
                out.push(payload(std::mem::take(&mut batch)));
            }
        }
        if !batch.is_empty() {
            out.push(payload(batch));
        }
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
        let payloads = Encoder.encode(&flush, &Counters::default());
        assert_eq!(payloads.len(), 1);
        let p = &payloads[0];
        assert_eq!(p.points, 1 + 2 + 3);
        assert_eq!(p.oldest_s, 1_700_000_000);
        let raw = snap::raw::Decoder::new().decompress_vec(&p.body).unwrap();
        let req = WriteRequest::decode(&raw[..]).unwrap();
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

//! Distributions as the Agent sends them: `SketchPayload` protobuf (DataDog/agent-payload
//! `proto/metrics/agent_payload.proto`, hand-written prost messages) to
//! `/api/beta/sketches`, zstd level 1 as the Agent sends them. herd's sketch already uses the
//! Agent's key mapping (γ = 1 + 1/64, `i16` keys), so the bins go out as they are. Each
//! sketch is encoded on its own and written into the compressor as the repeated field 1 of
//! the payload, so a flush never holds all its sketches decoded, encoded and compressed at
//! once.

use herd_aggregate::{Flush, Value};
use prost::Message;

use super::payload::{Codec, Framing, Packer, GENERIC};
use super::series::fresh;
use super::Config;
use crate::forward::buffer::Payload;
use crate::forward::Counters;

/// `SketchPayload` (`metadata` 2 is left out).
#[derive(Clone, PartialEq, prost::Message)]
pub struct SketchPayload {
    /// The sketches.
    #[prost(message, repeated, tag = "1")]
    pub sketches: Vec<Sketch>,
}

/// `SketchPayload.Sketch` (3 `distributions` is deprecated; 8 `metadata` left out).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sketch {
    /// Metric name.
    #[prost(string, tag = "1")]
    pub metric: String,
    /// Host.
    #[prost(string, tag = "2")]
    pub host: String,
    /// Tags.
    #[prost(string, repeated, tag = "4")]
    pub tags: Vec<String>,
    /// One per interval.
    #[prost(message, repeated, tag = "7")]
    pub dogsketches: Vec<Dogsketch>,
}

/// `SketchPayload.Sketch.Dogsketch`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Dogsketch {
    /// Seconds since the epoch.
    #[prost(int64, tag = "1")]
    pub ts: i64,
    /// Values counted.
    #[prost(int64, tag = "2")]
    pub cnt: i64,
    /// Smallest value.
    #[prost(double, tag = "3")]
    pub min: f64,
    /// Largest value.
    #[prost(double, tag = "4")]
    pub max: f64,
    /// Mean.
    #[prost(double, tag = "5")]
    pub avg: f64,
    /// Sum.
    #[prost(double, tag = "6")]
    pub sum: f64,
    /// Bin keys, ascending.
    #[prost(sint32, repeated, tag = "7")]
    pub k: Vec<i32>,
    /// Bin counts.
    #[prost(uint32, repeated, tag = "8")]
    pub n: Vec<u32>,
}

/// The bins as `(k, n)` lists; a bin counted past `u32::MAX` is repeated, as the Agent does.
fn bins(sketch: &herd_aggregate::Sketch) -> (Vec<i32>, Vec<u32>) {
    let mut k = Vec::with_capacity(sketch.bins().len());
    let mut n = Vec::with_capacity(sketch.bins().len());
    for &(key, mut count) in sketch.bins() {
        while count > 0 {
            let part = count.min(u64::from(u32::MAX));
            k.push(i32::from(key));
            n.push(part as u32);
            count -= part;
        }
    }
    (k, n)
}

/// The sketch payloads of one flush.
pub fn encode(flush: &Flush, config: &Config, now_s: u64, counters: &Counters) -> Vec<Payload> {
    let mut packer = Packer::new(
        Framing::Protobuf(1),
        "/api/beta/sketches",
        GENERIC,
        Codec::Zstd,
    );
    let mut item = Vec::with_capacity(1024);
    for p in &flush.points {
        let Value::Sketch(s) = &p.value else { continue };
        let ts = p.timestamp_ms / 1000;
        if s.count() == 0 || !fresh(ts, now_s, counters) {
            continue;
        }
        let (k, n) = bins(s);
        let sketch = Sketch {
            metric: p.name(),
            host: p.context.host().to_owned(),
            tags: p
                .context
                .tags()
                .map(str::to_owned)
                .chain(config.host_tags.iter().cloned())
                .collect(),
            dogsketches: vec![Dogsketch {
                ts: ts as i64,
                cnt: s.count() as i64,
                min: s.min(),
                max: s.max(),
                avg: s.sum() / s.count() as f64,
                sum: s.sum(),
                k,
                n,
            }],
        };
        item.clear();
        sketch.encode(&mut item).expect("a Vec grows as needed");
        packer.push(&item, 1, ts);
    }
    packer.finish()
}

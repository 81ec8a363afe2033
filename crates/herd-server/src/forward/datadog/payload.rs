//! Packing items into payloads under the intake's limits: items are written into the
//! compressor as they come (no uncompressed copy of a payload is kept), either as a JSON
//! array under a key (`{"series":[…]}`) or as the repeated field of a protobuf message (a
//! message is the concatenation of its fields, so `MetricPayload.series` or
//! `SketchPayload.sketches` need no head or tail), and a payload is closed before its
//! uncompressed size, its points or its compressed size reach the endpoint's limits.

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use crate::forward::buffer::Payload;

/// The limits of one endpoint.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most compressed bytes.
    pub compressed: usize,
    /// Most uncompressed bytes.
    pub uncompressed: usize,
    /// Most points.
    pub points: u64,
}

/// `/api/v2/series`: 512 KB compressed, 5 MiB uncompressed, 10,000 points (the Agent's).
pub const V2_SERIES: Limits = Limits {
    compressed: 512_000,
    uncompressed: 5_242_880,
    points: 10_000,
};

/// `/api/v1/series` and sketches: the Agent's generic payload limits.
pub const GENERIC: Limits = Limits {
    compressed: 2_621_440,
    uncompressed: 4 * 1024 * 1024,
    points: 10_000,
};

/// The deflate level: 3 costs about half the CPU of zlib's default 6 for some 15% more
/// bytes (measured on a 10k-context flush, see docs/benchmarks.md#forwarding).
const LEVEL: u32 = 3;

/// How a body is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// zlib, `Content-Encoding: deflate` (the v1 API's; Victoria Metrics takes only this).
    Deflate,
    /// zstd level 1, `Content-Encoding: zstd1`, as the Agent sends series and sketches by
    /// default: about a quarter of deflate's CPU for fewer bytes.
    Zstd,
}

impl Codec {
    /// The `Content-Encoding` value.
    pub const fn encoding(self) -> &'static str {
        match self {
            Self::Deflate => "deflate",
            Self::Zstd => "zstd1",
        }
    }
}

/// A compressor writing into memory.
enum Body {
    Deflate(ZlibEncoder<Vec<u8>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

impl Body {
    fn new(codec: Codec, capacity: usize) -> Self {
        match codec {
            Codec::Deflate => Self::Deflate(ZlibEncoder::new(
                Vec::with_capacity(capacity),
                Compression::new(LEVEL),
            )),
            Codec::Zstd => Self::Zstd(
                zstd::stream::write::Encoder::new(Vec::with_capacity(capacity), 1)
                    .expect("a zstd context"),
            ),
        }
    }

    fn write(&mut self, data: &[u8]) {
        match self {
            Self::Deflate(z) => z.write_all(data),
            Self::Zstd(z) => z.write_all(data),
        }
        .expect("writing to memory");
    }

    /// Compressed bytes written so far (the compressor may hold more).
    fn written(&self) -> usize {
        match self {
            Self::Deflate(z) => z.get_ref().len(),
            Self::Zstd(z) => z.get_ref().len(),
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Self::Deflate(z) => z.finish(),
            Self::Zstd(z) => z.finish(),
        }
        .expect("writing to memory")
    }
}

/// zlib (HTTP `deflate`), as the Agent and the intake mean it.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::new(LEVEL),
    );
    z.write_all(data).expect("writing to memory");
    let mut body = z.finish().expect("writing to memory");
    body.shrink_to_fit();
    body
}

/// Room left for what the compressor holds but has not written yet: a payload is closed
/// once its compressed bytes so far come within this of the limit.
const PENDING: usize = 160_000;

/// How items are joined into a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `{"<key>":[item,item,…]}`, `application/json`.
    JsonArray(&'static str),
    /// Each item the length-delimited field `n` of one message, `application/x-protobuf`.
    Protobuf(u32),
}

impl Framing {
    const fn content_type(self) -> &'static str {
        match self {
            Self::JsonArray(_) => "application/json",
            Self::Protobuf(_) => "application/x-protobuf",
        }
    }
}

/// Packs items into bodies for one endpoint, compressed as they come, each under the
/// endpoint's limits.
pub struct Packer {
    framing: Framing,
    path: &'static str,
    limits: Limits,
    codec: Codec,
    body: Option<Body>,
    uncompressed: usize,
    points: u64,
    oldest_s: u64,
    done: Vec<Payload>,
}

impl Packer {
    /// A packer for `path`, the items joined as `framing` says.
    pub fn new(framing: Framing, path: &'static str, limits: Limits, codec: Codec) -> Self {
        Self {
            framing,
            path,
            limits,
            codec,
            body: None,
            uncompressed: 0,
            points: 0,
            oldest_s: u64::MAX,
            done: Vec::new(),
        }
    }

    /// Adds one serialised item of `points` points, the oldest at `ts_s`.
    pub fn push(&mut self, item: &[u8], points: u64, ts_s: u64) {
        use prost::encoding::{encode_key, encode_varint, WireType};
        let mut frame = [0u8; 16];
        let frame_len = match self.framing {
            Framing::JsonArray(_) => 1,
            Framing::Protobuf(field) => {
                let mut head = &mut frame[..];
                let room = head.len();
                encode_key(field, WireType::LengthDelimited, &mut head);
                encode_varint(item.len() as u64, &mut head);
                room - head.len()
            }
        };
        if let Some(body) = &self.body {
            let full = self.uncompressed + item.len() + frame_len + 2 > self.limits.uncompressed
                || self.points + points > self.limits.points
                || body.written() + PENDING > self.limits.compressed;
            if full {
                self.close();
            }
        }
        let codec = self.codec;
        let framing = self.framing;
        let mut opened = false;
        let body = self.body.get_or_insert_with(|| {
            opened = true;
            Body::new(codec, 64 * 1024)
        });
        if opened {
            self.uncompressed = 0;
        }
        match framing {
            Framing::JsonArray(key) => {
                if opened {
                    let head = format!("{{\"{key}\":[");
                    body.write(head.as_bytes());
                    self.uncompressed += head.len() - 1;
                } else {
                    body.write(b",");
                }
            }
            Framing::Protobuf(_) => body.write(&frame[..frame_len]),
        }
        body.write(item);
        self.uncompressed += item.len() + frame_len;
        self.points += points;
        self.oldest_s = self.oldest_s.min(ts_s);
    }

    fn close(&mut self) {
        let Some(mut body) = self.body.take() else {
            return;
        };
        if matches!(self.framing, Framing::JsonArray(_)) {
            body.write(b"]}");
        }
        // Payloads wait in the retry buffer, which counts their length: no spare capacity.
        let mut body = body.finish();
        body.shrink_to_fit();
        self.done.push(Payload {
            path: self.path.to_owned(),
            content_type: self.framing.content_type().to_owned(),
            encoding: self.codec.encoding().to_owned(),
            points: self.points,
            oldest_s: self.oldest_s,
            body,
        });
        self.points = 0;
        self.oldest_s = u64::MAX;
    }

    /// Every payload.
    pub fn finish(mut self) -> Vec<Payload> {
        self.close();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn items(n: usize, len: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("\"{i:0len$}\"").into_bytes())
            .collect()
    }

    fn pack(items: &[Vec<u8>], limits: Limits) -> Vec<Payload> {
        let mut p = Packer::new(Framing::JsonArray("series"), "/x", limits, Codec::Deflate);
        for (i, item) in items.iter().enumerate() {
            p.push(item, 1, i as u64);
        }
        p.finish()
    }

    fn body(p: &Payload) -> serde_json::Value {
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(&p.body[..])
            .read_to_end(&mut raw)
            .unwrap();
        serde_json::from_slice(&raw).unwrap()
    }

    #[test]
    fn splits_under_every_limit_and_keeps_every_item_once() {
        let limits = Limits {
            compressed: 1_000_000,
            uncompressed: 1000,
            points: 10,
        };
        let out = pack(&items(25, 10), limits);
        assert_eq!(
            out.iter().map(|p| p.points).collect::<Vec<_>>(),
            [10, 10, 5]
        );
        assert_eq!(out[1].oldest_s, 10);
        let all: Vec<serde_json::Value> = out
            .iter()
            .flat_map(|p| body(p)["series"].as_array().unwrap().clone())
            .collect();
        assert_eq!(all.len(), 25);
        assert_eq!(all[24], "0000000024");
        let out = pack(&items(100, 50), limits);
        assert!(out
            .iter()
            .all(|p| p.points <= 10 && body(p)["series"].is_array()));
        assert_eq!(out.iter().map(|p| p.points).sum::<u64>(), 100);
        // Incompressible items: closed before the compressed limit.
        let noisy: Vec<Vec<u8>> = (0..100_000u64)
            .map(|i| format!("\"{:x}\"", i.wrapping_mul(0x9E37_79B9_7F4A_7C15)).into_bytes())
            .collect();
        let tight = Limits {
            compressed: 200_000,
            uncompressed: 1 << 30,
            points: 1 << 30,
        };
        let out = pack(&noisy, tight);
        assert!(out.len() > 2, "{}", out.len());
        assert!(out.iter().all(|p| p.body.len() <= tight.compressed));
        assert_eq!(out.iter().map(|p| p.points).sum::<u64>(), 100_000);
    }

    /// A message of one repeated bytes field 1, as `MetricPayload` and `SketchPayload` are
    /// to their items.
    #[derive(Clone, PartialEq, prost::Message)]
    struct Repeated {
        #[prost(bytes = "vec", repeated, tag = "1")]
        items: Vec<Vec<u8>>,
    }

    #[test]
    fn protobuf_items_are_fields_of_one_message_under_every_limit() {
        use prost::Message;
        let limits = Limits {
            compressed: 1_000_000,
            uncompressed: 1000,
            points: 1 << 30,
        };
        // Items of 0 to 299 bytes: one- and two-byte lengths.
        let all: Vec<Vec<u8>> = (0..400u32)
            .map(|i| (0..i % 300).map(|j| (i + j) as u8).collect())
            .collect();
        let mut p = Packer::new(Framing::Protobuf(1), "/p", limits, Codec::Zstd);
        for (i, item) in all.iter().enumerate() {
            p.push(item, 1, i as u64);
        }
        let out = p.finish();
        let mut back = Vec::new();
        for payload in &out {
            assert_eq!(payload.content_type, "application/x-protobuf");
            assert_eq!(payload.encoding, "zstd1");
            let raw = zstd::stream::decode_all(&payload.body[..]).unwrap();
            assert!(raw.len() <= limits.uncompressed, "{}", raw.len());
            let message = Repeated::decode(&raw[..]).unwrap();
            assert_eq!(message.items.len() as u64, payload.points);
            back.extend(message.items);
        }
        assert!(out.len() > 50, "{}", out.len());
        assert_eq!(back, all);
    }

    proptest::proptest! {
        #[test]
        fn any_items_come_back_once_in_order_under_any_limits(
            sizes in proptest::collection::vec(0usize..3000, 0..300),
            uncompressed in 3500usize..20_000,
            points in 1u64..50,
            protobuf in proptest::prelude::any::<bool>(),
        ) {
            use prost::Message;
            // Items of a little-compressible byte pattern; JSON items as strings of hex.
            let all: Vec<Vec<u8>> = sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| {
                    let noise = (0..n as u64).map(|j| {
                        (j.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i as u64).to_le_bytes()[7]
                    });
                    if protobuf {
                        noise.collect()
                    } else {
                        let mut item = b"\"".to_vec();
                        item.extend(noise.map(|b| b"0123456789abcdef"[usize::from(b % 16)]));
                        item.push(b'"');
                        item
                    }
                })
                .collect();
            let limits = Limits { compressed: 1 << 30, uncompressed, points };
            let framing = if protobuf {
                Framing::Protobuf(1)
            } else {
                Framing::JsonArray("series")
            };
            let mut p = Packer::new(framing, "/p", limits, Codec::Zstd);
            for (i, item) in all.iter().enumerate() {
                p.push(item, 1, i as u64);
            }
            let mut back: Vec<Vec<u8>> = Vec::new();
            for payload in p.finish() {
                let raw = zstd::stream::decode_all(&payload.body[..]).unwrap();
                proptest::prop_assert!(payload.points <= points);
                // One item alone may be over the uncompressed limit; two never are.
                proptest::prop_assert!(payload.points == 1 || raw.len() <= uncompressed);
                let items: Vec<Vec<u8>> = if protobuf {
                    Repeated::decode(&raw[..]).unwrap().items
                } else {
                    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
                    v["series"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| serde_json::to_vec(s).unwrap())
                        .collect()
                };
                proptest::prop_assert_eq!(items.len() as u64, payload.points);
                back.extend(items);
            }
            proptest::prop_assert_eq!(back, all);
        }
    }
}

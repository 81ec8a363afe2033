//! Packing JSON items into payloads under the intake's limits: items are joined into one
//! body until the uncompressed or point limit is reached; a body whose deflate form is over
//! the compressed limit is split in two and each half tried again.

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

/// zlib (HTTP `deflate`), as the Agent and the intake mean it.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::new(LEVEL),
    );
    z.write_all(data).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// Room left for what the compressor holds but has not written yet: a payload is closed
/// once its compressed bytes so far come within this of the limit.
const PENDING: usize = 160_000;

/// Packs JSON items into `{"<key>":[…]}` bodies for one endpoint, deflated as they come
/// (no copy of the uncompressed text is kept), each under the endpoint's limits.
pub struct Packer {
    key: &'static str,
    path: &'static str,
    limits: Limits,
    body: Option<ZlibEncoder<Vec<u8>>>,
    uncompressed: usize,
    points: u64,
    oldest_s: u64,
    done: Vec<Payload>,
}

impl Packer {
    /// A packer for `path`, the items under `key`.
    pub fn new(key: &'static str, path: &'static str, limits: Limits) -> Self {
        Self {
            key,
            path,
            limits,
            body: None,
            uncompressed: 0,
            points: 0,
            oldest_s: u64::MAX,
            done: Vec::new(),
        }
    }

    /// Adds one serialised item of `points` points, the oldest at `ts_s`.
    pub fn push(&mut self, item: &[u8], points: u64, ts_s: u64) {
        if let Some(body) = &self.body {
            let full = self.uncompressed + item.len() + 3 > self.limits.uncompressed
                || self.points + points > self.limits.points
                || body.get_ref().len() + PENDING > self.limits.compressed;
            if full {
                self.close();
            }
        }
        let body = self.body.get_or_insert_with(|| {
            let mut z = ZlibEncoder::new(Vec::with_capacity(64 * 1024), Compression::new(LEVEL));
            let head = format!("{{\"{}\":[", self.key);
            z.write_all(head.as_bytes()).expect("writing to memory");
            self.uncompressed = head.len();
            z
        });
        if self.points > 0 {
            body.write_all(b",").expect("writing to memory");
        }
        body.write_all(item).expect("writing to memory");
        self.uncompressed += item.len() + 1;
        self.points += points;
        self.oldest_s = self.oldest_s.min(ts_s);
    }

    fn close(&mut self) {
        let Some(mut body) = self.body.take() else {
            return;
        };
        body.write_all(b"]}").expect("writing to memory");
        self.done.push(Payload {
            path: self.path.to_owned(),
            content_type: "application/json".to_owned(),
            encoding: "deflate".to_owned(),
            points: self.points,
            oldest_s: self.oldest_s,
            body: body.finish().expect("writing to memory"),
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
        let mut p = Packer::new("series", "/x", limits);
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
}

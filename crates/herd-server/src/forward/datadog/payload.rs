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

/// zlib (HTTP `deflate`), as the Agent and the intake mean it.
pub fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::with_capacity(data.len() / 4 + 64), Compression::new(6));
    z.write_all(data).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// One JSON item: its text, points and oldest time.
pub struct Item {
    /// Serialised JSON.
    pub json: Vec<u8>,
    /// Points it carries.
    pub points: u64,
    /// Oldest point, seconds.
    pub oldest_s: u64,
}

/// Packs `items` into `{"<key>":[…]}` bodies for `path`, deflated, under `limits`.
pub fn pack(items: Vec<Item>, key: &str, path: &str, limits: Limits) -> Vec<Payload> {
    let overhead = key.len() + 8;
    let mut out = Vec::new();
    let mut group: Vec<Item> = Vec::new();
    let mut size = overhead;
    let mut points = 0;
    for item in items {
        if !group.is_empty()
            && (size + item.json.len() + 1 > limits.uncompressed
                || points + item.points > limits.points)
        {
            emit(std::mem::take(&mut group), key, path, limits, &mut out);
            size = overhead;
            points = 0;
        }
        size += item.json.len() + 1;
        points += item.points;
        group.push(item);
    }
    if !group.is_empty() {
        emit(group, key, path, limits, &mut out);
    }
    out
}

fn emit(mut group: Vec<Item>, key: &str, path: &str, limits: Limits, out: &mut Vec<Payload>) {
    let mut raw = format!("{{\"{key}\":[").into_bytes();
    for (i, item) in group.iter().enumerate() {
        if i > 0 {
            raw.push(b',');
        }
        raw.extend_from_slice(&item.json);
    }
    raw.extend_from_slice(b"]}");
    let body = deflate(&raw);
    if body.len() > limits.compressed && group.len() > 1 {
        let rest = group.split_off(group.len() / 2);
        emit(group, key, path, limits, out);
        emit(rest, key, path, limits, out);
        return;
    }
    out.push(Payload {
        path: path.to_owned(),
        content_type: "application/json".to_owned(),
        encoding: "deflate".to_owned(),
        points: group.iter().map(|i| i.points).sum(),
        oldest_s: group.iter().map(|i| i.oldest_s).min().unwrap_or(0),
        body,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_under_every_limit() {
        let items = |n: usize, len: usize| -> Vec<Item> {
            (0..n)
                .map(|i| Item {
                    json: format!("\"{i:0len$}\"").into_bytes(),
                    points: 1,
                    oldest_s: i as u64,
                })
                .collect()
        };
        let limits = Limits {
            compressed: 1_000_000,
            uncompressed: 1000,
            points: 10,
        };
        let out = pack(items(25, 10), "series", "/x", limits);
        assert_eq!(
            out.iter().map(|p| p.points).collect::<Vec<_>>(),
            [10, 10, 5]
        );
        let out = pack(items(100, 50), "series", "/x", limits);
        assert!(out.iter().all(|p| p.points <= 10));
        assert_eq!(out.iter().map(|p| p.points).sum::<u64>(), 100);
        // Incompressible items over a small compressed limit: split until each fits.
        let noisy: Vec<Item> = (0..64u64)
            .map(|i| Item {
                json: format!(
                    "\"{:x}\"",
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_pow(3)
                )
                .into_bytes(),
                points: 1,
                oldest_s: 0,
            })
            .collect();
        let tight = Limits {
            compressed: 200,
            uncompressed: 1 << 20,
            points: 1000,
        };
        let out = pack(noisy, "series", "/x", tight);
        assert!(out.len() > 1 && out.iter().all(|p| p.body.len() <= 200));
        assert_eq!(out.iter().map(|p| p.points).sum::<u64>(), 64);
    }
}

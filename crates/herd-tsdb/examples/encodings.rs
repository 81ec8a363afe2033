//! Bytes per point of each statsd-shaped series under the candidate encodings, for
//! `docs/storage.md`: pco on 2 h and 1 day chunks (values; timestamps are a regular column
//! and cost ~3 bytes a chunk), pco at its top level, and the head's byte-aligned XOR codec
//! (Gorilla-like). `cargo run --release -p herd-tsdb --example encodings`.

mod shapes;

use shapes::{value, Rng, Shape};

fn pco(values: &[f64], level: usize) -> usize {
    let cfg = pco::ChunkConfig::default().with_compression_level(level);
    pco::standalone::simple_compress(values, &cfg)
        .unwrap()
        .len()
}

/// The head's value column: XOR with the previous value, zero bytes dropped.
fn xor_bytes(values: &[f64]) -> usize {
    let mut last = 0u64;
    values
        .iter()
        .map(|v| {
            let x = v.to_bits() ^ last;
            last = v.to_bits();
            if x == 0 {
                1
            } else {
                1 + 8 - (x.leading_zeros() / 8 + x.trailing_zeros() / 8) as usize
            }
        })
        .sum()
}

fn main() {
    let mut rng = Rng(0x5eed_1234_abcd);
    let shapes: Vec<(&str, Shape)> = vec![
        (
            "counter rate, Poisson(λ=120)/10",
            Shape::Rate { lambda: 120.0 },
        ),
        ("counter rate, Poisson(λ=3)/10", Shape::Rate { lambda: 3.0 }),
        ("idle counter (0)", Shape::Idle),
        ("gauge random walk, 0.1 steps", Shape::Walk { at: 50.0 }),
        ("constant gauge", Shape::Constant(7.0)),
        ("set size, small integers", Shape::SetSize { at: 40.0 }),
        (
            "histogram .count rate",
            Shape::Histogram { mu: 3.5, agg: 0 },
        ),
        (
            "histogram .avg (full f64)",
            Shape::Histogram { mu: 3.5, agg: 1 },
        ),
        (
            "histogram .median (integer ms)",
            Shape::Histogram { mu: 3.5, agg: 2 },
        ),
        (
            "histogram .max (integer ms)",
            Shape::Histogram { mu: 3.5, agg: 3 },
        ),
        (
            "histogram .95percentile",
            Shape::Histogram { mu: 3.5, agg: 4 },
        ),
    ];
    println!("| series | XOR (head) | pco 2 h | pco 1 d | pco 1 d, level 12 |");
    println!("|---|---|---|---|---|");
    for (name, mut shape) in shapes {
        let day: Vec<f64> = (0..8640).map(|_| value(&mut shape, &mut rng)).collect();
        let n = day.len() as f64;
        let two_h: usize = day.chunks(720).map(|c| pco(c, 8)).sum();
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            xor_bytes(&day) as f64 / n,
            two_h as f64 / n,
            pco(&day, 8) as f64 / n,
            pco(&day, 12) as f64 / n,
        );
    }
}

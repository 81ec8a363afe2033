//! Statsd-shaped values for the store's examples (`bytes_per_sample`, `encodings`): one
//! generator, so both measure the same traffic.

/// This process's resident set (`VmRSS`), in KiB (0 where `/proc` is missing).
#[allow(dead_code)] // not every example measures memory
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// A xorshift generator: the same traffic every run.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// How a statsd series moves from one 10 s flush to the next.
#[derive(Clone)]
pub enum Shape {
    Rate { lambda: f64 },
    Idle,
    Walk { at: f64 },
    Constant(f64),
    SetSize { at: f64 },
    Histogram { mu: f64, agg: usize },
}

/// The next flushed value of a series of this shape.
pub fn value(shape: &mut Shape, rng: &mut Rng) -> f64 {
    match shape {
        Shape::Rate { lambda } => (*lambda + lambda.sqrt() * rng.normal()).round().max(0.0) / 10.0,
        Shape::Idle => 0.0,
        Shape::Walk { at } => {
            *at = ((*at + (rng.normal() * 3.0).round() / 10.0) * 10.0).round() / 10.0;
            *at
        }
        Shape::Constant(v) => *v,
        Shape::SetSize { at } => {
            if rng.unit() < 0.1 {
                *at = (*at + if rng.unit() < 0.5 { -1.0 } else { 1.0 }).max(0.0);
            }
            *at
        }
        Shape::Histogram { mu, agg } => {
            let n = 5 + (rng.next() % 20) as usize;
            let mut s: Vec<f64> = (0..n)
                .map(|_| (*mu + 0.5 * rng.normal()).exp().round())
                .collect();
            s.sort_by(f64::total_cmp);
            match agg {
                0 => n as f64 / 10.0,
                1 => s.iter().sum::<f64>() / n as f64,
                2 => s[n / 2],
                3 => s[n - 1],
                _ => s[((n as f64) * 0.95) as usize - 1],
            }
        }
    }
}

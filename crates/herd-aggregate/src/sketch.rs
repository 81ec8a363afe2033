//! The distribution sketch, with the Datadog Agent's exact parameters so that a sketch built
//! here can be forwarded to Datadog without loss: γ = 1 + 2/128, keys `round_half_even(log_γ v)`
//! plus a bias as `i16`, at most 4096 bins with the lowest collapsing first, values below
//! 1e-9 in the zero bin.

/// Relative accuracy parameter ε of the Agent's sketch.
pub const EPS: f64 = 1.0 / 128.0;
/// γ = 1 + 2ε.
pub const GAMMA: f64 = 1.0 + 2.0 * EPS;
/// Most bins kept; past it the lowest bins collapse.
pub const BIN_LIMIT: usize = 4096;
/// Smallest magnitude that gets a bin of its own.
pub const MIN_VALUE: f64 = 1e-9;

fn ln_gamma() -> f64 {
    (2.0 * EPS).ln_1p()
}

/// `-floor(log_γ MIN_VALUE) + 1`: shifts the keys of the smallest values to 1.
fn bias() -> i32 {
    -((MIN_VALUE.ln() / ln_gamma()).floor() as i32) + 1
}

/// The bin key of a value (0 for values too small to tell from zero).
pub fn key(v: f64) -> i16 {
    if v < 0.0 {
        return -key(-v);
    }
    if v < MIN_VALUE {
        return 0;
    }
    let i = (v.ln() / ln_gamma()).round_ties_even() as i32 + bias();
    i.clamp(1, i32::from(i16::MAX)) as i16
}

/// The value a key stands for.
pub fn value(k: i16) -> f64 {
    match k {
        0 => 0.0,
        k if k < 0 => -value(-k),
        k => GAMMA.powi(i32::from(k) - bias()),
    }
}

/// A DDSketch of one context over one bucket, with exact count, sum, min and max.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sketch {
    /// `(key, count)`, sorted by key.
    bins: Vec<(i16, u64)>,
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

impl Sketch {
    /// Adds `v` counted `n` times.
    pub fn insert(&mut self, v: f64, n: u64) {
        if n == 0 {
            return;
        }
        self.note(v, n);
        self.add_bin(key(v), n);
    }

    /// Adds `v` (counted `n` times) to count, sum, min and max, not to the bins.
    fn note(&mut self, v: f64, n: u64) {
        if self.count == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.count += n;
        self.sum += v * n as f64;
    }

    fn add_bin(&mut self, k: i16, n: u64) {
        match self.bins.binary_search_by_key(&k, |&(k, _)| k) {
            Ok(i) => self.bins[i].1 += n,
            Err(i) => {
                self.bins.insert(i, (k, n));
                if self.bins.len() > BIN_LIMIT {
                    let (_, lowest) = self.bins.remove(0);
                    self.bins[0].1 += lowest;
                }
            }
        }
    }

    /// Adds every sample of `other`.
    pub fn merge(&mut self, other: &Sketch) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other.clone();
            return;
        }
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.count += other.count;
        self.sum += other.sum;
        for &(k, n) in &other.bins {
            self.add_bin(k, n);
        }
    }

    /// A sketch rebuilt from its stored parts (as [`Sketch::bins`], [`Sketch::count`],
    /// [`Sketch::sum`], [`Sketch::min`] and [`Sketch::max`] gave them). Bins in any order are
    /// sorted and equal keys added up; past [`BIN_LIMIT`] the lowest bins collapse, so the
    /// result keeps every invariant of a sketch built by insertion.
    pub fn from_parts(
        mut bins: Vec<(i16, u64)>,
        count: u64,
        sum: f64,
        min: f64,
        max: f64,
    ) -> Sketch {
        if !bins.is_sorted_by(|a, b| a.0 < b.0) {
            bins.sort_unstable_by_key(|&(k, _)| k);
            bins.dedup_by(|b, a| {
                let same = a.0 == b.0;
                if same {
                    a.1 += b.1;
                }
                same
            });
        }
        if bins.len() > BIN_LIMIT {
            let extra = bins.len() - BIN_LIMIT;
            let below: u64 = bins[..extra].iter().map(|b| b.1).sum();
            bins.drain(..extra);
            bins[0].1 += below;
        }
        Sketch {
            bins,
            count,
            sum,
            min,
            max,
        }
    }

    /// Number of samples (weighted by sample rate).
    pub const fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the samples.
    pub const fn sum(&self) -> f64 {
        self.sum
    }

    /// Smallest sample.
    pub const fn min(&self) -> f64 {
        self.min
    }

    /// Largest sample.
    pub const fn max(&self) -> f64 {
        self.max
    }

    /// The bins, `(key, count)` sorted by key.
    pub fn bins(&self) -> &[(i16, u64)] {
        &self.bins
    }

    /// The `q` quantile (0..=1), within the sketch's relative accuracy; exact at 0 and 1.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        if q <= 0.0 {
            return self.min;
        }
        if q >= 1.0 {
            return self.max;
        }
        let want = (q * (self.count - 1) as f64).round_ties_even();
        let mut seen = 0.0;
        for &(k, n) in &self.bins {
            seen += n as f64;
            if seen > want {
                return value(k).clamp(self.min, self.max);
            }
        }
        self.max
    }
}

/// Keys a [`Builder`] holds before merging them into the bins.
const PENDING: usize = 128;

/// Builds a sketch sample by sample the way the Agent does: keys go to a small buffer, which
/// is sorted and merged into the bins when full (one pass instead of a search and an insert
/// per sample). The result is the same as inserting one by one: with the lowest bins
/// collapsing first, the bins are always the `BIN_LIMIT` highest keys seen, the lowest of
/// them holding the counts of every key below it, whatever the order of arrival.
#[derive(Debug, Clone, Default)]
pub(crate) struct Builder {
    sketch: Sketch,
    pending: Vec<i16>,
}

impl Builder {
    /// Adds `v` counted `n` times.
    pub(crate) fn insert(&mut self, v: f64, n: u64) {
        match n {
            0 => {}
            1 => {
                self.sketch.note(v, 1);
                self.pending.push(key(v));
                if self.pending.len() >= PENDING {
                    self.merge_pending();
                }
            }
            n => self.sketch.insert(v, n),
        }
    }

    /// The sketch.
    pub(crate) fn finish(mut self) -> Sketch {
        self.merge_pending();
        self.sketch
    }

    fn merge_pending(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.pending.sort_unstable();
        let old = std::mem::take(&mut self.sketch.bins);
        let mut bins = Vec::with_capacity(old.len() + self.pending.len());
        let mut old = old.into_iter().peekable();
        let mut new = self.pending.chunk_by(|a, b| a == b).peekable();
        loop {
            let next = match (old.peek(), new.peek()) {
                (Some(&(k, n)), Some(run)) if k == run[0] => {
                    old.next();
                    (k, n + new.next().map_or(0, |r| r.len() as u64))
                }
                (Some(&(k, _)), Some(run)) if k < run[0] => old.next().expect("peeked"),
                (_, Some(_)) => {
                    let run = new.next().expect("peeked");
                    (run[0], run.len() as u64)
                }
                (Some(_), None) => old.next().expect("peeked"),
                (None, None) => break,
            };
            bins.push(next);
        }
        if bins.len() > BIN_LIMIT {
            let extra = bins.len() - BIN_LIMIT;
            let below: u64 = bins[..extra].iter().map(|b| b.1).sum();
            bins.drain(..extra);
            bins[0].1 += below;
        }
        self.sketch.bins = bins;
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_parts_rebuilds_the_same_sketch() {
        let mut s = Sketch::default();
        for v in [0.5, 3.0, 3.0, 70.0, -2.0, 1e6] {
            s.insert(v, 2);
        }
        let back = Sketch::from_parts(s.bins().to_vec(), s.count(), s.sum(), s.min(), s.max());
        assert_eq!(back, s);
        let mut shuffled = s.bins().to_vec();
        shuffled.reverse();
        let (k, n) = shuffled[0];
        shuffled.push((k, n));
        let back = Sketch::from_parts(shuffled, s.count(), s.sum(), s.min(), s.max());
        let expect: Vec<_> = s
            .bins()
            .iter()
            .map(|&(key, c)| if key == k { (key, c + n) } else { (key, c) })
            .collect();
        assert_eq!(back.bins(), &expect[..]);
        let many: Vec<_> = (0..(BIN_LIMIT as i16 + 10)).map(|k| (k, 1)).collect();
        let back = Sketch::from_parts(many, 0, 0.0, 0.0, 0.0);
        assert_eq!(back.bins().len(), BIN_LIMIT);
        assert_eq!(back.bins()[0], (10, 11));
    }

    #[test]
    fn keys_match_the_agent_mapping() {
        assert_eq!(key(0.0), 0);
        assert_eq!(key(1e-10), 0);
        assert_eq!(key(-5.0), -key(5.0));
        // log_γ(1) = 0, so 1 sits exactly at the bias.
        assert_eq!(i32::from(key(1.0)), bias());
        assert_eq!(bias(), 1338);
        assert_eq!(key(f64::MAX), i16::MAX);
    }

    #[test]
    fn values_read_back_within_the_relative_accuracy() {
        let accuracy = (GAMMA - 1.0) / (GAMMA + 1.0);
        for v in [1e-6, 0.003, 1.0, 42.0, 1234.5, 9.9e9] {
            let back = value(key(v));
            assert!(((back - v) / v).abs() <= accuracy + 1e-12, "{v} -> {back}");
        }
    }

    #[test]
    fn quantiles_of_a_uniform_run_are_within_accuracy() {
        let mut s = Sketch::default();
        for i in 1..=1000 {
            s.insert(f64::from(i), 1);
        }
        assert_eq!(
            (s.count(), s.min(), s.max(), s.sum()),
            (1000, 1.0, 1000.0, 500_500.0)
        );
        for (q, exact) in [(0.5, 500.0), (0.9, 900.0), (0.99, 990.0)] {
            let got = s.quantile(q);
            assert!((got - exact).abs() / exact < 0.011, "q{q}: {got}");
        }
    }

    #[test]
    fn weights_count_and_merges_add_up() {
        let mut a = Sketch::default();
        a.insert(10.0, 4);
        let mut b = Sketch::default();
        b.insert(20.0, 1);
        a.merge(&b);
        assert_eq!(
            (a.count(), a.sum(), a.min(), a.max()),
            (5, 60.0, 10.0, 20.0)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn property_test_the_builder_gives_the_sketch_of_one_by_one_insertion(
            samples in proptest::collection::vec((-4000i32..4000, 1u64..3), 0..9000),
            zeros in 0usize..3,
        ) {
            let (mut one, mut built) = (Sketch::default(), Builder::default());
            for (i, &(k, n)) in samples.iter().enumerate() {
                // Up to 8,000 distinct keys (both signs), so the bin limit is reached, and
                // some zeros.
                let v = if i % 7 < zeros {
                    0.0
                } else {
                    f64::from(k.signum()) * GAMMA.powi(k.abs() - 1000)
                };
                one.insert(v, n);
                built.insert(v, n);
            }
            proptest::prop_assert_eq!(built.finish(), one);
        }
    }

    #[test]
    fn the_builder_collapses_like_one_by_one_insertion_past_the_bin_limit() {
        let (mut one, mut built) = (Sketch::default(), Builder::default());
        // 10,000 distinct keys in a scrambled order.
        for i in 0..10_000i32 {
            let k = (i * 7_919) % 10_000 - 2_000;
            let v = GAMMA.powi(k);
            one.insert(v, 1 + u64::from(i % 3 == 0));
            built.insert(v, 1 + u64::from(i % 3 == 0));
        }
        let built = built.finish();
        assert_eq!(built.bins().len(), BIN_LIMIT);
        assert_eq!(built, one);
    }

    #[test]
    fn the_bin_limit_collapses_the_lowest_bins() {
        let mut s = Sketch::default();
        let mut v = 1.0;
        for _ in 0..(BIN_LIMIT + 10) {
            s.insert(v, 1);
            v *= GAMMA * GAMMA;
        }
        assert_eq!(s.bins().len(), BIN_LIMIT);
        assert_eq!(
            s.bins().iter().map(|b| b.1).sum::<u64>(),
            (BIN_LIMIT + 10) as u64
        );
        assert_eq!(s.bins()[0].1, 11);
    }
}

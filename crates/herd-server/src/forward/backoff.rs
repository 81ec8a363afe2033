//! When to try again: exponential backoff with jitter, as the Datadog Agent's forwarder does
//! (`forwarder_backoff_base` 2 s, factor 2, `forwarder_backoff_max` 64 s), never sooner than
//! a `Retry-After` the server asked for.

use std::hash::BuildHasher;
use std::time::Duration;

/// First wait.
pub const BASE: Duration = Duration::from_secs(2);
/// Longest wait.
pub const MAX: Duration = Duration::from_secs(64);

/// The backoff of one destination: grows with each failure in a row, resets on success.
#[derive(Debug, Default)]
pub struct Backoff {
    failures: u32,
    seed: foldhash::fast::RandomState,
}

impl Backoff {
    /// The wait after one more failure: a random point in the upper half of
    /// `min(BASE · 2^(failures−1), MAX)`, and at least `retry_after`.
    pub fn fail(&mut self, retry_after: Option<Duration>) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let ceiling = BASE
            .saturating_mul(1 << (self.failures - 1).min(16))
            .min(MAX);
        let half = ceiling / 2;
        let r = self.seed.hash_one(self.failures) % 1000;
        let wait = half + half.mul_f64(r as f64 / 1000.0);
        wait.max(retry_after.unwrap_or_default().min(MAX))
    }

    /// A success: the next failure starts from [`BASE`] again.
    pub fn succeed(&mut self) {
        self.failures = 0;
    }

    /// Failures in a row.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// A `Retry-After` header value in seconds (the HTTP-date form is not used by the intakes).
pub fn retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_to_the_cap_with_jitter_and_honours_retry_after() {
        let mut b = Backoff::default();
        let waits: Vec<_> = (0..10).map(|_| b.fail(None)).collect();
        assert!(waits[0] >= BASE / 2 && waits[0] <= BASE, "{waits:?}");
        assert!(waits[1] >= BASE && waits[1] <= BASE * 2, "{waits:?}");
        assert!(waits[9] >= MAX / 2 && waits[9] <= MAX, "{waits:?}");
        b.succeed();
        assert!(b.fail(Some(Duration::from_secs(30))) >= Duration::from_secs(30));
        assert_eq!(retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(retry_after("Wed, 21 Oct 2015"), None);
    }
}

//! Log lines on standard error, with a rate limit for per-message noise.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Logs a line.
pub fn warn(line: &str) {
    eprintln!("herd statsd: {line}");
}

/// Logs a line.
pub fn info(line: &str) {
    eprintln!("herd statsd: {line}");
}

/// At most `burst` lines per `window`; the rest are counted and summarised.
pub struct RateLimited {
    state: Mutex<(Instant, u32, u64)>,
    burst: u32,
    window: Duration,
}

impl RateLimited {
    /// A limiter of `burst` lines per `window`.
    pub fn new(burst: u32, window: Duration) -> Self {
        Self {
            state: Mutex::new((Instant::now(), 0, 0)),
            burst,
            window,
        }
    }

    /// Logs the line built by `line` if the budget allows, else counts it.
    pub fn warn(&self, line: impl FnOnce() -> String) {
        let mut s = self.state.lock().expect("log lock");
        if s.0.elapsed() >= self.window {
            if s.2 > 0 {
                warn(&format!(
                    "{} more parse errors not shown in the last {:?}",
                    s.2, self.window
                ));
            }
            *s = (Instant::now(), 0, 0);
        }
        if s.1 < self.burst {
            s.1 += 1;
            drop(s);
            warn(&line());
        } else {
            s.2 += 1;
        }
    }
}

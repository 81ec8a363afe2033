//! Log lines, on standard error unless the daemon runs inside another program (the Procfile
//! runner), which then hands it a writer; with a rate limit for per-message noise.

use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// A writer shared by the log and a sink.
pub type SharedWriter = Arc<Mutex<Box<dyn Write + Send>>>;

static WRITER: RwLock<Option<SharedWriter>> = RwLock::new(None);

/// Sends log lines to `writer` instead of standard error (for an in-process daemon; the lines
/// then carry no `herd statsd:` prefix, the host program labels them).
pub fn set_writer(writer: SharedWriter) {
    *WRITER
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(writer);
}

fn emit(line: &str) {
    let writer = WRITER
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    match writer {
        Some(w) => {
            let mut w = w.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = writeln!(w, "{line}");
        }
        None => eprintln!("herd statsd: {line}"),
    }
}

/// Logs a line.
pub fn warn(line: &str) {
    emit(line);
}

/// Logs a line.
pub fn info(line: &str) {
    emit(line);
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

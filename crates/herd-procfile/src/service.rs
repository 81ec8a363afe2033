//! In-process services: work that runs inside herd as if it were a Procfile process.
//!
//! A service runs on its own thread, writes its log lines through the same output path as a
//! child process (a pipe read by the supervisor), is told to stop when a child would be sent
//! SIGTERM, and returns an exit code. It is how `herd start --statsd` will run the metrics
//! daemon without a second executable.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// A long-running job supervised like a process.
pub trait Service: Send + Sync {
    /// Runs until done or until `ctx.stop` is requested; returns an exit code (0 = clean).
    /// Called again on a fresh thread when the restart policy says so.
    fn run(&self, ctx: ServiceContext) -> i32;
}

/// What a running service gets from the supervisor.
pub struct ServiceContext {
    /// Log output: each `\n`-terminated line appears under the service's name.
    pub out: Box<dyn Write + Send>,
    /// Set when the service should finish (the equivalent of SIGTERM).
    pub stop: StopToken,
}

/// A stop request that a service can poll or wait on.
#[derive(Clone, Default, Debug)]
pub struct StopToken {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl StopToken {
    /// A token not yet stopped.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the service to stop.
    pub fn request(&self) {
        let (lock, cvar) = &*self.inner;
        *lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        cvar.notify_all();
    }

    /// Whether stopping was requested.
    pub fn is_requested(&self) -> bool {
        *self
            .inner
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits up to `timeout` for a stop request; returns whether one came.
    pub fn wait(&self, timeout: Duration) -> bool {
        let (lock, cvar) = &*self.inner;
        let guard = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (guard, _) = cvar
            .wait_timeout_while(guard, timeout, |stopped| !*stopped)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_request_wakes_a_waiting_service() {
        let token = StopToken::new();
        let t2 = token.clone();
        let h = std::thread::spawn(move || t2.wait(Duration::from_secs(10)));
        std::thread::sleep(Duration::from_millis(20));
        token.request();
        assert!(h.join().unwrap());
        assert!(token.is_requested());
        assert!(!StopToken::new().wait(Duration::from_millis(1)));
    }
}

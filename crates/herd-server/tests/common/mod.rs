//! Shared by the daemon's integration tests: a sink that keeps every flush.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use herd_aggregate::Flush;
use herd_server::Sink;

/// Keeps every flush it is given (clones share the list).
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<Flush>>>);

impl Sink for Capture {
    fn write(&mut self, flush: &Flush) -> std::io::Result<()> {
        self.0.lock().unwrap().push(flush.clone());
        Ok(())
    }
}

impl Capture {
    /// `(name, value)` of every scalar point that is not herd's own, sorted.
    pub fn points(&self) -> Vec<(String, f64)> {
        let mut out: Vec<_> = self
            .0
            .lock()
            .unwrap()
            .iter()
            .flat_map(|f| f.points.iter())
            .filter(|p| !p.context.name().starts_with("herd."))
            .filter_map(|p| Some((p.name(), p.scalar()?)))
            .collect();
        out.sort_by(|a, b| a.partial_cmp(b).unwrap());
        out
    }
}

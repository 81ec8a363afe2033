//! Listeners: sockets in, batches of datagrams out to the workers. They never decode and
//! never block on the workers; a full queue is a counted drop.

pub mod datagram;
pub mod stream;

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::batch::{Batch, Dispatch, Pool};
use crate::telemetry::Telemetry;

/// What every listener thread shares.
#[derive(Clone)]
pub struct Shared {
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// Worker queues.
    pub dispatch: Arc<Dispatch>,
    /// Buffer pool.
    pub pool: Arc<Pool>,
    /// Set when the daemon stops.
    pub stop: Arc<AtomicBool>,
    /// Bytes per datagram or frame.
    pub buffer_size: usize,
}

impl Shared {
    /// Whether the daemon is stopping.
    pub fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// Queues a batch for the workers, counting it as dropped if every queue is full.
    pub fn deliver(&self, mut batch: Batch) {
        if batch.spans.is_empty() {
            self.pool.put(batch);
            return;
        }
        batch.received_ms = now_ms();
        if let Err(batch) = self.dispatch.send(batch) {
            self.telemetry
                .listener(batch.listener)
                .queue_full
                .fetch_add(batch.spans.len() as u64, Relaxed);
            self.pool.put(batch);
        }
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Removes a stale socket file left by an earlier run; refuses to remove anything else.
pub fn remove_stale_socket(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => std::fs::remove_file(path),
        Ok(_) => Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a socket; not replacing it",
                path.display()
            ),
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

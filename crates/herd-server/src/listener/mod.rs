//! Listeners: sockets in, batches of datagrams out to the workers. They never decode. When
//! every worker queue is full, a UDP reader drops the batch (counted: UDP cannot push back),
//! and the others wait for room in `block` mode, so the kernel makes their senders wait, or
//! drop it (counted) in `drop` mode.

pub mod datagram;
pub mod stream;

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use crate::batch::{Batch, Dispatch, Pool};
use crate::telemetry::{Listener, Telemetry};

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
    /// What a full worker queue does to the listeners that can push back.
    pub overload: Overload,
}

/// What a listener does when every worker queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overload {
    /// Wait for room (Unix sockets and TCP; the sender waits or gets `EAGAIN`).
    Block,
    /// Drop the batch and count it.
    Drop,
}

impl Shared {
    /// Whether the daemon is stopping.
    pub fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// Queues a batch for the workers. When every queue is full it waits for room (in
    /// `block` mode, for listeners other than UDP) or counts the batch as dropped.
    pub fn deliver(&self, mut batch: Batch) {
        if batch.spans.is_empty() {
            self.pool.put(batch);
            return;
        }
        batch.received_ms = crate::clock::now_ms();
        let wait = self.overload == Overload::Block && batch.listener != Listener::Udp;
        let sent = if wait {
            self.dispatch.send_waiting(batch)
        } else {
            self.dispatch.send(batch)
        };
        if let Err(batch) = sent {
            self.telemetry
                .listener(batch.listener)
                .queue_full
                .fetch_add(batch.spans.len() as u64, Relaxed);
            self.pool.put(batch);
        }
    }
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

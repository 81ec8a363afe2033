//! Batches: what listeners hand to workers. One buffer, many datagrams, one receive time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Mutex;

use crate::telemetry::Listener;

/// Datagrams read together by one listener.
#[derive(Debug)]
pub struct Batch {
    /// Who read them.
    pub listener: Listener,
    /// When, in milliseconds since the epoch (decides their bucket).
    pub received_ms: u64,
    /// The bytes.
    pub data: Vec<u8>,
    /// `(offset, len)` of each datagram in `data`.
    pub spans: Vec<(u32, u32)>,
}

impl Batch {
    /// The datagrams.
    pub fn datagrams(&self) -> impl Iterator<Item = &[u8]> {
        self.spans
            .iter()
            .map(|&(o, l)| &self.data[o as usize..(o + l) as usize])
    }
}

/// Reuses batch buffers, so steady traffic allocates nothing.
pub struct Pool {
    free: Mutex<Vec<Batch>>,
    keep: usize,
}

impl Pool {
    /// A pool keeping at most `keep` spare batches.
    pub fn new(keep: usize) -> Self {
        Self {
            free: Mutex::new(Vec::new()),
            keep,
        }
    }

    /// A batch without datagrams whose `data` is `len` bytes long (contents unspecified:
    /// receive calls write into it; stream readers clear it and append).
    pub fn get(&self, listener: Listener, len: usize) -> Batch {
        let reused = self.free.lock().expect("pool lock").pop();
        // A new buffer is zeroed by the allocator (`vec!`), which for large sizes maps fresh
        // pages lazily: pages no datagram reaches cost no memory.
        let mut b = reused.unwrap_or_else(|| Batch {
            listener,
            received_ms: 0,
            data: vec![0; len],
            spans: Vec::new(),
        });
        b.listener = listener;
        b.spans.clear();
        b.data.resize(len, 0);
        b
    }

    /// Gives a batch back.
    pub fn put(&self, batch: Batch) {
        let mut free = self.free.lock().expect("pool lock");
        if free.len() < self.keep {
            free.push(batch);
        }
    }
}

/// Hands batches to workers round-robin: [`Dispatch::send`] never blocks (when every queue is
/// full the batch comes back to the caller, who counts the drop); [`Dispatch::send_waiting`]
/// waits for room instead, so that a stream or Unix socket pushes back on its sender.
pub struct Dispatch {
    workers: Vec<SyncSender<Batch>>,
    next: AtomicUsize,
}

impl Dispatch {
    /// Dispatch to these worker queues.
    pub fn new(workers: Vec<SyncSender<Batch>>) -> Self {
        Self {
            workers,
            next: AtomicUsize::new(0),
        }
    }

    /// Queues a batch; gives it back when every queue is full (or the workers are gone).
    pub fn send(&self, batch: Batch) -> Result<(), Batch> {
        self.try_each(batch).map_err(|(batch, _)| batch)
    }

    /// Queues a batch, waiting for room when every queue is full; gives it back only when
    /// the workers are gone.
    pub fn send_waiting(&self, batch: Batch) -> Result<(), Batch> {
        match self.try_each(batch) {
            Ok(()) => Ok(()),
            Err((batch, start)) => {
                let n = self.workers.len();
                self.workers[start % n].send(batch).map_err(|e| e.0)
            }
        }
    }

    /// Offers the batch to each queue once, starting with the next in turn (which it returns
    /// with the batch when none had room).
    fn try_each(&self, mut batch: Batch) -> Result<(), (Batch, usize)> {
        let n = self.workers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            match self.workers[(start + i) % n].try_send(batch) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(b) | TrySendError::Disconnected(b)) => batch = b,
            }
        }
        Err((batch, start))
    }
}

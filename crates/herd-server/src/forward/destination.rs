//! One destination: the sink the flush thread writes to (encode, queue, return) and the
//! thread that sends the queue oldest first, retrying with backoff.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use herd_aggregate::Flush;

use super::backoff::Backoff;
use super::buffer::Buffer;
use super::transport::{Client, Outcome};
use super::{Counters, Encode, Target};
use crate::sink::Sink;
use crate::telemetry::Telemetry;

/// Longest wait at shutdown for the queue to drain before it is kept on disk.
const DRAIN: Duration = Duration::from_secs(3);

/// What the sink and the sending thread share.
struct Queue {
    buffer: Mutex<Buffer>,
    wake: Condvar,
    closing: AtomicBool,
    /// Bytes this destination last reported into the target's `buffer_bytes`.
    reported: Mutex<u64>,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings the target's buffer gauge up to date with this buffer.
    fn report(&self, buffer: &Buffer, counters: &Counters) {
        let mut reported = self.reported.lock().unwrap_or_else(PoisonError::into_inner);
        let now = buffer.bytes();
        if now >= *reported {
            counters.buffer_bytes.fetch_add(now - *reported, Relaxed);
        } else {
            counters.buffer_bytes.fetch_sub(*reported - now, Relaxed);
        }
        *reported = now;
    }
}

/// A forwarding sink: encodes each flush on the flush thread and queues it for its sender.
pub struct ForwardSink {
    name: String,
    encoder: Box<dyn Encode>,
    queue: Arc<Queue>,
    target: Target,
    telemetry: Arc<Telemetry>,
    /// Started at the first flush, so that nothing it says comes before the daemon's first
    /// line (where it listens).
    sender: Sender,
}

/// The sending thread: what it needs before it starts, then its handle.
enum Sender {
    Ready {
        client: Client,
        max_age_s: Option<u64>,
        problems: Vec<String>,
    },
    Running(JoinHandle<()>),
    Done,
}

impl ForwardSink {
    /// Opens the buffer (picking up what an earlier run left in `dir`); the sender starts
    /// at the first flush.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        name: &str,
        dir: Option<PathBuf>,
        limit: u64,
        mut client: Client,
        encoder: Box<dyn Encode>,
        max_age_s: Option<u64>,
        target: Target,
        telemetry: Arc<Telemetry>,
    ) -> Self {
        let shown = dir.as_ref().map(|d| d.display().to_string());
        let mut problems = Vec::new();
        let buffer = match Buffer::open(dir, limit) {
            Ok((buffer, found)) => {
                problems = found
                    .into_iter()
                    .map(|p| format!("skipping an unreadable buffered payload: {p}"))
                    .collect();
                buffer
            }
            Err(e) => {
                problems.push(format!(
                    "cannot use {} for the retry buffer ({e}); keeping it in memory only",
                    shown.unwrap_or_default()
                ));
                Buffer::open(None, limit).expect("a memory buffer").0
            }
        };
        problems.extend(client.take_problem());
        let queue = Arc::new(Queue {
            buffer: Mutex::new(buffer),
            wake: Condvar::new(),
            closing: AtomicBool::new(false),
            reported: Mutex::new(0),
        });
        let counters = &telemetry.forward[target as usize];
        queue.report(&queue.lock(), counters);
        Self {
            name: name.to_owned(),
            encoder,
            queue,
            target,
            telemetry,
            sender: Sender::Ready {
                client,
                max_age_s,
                problems,
            },
        }
    }

    /// Starts the sending thread, once.
    fn start_sender(&mut self) {
        let Sender::Ready {
            client,
            max_age_s,
            problems,
        } = std::mem::replace(&mut self.sender, Sender::Done)
        else {
            return;
        };
        for p in problems {
            crate::log::warn(&format!("forward to {}: {p}", self.name));
        }
        // The payloads an earlier run left: said once they are through.
        let earlier = self.queue.lock().len();
        let queue = self.queue.clone();
        let telemetry = self.telemetry.clone();
        let name = self.name.clone();
        let target = self.target;
        let handle = std::thread::Builder::new()
            .name(format!("herd-fwd-{}", target.as_str()))
            .spawn(move || {
                send_loop(
                    &name,
                    &queue,
                    &client,
                    earlier,
                    max_age_s,
                    &telemetry.forward[target as usize],
                );
            })
            .expect("spawn a thread");
        self.sender = Sender::Running(handle);
    }
}

impl Sink for ForwardSink {
    fn write(&mut self, flush: &Flush) -> io::Result<()> {
        self.start_sender();
        let counters = &self.telemetry.forward[self.target as usize];
        let payloads = self.encoder.encode(flush, counters);
        if payloads.is_empty() {
            return Ok(());
        }
        let mut buffer = self.queue.lock();
        for p in payloads {
            match buffer.push(p) {
                Ok(evicted) if evicted.payloads > 0 => {
                    crate::internal_events::forward_buffer_full(
                        &self.name,
                        counters,
                        evicted.points,
                    );
                }
                Ok(_) => {}
                Err(e) => crate::internal_events::forward_buffer_failed(&self.name, &e),
            }
        }
        self.queue.report(&buffer, counters);
        drop(buffer);
        self.queue.wake.notify_one();
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        self.start_sender();
        self.queue.closing.store(true, Relaxed);
        self.queue.wake.notify_one();
        if let Sender::Running(sender) = std::mem::replace(&mut self.sender, Sender::Done) {
            let deadline = Instant::now() + DRAIN;
            while !sender.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if sender.is_finished() {
                let _ = sender.join();
            }
        }
        let mut buffer = self.queue.lock();
        if !buffer.is_empty() {
            crate::log::info(&format!(
                "forward to {}: {} payloads not sent yet, kept for the next start",
                self.name,
                buffer.len()
            ));
        }
        buffer.persist()
    }
}

/// Sends the oldest payload until the queue is empty and the sink closing; a payload leaves
/// the queue only once it was accepted or refused for good.
fn send_loop(
    name: &str,
    queue: &Queue,
    client: &Client,
    mut earlier: usize,
    max_age_s: Option<u64>,
    counters: &Counters,
) {
    let mut backoff = Backoff::default();
    let mut said_forbidden = false;
    loop {
        let next = {
            let mut buffer = queue.lock();
            while buffer.is_empty() && !queue.closing.load(Relaxed) {
                buffer = queue
                    .wake
                    .wait(buffer)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            match buffer.front() {
                None => return,
                Some(next) => next,
            }
        };
        let payload = match next {
            Ok(p) => p,
            Err(problem) => {
                crate::internal_events::forward_buffer_damaged(name, &problem);
                continue;
            }
        };
        let mut done = || {
            let mut buffer = queue.lock();
            let _ = buffer.pop();
            queue.report(&buffer, counters);
            if earlier > 0 {
                earlier -= 1;
                if earlier == 0 {
                    crate::log::info(&format!(
                        "forward to {name}: the payloads kept from an earlier run are through \
                         (sent, or dropped and counted)"
                    ));
                }
            }
        };
        let now_s = crate::clock::now_ms() / 1000;
        if max_age_s.is_some_and(|max| now_s.saturating_sub(payload.oldest_s) > max) {
            crate::internal_events::forward_too_old(name, counters, payload.points);
            done();
            continue;
        }
        match client.send(&payload) {
            Outcome::Sent => {
                counters.payloads_sent.fetch_add(1, Relaxed);
                counters.points_sent.fetch_add(payload.points, Relaxed);
                counters
                    .bytes_sent
                    .fetch_add(payload.body.len() as u64, Relaxed);
                done();
                if backoff.failures() > 0 {
                    crate::log::info(&format!("forward to {name}: sending again"));
                }
                backoff.succeed();
                said_forbidden = false;
            }
            Outcome::Refused { status: 403, body } => {
                crate::internal_events::forward_forbidden(
                    name,
                    counters,
                    payload.points,
                    !said_forbidden,
                    &body,
                );
                said_forbidden = true;
                done();
            }
            Outcome::Refused { status, body } => {
                crate::internal_events::forward_refused(
                    name,
                    counters,
                    &client.url(&payload),
                    status,
                    payload.points,
                    &body,
                );
                done();
            }
            Outcome::Retry { why, after } => {
                counters.retries.fetch_add(1, Relaxed);
                if queue.closing.load(Relaxed) {
                    return;
                }
                let wait = backoff.fail(after);
                if backoff.failures() == 1 {
                    crate::internal_events::forward_retrying(name, &why, wait);
                }
                let buffer = queue.lock();
                let _ = queue
                    .wake
                    .wait_timeout_while(buffer, wait, |_| !queue.closing.load(Relaxed))
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

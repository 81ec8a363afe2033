//! Forwarding: each herd keeps its own store and also hands every flush to an existing
//! backend, Datadog's intake or a Prometheus remote-write receiver (Prometheus,
//! Victoria Metrics, …), and shows the latest values to scrapers at `/metrics/app`.
//!
//! ```text
//! flush thread ─▶ ForwardSink: encode (datadog/, remote_write) ─▶ Buffer (memory, then disk)
//!                                                                   │
//!                 destination thread: oldest first ─▶ Client (HTTPS) ┘ retry with Backoff
//! ```
//!
//! The flush thread only encodes and queues; each destination sends on a thread of its own,
//! so a slow or absent backend never stalls the flush or the store. What it cannot send yet
//! waits in a bounded [`buffer::Buffer`] that survives a restart.

pub mod backoff;
pub mod buffer;
pub mod datadog;
mod destination;
pub mod exposition;
pub mod remote_write;
pub mod transport;

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use herd_aggregate::Flush;

use crate::sink::Sink;
use crate::telemetry::Telemetry;

pub use buffer::Payload;
pub use destination::ForwardSink;

/// Default bound of each destination's retry buffer (`--forward-buffer-bytes`).
pub const DEFAULT_BUFFER_BYTES: u64 = 64 * 1024 * 1024;

/// Turns flushes into requests for one kind of backend.
pub trait Encode: Send {
    /// The payloads of one flush (points the backend would refuse are dropped and counted
    /// here, by reason).
    fn encode(&mut self, flush: &Flush, counters: &Counters) -> Vec<Payload>;
}

/// The kinds of destination, as the telemetry labels them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Datadog's intake.
    Datadog = 0,
    /// A remote-write receiver.
    RemoteWrite = 1,
}

impl Target {
    /// Every target, in index order.
    pub const ALL: [Self; 2] = [Self::Datadog, Self::RemoteWrite];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Datadog => "datadog",
            Self::RemoteWrite => "remote_write",
        }
    }
}

/// Why points were dropped rather than sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// Older than the backend accepts (Datadog: 1 hour), or a value it cannot take.
    TooOld = 0,
    /// Refused as malformed or too large (400, 413, other 4xx).
    Refused = 1,
    /// The API key was refused (403).
    Forbidden = 2,
    /// The retry buffer was full: the oldest payloads made room.
    BufferFull = 3,
}

impl Drop {
    /// Every reason, in index order.
    pub const ALL: [Self; 4] = [
        Self::TooOld,
        Self::Refused,
        Self::Forbidden,
        Self::BufferFull,
    ];

    /// The label value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TooOld => "too_old",
            Self::Refused => "refused",
            Self::Forbidden => "forbidden",
            Self::BufferFull => "buffer_full",
        }
    }
}

/// The counters of one target (every destination of that kind adds to them).
#[derive(Debug, Default)]
pub struct Counters {
    /// Payloads accepted.
    pub payloads_sent: AtomicU64,
    /// Points (events, checks) in accepted payloads.
    pub points_sent: AtomicU64,
    /// Bytes of accepted payloads, as sent (compressed).
    pub bytes_sent: AtomicU64,
    /// Attempts that failed and will be tried again.
    pub retries: AtomicU64,
    /// Points dropped, indexed by [`Drop`].
    pub dropped: [AtomicU64; 4],
    /// Bytes waiting in the retry buffers.
    pub buffer_bytes: AtomicU64,
}

impl Counters {
    /// Counts `points` dropped for `why`.
    pub fn drop(&self, why: Drop, points: u64) {
        self.dropped[why as usize].fetch_add(points, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What to forward to, from the settings.
#[derive(Debug, Clone, Default)]
pub struct ForwardConfig {
    /// Remote-write receivers (`--remote-write`).
    pub remote_write: Vec<String>,
    /// Datadog, when an API key is set.
    pub datadog: Option<datadog::Config>,
    /// Bound of each destination's retry buffer.
    pub buffer_bytes: u64,
    /// Where the buffers spill (`<data dir>/forward`), when the daemon has a data directory.
    pub dir: Option<PathBuf>,
}

/// A directory name for a destination: its URL with every character outside
/// `[a-zA-Z0-9.-]` as `_`.
fn dir_name(kind: &str, url: &str) -> String {
    let mut name = format!("{kind}-");
    name.extend(
        url.split_once("://")
            .map_or(url, |(_, rest)| rest)
            .chars()
            .take(100)
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            }),
    );
    name
}

/// The forwarding sinks the configuration asks for, each with its thread started.
pub fn sinks(config: &ForwardConfig, telemetry: &Arc<Telemetry>) -> Vec<Box<dyn Sink>> {
    let mut out: Vec<Box<dyn Sink>> = Vec::new();
    let dir = |name: &str| config.dir.as_ref().map(|d| d.join(name));
    if let Some(dd) = &config.datadog {
        out.push(Box::new(ForwardSink::start(
            "datadog",
            dir(&dir_name("datadog", &dd.url)),
            config.buffer_bytes,
            transport::Client::new(&dd.url, dd.headers(), true),
            Box::new(datadog::Encoder::new(dd.clone())),
            Some(datadog::MAX_AGE_S),
            Target::Datadog,
            telemetry.clone(),
        )));
    }
    for url in &config.remote_write {
        out.push(Box::new(ForwardSink::start(
            &format!("remote write {url}"),
            dir(&dir_name("remote-write", url)),
            config.buffer_bytes,
            transport::Client::new(url, remote_write::headers(), false),
            Box::new(remote_write::Encoder::default()),
            Some(remote_write::MAX_AGE_S),
            Target::RemoteWrite,
            telemetry.clone(),
        )));
    }
    out
}

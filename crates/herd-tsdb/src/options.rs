//! How a store is run: fsync policy, retention, block window.

use std::time::Duration;

use crate::wal::FsyncPolicy;

/// Options of [`crate::Store::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// When the write-ahead log is synced (default: every flush).
    pub fsync: FsyncPolicy,
    /// Blocks whose window ended longer ago than this before the newest point are deleted
    /// (default 15 days).
    pub retention: Duration,
    /// The length of a block window: the head holds a window until it is sealed (default 2 h;
    /// a multiple of one hour).
    pub block: Duration,
    /// How long after a window's end points for it are still awaited before it is sealed
    /// (default 1 min), measured in data time (the newest point's time).
    pub seal_delay: Duration,
    /// Whether sealed blocks store 1-minute rollups of every float series (default false).
    /// By default a rollup level is stored only where it holds at most a tenth as many rows
    /// as the next finer level stored (`docs/storage.md`, Rollups): for 10 s points the
    /// minute rows (a sixth as many, about as many bytes again as the points) are not
    /// stored, and minute-step reads derive them from the points; for 1 s points they are.
    /// Hour rollups and sketch series' rollups are always stored.
    pub minute_rollups: bool,
    /// Bytes of decoded rollup rows of sealed blocks kept for the next read (default
    /// 16 MiB; 0 keeps none): a dashboard over a day asks for the same rows at each refresh.
    pub read_cache_bytes: usize,
}

/// The default [`Options::read_cache_bytes`]: a day of 1,000 series' 5-minute rows (11 MB)
/// and their window blocks' fit.
pub const DEFAULT_READ_CACHE_BYTES: usize = 16 << 20;

impl Default for Options {
    fn default() -> Self {
        Self {
            fsync: FsyncPolicy::EveryFlush,
            retention: Duration::from_secs(15 * 86_400),
            block: Duration::from_secs(2 * 3600),
            seal_delay: Duration::from_secs(60),
            minute_rollups: false,
            read_cache_bytes: DEFAULT_READ_CACHE_BYTES,
        }
    }
}

impl Options {
    pub(crate) fn block_ms(&self) -> i64 {
        let ms = self.block.as_millis() as i64;
        // Whole hours, so that hour rollups never straddle two blocks.
        (ms / crate::rollup::HOUR_MS).max(1) * crate::rollup::HOUR_MS
    }
}

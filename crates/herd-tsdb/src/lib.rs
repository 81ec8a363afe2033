//! herd's embedded time-series store.
//!
//! Each flush ([`herd_aggregate::Flush`]) is appended to a write-ahead log (crc32 per record,
//! synced per [`FsyncPolicy`]) and kept in memory in the head; when a block window closes
//! (2 h by default) its points are sealed into an immutable, compressed block file with 1
//! minute and 1 hour rollups, and the log is checkpointed. Reads merge the head and the
//! blocks; a series index answers which series a metric has without reading a point.
//! Retention deletes whole blocks. The on-disk format is in `docs/storage.md`.
#![deny(missing_docs)]

mod block;
mod codec;
mod compact;
mod encoding;
mod error;
mod head;
mod head_chunks;
mod index;
mod key;
mod lock;
mod logfile;
mod options;
mod read;
mod record;
mod rollup;
mod row_cache;
mod seal;
mod series_table;
mod shared_reads;
mod store;
mod symbols;
mod version;
mod wal;

pub use block::{check_block_bytes, decode_entry_body};
pub use error::{Error, Result};
pub use key::{Bucket, SeriesId, SeriesKey, SeriesKind};
pub use lock::LOCK_FILE;
pub use options::{Options, DEFAULT_READ_CACHE_BYTES};
pub use record::Damage;
pub use store::{check_dir, CheckReport, Stats, Store, BLOCKS_DIR, SERIES_FILE, WAL_DIR};
pub use version::{FORMAT_VERSION, VERSION_FILE};
pub use wal::FsyncPolicy;

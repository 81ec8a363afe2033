//! The store: opens a data directory, takes flushes, answers reads.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use herd_aggregate::{CheckRecord, Flush, Value};

use crate::block::{self, Block};
use crate::error::{AtPath, Error, Result};
use crate::head::{Head, Sample, Window};
use crate::index::{decode_definition, encode_definition, Index, KeyParts};
use crate::key::{SeriesId, SeriesKey, SeriesKind};
use crate::lock::DirLock;
use crate::logfile::{self, LogFile};
use crate::options::Options;
use crate::record::{self, Damage};
use crate::wal::{Entry, Wal};

/// The series log's file name.
pub const SERIES_FILE: &str = "series.log";
const SERIES_MAGIC: [u8; 4] = *b"HSER";
/// The directory of the write-ahead log.
pub const WAL_DIR: &str = "wal";
/// The directory of the sealed blocks.
pub const BLOCKS_DIR: &str = "blocks";
/// Series definitions are appended to the series log in batches of about this many bytes.
const DEFS_BATCH: usize = 256 << 10;
/// Most warnings kept (the oldest are dropped past it).
const WARNINGS_KEPT: usize = 1000;

/// Figures about what a store holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Series known.
    pub series: usize,
    /// Points held, sealed and in the head.
    pub points: u64,
    /// Points in sealed blocks.
    pub block_points: u64,
    /// Bytes of the sealed blocks (rollups, events and index included).
    pub block_bytes: u64,
    /// `block_bytes / block_points` (0 with no block).
    pub bytes_per_point: f64,
    /// Bytes of the blocks' point columns alone (without rollups, events and index).
    pub point_bytes: u64,
    /// Sealed blocks.
    pub blocks: usize,
    /// Points in the head (memory, and the write-ahead log).
    pub head_points: u64,
    /// Bytes the head's point columns hold in memory.
    pub head_bytes: u64,
    /// Bytes of the head's frozen runs in head chunk files (on disk, not in memory).
    pub head_file_bytes: u64,
    /// Bytes the series index holds in memory (interned strings, keys, lookup tables).
    pub index_bytes: u64,
    /// Bytes of the write-ahead log.
    pub wal_bytes: u64,
    /// Time of the oldest point, ms since the epoch.
    pub oldest_ms: Option<i64>,
    /// Time of the newest point, ms since the epoch.
    pub newest_ms: Option<i64>,
    /// Times sealing failed (the head keeps the points and it is tried again).
    pub seal_failures: u64,
    /// Bytes of decoded rollup rows kept for reads ([`Options::read_cache_bytes`]).
    pub read_cache_bytes: u64,
    /// Block entries reads found decoded.
    pub read_cache_hits: u64,
    /// Block entries reads decoded (raw points, which are not kept, are not counted).
    pub read_cache_misses: u64,
}

/// What [`Store::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Files read.
    pub files: usize,
    /// Records and entries whose checksum was verified.
    pub checked: u64,
    /// Damage found, naming file and byte offset.
    pub damage: Vec<Damage>,
}

pub(crate) struct Inner {
    pub(crate) opts: Options,
    /// Shared with a seal in progress (copied on write then).
    pub(crate) index: Arc<Index>,
    pub(crate) head: Head,
    /// Sorted by window start, then checkpoint.
    pub(crate) blocks: Vec<Block>,
    /// `None` when opened read-only.
    pub(crate) log: Option<Log>,
    checks: BTreeMap<(String, String), CheckRecord>,
    pub(crate) newest_ms: Option<i64>,
    pub(crate) seal_failures: u64,
}

/// An open data directory. Reads take `&self` and may run on many threads at once; a write
/// waits for them. A writing store seals closed windows on a thread of its own (see
/// `seal.rs`), holding the write lock only briefly; dropping the store waits for a seal in
/// progress.
pub struct Store {
    shared: Arc<Shared>,
    /// A writing store's sealing thread (`None` read-only, and in the thread's own handle).
    sealer: Option<crate::seal::Sealer>,
}

/// What a store and its sealing thread share.
pub(crate) struct Shared {
    dir: PathBuf,
    inner: RwLock<Inner>,
    warnings: Mutex<Vec<Damage>>,
    /// Held by the seal in progress: one at a time.
    pub(crate) seal_gate: Mutex<()>,
    /// Bucket reads in flight, shared by queries asking the same at once.
    pub(crate) reads: crate::shared_reads::SharedReads,
    /// Decoded rollup rows of sealed blocks, kept for the next read.
    pub(crate) rows: crate::row_cache::RowCache,
    /// Called by a seal between taking its windows and building their blocks (tests).
    #[cfg(test)]
    pub(crate) before_build: Mutex<Option<Box<dyn FnMut() + Send>>>,
}

/// What a writing store holds open: the logs and the directory's lock.
pub(crate) struct Log {
    pub(crate) wal: Wal,
    series: LogFile,
    _lock: DirLock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.shared.dir)
            .finish_non_exhaustive()
    }
}

fn note_check(checks: &mut BTreeMap<(String, String), CheckRecord>, c: &CheckRecord) {
    let key = (c.name.clone(), c.host.clone());
    match checks.get(&key) {
        Some(old) if old.timestamp > c.timestamp => {}
        _ => {
            checks.insert(key, c.clone());
        }
    }
}

impl Inner {
    fn block_ms(&self) -> i64 {
        self.opts.block_ms()
    }

    fn note_time(&mut self, t: i64) {
        self.newest_ms = Some(self.newest_ms.map_or(t, |n| n.max(t)));
    }

    /// Applies a logged entry to the head; the number of points whose series is unknown.
    fn apply(&mut self, e: Entry) -> usize {
        let mut unknown = 0;
        for (id, t, v) in e.points {
            if self.index.kind(id).is_none() {
                unknown += 1;
                continue;
            }
            self.head.push(id, t, &v);
            self.note_time(t);
        }
        for ev in e.events {
            self.head.push_event(ev);
        }
        for c in e.checks {
            note_check(&mut self.checks, &c);
            self.head.push_check(c);
        }
        unknown
    }

    /// A checkpoint's snapshot record: what the open windows hold.
    pub(crate) fn snapshot(&self) -> Entry {
        let mut e = Entry {
            snapshot: true,
            ..Entry::default()
        };
        for w in self.head.windows.values() {
            for (id, chunk) in w.series() {
                if self.index.kind(id) == Some(SeriesKind::Sketch) {
                    e.points.extend(
                        chunk
                            .sketches()
                            .into_iter()
                            .map(|(t, s)| (id, t, Sample::Sketch(s))),
                    );
                } else {
                    e.points.extend(
                        chunk
                            .points()
                            .into_iter()
                            .map(|(t, v)| (id, t, Sample::Scalar(v))),
                    );
                }
            }
            e.events.extend(w.events.iter().cloned());
            e.checks.extend(w.checks.iter().cloned());
        }
        e
    }

    /// Takes the blocks past retention out of the list (their files are the caller's to
    /// delete; one left behind is deleted by the next open).
    fn take_expired(&mut self) -> Vec<Block> {
        let Some(newest) = self.newest_ms else {
            return Vec::new();
        };
        let keep_after = newest.saturating_sub(self.opts.retention.as_millis() as i64);
        let block_ms = self.block_ms();
        let (expired, kept) = std::mem::take(&mut self.blocks)
            .into_iter()
            .partition(|b| b.end_ms(block_ms) <= keep_after);
        self.blocks = kept;
        expired
    }

    pub(crate) fn kind_of(&self, id: SeriesId) -> Option<SeriesKind> {
        self.index.kind(id)
    }
}

impl Store {
    /// Opens (creating if needed) the data directory `dir`: takes its lock, checks its
    /// format version, loads the series index and the blocks, and replays the write-ahead
    /// log. Damaged log records are skipped and reported by [`Store::warnings`]; the store
    /// opens all the same. A directory or block written by a newer format is refused.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Self> {
        Self::open_with(dir.as_ref(), opts, false)
    }

    /// Opens the data directory `dir` read-only, beside a daemon that may be writing it: no
    /// lock is taken and no file is changed; writes are refused. What the daemon syncs later
    /// is not seen (open again for a fresh view).
    pub fn open_read_only(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        // The writer may delete a log segment or block between listing and reading: retry.
        let mut tries = 0;
        loop {
            match Self::open_with(dir, Options::default(), true) {
                Err(Error::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound && tries < 5 =>
                {
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    fn open_with(dir: &Path, opts: Options, read_only: bool) -> Result<Self> {
        let dir = dir.to_owned();
        let rows = crate::row_cache::RowCache::new(opts.read_cache_bytes);
        let lock = if read_only {
            if !dir.join(crate::version::VERSION_FILE).exists() {
                return Err(Error::corrupt(
                    &dir,
                    0,
                    "not a herd data directory (no VERSION file)",
                ));
            }
            None
        } else {
            fs::create_dir_all(&dir).at(&dir)?;
            Some(DirLock::take(&dir)?)
        };
        crate::version::check_or_create(&dir)?;
        let mut warnings = Vec::new();

        // The log first: every series it (or a block) refers to was stored in the series log
        // before it, so a reader beside a writer sees them all.
        let wal_dir = dir.join(WAL_DIR);
        let (wal, replay) = if read_only {
            let replay = if wal_dir.exists() {
                crate::wal::load(&wal_dir, true)?.3
            } else {
                crate::wal::Replay::default()
            };
            (None, replay)
        } else {
            let (w, r) = Wal::open(&wal_dir, opts.fsync)?;
            (Some(w), r)
        };
        let mut replay = replay;

        let blocks_dir = dir.join(BLOCKS_DIR);
        if !read_only {
            fs::create_dir_all(&blocks_dir).at(&blocks_dir)?;
        }
        let mut blocks = Vec::new();
        let listing = match fs::read_dir(&blocks_dir) {
            Ok(l) => l.collect::<std::io::Result<Vec<_>>>().at(&blocks_dir)?,
            Err(e) if read_only && e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(&blocks_dir, e)),
        };
        for e in listing {
            let path = e.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Some((_, checkpoint)) = block::parse_name(&name) else {
                if !read_only && path.extension().is_some_and(|e| e == "tmp") {
                    fs::remove_file(&path).at(&path)?;
                }
                continue;
            };
            if checkpoint > replay.checkpoint {
                // Written by a seal whose checkpoint never committed: the log still has it.
                if !read_only {
                    fs::remove_file(&path).at(&path)?;
                }
                continue;
            }
            match block::open(&path) {
                Ok(b) => blocks.push(b),
                Err(e @ Error::NewerVersion { .. }) => return Err(e),
                // Read-only beside a writer: a block deleted since the listing (retention, a
                // compaction) is an `Io` error, and `open_read_only` reads again.
                Err(Error::Io { path, source })
                    if read_only && source.kind() == std::io::ErrorKind::NotFound =>
                {
                    return Err(Error::Io { path, source });
                }
                Err(e) => warnings.push(block::to_damage(&path, 0, e)),
            }
        }
        blocks.sort_by_key(|b| (b.window_start, b.checkpoint));
        // A day block replaces its day's window blocks (a crash may have left both).
        crate::compact::drop_superseded(&mut blocks, !read_only, &mut warnings);

        let mut index = Index::default();
        let series_path = dir.join(SERIES_FILE);
        let series_log = if series_path.exists() {
            let body = logfile::read(&series_path, SERIES_MAGIC)?;
            let scan = logfile::scan(&series_path, &body);
            // A reader beside a writer may see the writer's last record half written.
            if !read_only {
                warnings.extend(scan.damage.iter().cloned());
            }
            for (at, payload) in &scan.records {
                match decode_definition(payload) {
                    Ok((id, key)) => index.insert(id, &key),
                    Err(e) => warnings.push(Damage {
                        path: series_path.clone(),
                        offset: at + record::HEADER as u64 + e.at as u64,
                        what: e.what,
                    }),
                }
            }
            if read_only {
                None
            } else {
                Some(LogFile::append_to(
                    &series_path,
                    scan.good_end,
                    SERIES_MAGIC,
                )?)
            }
        } else if read_only {
            None
        } else {
            let f = LogFile::create(&series_path, SERIES_MAGIC)?;
            logfile::sync_dir(&dir)?;
            Some(f)
        };
        let log = match (wal, series_log, lock) {
            (Some(wal), Some(series), Some(lock)) => Some(Log {
                wal,
                series,
                _lock: lock,
            }),
            _ => None,
        };

        let mut inner = Inner {
            head: if read_only {
                Head::new(opts.block_ms())
            } else {
                let runs =
                    crate::head_chunks::reset(&dir).at(&dir.join(crate::head_chunks::HEAD_DIR))?;
                Head::with_run_dir(opts.block_ms(), runs)
            },
            opts,
            index: Arc::new(index),
            blocks,
            log,
            checks: BTreeMap::new(),
            newest_ms: None,
            seal_failures: 0,
        };
        for b in &inner.blocks {
            match b.checks() {
                Ok(cs) => cs.iter().for_each(|c| note_check(&mut inner.checks, c)),
                Err(e) => warnings.push(block::to_damage(&b.path, 0, e)),
            }
        }
        if let Some(t) = inner
            .blocks
            .iter()
            .map(|b| b.last_ms)
            .max()
            .filter(|&t| t > i64::MIN)
        {
            inner.note_time(t);
        }
        let mut unknown = 0;
        replay.replay(|e| unknown += inner.apply(e))?;
        warnings.extend(replay.damage.iter().cloned());
        if unknown > 0 {
            warnings.push(Damage {
                path: wal_dir.clone(),
                offset: 0,
                what: format!(
                    "{unknown} logged points of series missing from {SERIES_FILE} skipped"
                ),
            });
        }
        if !read_only {
            for b in inner.take_expired() {
                fs::remove_file(&b.path).at(&b.path)?;
            }
        }
        let shared = Arc::new(Shared {
            dir,
            inner: RwLock::new(inner),
            warnings: Mutex::new(warnings),
            seal_gate: Mutex::new(()),
            reads: crate::shared_reads::SharedReads::default(),
            rows,
            #[cfg(test)]
            before_build: Mutex::new(None),
        });
        let sealer = if read_only {
            None
        } else {
            Some(crate::seal::Sealer::start(Self {
                shared: Arc::clone(&shared),
                sealer: None,
            })?)
        };
        Ok(Self { shared, sealer })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.shared
            .inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write_lock(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.shared
            .inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn warn(&self, d: Damage) {
        let mut w = self
            .shared
            .warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if w.len() >= WARNINGS_KEPT {
            w.remove(0);
        }
        w.push(d);
    }

    /// Damage skipped so far (at open: torn or corrupt log records; later: unreadable block
    /// entries met by reads), each naming the file and byte offset.
    pub fn warnings(&self) -> Vec<Damage> {
        self.shared
            .warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stores one flush: new series go to the series log, the flush to the write-ahead log
    /// (synced as [`Options::fsync`] says), then to the head; windows that closed are sealed
    /// on the store's sealing thread (see [`Store::seal_due`] to wait for it).
    /// On an error (a full disk) nothing of this flush is kept and what was stored before
    /// is intact; the caller counts the flush as lost.
    pub fn write(&self, flush: &Flush) -> Result<()> {
        let mut guard = self.write_lock();
        let inner = &mut *guard;
        let Some(log) = inner.log.as_mut() else {
            return Err(Error::ReadOnly {
                dir: self.dir().to_owned(),
            });
        };
        let first_new = inner.index.next_id();
        let series_len = log.series.len;
        let mut defs = Vec::new();
        let mut new_series = false;
        // Each point's series; the log record is encoded from the flush directly.
        let mut ids = Vec::with_capacity(flush.points.len());
        for p in &flush.points {
            let parts = KeyParts::of(p);
            let id = if let Some(id) = inner.index.find(&parts) {
                id
            } else {
                let id = inner.index.next_id();
                let key = parts.to_key();
                defs.extend(record::frame(&encode_definition(id, &key)));
                Arc::make_mut(&mut inner.index).insert(id, &key);
                new_series = true;
                // Written as they come, not held for the whole flush (100k new series are
                // ~10 MB of definitions).
                if defs.len() >= DEFS_BATCH {
                    if let Err(e) = log.series.append(&defs) {
                        Arc::make_mut(&mut inner.index).truncate(first_new);
                        let _ = log.series.cut(series_len);
                        return Err(e);
                    }
                    defs.clear();
                }
                id
            };
            ids.push(id);
        }
        let points = || {
            flush
                .points
                .iter()
                .zip(&ids)
                .map(|(p, &id)| (id, p.timestamp_ms as i64, &p.value))
        };
        let record = crate::wal::encode_flush(points(), &flush.events, &flush.checks);
        if new_series {
            let stored = log.series.append(&defs).and_then(|()| {
                if inner.opts.fsync == crate::FsyncPolicy::Never {
                    Ok(())
                } else {
                    log.series.sync()
                }
            });
            if let Err(e) = stored {
                Arc::make_mut(&mut inner.index).truncate(first_new);
                let _ = log.series.cut(series_len);
                return Err(e);
            }
        }
        if let Err(e) = log.wal.append_payload(&record) {
            // Keep nothing of this flush: its new series go too.
            if new_series {
                let _ = log.series.cut(series_len);
                Arc::make_mut(&mut inner.index).truncate(first_new);
            }
            return Err(e);
        }
        drop(record);
        for (id, t, v) in points() {
            match v {
                Value::Scalar(v) => inner.head.push_scalar(id, t, *v),
                Value::Sketch(s) => inner.head.push_sketch(id, t, s),
            }
            inner.note_time(t);
        }
        for e in &flush.events {
            inner.head.push_event(e.clone());
        }
        for c in &flush.checks {
            note_check(&mut inner.checks, c);
            inner.head.push_check(c.clone());
        }
        let due = inner
            .seal_until()
            .is_some_and(|until| inner.seal_due(until));
        drop(guard);
        if due {
            if let Some(sealer) = &self.sealer {
                sealer.nudge();
            }
        }
        Ok(())
    }

    /// Maintenance after a seal, with no lock held while files change: retention deletes
    /// the blocks past it, then wholly sealed days are compacted.
    pub(crate) fn maintain(&self) {
        let expired = self.write_lock().take_expired();
        for b in expired {
            if let Err(e) = fs::remove_file(&b.path) {
                // Out of the list all the same; the next open deletes it.
                self.warn(block::to_damage(&b.path, 0, Error::io(&b.path, e)));
            }
        }
        if let Err(e) = self.compact() {
            self.warn(block::to_damage(&self.dir().join(BLOCKS_DIR), 0, e));
        }
    }

    /// Seals every head window that ends at or before `until_ms` into blocks now (writing
    /// normally seals a window once the newest point is past its end plus the seal delay);
    /// the number of blocks written.
    pub fn seal(&self, until_ms: i64) -> Result<usize> {
        self.seal_and_maintain(Some(until_ms))
    }

    /// Syncs the log (for [`FsyncPolicy::Interval`] and [`FsyncPolicy::Never`]).
    pub fn sync(&self) -> Result<()> {
        let mut inner = self.write_lock();
        let Some(log) = inner.log.as_mut() else {
            return Ok(());
        };
        log.series.sync()?;
        log.wal.sync()
    }

    /// Every metric name known, sorted.
    pub fn metric_names(&self) -> Vec<String> {
        self.read().index.names().map(str::to_owned).collect()
    }

    /// The series of a metric, from the index (no point is read).
    pub fn series(&self, metric: &str) -> Vec<(SeriesId, SeriesKey)> {
        self.read().index.series_of(metric)
    }

    /// The key of a series.
    pub fn key(&self, id: SeriesId) -> Option<SeriesKey> {
        self.read().index.get(id)
    }

    /// Tag keys and their values over a metric's series (bare tags under their own name
    /// with no value), from the index.
    pub fn tags(&self, metric: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, k) in self.series(metric) {
            for t in &k.tags {
                let (key, value) = t.split_once(':').unwrap_or((t, ""));
                let values = out.entry(key.to_owned()).or_default();
                if !value.is_empty() && !values.iter().any(|v| v == value) {
                    values.push(value.to_owned());
                }
            }
        }
        for v in out.values_mut() {
            v.sort();
        }
        out
    }

    /// The latest status of each service check, per check name and host.
    pub fn latest_checks(&self) -> Vec<CheckRecord> {
        self.read().checks.values().cloned().collect()
    }

    /// Figures about what the store holds.
    pub fn stats(&self) -> Stats {
        let (cache_bytes, hits, misses) = self.shared.rows.figures();
        let inner = self.read();
        let block_points: u64 = inner.blocks.iter().map(Block::points).sum();
        let block_bytes: u64 = inner.blocks.iter().map(|b| b.bytes).sum();
        let head_points = inner.head.points() as u64;
        let firsts = inner
            .blocks
            .iter()
            .map(|b| b.first_ms)
            .filter(|&t| t < i64::MAX);
        let head_first = inner
            .head
            .all_windows()
            .flat_map(Window::series)
            .filter_map(|(_, c)| c.times().into_iter().min());
        Stats {
            series: inner.index.len(),
            points: block_points + head_points,
            block_points,
            block_bytes,
            point_bytes: inner
                .blocks
                .iter()
                .flat_map(|b| b.entries.iter().map(|e| u64::from(e.raw_len)))
                .sum(),
            bytes_per_point: if block_points == 0 {
                0.0
            } else {
                block_bytes as f64 / block_points as f64
            },
            blocks: inner.blocks.len(),
            head_points,
            head_bytes: inner.head.bytes() as u64,
            head_file_bytes: inner.head.file_bytes(),
            index_bytes: inner.index.bytes() as u64,
            wal_bytes: crate::wal::segments(&self.dir().join(WAL_DIR)).map_or(0, |segs| {
                segs.iter()
                    .filter_map(|(_, p)| fs::metadata(p).ok())
                    .map(|m| m.len())
                    .sum()
            }),
            oldest_ms: firsts.chain(head_first).min(),
            newest_ms: inner.newest_ms,
            seal_failures: inner.seal_failures,
            read_cache_bytes: cache_bytes as u64,
            read_cache_hits: hits,
            read_cache_misses: misses,
        }
    }

    /// Reads every file of the data directory and verifies every checksum: the series log,
    /// each log record, each block's index, entries, events and checks. Damage names the
    /// file and byte offset.
    pub fn check(&self) -> CheckReport {
        let _inner = self.read();
        check_dir(self.dir())
    }
}

/// Verifies every checksum in a data directory (see [`Store::check`]); also usable on a
/// directory another process has open.
pub fn check_dir(dir: &Path) -> CheckReport {
    let mut report = CheckReport::default();
    let mut logs = vec![(dir.join(SERIES_FILE), SERIES_MAGIC)];
    if let Ok(segs) = crate::wal::segments(&dir.join(WAL_DIR)) {
        logs.extend(segs.into_iter().map(|(_, p)| (p, crate::wal::MAGIC)));
    }
    for (path, magic) in logs {
        report.files += 1;
        match logfile::read(&path, magic) {
            Ok(body) => {
                let scan = logfile::scan(&path, &body);
                report.checked += scan.records.len() as u64;
                report.damage.extend(scan.damage);
            }
            Err(e) => report.damage.push(block::to_damage(&path, 0, e)),
        }
    }
    let blocks_dir = dir.join(BLOCKS_DIR);
    let mut paths: Vec<PathBuf> = fs::read_dir(&blocks_dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    for path in paths {
        if path.extension().is_none_or(|e| e != "blk") {
            continue;
        }
        report.files += 1;
        match block::open(&path) {
            Ok(b) => {
                report.checked += b.entries.len() as u64 + 3;
                report.damage.extend(b.verify());
            }
            Err(e) => report.damage.push(block::to_damage(&path, 0, e)),
        }
    }
    report
}

//! Sealing closed block windows into blocks, with the store's write lock held only to take
//! the windows out of the head and to swap the blocks in, never while the blocks are built.
//!
//! 1. Under the write lock, the closed windows move from the head's open windows to its
//!    sealing ones (reads still see them; a late point for one opens a new window of the same
//!    start), and the seal shares the series index (copy on write: a series created during
//!    the seal copies it once).
//! 2. With no lock, each window is written into a block file for checkpoint `seq + 1` (the
//!    log's current segment plus one), synced, and the blocks directory synced. Flushes go on
//!    appending to the log and the open windows meanwhile; reads go on.
//! 3. Under the write lock, the log is checkpointed (a new segment starting with a snapshot
//!    of the open windows), the blocks join the list and the sealing windows are dropped. If
//!    anything failed, the new block files are deleted and the windows go back to the head.
//! 4. With no lock, maintenance: retention deletes whole blocks past it, then day compaction.
//!
//! A crash before step 3's snapshot is synced leaves block files for a checkpoint the log
//! never reached (the segment after `seq` is either missing or a plain rotated segment, which
//! starts with no snapshot): opening deletes them and replays the log, which still holds every
//! point. One seal runs at a time (`Shared::seal_gate`). A writing store seals on its own
//! thread ([`Sealer`]), nudged by [`Store::write`] when a window closes, so a flush never
//! waits for a seal; [`Store::seal`] seals on the caller's thread.

use std::fs;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, PoisonError};
use std::thread::JoinHandle;

use crate::block::{self, Block};
use crate::error::{Error, Result};
use crate::head::Window;
use crate::index::Index;
use crate::key::SeriesKind;
use crate::logfile;
use crate::store::{Inner, Store, BLOCKS_DIR};

/// What step 1 took out of the head.
struct Taken {
    windows: Vec<(i64, Arc<Window>)>,
    index: Arc<Index>,
    checkpoint: u64,
    minute_rollups: bool,
}

impl Taken {
    fn starts(&self) -> Vec<i64> {
        self.windows.iter().map(|(s, _)| *s).collect()
    }
}

impl Inner {
    /// The time up to which windows are closed (the newest point less the seal delay).
    pub(crate) fn seal_until(&self) -> Option<i64> {
        self.newest_ms
            .map(|n| n.saturating_sub(self.opts.seal_delay.as_millis() as i64))
    }

    /// Whether an open window ends at or before `until`.
    pub(crate) fn seal_due(&self, until: i64) -> bool {
        let block_ms = self.opts.block_ms();
        self.head
            .windows
            .keys()
            .next()
            .is_some_and(|&s| s.saturating_add(block_ms) <= until)
    }

    /// Step 1: moves the windows that end at or before `until` to the sealing ones.
    fn take_closed(&mut self, dir: &Path, until: i64) -> Result<Option<Taken>> {
        let Some(seq) = self.log.as_ref().map(|l| l.wal.seq()) else {
            return Err(Error::ReadOnly {
                dir: dir.to_owned(),
            });
        };
        // Windows ending at or before `until` start at or before `until - block_ms`.
        let keep_from = until.saturating_sub(self.opts.block_ms()).saturating_add(1);
        let windows = self.head.take_closed(keep_from);
        if windows.is_empty() {
            return Ok(None);
        }
        Ok(Some(Taken {
            windows,
            index: Arc::clone(&self.index),
            checkpoint: seq + 1,
            minute_rollups: self.opts.minute_rollups,
        }))
    }

    /// Step 3: checkpoints the log with the open windows and swaps the blocks in.
    fn commit(&mut self, starts: &[i64], mut blocks: Vec<Block>) -> Result<()> {
        let snapshot = self.snapshot();
        let log = self.log.as_mut().expect("a writing store");
        log.wal.checkpoint(&snapshot)?;
        self.head.sealed(starts);
        self.blocks.append(&mut blocks);
        self.blocks.sort_by_key(|b| (b.window_start, b.checkpoint));
        Ok(())
    }

    /// Step 3 when something failed: the windows go back to the head.
    fn give_back(&mut self, starts: &[i64]) {
        let index = &self.index;
        let is_sketch = |id| index.kind(id) == Some(SeriesKind::Sketch);
        self.head.give_back(starts, &is_sketch);
        self.seal_failures += 1;
    }
}

/// Step 2: the blocks of the taken windows, synced, with the directory synced. A failure
/// leaves none of them behind.
fn build(blocks_dir: &Path, taken: &Taken) -> Result<Vec<Block>> {
    let mut built = Vec::with_capacity(taken.windows.len());
    let mut result = Ok(());
    for (start, window) in &taken.windows {
        match block::write(
            blocks_dir,
            *start,
            taken.checkpoint,
            window,
            &taken.index,
            taken.minute_rollups,
        ) {
            Ok(b) => built.push(b),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    match result.and_then(|()| logfile::sync_dir(blocks_dir)) {
        Ok(()) => Ok(built),
        Err(e) => {
            remove(&built);
            Err(e)
        }
    }
}

fn remove(blocks: &[Block]) {
    for b in blocks {
        let _ = fs::remove_file(&b.path);
    }
}

impl Store {
    /// Seals every head window that ends at or before `until` (or what writing has closed,
    /// with `None`), then maintains if it sealed any; the number of blocks written. Waits
    /// for a seal (and its maintenance) in progress first.
    pub(crate) fn seal_and_maintain(&self, until: Option<i64>) -> Result<usize> {
        let _one = self
            .shared()
            .seal_gate
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let Some(until) = until.or_else(|| self.read().seal_until()) else {
            return Ok(0);
        };
        let n = self.seal_closed(until)?;
        if n > 0 {
            self.maintain();
        }
        Ok(n)
    }

    /// Steps 1–3 for the windows that end at or before `until`; the number of blocks
    /// written. The caller holds the seal gate.
    fn seal_closed(&self, until: i64) -> Result<usize> {
        let Some(taken) = self.write_lock().take_closed(self.dir(), until)? else {
            return Ok(0);
        };
        let starts = taken.starts();
        #[cfg(test)]
        if let Some(hook) = self
            .shared()
            .before_build
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            hook();
        }
        let built = build(&self.dir().join(BLOCKS_DIR), &taken);
        // The seal's share of the index and windows goes before the swap, so that giving
        // the windows back need not copy them.
        drop(taken);
        let mut inner = self.write_lock();
        let committed = match built {
            Ok(blocks) => {
                let n = blocks.len();
                let paths: Vec<_> = blocks.iter().map(|b| b.path.clone()).collect();
                match inner.commit(&starts, blocks) {
                    Ok(()) => Ok(n),
                    Err(e) => {
                        // Not committed: the old log segments still hold everything.
                        for p in paths {
                            let _ = fs::remove_file(p);
                        }
                        Err(e)
                    }
                }
            }
            Err(e) => Err(e),
        };
        if committed.is_err() {
            inner.give_back(&starts);
        }
        committed
    }

    /// Waits for a seal in progress, then seals on this thread what writing has closed (what
    /// the sealing thread would seal next); the number of blocks written. Writes hand their
    /// seals to a thread of the store, so this is how a caller knows they are done.
    pub fn seal_due(&self) -> Result<usize> {
        self.seal_and_maintain(None)
    }
}

/// A writing store's sealing thread.
pub(crate) struct Sealer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Sealer {
    /// Starts the thread; `worker` is a handle on the same store without a sealer.
    pub(crate) fn start(worker: Store) -> Result<Self> {
        let (tx, rx): (SyncSender<()>, Receiver<()>) = mpsc::sync_channel(1);
        let dir = worker.dir().to_owned();
        let thread = std::thread::Builder::new()
            .name("herd-tsdb-seal".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // A failure is a warning: the head keeps the points, sealed later.
                    if let Err(e) = worker.seal_and_maintain(None) {
                        worker.warn(block::to_damage(worker.dir(), 0, e));
                    }
                }
            })
            .map_err(|e| Error::io(&dir, e))?;
        Ok(Self {
            nudge: Some(tx),
            thread: Some(thread),
        })
    }

    /// Asks the thread to seal what has closed (a nudge already waiting covers this one).
    pub(crate) fn nudge(&self) {
        if let Some(tx) = &self.nudge {
            // Full: a nudge is waiting already. Disconnected: the thread is gone (the store
            // is being dropped), and the next open seals.
            let _: std::result::Result<(), TrySendError<()>> = tx.try_send(());
        }
    }
}

impl Drop for Sealer {
    /// Lets a seal in progress finish (the directory's lock is released after it).
    fn drop(&mut self) {
        self.nudge.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{channel, Receiver, Sender};
    use std::sync::Arc;
    use std::time::Duration;

    use herd_aggregate::{Context, Flush, Point, PointKind, Value};
    use herd_dogstatsd::MetricType;

    use crate::{Bucket, FsyncPolicy, Options, SeriesId, Store};

    /// A 2 h window start.
    const T0: i64 = 1_764_000_000_000 / 7_200_000 * 7_200_000;
    const WAIT: Duration = Duration::from_secs(120);

    fn point(series: usize, t: i64, v: f64) -> Point {
        Point {
            context: Arc::new(Context::new(
                "m",
                [format!("s:{series}").as_str()],
                "h",
                MetricType::Gauge,
            )),
            suffix: "".into(),
            kind: PointKind::Gauge,
            interval_ms: 10_000,
            timestamp_ms: t as u64,
            value: Value::Scalar(v),
        }
    }

    fn write(store: &Store, series: std::ops::Range<usize>, t: i64) {
        let points = series.map(|s| point(s, t, value(s, t))).collect();
        store
            .write(&Flush {
                points,
                ..Flush::default()
            })
            .unwrap();
    }

    fn value(s: usize, t: i64) -> f64 {
        (s as f64) * 1000.0 + ((t - T0) / 10_000) as f64
    }

    fn id(store: &Store, series: usize) -> SeriesId {
        let tag = format!("s:{series}");
        store
            .series("m")
            .into_iter()
            .find(|(_, k)| k.tags == [tag.clone()])
            .unwrap()
            .0
    }

    /// Every 10 s point of the first window of `series`, as buckets of 10 s.
    fn first_window(store: &Store, series: usize) -> Vec<Bucket> {
        store.read_buckets(id(store, series), T0, T0 + 7_200_000, 10_000)
    }

    /// Installs a pause before the next seal builds its blocks (that seal only): the returned
    /// receiver hears when the seal reached it, the sender lets it go on.
    fn pause_seal(store: &Store) -> (Receiver<()>, Sender<()>) {
        let (reached_tx, reached) = channel();
        let (go, go_rx) = channel::<()>();
        let go_rx = std::sync::Mutex::new(go_rx);
        let mut first = true;
        *store.shared().before_build.lock().unwrap() = Some(Box::new(move || {
            if !std::mem::take(&mut first) {
                return;
            }
            let _ = reached_tx.send(());
            // Bounded so that a broken store fails the test rather than hanging it.
            let _ = go_rx.lock().unwrap().recv_timeout(WAIT);
        }));
        (reached, go)
    }

    fn opened(dir: &std::path::Path) -> Store {
        let opts = Options {
            fsync: FsyncPolicy::Never,
            ..Options::default()
        };
        Store::open(dir, opts).unwrap()
    }

    #[test]
    fn writes_and_reads_complete_while_a_seal_is_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let store = opened(dir.path());
        // A full 2 h window of 40 series.
        for i in 0..720 {
            write(&store, 0..40, T0 + i * 10_000);
        }
        let before: Vec<Vec<Bucket>> = (0..40).map(|s| first_window(&store, s)).collect();
        assert_eq!(before[7].len(), 720);

        let (reached, go) = pause_seal(&store);
        // Past the window's end and the seal delay: the write nudges the sealing thread.
        let later = T0 + 7_200_000 + 70_000;
        write(&store, 0..40, later);
        reached.recv_timeout(WAIT).expect("the seal started");

        // The seal holds its windows and has written no block yet: a flush (with a new series
        // and a late point for the window being sealed) and reads go through now.
        write(&store, 0..41, later + 10_000);
        write(&store, 3..4, T0 + 7_190_000 + 5_000);
        assert_eq!(store.stats().blocks, 0, "the seal is still in progress");
        for (s, b) in before.iter().enumerate() {
            let mut now = first_window(&store, s);
            if s == 3 {
                // The late point joins the read, beside the window being sealed.
                let late = now
                    .iter()
                    .position(|b| b.start_ms == T0 + 7_190_000)
                    .unwrap();
                assert_eq!(now[late].count, 2);
                now[late] = b[late];
            }
            assert_eq!(&now, b, "series {s} during the seal");
        }
        assert_eq!(store.series("m").len(), 41);
        assert_eq!(
            store.read_buckets(id(&store, 40), later, later + 20_000, 10_000)[0].sum,
            value(40, later + 10_000)
        );

        go.send(()).unwrap();
        // Waits for the paused seal to finish; the late point's window is sealed too (here or
        // on the sealing thread, nudged by the late write), a second block of the same start.
        store.seal_due().unwrap();
        assert_eq!(store.stats().blocks, 2);
        assert_eq!(store.stats().seal_failures, 0);
        for (s, b) in before.iter().enumerate().filter(|(s, _)| *s != 3) {
            assert_eq!(&first_window(&store, s), b, "series {s} after the seal");
        }
        assert_eq!(first_window(&store, 3).len(), 720);

        // Everything survives a reopen: the block, the late point's window, the new series.
        drop(store);
        let store = opened(dir.path());
        assert_eq!(store.series("m").len(), 41);
        assert_eq!(first_window(&store, 0), before[0]);
        let late = first_window(&store, 3);
        assert_eq!(late.iter().map(|b| b.count).sum::<u64>(), 721);
    }

    #[test]
    fn a_failed_seal_gives_its_windows_back_with_what_came_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let store = opened(dir.path());
        for i in 0..720 {
            write(&store, 0..5, T0 + i * 10_000);
        }
        let before = first_window(&store, 2);
        let (reached, go) = pause_seal(&store);
        let later = T0 + 7_200_000 + 70_000;
        write(&store, 0..5, later);
        reached.recv_timeout(WAIT).expect("the seal started");
        // The blocks directory becomes a file: the block cannot be written.
        let blocks = dir.path().join(super::BLOCKS_DIR);
        std::fs::remove_dir_all(&blocks).unwrap();
        std::fs::write(&blocks, b"not a directory").unwrap();
        write(&store, 2..3, T0 + 5_000); // a late point for the window being sealed
        go.send(()).unwrap();
        store.seal_due().unwrap_err();
        let st = store.stats();
        assert!(st.seal_failures >= 1, "{st:?}");
        assert_eq!(st.blocks, 0);
        let after = first_window(&store, 2);
        assert_eq!(after.len(), 720);
        assert_eq!(
            after[0].count, 2,
            "the late point merged into the window given back"
        );
        assert_eq!(after[1..], before[1..]);

        // Once blocks can be written again, the window seals with the late point.
        std::fs::remove_file(&blocks).unwrap();
        std::fs::create_dir(&blocks).unwrap();
        store.seal_due().unwrap();
        assert_eq!(first_window(&store, 2), after);
        drop(store);
        let store = opened(dir.path());
        assert_eq!(first_window(&store, 2), after);
        assert_eq!(store.stats().blocks, 1);
    }
}

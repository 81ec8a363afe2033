//! Compaction: once every block window of a UTC day is sealed, the day's window blocks are
//! rewritten as one day block (`<day start>-<C>-24h.blk`, `C` the highest checkpoint of the
//! blocks it replaces): each series' points as day-long pco columns (pco gains 10–40 % on
//! chunks that long) with rollups over the day, then the window blocks are deleted.
//!
//! Crash safety. The day block is written as `.tmp`, synced, renamed and the directory
//! synced: before the rename the window blocks are the truth (a `.tmp` is deleted at open);
//! after it the day block is. At open, a day block supersedes every other block whose window
//! starts in its day with a checkpoint at or below its own ([`drop_superseded`]): those were
//! its sources, or an older day block of the same day. A block sealed after the compaction
//! has a higher checkpoint (a seal's checkpoint is above every committed one), so it is kept,
//! and merged by the next compaction of that day. So a crash at any step leaves either the
//! window blocks or the day block counted, never both.
//!
//! The write lock is held only to swap the block list; the file is built from the source
//! files (reopened by path) with no lock, while writes and reads go on.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use herd_aggregate::{CheckRecord, EventRecord, Sketch};

use crate::block::{self, Block, BlockWriter, DAY_MS};
use crate::error::{AtPath, Error, Result};
use crate::key::{align, SeriesId, SeriesKind};
use crate::record::Damage;
use crate::rollup::Resolution;
use crate::store::{Store, BLOCKS_DIR};

/// One compaction at a time in a process (two of the same day would write the same file).
static COMPACTING: Mutex<()> = Mutex::new(());
/// Day blocks that could not be built because a source is damaged: not tried again by this
/// process (each try would read the whole day again, at every seal; the damage is reported
/// once, and the day stays readable from its window blocks but for the damaged entry).
static DAMAGED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// A day to compact: its start, the checkpoint of the day block, and the blocks it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) day: i64,
    pub(crate) checkpoint: u64,
    pub(crate) sources: Vec<PathBuf>,
}

/// The days to compact, oldest first: days whose every window is sealed (the day ends at or
/// before `horizon`, the start of the oldest window still in the head), holding two blocks
/// or more. Only when windows tile a day (`block_ms` divides 24 h).
pub(crate) fn plans(blocks: &[Block], horizon: i64, block_ms: i64) -> Vec<Plan> {
    if block_ms <= 0 || block_ms >= DAY_MS || DAY_MS % block_ms != 0 {
        return Vec::new();
    }
    let mut days: BTreeMap<i64, Vec<&Block>> = BTreeMap::new();
    for b in blocks {
        days.entry(align(b.window_start, DAY_MS))
            .or_default()
            .push(b);
    }
    days.into_iter()
        .filter(|(day, bs)| day.saturating_add(DAY_MS) <= horizon && bs.len() >= 2)
        .map(|(day, bs)| Plan {
            day,
            checkpoint: bs.iter().map(|b| b.checkpoint).max().unwrap_or(0),
            sources: bs.iter().map(|b| b.path.clone()).collect(),
        })
        .collect()
}

/// Writes the day block of `plan` into `blocks_dir` from its source files (opened anew,
/// sorted by window and checkpoint), synced and renamed into place; the directory is synced.
/// A source that is gone (retention) or damaged fails the compaction: nothing is replaced.
/// `force_minute` as for [`block::encode_float_entry`].
pub(crate) fn build(blocks_dir: &Path, plan: &Plan, force_minute: bool) -> Result<Block> {
    let mut sources = plan
        .sources
        .iter()
        .map(|p| block::open(p))
        .collect::<Result<Vec<_>>>()?;
    sources.sort_by_key(|b| (b.window_start, b.checkpoint));
    let mut ids: BTreeMap<u64, SeriesKind> = BTreeMap::new();
    for b in &sources {
        for e in &b.entries {
            ids.entry(e.id).or_insert(e.kind);
        }
    }
    let path = blocks_dir.join(block::day_file_name(plan.day, plan.checkpoint));
    let mut out = BlockWriter::create(path, plan.day)?;
    for (id, kind) in ids {
        let id = SeriesId(id);
        if kind == SeriesKind::Sketch {
            let mut points: Vec<(i64, Sketch)> = Vec::new();
            for (b, e) in sources.iter().filter_map(|b| b.entry(id).map(|e| (b, e))) {
                let body = b.read(e)?;
                let got = block::decode_sketches(&body, e.points as usize, Resolution::Raw)
                    .map_err(|d| corrupt(b, e.offset, &d))?;
                points.extend(got);
            }
            points.sort_by_key(|p| p.0);
            out.sketch_entry(id, &points)?;
        } else {
            let mut points: Vec<(i64, f64)> = Vec::new();
            for (b, e) in sources.iter().filter_map(|b| b.entry(id).map(|e| (b, e))) {
                let body = b.read(e)?;
                let got = block::decode_points(&body, e.points as usize)
                    .map_err(|d| corrupt(b, e.offset, &d))?;
                points.extend(got);
            }
            points.sort_by_key(|p| p.0);
            out.float_entry(id, kind, &points, force_minute)?;
        }
    }
    let mut events: Vec<EventRecord> = Vec::new();
    let mut checks: Vec<CheckRecord> = Vec::new();
    for b in &sources {
        events.extend(b.events()?);
        checks.extend(b.checks()?);
    }
    let day = out.finish(&events, &checks)?;
    crate::logfile::sync_dir(blocks_dir)?;
    Ok(day)
}

fn corrupt(b: &Block, entry_offset: u64, d: &crate::codec::DecodeError) -> Error {
    Error::corrupt(&b.path, entry_offset + 4 + d.at as u64, d.what.clone())
}

/// Drops (and, when `delete`, deletes) the blocks a day block supersedes: those whose window
/// starts in its day with a checkpoint at or below its own. What could not be deleted is
/// reported and tried again at the next open.
pub(crate) fn drop_superseded(blocks: &mut Vec<Block>, delete: bool, warnings: &mut Vec<Damage>) {
    let days: Vec<(i64, u64, PathBuf)> = blocks
        .iter()
        .filter(|b| b.span_ms == Some(DAY_MS))
        .map(|b| (b.window_start, b.checkpoint, b.path.clone()))
        .collect();
    blocks.retain(|b| {
        let superseded = days.iter().any(|(day, ckpt, path)| {
            *path != b.path && align(b.window_start, DAY_MS) == *day && b.checkpoint <= *ckpt
        });
        if superseded && delete {
            if let Err(e) = fs::remove_file(&b.path) {
                warnings.push(block::to_damage(&b.path, 0, Error::io(&b.path, e)));
            }
        }
        !superseded
    });
}

impl Store {
    /// Compacts every wholly sealed UTC day of two blocks or more into one day block (see
    /// the module's documentation); the number of days compacted. Holds the write lock only
    /// to swap the block list. A writing store only.
    pub(crate) fn compact(&self) -> Result<usize> {
        let _one = COMPACTING.lock().unwrap_or_else(PoisonError::into_inner);
        let (plans, force_minute) = {
            let inner = self.read();
            let horizon = inner
                .head
                .windows
                .keys()
                .next()
                .copied()
                .unwrap_or(i64::MAX);
            let plans = plans(&inner.blocks, horizon, inner.opts.block_ms());
            (plans, inner.opts.minute_rollups)
        };
        if plans.is_empty() {
            return Ok(0);
        }
        let blocks_dir = self.dir().join(BLOCKS_DIR);
        crate::version::upgrade(self.dir())?;
        let mut done = 0;
        for plan in plans {
            let target = blocks_dir.join(block::day_file_name(plan.day, plan.checkpoint));
            let mut damaged = DAMAGED.lock().unwrap_or_else(PoisonError::into_inner);
            if damaged.contains(&target) {
                continue;
            }
            let day = match build(&blocks_dir, &plan, force_minute) {
                Ok(day) => day,
                Err(e @ Error::Corrupt { .. }) => {
                    damaged.push(target);
                    self.warn(block::to_damage(&blocks_dir, 0, e));
                    continue;
                }
                Err(e) => return Err(e),
            };
            drop(damaged);
            let mut inner = self.write_lock();
            let present = plan
                .sources
                .iter()
                .all(|p| inner.blocks.iter().any(|b| b.path == *p));
            if !present {
                // Retention took a source meanwhile: keep what is there.
                drop(inner);
                fs::remove_file(&day.path).at(&day.path)?;
                continue;
            }
            inner.blocks.retain(|b| !plan.sources.contains(&b.path));
            inner.blocks.push(day);
            inner.blocks.sort_by_key(|b| (b.window_start, b.checkpoint));
            drop(inner);
            for p in &plan.sources {
                match fs::remove_file(p) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    // Superseded all the same; deleted at the next open.
                    Err(e) => self.warn(block::to_damage(p, 0, Error::io(p, e))),
                }
            }
            crate::logfile::sync_dir(&blocks_dir)?;
            done += 1;
        }
        Ok(done)
    }
}

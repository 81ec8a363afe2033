//! The read path: a series' points and rollup rows over a range, bucketed to a step, from
//! sealed blocks (the coarsest stored resolution that divides the step) and the head; events
//! over a range.

use std::collections::BTreeMap;
use std::sync::Arc;

use herd_aggregate::{EventRecord, Sketch};

use crate::block::{self, Block, EntryMeta};
use crate::codec::DecodeError;
use crate::error::Error;
use crate::key::{align, Bucket, SeriesId, SeriesKind};
use crate::rollup::{self, Resolution};
use crate::shared_reads::Reads;
use crate::store::{Inner, Store};

impl Store {
    /// Buckets aligned to multiples of `step_ms` (`start_ms % step_ms == 0`), the non-empty
    /// ones, in time order, for every bucket that overlaps `[from_ms, to_ms)` (whole buckets:
    /// a bucket's points count even where they lie before `from_ms`). Read from the coarsest
    /// stored resolution that divides `step_ms`: 1 h rollups, 1 min rollups or raw points.
    /// For a sketch series, each bucket holds the samples' min, max, sum and count.
    pub fn read_buckets(
        &self,
        id: SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<Bucket> {
        let reads = self.read_buckets_many(&[id], from_ms, to_ms, step_ms);
        match Arc::try_unwrap(reads) {
            Ok(mut one) => one.pop().unwrap_or_default(),
            Err(shared) => shared.first().cloned().unwrap_or_default(),
        }
    }

    /// [`Store::read_buckets`] of many series at once, in the order of `ids`: the store is
    /// locked once, and a block's entries are read in runs of adjacent bytes, one read a run
    /// rather than one an entry (a 1,000-series query over a day of 2 h blocks made 12,000
    /// reads). A read asking exactly what another one is reading at that moment waits for it
    /// and shares its answer ([`crate::shared_reads`]).
    pub fn read_buckets_many(
        &self,
        ids: &[SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Reads {
        let key = crate::shared_reads::ReadKey {
            ids: ids.to_vec(),
            from_ms,
            to_ms,
            step_ms,
        };
        self.shared().reads.read(&key, || {
            self.read_buckets_alone(ids, from_ms, to_ms, step_ms)
        })
    }

    fn read_buckets_alone(
        &self,
        ids: &[SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<Vec<Bucket>> {
        let Some((lo, hi)) = span(from_ms, to_ms, step_ms) else {
            return vec![Vec::new(); ids.len()];
        };
        let inner = self.read();
        let kinds: Vec<Option<SeriesKind>> = ids.iter().map(|&id| inner.kind_of(id)).collect();
        let res = Resolution::for_step(step_ms);
        let mut outs: Vec<Buckets> = ids.iter().map(|_| Buckets::new(lo, hi, step_ms)).collect();
        let known = |i: usize| kinds[i].is_some();
        let cache = &self.shared().rows;
        let keep = cache.keeps(res);
        let key = |b: &Block, i: usize| crate::row_cache::RowKey {
            block: b.seq,
            id: ids[i],
            res,
        };
        self.visit_entries(
            &inner,
            ids,
            known,
            (lo, hi, res),
            |b, i| keep.then(|| cache.get(&key(b, i))).flatten(),
            |b, i, e, found| {
                let rows = match found {
                    Found::Rows(rows) => rows,
                    Found::Body(body) => {
                        let rows: Arc<[Bucket]> =
                            block::decode_buckets(body, e.points as usize, res)?.into();
                        if keep {
                            cache.put(key(b, i), Arc::clone(&rows));
                        }
                        rows
                    }
                };
                for r in rows.iter() {
                    outs[i].add(r);
                }
                Ok(())
            },
        );
        for (i, &id) in ids.iter().enumerate() {
            let (Some(kind), out) = (kinds[i], &mut outs[i]) else {
                continue;
            };
            for chunk in inner.head.chunks(id, lo, hi) {
                if kind == SeriesKind::Sketch {
                    chunk
                        .sketches()
                        .iter()
                        .for_each(|(t, s)| out.add(&rollup::sketch_bucket(*t, s)));
                } else {
                    chunk
                        .points()
                        .iter()
                        .for_each(|&(t, v)| out.add(&Bucket::one(t, v)));
                }
            }
        }
        outs.into_iter().map(Buckets::into_vec).collect()
    }

    /// For a distribution series, one merged sketch per aligned step bucket that overlaps
    /// `[from_ms, to_ms)`, in time order (resolution chosen as for [`Store::read_buckets`]).
    pub fn read_sketches(
        &self,
        id: SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<(i64, Sketch)> {
        self.read_sketches_many(&[id], from_ms, to_ms, step_ms)
            .pop()
            .unwrap_or_default()
    }

    /// [`Store::read_sketches`] of many series at once, in the order of `ids`, read as
    /// [`Store::read_buckets_many`] reads.
    pub fn read_sketches_many(
        &self,
        ids: &[SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<Vec<(i64, Sketch)>> {
        let Some((lo, hi)) = span(from_ms, to_ms, step_ms) else {
            return vec![Vec::new(); ids.len()];
        };
        let inner = self.read();
        let sketch: Vec<bool> = ids
            .iter()
            .map(|&id| inner.kind_of(id) == Some(SeriesKind::Sketch))
            .collect();
        let res = Resolution::for_step(step_ms);
        let mut outs: Vec<BTreeMap<i64, Sketch>> = vec![BTreeMap::new(); ids.len()];
        let add = |out: &mut BTreeMap<i64, Sketch>, t: i64, s: &Sketch| {
            if t >= lo && t < hi {
                out.entry(align(t, step_ms)).or_default().merge(s);
            }
        };
        self.visit_entries(
            &inner,
            ids,
            |i| sketch[i],
            (lo, hi, res),
            |_, _| None,
            |_, i, e, found| {
                let Found::Body(body) = found else {
                    return Ok(());
                };
                let rows = block::decode_sketches(body, e.points as usize, res)?;
                for (t, s) in &rows {
                    add(&mut outs[i], *t, s);
                }
                Ok(())
            },
        );
        for (i, &id) in ids.iter().enumerate() {
            if sketch[i] {
                for chunk in inner.head.chunks(id, lo, hi) {
                    chunk
                        .sketches()
                        .iter()
                        .for_each(|(t, s)| add(&mut outs[i], *t, s));
                }
            }
        }
        outs.into_iter().map(|o| o.into_iter().collect()).collect()
    }

    /// Calls `decode(block, i, entry, found)` for every block entry of `ids[i]` (for each
    /// `i` that `wanted`) that may hold rows of `res` in `[lo, hi)`: with the rows `kept`
    /// returns for it, else with its checked body. A block's entries are read in runs of
    /// adjacent bytes; damage (a bad checksum, a failed read, a decoding error) is warned,
    /// naming the file and byte offset, and skipped.
    fn visit_entries(
        &self,
        inner: &Inner,
        ids: &[SeriesId],
        wanted: impl Fn(usize) -> bool,
        (lo, hi, res): (i64, i64, Resolution),
        kept: impl Fn(&Block, usize) -> Option<Arc<[Bucket]>>,
        mut decode: impl FnMut(&Block, usize, &EntryMeta, Found<'_>) -> Result<(), DecodeError>,
    ) {
        for b in blocks_in(&inner.blocks, lo, hi) {
            let mut entries: Vec<(usize, &EntryMeta)> = Vec::new();
            for (i, &id) in ids.iter().enumerate() {
                let Some(e) = wanted(i).then(|| b.entry(id)).flatten() else {
                    continue;
                };
                if e.last_ms < align(lo, res.ms()) || e.first_ms >= hi {
                    continue;
                }
                match kept(b, i) {
                    // Rows kept are rows decoded before: they cannot fail.
                    Some(rows) => drop(decode(b, i, e, Found::Rows(rows))),
                    None => entries.push((i, e)),
                }
            }
            entries.sort_by_key(|(_, e)| e.offset);
            for run in runs(&entries) {
                let (first, last) = (run[0].1, run[run.len() - 1].1);
                let start = first.offset;
                let bytes = match b.read_span(start, last.offset + u64::from(last.len) - start) {
                    Ok(bytes) => bytes,
                    Err(err) => {
                        self.warn(block::to_damage(&b.path, start, err));
                        continue;
                    }
                };
                for &(i, e) in run {
                    let at = (e.offset - start) as usize;
                    let got = block::entry_body(&bytes[at..at + e.len as usize])
                        .map_err(|d| Error::corrupt(&b.path, e.offset, d.what))
                        .and_then(|body| {
                            decode(b, i, e, Found::Body(body)).map_err(|d| {
                                Error::corrupt(&b.path, e.offset + 4 + d.at as u64, d.what)
                            })
                        });
                    if let Err(err) = got {
                        self.warn(block::to_damage(&b.path, e.offset, err));
                    }
                }
            }
        }
    }

    /// Events with `from_s <= timestamp < to_s` carrying every tag of `tags`, oldest first.
    pub fn events(&self, from_s: i64, to_s: i64, tags: &[String]) -> Vec<EventRecord> {
        let inner = self.read();
        let keep = |e: &EventRecord| {
            e.timestamp >= from_s && e.timestamp < to_s && tags.iter().all(|t| e.tags.contains(t))
        };
        let (lo, hi) = (from_s.saturating_mul(1000), to_s.saturating_mul(1000));
        let mut out = Vec::new();
        for b in blocks_in(&inner.blocks, lo, hi) {
            match b.events() {
                Ok(es) => out.extend(es.into_iter().filter(keep)),
                Err(err) => self.warn(block::to_damage(&b.path, 0, err)),
            }
        }
        for w in inner.head.all_windows() {
            out.extend(w.events.iter().filter(|e| keep(e)).cloned());
        }
        out.sort_by_key(|e| e.timestamp);
        out
    }
}

/// What a visited entry gives: rows kept from an earlier read, or its body to decode.
enum Found<'a> {
    Rows(Arc<[Bucket]>),
    Body(&'a [u8]),
}

/// Step buckets being filled: an array when the span has few enough of them (a dashboard's
/// query has at most a few thousand), a map otherwise.
enum Buckets {
    Dense {
        lo: i64,
        step: i64,
        slots: Vec<Bucket>,
    },
    Sparse {
        lo: i64,
        hi: i64,
        step: i64,
        map: BTreeMap<i64, Bucket>,
    },
}

impl Buckets {
    const DENSE_MAX: i64 = 1 << 16;

    fn empty(start_ms: i64) -> Bucket {
        Bucket {
            start_ms,
            min: 0.0,
            max: 0.0,
            sum: 0.0,
            count: 0,
        }
    }

    fn new(lo: i64, hi: i64, step: i64) -> Self {
        let n = (hi - lo) / step;
        if n <= Self::DENSE_MAX {
            let slots = (0..n).map(|i| Self::empty(lo + i * step)).collect();
            Self::Dense { lo, step, slots }
        } else {
            Self::Sparse {
                lo,
                hi,
                step,
                map: BTreeMap::new(),
            }
        }
    }

    /// Adds a row (a point or a rollup row) to the bucket holding its start, if in the span.
    fn add(&mut self, b: &Bucket) {
        match self {
            Self::Dense { lo, step, slots } => {
                if b.start_ms >= *lo {
                    if let Some(slot) = slots.get_mut(((b.start_ms - *lo) / *step) as usize) {
                        slot.merge(b);
                    }
                }
            }
            Self::Sparse { lo, hi, step, map } => {
                if b.start_ms >= *lo && b.start_ms < *hi {
                    let start = align(b.start_ms, *step);
                    map.entry(start)
                        .or_insert_with(|| Self::empty(start))
                        .merge(b);
                }
            }
        }
    }

    /// The non-empty buckets, in time order.
    fn into_vec(self) -> Vec<Bucket> {
        match self {
            Self::Dense { mut slots, .. } => {
                // In place: a second allocation per series was a lock of the one malloc arena
                // the daemon keeps, taken 1,000 times a query.
                slots.retain(|b| b.count > 0);
                slots
            }
            Self::Sparse { map, .. } => map.into_values().collect(),
        }
    }
}

/// Most bytes read at once for a run of entries.
const RUN_BYTES: u64 = 4 << 20;
/// Largest gap between two entries read in one run (bytes read and not used).
const RUN_GAP: u64 = 64 << 10;

/// Entries sorted by offset, cut into runs that are close enough to read at once.
fn runs<'a, 'e>(
    entries: &'a [(usize, &'e EntryMeta)],
) -> impl Iterator<Item = &'a [(usize, &'e EntryMeta)]> {
    let mut rest = entries;
    std::iter::from_fn(move || {
        let first = rest.first()?.1.offset;
        let mut n = 1;
        while let Some((_, e)) = rest.get(n) {
            let prev = rest[n - 1].1;
            let gap = e.offset.saturating_sub(prev.offset + u64::from(prev.len));
            if gap > RUN_GAP || e.offset + u64::from(e.len) - first > RUN_BYTES {
                break;
            }
            n += 1;
        }
        let (run, tail) = rest.split_at(n);
        rest = tail;
        Some(run)
    })
}

/// The aligned span `[lo, hi)` of whole step buckets overlapping `[from, to)`.
fn span(from_ms: i64, to_ms: i64, step_ms: i64) -> Option<(i64, i64)> {
    if step_ms <= 0 || to_ms <= from_ms {
        return None;
    }
    Some((
        align(from_ms, step_ms),
        align(to_ms - 1, step_ms).saturating_add(step_ms),
    ))
}

/// Blocks whose window may hold points in `[lo, hi)` (block windows are whole hours, so a
/// window start at or past `hi` holds none; one ending before `lo` neither).
fn blocks_in(blocks: &[Block], lo: i64, hi: i64) -> impl Iterator<Item = &Block> {
    blocks
        .iter()
        .filter(move |b| b.window_start < hi && b.last_ms >= align(lo, rollup::HOUR_MS))
}

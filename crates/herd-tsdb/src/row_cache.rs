//! Rollup rows of sealed blocks, decoded and kept for the next read. A sealed block never
//! changes, so a kept row is never stale; a dashboard asks the same day again at every flush
//! (live refresh) and at every page load, and decoding a day of 1,000 series' 5-minute rows
//! was most of a query's time. Bounded in bytes ([`crate::Options::read_cache_bytes`]);
//! past the bound, arbitrary entries go until a quarter of it is free. Raw points are not
//! kept: they are read for short ranges, mostly from the head, and would push the rollups
//! out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::key::{Bucket, SeriesId};
use crate::rollup::Resolution;

/// One series' rows of one resolution in one block (blocks are numbered as they are opened:
/// a block replaced by a compaction is another block, and its rows age out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct RowKey {
    pub(crate) block: u64,
    pub(crate) id: SeriesId,
    pub(crate) res: Resolution,
}

/// The kept rows, and what they cost.
#[derive(Debug, Default)]
pub(crate) struct RowCache {
    cap: usize,
    inner: Mutex<Kept>,
}

#[derive(Debug, Default)]
struct Kept {
    rows: HashMap<RowKey, Arc<[Bucket]>, foldhash::fast::RandomState>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// What one entry costs: its rows and about a hash slot.
fn cost(rows: &[Bucket]) -> usize {
    std::mem::size_of_val(rows) + 48
}

impl RowCache {
    /// A cache of at most `cap` bytes (0: nothing is kept).
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            cap,
            inner: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether rows of `res` are kept at all.
    pub(crate) fn keeps(&self, res: Resolution) -> bool {
        self.cap > 0 && res != Resolution::Raw
    }

    /// The rows kept under `key`.
    pub(crate) fn get(&self, key: &RowKey) -> Option<Arc<[Bucket]>> {
        let mut kept = self.lock();
        let found = kept.rows.get(key).cloned();
        if found.is_some() {
            kept.hits += 1;
        } else {
            kept.misses += 1;
        }
        found
    }

    /// Keeps `rows` under `key`, making room if needed (an entry over an eighth of the bound
    /// is not kept).
    pub(crate) fn put(&self, key: RowKey, rows: Arc<[Bucket]>) {
        let size = cost(&rows);
        if size > self.cap / 8 {
            return;
        }
        let mut kept = self.lock();
        if kept.bytes + size > self.cap {
            let target = self.cap - self.cap / 4;
            let mut bytes = kept.bytes;
            kept.rows.retain(|_, r| {
                if bytes <= target {
                    return true;
                }
                bytes -= cost(r);
                false
            });
            kept.bytes = bytes;
        }
        if let Some(old) = kept.rows.insert(key, rows) {
            kept.bytes -= cost(&old);
        }
        kept.bytes += size;
    }

    /// Bytes kept, hits and misses.
    pub(crate) fn figures(&self) -> (usize, u64, u64) {
        let kept = self.lock();
        (kept.bytes, kept.hits, kept.misses)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u64) -> RowKey {
        RowKey {
            block: 1,
            id: SeriesId(n),
            res: Resolution::FiveMinutes,
        }
    }

    fn rows(n: usize) -> Arc<[Bucket]> {
        (0..n).map(|i| Bucket::one(i as i64, 1.0)).collect()
    }

    #[test]
    fn rows_come_back_until_the_bound_pushes_them_out() {
        let one = cost(&rows(10));
        let cache = RowCache::new(one * 16);
        assert!(cache.get(&key(0)).is_none());
        cache.put(key(0), rows(10));
        assert_eq!(cache.get(&key(0)).unwrap().len(), 10);
        for n in 1..100 {
            cache.put(key(n), rows(10));
            assert!(cache.figures().0 <= one * 16);
        }
        let kept = (0..100).filter(|&n| cache.get(&key(n)).is_some()).count();
        assert!((12..=16).contains(&kept), "{kept}");
        let (_, hits, misses) = cache.figures();
        assert_eq!(hits + misses, 102);
        // Too big for the bound, and raw rows, are not kept; nothing with a bound of 0.
        cache.put(key(500), rows(100));
        assert!(cache.get(&key(500)).is_none());
        assert!(!cache.keeps(Resolution::Raw) && cache.keeps(Resolution::Hour));
        assert!(!RowCache::new(0).keeps(Resolution::Hour));
    }
}

//! Reads in flight, shared: a query that asks for the same buckets of the same series over
//! the same range as one being read right now waits for that read and shares its answer
//! (no copy: a day of 1,000 series at 5 minutes is 11 MB of buckets) instead of reading
//! again. A dashboard's widgets often ask the same metric's series at once (four of the
//! benchmark's six widgets read the same 1,000 series). Nothing is kept once the read is
//! done: a later query reads afresh (sealed blocks' decoded rows are kept apart, in
//! [`crate::row_cache`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::key::{Bucket, SeriesId};

/// What a read asks: the series, `[from, to)` and the step.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ReadKey {
    pub(crate) ids: Vec<SeriesId>,
    pub(crate) from_ms: i64,
    pub(crate) to_ms: i64,
    pub(crate) step_ms: i64,
}

/// A read's buckets, by position in its ids; shared by every reader that asked at once.
pub type Reads = Arc<Vec<Vec<Bucket>>>;

type Answer = Arc<OnceLock<Reads>>;

/// The bucket reads in flight.
#[derive(Debug, Default)]
pub(crate) struct SharedReads {
    in_flight: Mutex<HashMap<ReadKey, Answer, foldhash::fast::RandomState>>,
}

/// Takes the read's entry out of the map when its first reader is done (or panicked).
struct Done<'a> {
    reads: &'a SharedReads,
    key: &'a ReadKey,
}

impl Drop for Done<'_> {
    fn drop(&mut self) {
        self.reads.lock().remove(self.key);
    }
}

impl SharedReads {
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<ReadKey, Answer, foldhash::fast::RandomState>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The answer to `key`: `read()`'s, or the one a concurrent reader is making.
    pub(crate) fn read(&self, key: &ReadKey, read: impl FnOnce() -> Vec<Vec<Bucket>>) -> Reads {
        let (answer, first) = {
            let mut map = self.lock();
            if let Some(a) = map.get(key) {
                (Arc::clone(a), false)
            } else {
                let a = Answer::default();
                map.insert(key.clone(), Arc::clone(&a));
                (a, true)
            }
        };
        let done = first.then(|| Done { reads: self, key });
        let reads = Arc::clone(answer.get_or_init(|| Arc::new(read())));
        drop(done);
        reads
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Barrier;

    fn key(n: u64) -> ReadKey {
        ReadKey {
            ids: vec![SeriesId(n)],
            from_ms: 0,
            to_ms: 10,
            step_ms: 1,
        }
    }

    #[test]
    fn readers_of_the_same_key_at_once_share_one_read() {
        let reads = SharedReads::default();
        let made = AtomicUsize::new(0);
        let inside = Barrier::new(2);
        let answer = vec![vec![Bucket::one(5, 2.0)]];
        std::thread::scope(|s| {
            // The first reader is held inside its read until the second has asked.
            let first = s.spawn(|| {
                reads.read(&key(1), || {
                    made.fetch_add(1, Ordering::SeqCst);
                    inside.wait();
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    answer.clone()
                })
            });
            inside.wait();
            let second = reads.read(&key(1), || {
                made.fetch_add(1, Ordering::SeqCst);
                Vec::new()
            });
            assert_eq!(*second, answer);
            let first = first.join().unwrap();
            assert_eq!(*first, answer);
            // One answer, shared.
            assert!(Arc::ptr_eq(&first, &second));
        });
        assert_eq!(made.load(Ordering::SeqCst), 1);
        // Done: nothing kept; the next read reads again, and another key is its own.
        assert!(reads.lock().is_empty());
        assert_eq!(*reads.read(&key(1), Vec::new), Vec::<Vec<Bucket>>::new());
        assert_eq!(*reads.read(&key(2), || answer.clone()), answer);
    }

    #[test]
    fn a_read_that_panics_leaves_nothing_behind() {
        let reads = SharedReads::default();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            reads.read(&key(3), || panic!("disk on fire"))
        }));
        assert!(r.is_err());
        assert!(reads.lock().is_empty());
        assert_eq!(*reads.read(&key(3), Vec::new), Vec::<Vec<Bucket>>::new());
    }
}

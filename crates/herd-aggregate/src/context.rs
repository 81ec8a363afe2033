//! Contexts: a metric name, its sorted and de-duplicated tags, its host and its type, interned
//! once and then referred to by a small id. The table is bounded; idle contexts expire.
//!
//! As in the Datadog Agent, a context is found by a 64-bit key hashed from its parts, and the
//! key is trusted: the hot path compares no strings and touches no context memory. Tags are
//! hashed order-independently (a sum of per-tag hashes, duplicates skipped), so the hot path
//! does not sort either; only a new context pays for sorting and copying its tags.

use std::hash::BuildHasher;
use std::sync::Arc;

use herd_dogstatsd::MetricType;

/// One time series' identity.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Context {
    /// Metric name.
    pub name: Box<str>,
    /// Tags, sorted and de-duplicated, `host:` removed.
    pub tags: Box<[Box<str>]>,
    /// Host (empty for none).
    pub host: Box<str>,
    /// The metric type the samples came as.
    pub kind: MetricType,
}

/// Index of an interned context.
pub type ContextId = u32;

struct Entry {
    context: Arc<Context>,
    key: u64,
    last_seen_ms: u64,
}

/// Hashes context parts into the 64-bit key.
#[derive(Clone, Default)]
pub struct KeyHasher(foldhash::fast::RandomState);

impl KeyHasher {
    /// The hash of one tag (combined with [`KeyHasher::key`]).
    #[inline]
    pub fn tag(&self, tag: &str) -> u64 {
        self.0.hash_one(tag.as_bytes())
    }

    /// The key of a context from its name, the sum of its distinct tags' hashes, its host and
    /// its type.
    #[inline]
    pub fn key(&self, name: &str, tag_sum: u64, host: &str, kind: MetricType) -> u64 {
        self.0
            .hash_one((name.as_bytes(), tag_sum, host.as_bytes(), kind as u8))
    }

    /// The key of a context (the slow, allocating way; for tests and new contexts).
    pub fn key_of(&self, context: &Context) -> u64 {
        let sum = context
            .tags
            .iter()
            .fold(0u64, |s, t| s.wrapping_add(self.tag(t)));
        self.key(&context.name, sum, &context.host, context.kind)
    }
}

/// The interned contexts.
pub struct Contexts {
    table: crate::key_table::KeyTable,
    entries: Vec<Option<Entry>>,
    free: Vec<ContextId>,
    limit: usize,
    hasher: KeyHasher,
}

impl Contexts {
    /// An empty table holding at most `limit` contexts.
    pub fn new(limit: usize) -> Self {
        Self {
            table: crate::key_table::KeyTable::default(),
            entries: Vec::new(),
            free: Vec::new(),
            limit,
            hasher: KeyHasher::default(),
        }
    }

    /// The hasher that makes this table's keys.
    pub fn hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// Number of live contexts.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are no contexts.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// One more than the largest id handed out (for dense per-id arrays).
    pub fn id_bound(&self) -> usize {
        self.entries.len()
    }

    /// The id of the context with this key, if known. It does not mark the context seen (that
    /// would touch its memory on the hot path): see [`Contexts::touch`].
    #[inline]
    pub fn find(&self, key: u64) -> Option<ContextId> {
        self.table.find(key)
    }

    /// Starts loading the table slot of `key` into the cache (a hint; no effect otherwise).
    #[inline]
    pub fn prefetch(&self, key: u64) {
        self.table.prefetch(key);
    }

    /// Marks a context seen at `now_ms` (the aggregator does it once per bucket and context).
    pub fn touch(&mut self, id: ContextId, now_ms: u64) {
        if let Some(e) = self.entries.get_mut(id as usize).and_then(Option::as_mut) {
            e.last_seen_ms = e.last_seen_ms.max(now_ms);
        }
    }

    /// Interns a new context under `key` (from [`KeyHasher::key`]). `None` when the table is
    /// full (the caller counts the drop).
    pub fn insert(&mut self, key: u64, context: Context, now_ms: u64) -> Option<ContextId> {
        if let Some(id) = self.find(key) {
            self.touch(id, now_ms);
            return Some(id);
        }
        if self.table.len() >= self.limit {
            return None;
        }
        let entry = Entry {
            context: Arc::new(context),
            key,
            last_seen_ms: now_ms,
        };
        let id = if let Some(id) = self.free.pop() {
            self.entries[id as usize] = Some(entry);
            id
        } else {
            self.entries.push(Some(entry));
            (self.entries.len() - 1) as ContextId
        };
        self.table.insert(key, id);
        Some(id)
    }

    /// Finds or interns a context from its parts (`tags` sorted and de-duplicated).
    pub fn resolve(
        &mut self,
        name: &str,
        tags: &[&str],
        host: &str,
        kind: MetricType,
        now_ms: u64,
    ) -> Option<ContextId> {
        let context = Context {
            name: name.into(),
            tags: tags.iter().map(|&t| Box::from(t)).collect(),
            host: host.into(),
            kind,
        };
        let key = self.hasher.key_of(&context);
        self.insert(key, context, now_ms)
    }

    /// The context behind an id.
    ///
    /// # Panics
    /// If the id is not live.
    pub fn get(&self, id: ContextId) -> &Arc<Context> {
        &self.entries[id as usize]
            .as_ref()
            .expect("live context")
            .context
    }

    /// Removes contexts for which `keep(id, context, last_seen_ms)` is false. Returns how many.
    pub fn retain(&mut self, mut keep: impl FnMut(ContextId, &Context, u64) -> bool) -> usize {
        let mut removed = 0;
        for (i, slot) in self.entries.iter_mut().enumerate() {
            let Some(e) = slot else { continue };
            if keep(i as ContextId, &e.context, e.last_seen_ms) {
                continue;
            }
            self.table.remove(e.key);
            *slot = None;
            self.free.push(i as ContextId);
            removed += 1;
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_parts_give_the_same_id_and_others_a_new_one() {
        let mut c = Contexts::new(10);
        let a = c
            .resolve("m", &["a:1", "b"], "h", MetricType::Count, 0)
            .unwrap();
        assert_eq!(
            c.resolve("m", &["a:1", "b"], "h", MetricType::Count, 1),
            Some(a)
        );
        let others = [
            c.resolve("m", &["a:1"], "h", MetricType::Count, 0),
            c.resolve("m", &["a:1", "b"], "h2", MetricType::Count, 0),
            c.resolve("m", &["a:1", "b"], "h", MetricType::Gauge, 0),
            c.resolve("n", &["a:1", "b"], "h", MetricType::Count, 0),
            c.resolve("m", &["a:1b"], "h", MetricType::Count, 0),
            c.resolve("ma", &[":1", "b"], "h", MetricType::Count, 0),
        ];
        assert!(others.iter().all(|o| o.is_some() && *o != Some(a)));
        assert_eq!(c.len(), 7);
        assert_eq!(&*c.get(a).name, "m");
    }

    #[test]
    fn tag_order_does_not_change_the_key() {
        let h = KeyHasher::default();
        let sum = |tags: &[&str]| tags.iter().fold(0u64, |s, t| s.wrapping_add(h.tag(t)));
        let k1 = h.key("m", sum(&["a", "b", "c"]), "", MetricType::Count);
        let k2 = h.key("m", sum(&["c", "a", "b"]), "", MetricType::Count);
        assert_eq!(k1, k2);
        assert_ne!(k1, h.key("m", sum(&["a", "b"]), "", MetricType::Count));
    }

    #[test]
    fn a_full_table_refuses_new_contexts_but_serves_known_ones() {
        let mut c = Contexts::new(2);
        let a = c.resolve("a", &[], "", MetricType::Count, 0);
        c.resolve("b", &[], "", MetricType::Count, 0).unwrap();
        assert_eq!(c.resolve("c", &[], "", MetricType::Count, 0), None);
        assert_eq!(c.resolve("a", &[], "", MetricType::Count, 0), a);
    }

    #[test]
    fn expired_contexts_free_their_slot_for_reuse() {
        let mut c = Contexts::new(2);
        let a = c.resolve("a", &[], "", MetricType::Count, 0).unwrap();
        c.resolve("b", &[], "", MetricType::Count, 100).unwrap();
        assert_eq!(c.retain(|_, _, seen| seen >= 50), 1);
        assert_eq!(c.len(), 1);
        let d = c.resolve("d", &[], "", MetricType::Count, 200).unwrap();
        assert_eq!(d, a, "slot reused");
        assert_eq!(&*c.get(d).name, "d");
        assert!(c.resolve("b", &[], "", MetricType::Count, 200).is_some());
    }
}

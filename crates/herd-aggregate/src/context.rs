//! Contexts: a metric name, its sorted and de-duplicated tags, its host and its type, interned
//! once and then referred to by a small id. The table is bounded; idle contexts expire.
//!
//! As in the Datadog Agent, a context is found by a 64-bit key hashed from its parts, and the
//! key is trusted: the hot path compares no strings and touches no context memory. Tags are
//! hashed order-independently (a sum of per-tag hashes, duplicates skipped), so the hot path
//! does not sort either; only a new context pays for sorting and copying its tags.
//! In front of this key the aggregator keeps a cache from a metric's wire form
//! ([`KeyHasher::wire_key`]) to its id, so most samples skip even the per-tag hashing.

use std::hash::BuildHasher;
use std::sync::Arc;

use herd_dogstatsd::MetricType;

/// One time series' identity: a metric name, its tags (sorted, de-duplicated, `host:`
/// removed), its host (empty for none) and its type.
///
/// Stored as one allocation — `[name len][host len][tag count]` as `u32`s, then the name, the
/// host, and each tag as `[len]` + bytes — because at 100k contexts the per-string allocations
/// of a naive layout cost more than the strings.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Context {
    data: Box<[u8]>,
    /// The metric type the samples came as.
    pub kind: MetricType,
}

const HEADER: usize = 12;

fn u32_at(data: &[u8], at: usize) -> usize {
    let bytes: [u8; 4] = data[at..at + 4].try_into().expect("four bytes");
    u32::from_le_bytes(bytes) as usize
}

impl Context {
    /// A context from its parts (`tags` as given: the caller sorts and de-duplicates).
    pub fn new<'t>(
        name: &str,
        tags: impl IntoIterator<Item = &'t str> + Clone,
        host: &str,
        kind: MetricType,
    ) -> Self {
        let tags_len: usize = tags.clone().into_iter().map(|t| 4 + t.len()).sum();
        let count = tags.clone().into_iter().count();
        let mut data = Vec::with_capacity(HEADER + name.len() + host.len() + tags_len);
        for n in [name.len(), host.len(), count] {
            data.extend_from_slice(&(n as u32).to_le_bytes());
        }
        data.extend_from_slice(name.as_bytes());
        data.extend_from_slice(host.as_bytes());
        for t in tags {
            data.extend_from_slice(&(t.len() as u32).to_le_bytes());
            data.extend_from_slice(t.as_bytes());
        }
        Self {
            data: data.into_boxed_slice(),
            kind,
        }
    }

    fn str_at(&self, start: usize, len: usize) -> &str {
        // Built from `&str`s only, so every piece is valid UTF-8.
        std::str::from_utf8(&self.data[start..start + len]).expect("context text is UTF-8")
    }

    /// The metric name.
    pub fn name(&self) -> &str {
        self.str_at(HEADER, u32_at(&self.data, 0))
    }

    /// The host (empty for none).
    pub fn host(&self) -> &str {
        self.str_at(HEADER + u32_at(&self.data, 0), u32_at(&self.data, 4))
    }

    /// The tags, sorted and de-duplicated.
    pub fn tags(&self) -> ContextTags<'_> {
        let start = HEADER + u32_at(&self.data, 0) + u32_at(&self.data, 4);
        ContextTags {
            context: self,
            at: start,
            left: u32_at(&self.data, 8),
        }
    }
}

/// Iterator over a context's tags.
#[derive(Debug, Clone)]
pub struct ContextTags<'c> {
    context: &'c Context,
    at: usize,
    left: usize,
}

impl<'c> Iterator for ContextTags<'c> {
    type Item = &'c str;

    fn next(&mut self) -> Option<&'c str> {
        if self.left == 0 {
            return None;
        }
        let len = u32_at(&self.context.data, self.at);
        let tag = self.context.str_at(self.at + 4, len);
        self.at += 4 + len;
        self.left -= 1;
        Some(tag)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for ContextTags<'_> {}

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

    /// The key of a metric's wire form: its name, its raw tag section as sent (order,
    /// duplicates, `host:` and all), the length tags are cut to, and its type. One pass over
    /// contiguous bytes, no per-tag work: the aggregator maps it to a context id in a cache
    /// (the same client sends the same context the same way every time).
    #[inline]
    pub fn wire_key(&self, name: &str, tags: &herd_dogstatsd::Tags<'_>, kind: MetricType) -> u64 {
        self.0.hash_one((
            name.as_bytes(),
            tags.as_wire().as_bytes(),
            tags.max_len(),
            kind as u8,
        ))
    }

    /// The key of a context (the slow, allocating way; for tests and new contexts).
    pub fn key_of(&self, context: &Context) -> u64 {
        let sum = context
            .tags()
            .fold(0u64, |s, t| s.wrapping_add(self.tag(t)));
        self.key(context.name(), sum, context.host(), context.kind)
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
        let context = Context::new(name, tags.iter().copied(), host, kind);
        let key = self.hasher.key_of(&context);
        self.insert(key, context, now_ms)
    }

    /// Whether `id` names a live context.
    pub fn is_live(&self, id: ContextId) -> bool {
        self.entries.get(id as usize).is_some_and(Option::is_some)
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
        assert_eq!(c.get(a).name(), "m");
    }

    #[test]
    fn a_context_gives_back_its_parts() {
        let c = Context::new(
            "web.hits",
            ["a:1", "", "zone:é"],
            "host-1",
            MetricType::Gauge,
        );
        assert_eq!((c.name(), c.host()), ("web.hits", "host-1"));
        assert_eq!(c.tags().collect::<Vec<_>>(), ["a:1", "", "zone:é"]);
        assert_eq!(c.tags().len(), 3);
        let bare = Context::new("", [], "", MetricType::Count);
        assert_eq!(
            (bare.name(), bare.host(), bare.tags().next()),
            ("", "", None)
        );
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
        assert_eq!(c.get(d).name(), "d");
        assert!(c.resolve("b", &[], "", MetricType::Count, 200).is_some());
    }
}

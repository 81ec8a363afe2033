//! Contexts: a metric name, its sorted and de-duplicated tags, its host and its type, interned
//! once and then referred to by a small id. The table is bounded; idle contexts expire.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
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
    hash: u64,
    last_seen_ms: u64,
}

/// The interned contexts.
pub struct Contexts {
    table: HashTable<ContextId>,
    entries: Vec<Option<Entry>>,
    free: Vec<ContextId>,
    limit: usize,
    hasher: foldhash::fast::RandomState,
}

impl Contexts {
    /// An empty table holding at most `limit` contexts.
    pub fn new(limit: usize) -> Self {
        Self {
            table: HashTable::new(),
            entries: Vec::new(),
            free: Vec::new(),
            limit,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// Number of live contexts.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there are no contexts.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The id of the context with these parts, interning it if new. `None` when it is new and
    /// the table is full (the caller counts the drop). `tags` must be sorted and de-duplicated.
    pub fn resolve(
        &mut self,
        name: &str,
        tags: &[&str],
        host: &str,
        kind: MetricType,
        now_ms: u64,
    ) -> Option<ContextId> {
        let hash = self.hasher.hash_one((name, tags, host, kind));
        let entries = &self.entries;
        let found = self.table.find(hash, |&id| {
            let c = &entries[id as usize].as_ref().expect("live entry").context;
            c.kind == kind
                && *c.name == *name
                && *c.host == *host
                && c.tags.len() == tags.len()
                && c.tags.iter().zip(tags).all(|(a, b)| **a == **b)
        });
        if let Some(&id) = found {
            if let Some(e) = self.entries[id as usize].as_mut() {
                e.last_seen_ms = now_ms;
            }
            return Some(id);
        }
        if self.table.len() >= self.limit {
            return None;
        }
        let context = Arc::new(Context {
            name: name.into(),
            tags: tags.iter().map(|&t| Box::from(t)).collect(),
            host: host.into(),
            kind,
        });
        let entry = Entry {
            context,
            hash,
            last_seen_ms: now_ms,
        };
        let id = if let Some(id) = self.free.pop() {
            self.entries[id as usize] = Some(entry);
            id
        } else {
            self.entries.push(Some(entry));
            (self.entries.len() - 1) as ContextId
        };
        let entries = &self.entries;
        self.table.insert_unique(hash, id, |&i| {
            entries[i as usize].as_ref().map_or(0, |e| e.hash)
        });
        Some(id)
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

    /// Removes contexts for which `keep(id, last_seen_ms)` is false. Returns how many.
    pub fn retain(&mut self, mut keep: impl FnMut(ContextId, &Context, u64) -> bool) -> usize {
        let mut removed = 0;
        for (i, slot) in self.entries.iter_mut().enumerate() {
            let Some(e) = slot else { continue };
            if keep(i as ContextId, &e.context, e.last_seen_ms) {
                continue;
            }
            let hash = e.hash;
            if let Ok(found) = self.table.find_entry(hash, |&id| id as usize == i) {
                found.remove();
            }
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
        ];
        assert!(others.iter().all(|o| o.is_some() && *o != Some(a)));
        assert_eq!(c.len(), 5);
        assert_eq!(&*c.get(a).name, "m");
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

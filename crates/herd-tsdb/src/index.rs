//! The series index: every series' key by id, ids by key (looked up from a flushed point's
//! parts without building a key), and ids by metric name. It answers "which series does this
//! metric have" without reading a point.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use herd_aggregate::Point;

use crate::codec::{DecodeError, Reader, Writer};
use crate::key::{SeriesId, SeriesKey, SeriesKind};
use crate::symbols::{push_lean, Symbol, Symbols};

/// A series key's parts as a flushed point holds them (the name in two pieces).
pub(crate) struct KeyParts<'a> {
    pub(crate) name: &'a str,
    pub(crate) suffix: &'a str,
    pub(crate) tags: Vec<&'a str>,
    pub(crate) host: &'a str,
    pub(crate) kind: SeriesKind,
    pub(crate) interval_ms: u64,
}

impl<'a> KeyParts<'a> {
    pub(crate) fn of(p: &'a Point) -> Self {
        Self {
            name: p.context.name(),
            suffix: &p.suffix,
            tags: p.context.tags().collect(),
            host: p.context.host(),
            kind: SeriesKind::of(p.kind),
            interval_ms: p.interval_ms,
        }
    }

    fn of_key(k: &'a SeriesKey) -> Self {
        Self {
            name: &k.name,
            suffix: "",
            tags: k.tags.iter().map(String::as_str).collect(),
            host: &k.host,
            kind: k.kind,
            interval_ms: k.interval_ms,
        }
    }

    fn hash(&self) -> u64 {
        key_hash(
            self.name,
            self.suffix,
            self.tags.iter().copied(),
            self.host,
            self.kind,
            self.interval_ms,
        )
    }

    pub(crate) fn to_key(&self) -> SeriesKey {
        SeriesKey {
            name: format!("{}{}", self.name, self.suffix),
            tags: self.tags.iter().map(|&t| t.to_owned()).collect(),
            host: self.host.to_owned(),
            kind: self.kind,
            interval_ms: self.interval_ms,
        }
    }
}

/// The hash of a series key from its parts (the name in two pieces, `suffix` maybe empty).
fn key_hash<'t>(
    name: &str,
    suffix: &str,
    tags: impl Iterator<Item = &'t str>,
    host: &str,
    kind: SeriesKind,
    interval_ms: u64,
) -> u64 {
    let mut h = FixedState::with_seed(0x6865_7264).build_hasher();
    // One write for the whole name (a hasher's result depends on how bytes are split).
    if suffix.is_empty() {
        h.write(name.as_bytes());
    } else {
        h.write(format!("{name}{suffix}").as_bytes());
    }
    h.write_u8(0xff);
    for t in tags {
        h.write(t.as_bytes());
        h.write_u8(0xff);
    }
    h.write(host.as_bytes());
    h.write_u8(kind.code());
    h.write_u64(interval_ms);
    h.finish()
}

/// Where a series' key lies: its symbols `parts[at..]` (name, host, then `tags` tags), kind
/// and interval. 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: u32,
    tags: u16,
    /// The kind's code; [`Slot::NONE`] for an id with no series.
    kind: u8,
    interval_ms: u64,
}

impl Slot {
    const NONE: u8 = 0xff;
    const EMPTY: Slot = Slot {
        at: 0,
        tags: 0,
        kind: Self::NONE,
        interval_ms: 0,
    };
}

/// A stored key's parts, borrowed from the index.
struct Stored<'a> {
    name: &'a str,
    host: &'a str,
    tags: &'a [Symbol],
    kind: SeriesKind,
    interval_ms: u64,
}

/// The index. Keys are held as interned symbols (a series costs its slot, its symbols and
/// a table entry: ~50 bytes with three tags) and built into [`SeriesKey`]s on demand.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    symbols: Symbols,
    /// By id.
    slots: Vec<Slot>,
    /// Every key's symbols, one after the other.
    parts: Vec<Symbol>,
    /// Series known.
    count: usize,
    /// Ids, found by the hash of their key.
    by_key: HashTable<u32>,
    /// Each metric name's newest series, by the name's symbol.
    by_name: hashbrown::HashMap<Symbol, u32, FixedState>,
    /// By id: the next older series of the same name ([`NO_SERIES`] for none). A name's
    /// series are a chain from its newest, 4 bytes a series (a map of name to list cost
    /// ~150 bytes a name where every series has a name of its own).
    older: Vec<u32>,
}

/// The end of a name's chain of series.
const NO_SERIES: u32 = u32::MAX;

/// Makes `v[i]` exist, new slots `fill`ed, growing as [`push_lean`] does.
fn grow_to<T: Copy>(v: &mut Vec<T>, i: u32, fill: T) {
    while v.len() <= i as usize {
        push_lean(v, fill);
    }
}

impl Index {
    fn stored(&self, id: u32) -> Option<Stored<'_>> {
        let slot = self.slots.get(id as usize)?;
        let kind = SeriesKind::from_code(slot.kind)?;
        let at = slot.at as usize;
        let syms = &self.parts[at..at + 2 + usize::from(slot.tags)];
        Some(Stored {
            name: self.symbols.get(syms[0]),
            host: self.symbols.get(syms[1]),
            tags: &syms[2..],
            kind,
            interval_ms: slot.interval_ms,
        })
    }

    fn stored_hash(&self, id: u32) -> u64 {
        self.stored(id).map_or(0, |k| {
            key_hash(
                k.name,
                "",
                k.tags.iter().map(|&t| self.symbols.get(t)),
                k.host,
                k.kind,
                k.interval_ms,
            )
        })
    }

    fn matches(&self, parts: &KeyParts<'_>, id: u32) -> bool {
        let Some(k) = self.stored(id) else {
            return false;
        };
        k.name.len() == parts.name.len() + parts.suffix.len()
            && k.name.starts_with(parts.name)
            && k.name.ends_with(parts.suffix)
            && k.host == parts.host
            && k.kind == parts.kind
            && k.interval_ms == parts.interval_ms
            && k.tags.len() == parts.tags.len()
            && k.tags
                .iter()
                .zip(&parts.tags)
                .all(|(&a, b)| self.symbols.get(a) == *b)
    }

    /// The id of the series with these parts, if known.
    pub(crate) fn find(&self, parts: &KeyParts<'_>) -> Option<SeriesId> {
        self.by_key
            .find(parts.hash(), |&id| self.matches(parts, id))
            .map(|&id| SeriesId(u64::from(id)))
    }

    /// The id the next new series gets.
    pub(crate) fn next_id(&self) -> SeriesId {
        SeriesId(self.slots.len() as u64)
    }

    /// Adds a series under `id` (from the series log, or a new one at [`Index::next_id`]).
    /// A known key or id is left as it is, and so is a key too big to hold (over 65,535
    /// tags, or past 4 GiB of strings).
    pub(crate) fn insert(&mut self, id: SeriesId, key: &SeriesKey) {
        let Ok(slot_no) = u32::try_from(id.0) else {
            return;
        };
        let parts = KeyParts::of_key(key);
        if self.find(&parts).is_some() {
            return;
        }
        if self
            .slots
            .get(slot_no as usize)
            .is_some_and(|s| s.kind != Slot::NONE)
        {
            return;
        }
        let (Ok(tags), Ok(at)) = (
            u16::try_from(key.tags.len()),
            u32::try_from(self.parts.len()),
        ) else {
            return;
        };
        let mut syms = Vec::with_capacity(2 + key.tags.len());
        for s in [key.name.as_str(), key.host.as_str()]
            .into_iter()
            .chain(key.tags.iter().map(String::as_str))
        {
            let Some(sym) = self.symbols.intern(s) else {
                return;
            };
            syms.push(sym);
        }
        grow_to(&mut self.slots, slot_no, Slot::EMPTY);
        for &sym in &syms {
            push_lean(&mut self.parts, sym);
        }
        self.slots[slot_no as usize] = Slot {
            at,
            tags,
            kind: key.kind.code(),
            interval_ms: key.interval_ms,
        };
        self.count += 1;
        let hash = parts.hash();
        let mut table = std::mem::take(&mut self.by_key);
        table.insert_unique(hash, slot_no, |&id| self.stored_hash(id));
        self.by_key = table;
        grow_to(&mut self.older, slot_no, NO_SERIES);
        self.older[slot_no as usize] = self.by_name.insert(syms[0], slot_no).unwrap_or(NO_SERIES);
    }

    /// Removes the series at and past `from` (new series whose definition could not be stored).
    pub(crate) fn truncate(&mut self, from: SeriesId) {
        while self.slots.len() as u64 > from.0 {
            let id = self.slots.len() as u32 - 1;
            if self.stored(id).is_some() {
                let name = self.parts[self.slots[id as usize].at as usize];
                let hash = self.stored_hash(id);
                if let Ok(e) = self.by_key.find_entry(hash, |&i| i == id) {
                    e.remove();
                }
                // The newest series go first: each is the head of its name's chain.
                match self.older[id as usize] {
                    NO_SERIES => self.by_name.remove(&name),
                    older => self.by_name.insert(name, older),
                };
                self.older[id as usize] = NO_SERIES;
                // New series are added last: their symbols are the arena's tail.
                self.parts.truncate(self.slots[id as usize].at as usize);
                self.count -= 1;
            }
            self.slots.pop();
        }
    }

    /// The key of `id`, built from its symbols.
    pub(crate) fn get(&self, id: SeriesId) -> Option<SeriesKey> {
        let k = self.stored(u32::try_from(id.0).ok()?)?;
        Some(SeriesKey {
            name: k.name.to_owned(),
            tags: k
                .tags
                .iter()
                .map(|&t| self.symbols.get(t).to_owned())
                .collect(),
            host: k.host.to_owned(),
            kind: k.kind,
            interval_ms: k.interval_ms,
        })
    }

    /// The kind of `id` (no key is built).
    pub(crate) fn kind(&self, id: SeriesId) -> Option<SeriesKind> {
        let slot = self.slots.get(usize::try_from(id.0).ok()?)?;
        SeriesKind::from_code(slot.kind)
    }

    /// Every metric name, sorted.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        let mut names: Vec<&str> = self.by_name.keys().map(|&s| self.symbols.get(s)).collect();
        names.sort_unstable();
        names.into_iter()
    }

    /// The ids of one metric's series, oldest first.
    fn ids_of(&self, name: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        let head = self
            .symbols
            .find(name)
            .and_then(|sym| self.by_name.get(&sym));
        if let Some(&head) = head {
            let mut id = head;
            while id != NO_SERIES {
                ids.push(id);
                id = self.older[id as usize];
            }
        }
        ids.reverse();
        ids
    }

    /// The series of one metric.
    pub(crate) fn series_of(&self, name: &str) -> Vec<(SeriesId, SeriesKey)> {
        self.ids_of(name)
            .into_iter()
            .filter_map(|id| {
                let id = SeriesId(u64::from(id));
                Some((id, self.get(id)?))
            })
            .collect()
    }

    /// Number of series.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Bytes held, by capacity.
    pub(crate) fn bytes(&self) -> usize {
        self.symbols.bytes()
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.parts.capacity() * 4
            + self.by_key.capacity() * 5
            + self.by_name.capacity() * 9
            + self.older.capacity() * 4
    }
}

/// A series definition as the series log stores it.
pub(crate) fn encode_definition(id: SeriesId, key: &SeriesKey) -> Vec<u8> {
    let mut w = Writer::default();
    w.varint(id.0);
    w.str(&key.name);
    w.str(&key.host);
    w.u8(key.kind.code());
    w.varint(key.interval_ms);
    w.varint(key.tags.len() as u64);
    for t in &key.tags {
        w.str(t);
    }
    w.buf
}

/// A series definition from the series log.
pub(crate) fn decode_definition(bytes: &[u8]) -> Result<(SeriesId, SeriesKey), DecodeError> {
    let mut r = Reader::new(bytes);
    let id = SeriesId(r.varint("series id")?);
    let name = r.str("metric name")?;
    let host = r.str("host")?;
    let at = r.at;
    let kind = SeriesKind::from_code(r.u8("series kind")?)
        .ok_or_else(|| DecodeError::new(at, "unknown series kind"))?;
    let interval_ms = r.varint("interval")?;
    let n = r.len(bytes.len(), "tag count")?;
    let mut tags = Vec::with_capacity(n);
    for _ in 0..n {
        tags.push(r.str("tag")?);
    }
    Ok((
        id,
        SeriesKey {
            name,
            tags,
            host,
            kind,
            interval_ms,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, tags: &[&str]) -> SeriesKey {
        SeriesKey {
            name: name.into(),
            tags: tags.iter().map(|&t| t.to_owned()).collect(),
            host: "h".into(),
            kind: SeriesKind::Gauge,
            interval_ms: 10_000,
        }
    }

    #[test]
    fn finds_by_parts_and_by_name() {
        let mut ix = Index::default();
        ix.insert(SeriesId(0), &key("web.latency.max", &["env:prod"]));
        ix.insert(SeriesId(1), &key("web.latency.max", &["env:dev"]));
        ix.insert(SeriesId(2), &key("db.q", &[]));
        let parts = KeyParts {
            name: "web.latency",
            suffix: ".max",
            tags: vec!["env:dev"],
            host: "h",
            kind: SeriesKind::Gauge,
            interval_ms: 10_000,
        };
        assert_eq!(ix.find(&parts), Some(SeriesId(1)));
        assert_eq!(parts.to_key(), key("web.latency.max", &["env:dev"]));
        assert_eq!(ix.names().collect::<Vec<_>>(), ["db.q", "web.latency.max"]);
        assert_eq!(ix.series_of("web.latency.max").len(), 2);
        assert_eq!(ix.kind(SeriesId(2)), Some(SeriesKind::Gauge));
        assert_eq!(
            ix.get(SeriesId(0)),
            Some(key("web.latency.max", &["env:prod"]))
        );
        ix.truncate(SeriesId(1));
        assert_eq!(ix.find(&parts), None);
        assert_eq!(ix.get(SeriesId(1)), None);
        assert_eq!(ix.kind(SeriesId(1)), None);
        assert_eq!(ix.series_of("db.q"), vec![]);
        assert_eq!(ix.len(), 1);
        let bytes = encode_definition(SeriesId(7), &key("a", &["x", "y:z"]));
        assert_eq!(
            decode_definition(&bytes).unwrap(),
            (SeriesId(7), key("a", &["x", "y:z"]))
        );
    }

    proptest::proptest! {
        /// Interned keys come back as they went in, are found by their parts, and a
        /// truncation forgets exactly the series past it.
        #[test]
        fn keys_round_trip_through_symbols(
            raw in proptest::collection::vec(
                (0u8..6, proptest::collection::btree_set(0u8..8, 0..4), 0u8..3, 0u8..4, 0u64..3),
                1..60,
            ),
            cut in 0usize..60,
        ) {
            let mut ix = Index::default();
            let mut keys: Vec<SeriesKey> = Vec::new();
            for (n, tags, host, kind, interval) in raw {
                let key = SeriesKey {
                    name: format!("m{n}.x"),
                    tags: tags.iter().map(|t| format!("t{}:v{t}", t % 3)).collect(),
                    host: if host == 0 { String::new() } else { format!("h{host}") },
                    kind: SeriesKind::from_code(kind).unwrap(),
                    interval_ms: interval * 10_000,
                };
                if keys.contains(&key) {
                    continue;
                }
                ix.insert(ix.next_id(), &key);
                keys.push(key);
            }
            proptest::prop_assert_eq!(ix.len(), keys.len());
            for (i, k) in keys.iter().enumerate() {
                let id = SeriesId(i as u64);
                proptest::prop_assert_eq!(ix.get(id), Some(k.clone()));
                proptest::prop_assert_eq!(ix.find(&KeyParts::of_key(k)), Some(id));
                proptest::prop_assert_eq!(ix.kind(id), Some(k.kind));
            }
            let cut = cut.min(keys.len());
            ix.truncate(SeriesId(cut as u64));
            proptest::prop_assert_eq!(ix.len(), cut);
            for (i, k) in keys.iter().enumerate() {
                let found = ix.find(&KeyParts::of_key(k));
                proptest::prop_assert_eq!(found, (i < cut).then_some(SeriesId(i as u64)));
            }
            let named: usize = ix.names().map(|n| ix.series_of(n).len()).sum();
            proptest::prop_assert_eq!(named, cut);
        }
    }
}

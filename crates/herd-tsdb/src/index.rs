//! The series index: every series' key by id, ids by key (looked up from a flushed point's
//! parts without building a key), and ids by metric name. It answers "which series does this
//! metric have" without reading a point.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;
use hashbrown::HashTable;
use herd_aggregate::Point;

use crate::codec::{DecodeError, Reader, Writer};
use crate::key::{SeriesId, SeriesKey, SeriesKind};

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
        let mut h = FixedState::with_seed(0x6865_7264).build_hasher();
        // One write for the whole name (a hasher's result depends on how bytes are split).
        if self.suffix.is_empty() {
            h.write(self.name.as_bytes());
        } else {
            h.write(format!("{}{}", self.name, self.suffix).as_bytes());
        }
        h.write_u8(0xff);
        for t in &self.tags {
            h.write(t.as_bytes());
            h.write_u8(0xff);
        }
        h.write(self.host.as_bytes());
        h.write_u8(self.kind.code());
        h.write_u64(self.interval_ms);
        h.finish()
    }

    fn matches(&self, k: &SeriesKey) -> bool {
        k.name.len() == self.name.len() + self.suffix.len()
            && k.name.starts_with(self.name)
            && k.name.ends_with(self.suffix)
            && k.host == self.host
            && k.kind == self.kind
            && k.interval_ms == self.interval_ms
            && k.tags.len() == self.tags.len()
            && k.tags.iter().zip(&self.tags).all(|(a, b)| a == b)
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

/// The index.
#[derive(Debug, Default, Clone)]
pub(crate) struct Index {
    /// Keys by id (`None` for an id whose definition was lost to damage).
    keys: Vec<Option<SeriesKey>>,
    /// Ids, found by the hash of their key.
    by_key: HashTable<u32>,
    /// Ids by metric name.
    by_name: BTreeMap<String, Vec<u32>>,
}

impl Index {
    /// The id of the series with these parts, if known.
    pub(crate) fn find(&self, parts: &KeyParts<'_>) -> Option<SeriesId> {
        let keys = &self.keys;
        self.by_key
            .find(parts.hash(), |&id| {
                keys[id as usize].as_ref().is_some_and(|k| parts.matches(k))
            })
            .map(|&id| SeriesId(u64::from(id)))
    }

    /// The id the next new series gets.
    pub(crate) fn next_id(&self) -> SeriesId {
        SeriesId(self.keys.len() as u64)
    }

    /// Adds a series under `id` (from the series log, or a new one at [`Index::next_id`]).
    /// A known key or id is left as it is.
    pub(crate) fn insert(&mut self, id: SeriesId, key: SeriesKey) {
        let Ok(slot) = u32::try_from(id.0) else {
            return;
        };
        let parts = KeyParts::of_key(&key);
        if self.find(&parts).is_some() {
            return;
        }
        if self.keys.len() <= slot as usize {
            self.keys.resize(slot as usize + 1, None);
        } else if self.keys[slot as usize].is_some() {
            return;
        }
        let hash = parts.hash();
        let keys = &self.keys;
        self.by_key.insert_unique(hash, slot, |&id| {
            keys[id as usize]
                .as_ref()
                .map_or(0, |k| KeyParts::of_key(k).hash())
        });
        self.by_name.entry(key.name.clone()).or_default().push(slot);
        self.keys[slot as usize] = Some(key);
    }

    /// Removes the series at and past `from` (new series whose definition could not be stored).
    pub(crate) fn truncate(&mut self, from: SeriesId) {
        while self.keys.len() as u64 > from.0 {
            let id = self.keys.len() as u32 - 1;
            if let Some(key) = self.keys.pop().flatten() {
                let hash = KeyParts::of_key(&key).hash();
                if let Ok(e) = self.by_key.find_entry(hash, |&i| i == id) {
                    e.remove();
                }
                if let Some(ids) = self.by_name.get_mut(&key.name) {
                    ids.retain(|&i| i != id);
                    if ids.is_empty() {
                        self.by_name.remove(&key.name);
                    }
                }
            }
        }
    }

    /// The key of `id`.
    pub(crate) fn get(&self, id: SeriesId) -> Option<&SeriesKey> {
        self.keys.get(usize::try_from(id.0).ok()?)?.as_ref()
    }

    /// Every metric name, sorted.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The series of one metric.
    pub(crate) fn series_of(&self, name: &str) -> Vec<(SeriesId, SeriesKey)> {
        self.by_name.get(name).map_or_else(Vec::new, |ids| {
            ids.iter()
                .filter_map(|&id| {
                    let id = SeriesId(u64::from(id));
                    Some((id, self.get(id)?.clone()))
                })
                .collect()
        })
    }

    /// Number of series.
    pub(crate) fn len(&self) -> usize {
        self.by_key.len()
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
        ix.insert(SeriesId(0), key("web.latency.max", &["env:prod"]));
        ix.insert(SeriesId(1), key("web.latency.max", &["env:dev"]));
        ix.insert(SeriesId(2), key("db.q", &[]));
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
        ix.truncate(SeriesId(1));
        assert_eq!(ix.find(&parts), None);
        assert_eq!(ix.series_of("db.q"), vec![]);
        assert_eq!(ix.len(), 1);
        let bytes = encode_definition(SeriesId(7), &key("a", &["x", "y:z"]));
        assert_eq!(
            decode_definition(&bytes).unwrap(),
            (SeriesId(7), key("a", &["x", "y:z"]))
        );
    }
}

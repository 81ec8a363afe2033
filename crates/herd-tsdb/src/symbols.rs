//! Interned strings: each distinct metric name, tag and host is stored once, in one text
//! buffer, and named by a small number. Most of them repeat across series (a tag `env:prod`
//! on thousands of series), so a series key becomes a few `u32`s.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// A string's number in a [`Symbols`].
pub(crate) type Symbol = u32;

/// The interned strings.
#[derive(Debug, Default, Clone)]
pub(crate) struct Symbols {
    /// Every string, one after the other.
    text: String,
    /// Each symbol's `(start, end)` in `text`.
    spans: Vec<(u32, u32)>,
    /// Symbols, found by the hash of their string.
    table: HashTable<Symbol>,
}

fn hash(s: &str) -> u64 {
    let mut h = FixedState::with_seed(0x7379_6d73).build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

impl Symbols {
    /// The string of `sym`.
    pub(crate) fn get(&self, sym: Symbol) -> &str {
        let (a, b) = self.spans[sym as usize];
        &self.text[a as usize..b as usize]
    }

    /// The symbol of `s`, if interned.
    pub(crate) fn find(&self, s: &str) -> Option<Symbol> {
        self.table.find(hash(s), |&sym| self.get(sym) == s).copied()
    }

    /// The symbol of `s`, interning it if new. `None` past 4 GiB of text or 4 G strings.
    pub(crate) fn intern(&mut self, s: &str) -> Option<Symbol> {
        if let Some(sym) = self.find(s) {
            return Some(sym);
        }
        let start = u32::try_from(self.text.len()).ok()?;
        let end = u32::try_from(self.text.len() + s.len()).ok()?;
        let sym = Symbol::try_from(self.spans.len()).ok()?;
        self.text.push_str(s);
        self.spans.push((start, end));
        let (text, spans) = (&self.text, &self.spans);
        self.table.insert_unique(hash(s), sym, |&other| {
            let (a, b) = spans[other as usize];
            hash(&text[a as usize..b as usize])
        });
        Some(sym)
    }

    /// Bytes held (text, spans and table, by capacity).
    pub(crate) fn bytes(&self) -> usize {
        self.text.capacity() + self.spans.capacity() * 8 + self.table.capacity() * 5
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_is_stored_once() {
        let mut s = Symbols::default();
        let a = s.intern("env:prod").unwrap();
        let b = s.intern("env:dev").unwrap();
        assert_eq!(s.intern("env:prod"), Some(a));
        assert_ne!(a, b);
        assert_eq!(s.get(a), "env:prod");
        assert_eq!(s.get(b), "env:dev");
        assert_eq!(s.find("env:dev"), Some(b));
        assert_eq!(s.find("env:"), None);
        let e = s.intern("").unwrap();
        assert_eq!(s.get(e), "");
        for i in 0..10_000 {
            s.intern(&format!("host-{i}")).unwrap();
        }
        assert_eq!(s.get(s.find("host-4242").unwrap()), "host-4242");
        assert_eq!(
            s.text.len(),
            "env:prodenv:dev".len()
                + (0..10_000)
                    .map(|i| format!("host-{i}").len())
                    .sum::<usize>()
        );
    }
}

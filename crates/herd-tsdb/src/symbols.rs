//! Interned strings: each distinct metric name, tag and host is stored once, in one text
//! buffer, and named by a small number. Most of them repeat across series (a tag `env:prod`
//! on thousands of series), so a series key becomes a few `u32`s.

use std::hash::{BuildHasher, Hasher};

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// A string's place in a [`Symbols`]' text (where its length is).
pub(crate) type Symbol = u32;

/// Bytes a text page is made with (a longer string gets a page of its own size).
const PAGE: usize = 256 << 10;

/// The interned strings.
///
/// Their text is one virtual run of bytes kept in pages that are never reallocated (one
/// `String` doubling as it grew held up to twice the text, and copied it each time): a page
/// is closed where its last string ends, and the next page starts there. Each string is
/// stored as its length (ASCII, one byte under 64) and its bytes, and its symbol is where it starts: no
/// table of where strings start (8 bytes a string before).
#[derive(Debug, Default, Clone)]
pub(crate) struct Symbols {
    /// The text pages, in order.
    pages: Vec<String>,
    /// Where each page starts in the virtual text.
    page_starts: Vec<u32>,
    /// Bytes of text in all.
    len: u32,
    /// Symbols, found by the hash of their string.
    table: HashTable<Symbol>,
}

fn hash(s: &str) -> u64 {
    let mut h = FixedState::with_seed(0x7379_6d73).build_hasher();
    h.write(s.as_bytes());
    h.finish()
}

/// Pushes `x`, growing `v` by an eighth when full, not by doubling: the index's arrays
/// live as long as the store, so a doubling's slack (a quarter of them on average) is
/// memory held for good; reallocations stay amortised O(1).
pub(crate) fn push_lean<T>(v: &mut Vec<T>, x: T) {
    if v.len() == v.capacity() {
        v.reserve_exact(v.capacity() / 8 + 64);
    }
    v.push(x);
}

impl Symbols {
    /// The string of `sym`.
    pub(crate) fn get(&self, sym: Symbol) -> &str {
        let page = self
            .page_starts
            .partition_point(|&s| s <= sym)
            .saturating_sub(1);
        let Some(bytes) = self.pages.get(page) else {
            return "";
        };
        let mut at = (sym - self.page_starts[page]) as usize;
        let (mut len, mut shift) = (0usize, 0);
        loop {
            let b = bytes.as_bytes()[at];
            at += 1;
            len |= usize::from(b & 0x3f) << shift;
            shift += 6;
            if b & 0x40 == 0 {
                break;
            }
        }
        // Both ends fall next to an ASCII byte: slicing checks them, it does not re-validate.
        &bytes[at..at + len]
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
        // The length in 6-bit groups, low first, 0x40 on all but the last: ASCII, so a page
        // stays a `String` and a string read back needs no UTF-8 check.
        let mut stored = String::with_capacity(s.len() + 6);
        let mut n = s.len();
        while n >= 0x40 {
            stored.push(char::from((n & 0x3f) as u8 | 0x40));
            n >>= 6;
        }
        stored.push(char::from(n as u8));
        stored.push_str(s);
        let sym = self.len;
        let end = u32::try_from(self.len as usize + stored.len()).ok()?;
        let fits = self
            .pages
            .last()
            .is_some_and(|p| p.capacity() - p.len() >= stored.len());
        if !fits {
            // The last page is closed where it ends; the new one starts there.
            push_lean(&mut self.page_starts, sym);
            self.pages
                .push(String::with_capacity(PAGE.max(stored.len())));
        }
        self.pages.last_mut().expect("a page").push_str(&stored);
        self.len = end;
        let mut table = std::mem::take(&mut self.table);
        table.insert_unique(hash(s), sym, |&other| hash(self.get(other)));
        self.table = table;
        Some(sym)
    }

    /// Bytes held (text and table, by capacity).
    pub(crate) fn bytes(&self) -> usize {
        self.pages.iter().map(String::capacity).sum::<usize>()
            + self.page_starts.capacity() * 4
            + self.table.capacity() * 5
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
        // Each string once, after its one-byte length.
        assert_eq!(
            s.len as usize,
            "env:prodenv:dev".len()
                + 3
                + (0..10_000)
                    .map(|i| format!("host-{i}").len() + 1)
                    .sum::<usize>()
        );
    }

    #[test]
    fn strings_across_pages_and_longer_than_a_page_come_back() {
        let mut s = Symbols::default();
        let mut want = Vec::new();
        for i in 0..200_000u32 {
            // Now and then a string longer than a page, and empty ones.
            let text = match i % 50_000 {
                7 => "x".repeat(PAGE + 5),
                8 => String::new(),
                _ => format!("tag-{i}:{}", "v".repeat((i % 13) as usize)),
            };
            want.push((s.intern(&text).unwrap(), text));
        }
        assert!(s.pages.len() > 3, "{}", s.pages.len());
        for (sym, text) in &want {
            assert_eq!(s.get(*sym), text);
            assert_eq!(s.find(text), Some(*sym));
        }
    }
}

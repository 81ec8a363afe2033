//! A flat open-addressing table from 64-bit context keys to ids: one array of `(key, id)`,
//! linear probing, backward-shift deletion. A lookup touches one cache line in the common
//! case, which is what the aggregation hot path pays for at 10k+ contexts.
//!
//! A slot is three `u32`s (the key's halves and the id): 12 bytes, where `(u64, u32)` would
//! take 16 with its padding, a quarter of the table's memory at 100k contexts.

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

/// One slot: key low half, key high half, id.
#[derive(Debug, Clone, Copy)]
struct Slot([u32; 3]);

impl Slot {
    const VACANT: Slot = Slot([0, 0, EMPTY]);

    #[inline]
    fn new(key: u64, id: u32) -> Self {
        Slot([key as u32, (key >> 32) as u32, id])
    }

    #[inline]
    fn key(self) -> u64 {
        u64::from(self.0[0]) | (u64::from(self.0[1]) << 32)
    }

    #[inline]
    fn id(self) -> u32 {
        self.0[2]
    }
}

/// Keys (already well-mixed hashes) to ids.
#[derive(Debug, Clone)]
pub(crate) struct KeyTable {
    slots: Vec<Slot>,
    len: usize,
}

impl Default for KeyTable {
    fn default() -> Self {
        Self {
            slots: vec![Slot::VACANT; 16],
            len: 0,
        }
    }
}

impl KeyTable {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    #[inline]
    pub(crate) fn find(&self, key: u64) -> Option<u32> {
        let mask = self.mask();
        let mut i = key as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.id() == EMPTY {
                return None;
            }
            if slot.key() == key {
                return Some(slot.id());
            }
            i = (i + 1) & mask;
        }
    }

    /// Starts loading the slot where `key` would be.
    #[inline]
    pub(crate) fn prefetch(&self, key: u64) {
        crate::hint::prefetch(&self.slots[key as usize & self.mask()]);
    }

    /// Forgets every key (and gives the memory back).
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Keeps the keys whose id passes `keep` (the table is rebuilt: one pass, no tombstones).
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        let kept: Vec<Slot> = self
            .slots
            .iter()
            .copied()
            .filter(|s| s.id() != EMPTY && keep(s.id()))
            .collect();
        let mut size = 16;
        while (kept.len() + 1) * 2 > size {
            size *= 2;
        }
        self.slots = vec![Slot::VACANT; size];
        self.len = 0;
        for slot in kept {
            self.insert(slot.key(), slot.id());
        }
    }

    /// Inserts a key that is not in the table.
    pub(crate) fn insert(&mut self, key: u64, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = key as usize & mask;
        while self.slots[i].id() != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot::new(key, id);
        self.len += 1;
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::VACANT; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.len = 0;
        for slot in old {
            if slot.id() != EMPTY {
                self.insert(slot.key(), slot.id());
            }
        }
    }

    /// Removes a key; later entries of its probe run shift back so lookups stay correct.
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        let mask = self.mask();
        let mut i = key as usize & mask;
        loop {
            let slot = self.slots[i];
            if slot.id() == EMPTY {
                return false;
            }
            if slot.key() == key {
                break;
            }
            i = (i + 1) & mask;
        }
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let slot = self.slots[j];
            if slot.id() == EMPTY {
                break;
            }
            let home = slot.key() as usize & mask;
            // Move the entry at j into the hole at i unless its home lies in (i, j].
            let stays = if i <= j {
                i < home && home <= j
            } else {
                i < home || home <= j
            };
            if !stays {
                self.slots[i] = self.slots[j];
                i = j;
            }
        }
        self.slots[i] = Slot::VACANT;
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::KeyTable;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn property_test_the_table_agrees_with_a_hash_map(ops in prop::collection::vec((0u64..64, any::<bool>()), 0..400)) {
            // Small keys collide a lot in a small table: probe runs and deletions get exercised.
            let mut table = KeyTable::default();
            let mut model = std::collections::HashMap::new();
            for (n, (key, insert)) in ops.into_iter().enumerate() {
                let key = (key * 16) | (key << 40); // same home slot for many keys; both halves used
                if insert {
                    if let std::collections::hash_map::Entry::Vacant(slot) = model.entry(key) {
                        table.insert(key, n as u32);
                        slot.insert(n as u32);
                    }
                } else {
                    prop_assert_eq!(table.remove(key), model.remove(&key).is_some());
                }
                prop_assert_eq!(table.len(), model.len());
                if n % 50 == 49 {
                    // Now and then keep only the even ids.
                    table.retain(|id| id % 2 == 0);
                    model.retain(|_, id| *id % 2 == 0);
                    prop_assert_eq!(table.len(), model.len());
                }
                for k in 0..64u64 {
                    let key = (k * 16) | (k << 40);
                    prop_assert_eq!(table.find(key), model.get(&key).copied());
                }
            }
        }
    }
}

//! A flat open-addressing table from 64-bit context keys to ids: one array of `(key, id)`,
//! linear probing, backward-shift deletion. A lookup touches one cache line in the common
//! case, which is what the aggregation hot path pays for at 10k+ contexts.

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

/// Keys (already well-mixed hashes) to ids.
#[derive(Debug, Clone)]
pub(crate) struct KeyTable {
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl Default for KeyTable {
    fn default() -> Self {
        Self {
            slots: vec![(0, EMPTY); 16],
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
            let (k, id) = self.slots[i];
            if id == EMPTY {
                return None;
            }
            if k == key {
                return Some(id);
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

    /// Inserts a key that is not in the table.
    pub(crate) fn insert(&mut self, key: u64, id: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = key as usize & mask;
        while self.slots[i].1 != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, id);
        self.len += 1;
    }

    fn grow(&mut self) {
        let doubled = vec![(0, EMPTY); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.len = 0;
        for (k, id) in old {
            if id != EMPTY {
                self.insert(k, id);
            }
        }
    }

    /// Removes a key; later entries of its probe run shift back so lookups stay correct.
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        let mask = self.mask();
        let mut i = key as usize & mask;
        loop {
            let (k, id) = self.slots[i];
            if id == EMPTY {
                return false;
            }
            if k == key {
                break;
            }
            i = (i + 1) & mask;
        }
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let (k, id) = self.slots[j];
            if id == EMPTY {
                break;
            }
            let home = k as usize & mask;
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
        self.slots[i] = (0, EMPTY);
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
                let key = key * 16; // same home slot for many keys
                if insert {
                    if let std::collections::hash_map::Entry::Vacant(slot) = model.entry(key) {
                        table.insert(key, n as u32);
                        slot.insert(n as u32);
                    }
                } else {
                    prop_assert_eq!(table.remove(key), model.remove(&key).is_some());
                }
                prop_assert_eq!(table.len(), model.len());
                for k in 0..64u64 {
                    prop_assert_eq!(table.find(k * 16), model.get(&(k * 16)).copied());
                }
            }
        }
    }
}

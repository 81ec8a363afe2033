//! One head window's series, by id. Series ids are dense (0, 1, 2, … in the order series
//! were first seen), so a window keeps its chunks in pages of [`PAGE`] slots indexed by id,
//! made when an id of the page is first written: no hashing, no stored key, no table
//! growth that copies every chunk (a hash table of 100k chunks held 131,072 buckets of 88
//! bytes and copied itself when it doubled).

use crate::head::Chunk;
use crate::key::SeriesId;

/// Slots a page holds.
const PAGE: usize = 1024;

/// Chunks by series id; a slot whose chunk is empty holds no series.
#[derive(Debug, Default, Clone)]
pub(crate) struct SeriesTable {
    pages: Vec<Option<Box<[Chunk]>>>,
}

fn place(id: SeriesId) -> (usize, usize) {
    let i = usize::try_from(id.0).expect("series ids fit memory");
    (i / PAGE, i % PAGE)
}

impl SeriesTable {
    /// The chunk of `id`, if it has points.
    pub(crate) fn get(&self, id: SeriesId) -> Option<&Chunk> {
        let (page, slot) = place(id);
        let chunk = &self.pages.get(page)?.as_ref()?[slot];
        (!chunk.is_empty()).then_some(chunk)
    }

    /// The chunk of `id`, made empty if it has none.
    pub(crate) fn entry(&mut self, id: SeriesId) -> &mut Chunk {
        let (page, slot) = place(id);
        if self.pages.len() <= page {
            self.pages.resize_with(page + 1, || None);
        }
        &mut self.pages[page].get_or_insert_with(|| vec![Chunk::default(); PAGE].into())[slot]
    }

    /// Every series with points, by increasing id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SeriesId, &Chunk)> {
        self.pages.iter().enumerate().flat_map(|(p, page)| {
            page.iter().flat_map(move |chunks| {
                chunks
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| !c.is_empty())
                    .map(move |(s, c)| (SeriesId((p * PAGE + s) as u64), c))
            })
        })
    }

    /// Bytes of the pages.
    pub(crate) fn bytes(&self) -> usize {
        let pages = self.pages.iter().flatten().count();
        pages * PAGE * std::mem::size_of::<Chunk>() + self.pages.capacity() * 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_found_by_id_and_listed_in_id_order() {
        let mut t = SeriesTable::default();
        assert!(t.get(SeriesId(5)).is_none());
        for id in [70_000u64, 3, 1023, 1024] {
            t.entry(SeriesId(id)).push(
                1_000,
                id as f64,
                SeriesId(id),
                &mut crate::head::Runs::default(),
            );
        }
        // A slot made but never written holds no series.
        let _ = t.entry(SeriesId(4));
        assert!(t.get(SeriesId(4)).is_none());
        assert_eq!(t.get(SeriesId(1023)).map(Chunk::len), Some(1));
        let ids: Vec<u64> = t.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, [3, 1023, 1024, 70_000]);
        // Pages 0, 1 and 68 are made; the others are not.
        assert_eq!(t.pages.iter().flatten().count(), 3);
    }
}

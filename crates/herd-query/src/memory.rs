//! [`MemorySource`]: series held in memory, for tests, examples and benchmarks. It computes
//! buckets from raw points on every read; the store answers the same questions from its
//! blocks and rollups.

use crate::source::{Bucket, SeriesId, SeriesKey, Source};
use herd_aggregate::Sketch;
use std::collections::{BTreeMap, HashMap};

/// Series and their points in memory. Not for production: nothing is bounded or persisted.
#[derive(Debug, Default, Clone)]
pub struct MemorySource {
    series: Vec<Stored>,
    by_key: HashMap<SeriesKey, SeriesId>,
    by_metric: BTreeMap<String, Vec<SeriesId>>,
}

#[derive(Debug, Clone)]
struct Stored {
    key: SeriesKey,
    /// `(time ms, value)`, sorted by time.
    points: Vec<(i64, f64)>,
    /// `(time ms, sketch)`, sorted by time.
    sketches: Vec<(i64, Sketch)>,
}

impl MemorySource {
    /// An empty source.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of the series with this key, adding it if new.
    pub fn add_series(&mut self, key: SeriesKey) -> SeriesId {
        if let Some(&id) = self.by_key.get(&key) {
            return id;
        }
        let id = SeriesId(self.series.len() as u64);
        self.by_metric.entry(key.name.clone()).or_default().push(id);
        self.by_key.insert(key.clone(), id);
        self.series.push(Stored {
            key,
            points: Vec::new(),
            sketches: Vec::new(),
        });
        id
    }

    /// Adds a float point at `time_ms` (any order; a point at an existing time adds another).
    pub fn push(&mut self, id: SeriesId, time_ms: i64, value: f64) {
        let points = &mut self.stored(id).points;
        let i = points.partition_point(|p| p.0 <= time_ms);
        points.insert(i, (time_ms, value));
    }

    /// Adds a distribution point (a sketch) at `time_ms`.
    pub fn push_sketch(&mut self, id: SeriesId, time_ms: i64, sketch: Sketch) {
        let sketches = &mut self.stored(id).sketches;
        let i = sketches.partition_point(|p| p.0 <= time_ms);
        sketches.insert(i, (time_ms, sketch));
    }

    fn stored(&mut self, id: SeriesId) -> &mut Stored {
        &mut self.series[usize::try_from(id.0).expect("an id from add_series")]
    }

    fn get(&self, id: SeriesId) -> Option<&Stored> {
        self.series.get(usize::try_from(id.0).ok()?)
    }
}

/// The slice of a time-sorted list inside `[from, to)`.
fn within<T>(list: &[(i64, T)], from_ms: i64, to_ms: i64) -> &[(i64, T)] {
    let a = list.partition_point(|p| p.0 < from_ms);
    let b = list.partition_point(|p| p.0 < to_ms);
    &list[a..b.max(a)]
}

impl Source for MemorySource {
    fn metric_names(&self) -> Vec<String> {
        self.by_metric.keys().cloned().collect()
    }

    fn series(&self, metric: &str) -> Vec<(SeriesId, SeriesKey)> {
        self.by_metric
            .get(metric)
            .into_iter()
            .flatten()
            .map(|&id| (id, self.series[id.0 as usize].key.clone()))
            .collect()
    }

    fn read_buckets(&self, id: SeriesId, from_ms: i64, to_ms: i64, step_ms: i64) -> Vec<Bucket> {
        let Some(s) = self.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<Bucket> = Vec::new();
        for &(t, v) in within(&s.points, from_ms, to_ms) {
            let start_ms = t.div_euclid(step_ms) * step_ms;
            match out.last_mut() {
                Some(b) if b.start_ms == start_ms => {
                    b.min = b.min.min(v);
                    b.max = b.max.max(v);
                    b.sum += v;
                    b.count += 1;
                }
                _ => out.push(Bucket {
                    start_ms,
                    min: v,
                    max: v,
                    sum: v,
                    count: 1,
                }),
            }
        }
        out
    }

    fn read_sketches(
        &self,
        id: SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<(i64, Sketch)> {
        let Some(s) = self.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<(i64, Sketch)> = Vec::new();
        for (t, sketch) in within(&s.sketches, from_ms, to_ms) {
            let start_ms = t.div_euclid(step_ms) * step_ms;
            match out.last_mut() {
                Some((b, merged)) if *b == start_ms => merged.merge(sketch),
                _ => out.push((start_ms, sketch.clone())),
            }
        }
        out
    }
}

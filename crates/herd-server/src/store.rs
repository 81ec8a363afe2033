//! The embedded store in the daemon: the sink that writes each flush to it, and the adapter
//! through which the query language reads it.

use std::io;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use herd_aggregate::{Flush, Sketch};
use herd_query as query;
use herd_tsdb::Store;

use crate::sink::Sink;
use crate::telemetry::Telemetry;

/// Writes every flush to the store. A flush the store refuses (a full disk) is counted as
/// lost and said once per run of failures; the daemon goes on aggregating, and what was
/// stored before stays intact.
pub struct StoreSink {
    store: Arc<Store>,
    telemetry: Arc<Telemetry>,
    failing: bool,
}

impl StoreSink {
    /// A sink writing to `store` (which syncs its log as its options say).
    pub fn new(store: Arc<Store>, telemetry: Arc<Telemetry>) -> Self {
        Self {
            store,
            telemetry,
            failing: false,
        }
    }
}

impl Sink for StoreSink {
    fn write(&mut self, flush: &Flush) -> io::Result<()> {
        let points = flush.points.len() as u64;
        match self.store.write(flush) {
            Ok(()) => {
                self.telemetry.store_points.fetch_add(points, Relaxed);
                if self.failing {
                    crate::log::info("store: writing again");
                    self.failing = false;
                }
            }
            Err(e) => {
                self.telemetry.store_points_lost.fetch_add(points, Relaxed);
                if !self.failing {
                    let why = if e.is_disk_full() { " (disk full)" } else { "" };
                    crate::log::warn(&format!(
                        "store: a flush of {points} points was not stored{why}: {e}; \
                         aggregation goes on and lost points are counted \
                         (herd_store_points_lost_total)"
                    ));
                    self.failing = true;
                }
            }
        }
        Ok(())
    }

    fn close(&mut self) -> io::Result<()> {
        self.store.sync().map_err(io::Error::other)
    }
}

/// The store as the query language's [`query::Source`].
pub struct StoreSource<'a>(pub &'a Store);

fn kind(k: herd_tsdb::SeriesKind) -> query::SeriesKind {
    match k {
        herd_tsdb::SeriesKind::Gauge => query::SeriesKind::Gauge,
        herd_tsdb::SeriesKind::Rate => query::SeriesKind::Rate,
        herd_tsdb::SeriesKind::Count => query::SeriesKind::Count,
        herd_tsdb::SeriesKind::Sketch => query::SeriesKind::Sketch,
    }
}

impl query::Source for StoreSource<'_> {
    fn metric_names(&self) -> Vec<String> {
        self.0.metric_names()
    }

    fn series(&self, metric: &str) -> Vec<(query::SeriesId, query::SeriesKey)> {
        self.0
            .series(metric)
            .into_iter()
            .map(|(id, k)| {
                let key = query::SeriesKey {
                    name: k.name,
                    tags: k.tags,
                    host: k.host,
                    kind: kind(k.kind),
                    interval_ms: k.interval_ms,
                };
                (query::SeriesId(id.0), key)
            })
            .collect()
    }

    fn read_buckets(
        &self,
        id: query::SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<query::Bucket> {
        self.0
            .read_buckets(herd_tsdb::SeriesId(id.0), from_ms, to_ms, step_ms)
    }

    fn read_buckets_many(
        &self,
        ids: &[query::SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> std::sync::Arc<Vec<Vec<query::Bucket>>> {
        self.0
            .read_buckets_many(&tsdb_ids(ids), from_ms, to_ms, step_ms)
    }

    fn read_sketches(
        &self,
        id: query::SeriesId,
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<(i64, Sketch)> {
        self.0
            .read_sketches(herd_tsdb::SeriesId(id.0), from_ms, to_ms, step_ms)
    }

    fn read_sketches_many(
        &self,
        ids: &[query::SeriesId],
        from_ms: i64,
        to_ms: i64,
        step_ms: i64,
    ) -> Vec<Vec<(i64, Sketch)>> {
        self.0
            .read_sketches_many(&tsdb_ids(ids), from_ms, to_ms, step_ms)
    }
}

fn tsdb_ids(ids: &[query::SeriesId]) -> Vec<herd_tsdb::SeriesId> {
    ids.iter().map(|id| herd_tsdb::SeriesId(id.0)).collect()
}

//! The flush thread: at every interval boundary, take the closed buckets of every shard and
//! hand them, with herd's own figures, to every sink. At shutdown, flush everything.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use herd_aggregate::{Context, Flush, Point, PointKind, Value};
use herd_dogstatsd::MetricType;

use crate::clock::now_ms;
use crate::sink::Sink;
use crate::telemetry::Telemetry;
use crate::worker::Shards;

/// The flush loop's parts.
pub struct Flusher {
    /// Aggregators.
    pub shards: Arc<Shards>,
    /// Destinations.
    pub sinks: Vec<Box<dyn Sink>>,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// Bucket length.
    pub interval_ms: u64,
    /// Host of herd's own metrics.
    pub hostname: String,
    /// Counter values at the last flush, for rates.
    pub last: Vec<u64>,
}

/// Whether a sink's error means its output is gone for good (a closed pipe), so that it is
/// said once and the sink stopped rather than failing at every flush.
fn output_gone(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

impl Flusher {
    /// Flushes at each boundary until `stop` fires (or is dropped), then flushes everything.
    pub fn run(mut self, stop: &Receiver<()>) {
        loop {
            let now = now_ms();
            let next = (now / self.interval_ms + 1) * self.interval_ms;
            match stop.recv_timeout(Duration::from_millis(next - now)) {
                Err(RecvTimeoutError::Timeout) => self.flush_once(false),
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        self.flush_once(true);
        for sink in &mut self.sinks {
            if let Err(e) = sink.close() {
                crate::internal_events::sink_close_failed(&e);
            }
        }
    }

    fn flush_once(&mut self, everything: bool) {
        let started = Instant::now();
        let now = now_ms();
        let mut flush = Flush::default();
        let mut contexts = 0;
        for shard in self.shards.iter() {
            let mut agg = shard.lock().expect("shard lock");
            flush.extend(if everything {
                agg.flush_all(now)
            } else {
                agg.flush(now)
            });
            contexts += agg.contexts();
        }
        self.telemetry.contexts.store(contexts as u64, Relaxed);
        self.add_own_metrics(&mut flush, now, everything);
        let points = flush.points.len();
        self.sinks.retain_mut(|sink| match sink.write(&flush) {
            Ok(()) => true,
            Err(e) if output_gone(&e) => {
                crate::internal_events::sink_output_gone(&e);
                false
            }
            Err(e) => {
                crate::internal_events::sink_failed(points, &e);
                true
            }
        });
        let t = &self.telemetry;
        t.flushes.fetch_add(1, Relaxed);
        t.points.fetch_add(flush.points.len() as u64, Relaxed);
        drop(flush);
        crate::sys::trim_heap();
        t.flush_micros
            .store(started.elapsed().as_micros() as u64, Relaxed);
    }

    /// herd's own figures as `herd.*` points, through the same path as everything else:
    /// at a boundary for the bucket that just closed; at the last flush (`open`), for the
    /// bucket still open, as the application's points of that flush are, so that no series
    /// gets two points at one timestamp.
    fn add_own_metrics(&mut self, flush: &mut Flush, now: u64, open: bool) {
        let interval = self.interval_ms;
        let current = now - now % interval;
        let start = if open {
            current
        } else {
            current.saturating_sub(interval)
        };
        let snapshot = self.telemetry.snapshot();
        self.last.resize(snapshot.len(), 0);
        for (i, (name, value, is_counter)) in snapshot.into_iter().enumerate() {
            let (kind, v) = if is_counter {
                let delta = value.saturating_sub(self.last[i]);
                self.last[i] = value;
                (PointKind::Rate, delta as f64 / (interval as f64 / 1000.0))
            } else {
                (PointKind::Gauge, value as f64)
            };
            let context = Arc::new(Context::new(name, [], &self.hostname, MetricType::Gauge));
            flush.points.push(Point {
                context,
                suffix: Arc::from(""),
                kind,
                interval_ms: interval,
                timestamp_ms: start,
                value: Value::Scalar(v),
            });
        }
    }
}

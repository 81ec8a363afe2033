//! Sinks: where each flush goes. `--emit stdout` writes JSON lines; the embedded store and
//! the forwarders implement the same trait.

use std::io::{self, Write};

use herd_aggregate::{Flush, Point, Value};
use serde_json::{json, Map, Value as Json};

/// Takes every flush, in order, on the flush thread.
pub trait Sink: Send {
    /// Takes one flush.
    fn write(&mut self, flush: &Flush) -> io::Result<()>;
    /// Called once after the last flush.
    fn close(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Seconds as a JSON number: whole when it is whole.
fn seconds(ms: u64) -> Json {
    if ms % 1000 == 0 {
        json!(ms / 1000)
    } else {
        json!(ms as f64 / 1000.0)
    }
}

/// One point as the JSON object `--emit stdout` prints.
pub fn point_json(p: &Point) -> Json {
    let mut o = Map::new();
    o.insert("metric".into(), json!(p.name()));
    o.insert("type".into(), json!(p.kind.as_str()));
    o.insert("interval".into(), seconds(p.interval_ms));
    o.insert("timestamp".into(), seconds(p.timestamp_ms));
    match &p.value {
        Value::Scalar(v) => {
            o.insert("value".into(), json!(v));
        }
        Value::Sketch(s) => {
            o.insert(
                "sketch".into(),
                json!({
                    "count": s.count(), "sum": s.sum(), "min": s.min(), "max": s.max(),
                    "avg": if s.count() > 0 { s.sum() / s.count() as f64 } else { 0.0 },
                    "p50": s.quantile(0.5), "p75": s.quantile(0.75), "p90": s.quantile(0.9),
                    "p95": s.quantile(0.95), "p99": s.quantile(0.99), "bins": s.bins().len(),
                }),
            );
        }
    }
    o.insert("tags".into(), json!(p.context.tags().collect::<Vec<_>>()));
    o.insert("host".into(), json!(p.context.host()));
    Json::Object(o)
}

/// A [`crate::log::SharedWriter`] as a writer (so the log and a sink share one output).
pub struct Shared(pub crate::log::SharedWriter);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .flush()
    }
}

/// JSON lines: one object per point, event and service check.
pub struct JsonLines<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> JsonLines<W> {
    /// Writes to `out`.
    pub fn new(out: W) -> Self {
        Self { out }
    }
}

impl<W: Write + Send> JsonLines<W> {
    /// Writes one object and its newline in one call, so that lines from other writers
    /// sharing the output never land inside it.
    fn line(&mut self, value: &Json) -> io::Result<()> {
        let mut line = serde_json::to_vec(value)?;
        line.push(b'\n');
        self.out.write_all(&line)
    }
}

impl<W: Write + Send> Sink for JsonLines<W> {
    fn write(&mut self, flush: &Flush) -> io::Result<()> {
        for p in &flush.points {
            self.line(&point_json(p))?;
        }
        for e in &flush.events {
            self.line(&json!({"event": {
                "title": e.title, "text": e.text, "timestamp": e.timestamp, "host": e.host,
                "tags": e.tags, "priority": e.priority, "alert_type": e.alert_type,
                "aggregation_key": e.aggregation_key, "source_type": e.source_type,
            }}))?;
        }
        for c in &flush.checks {
            self.line(&json!({"service_check": {
                "name": c.name, "status": c.status, "timestamp": c.timestamp, "host": c.host,
                "tags": c.tags, "message": c.message,
            }}))?;
        }
        self.out.flush()
    }

    fn close(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

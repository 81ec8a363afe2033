//! What a flush hands to sinks: points, events and service checks, owned and resolved.

use std::sync::Arc;

use crate::{Context, Sketch};

/// How a point's value is to be read, as in the Datadog series API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointKind {
    /// A value at a time.
    Gauge,
    /// A per-second rate over `interval` (a store or forwarder gives back counts as
    /// value × interval).
    Rate,
    /// A count over `interval` (`|T` counts, which bypass aggregation).
    Count,
    /// A distribution sketch.
    Sketch,
}

impl PointKind {
    /// `gauge`, `rate`, `count` or `sketch`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gauge => "gauge",
            Self::Rate => "rate",
            Self::Count => "count",
            Self::Sketch => "sketch",
        }
    }
}

/// A point's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// A distribution's sketch.
    Sketch(Box<Sketch>),
}

/// One point of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The series' context (name, tags, host).
    pub context: Arc<Context>,
    /// Appended to the name: `.max`, `.95percentile`, … for histograms; empty otherwise.
    pub suffix: Arc<str>,
    /// How to read the value.
    pub kind: PointKind,
    /// Bucket length in milliseconds (0 for `|T` points).
    pub interval_ms: u64,
    /// Bucket start (or the `|T` time) in milliseconds since the epoch.
    pub timestamp_ms: u64,
    /// The value.
    pub value: Value,
}

impl Point {
    /// The full metric name (context name plus suffix).
    pub fn name(&self) -> String {
        let name = self.context.name();
        let mut n = String::with_capacity(name.len() + self.suffix.len());
        n.push_str(name);
        n.push_str(&self.suffix);
        n
    }

    /// The scalar value, if this is not a sketch.
    pub fn scalar(&self) -> Option<f64> {
        match self.value {
            Value::Scalar(v) => Some(v),
            Value::Sketch(_) => None,
        }
    }
}

/// An event, with host and tags resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Title (newlines unescaped).
    pub title: String,
    /// Text (newlines unescaped).
    pub text: String,
    /// Seconds since the epoch (the event's `d:` or the receive time).
    pub timestamp: i64,
    /// Host.
    pub host: String,
    /// Tags, sorted and de-duplicated.
    pub tags: Vec<String>,
    /// `normal` or `low`.
    pub priority: &'static str,
    /// `error`, `warning`, `info` or `success`.
    pub alert_type: &'static str,
    /// Aggregation key, if any.
    pub aggregation_key: Option<String>,
    /// Source type name, if any.
    pub source_type: Option<String>,
}

/// A service check, with host and tags resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// Check name.
    pub name: String,
    /// 0 ok, 1 warning, 2 critical, 3 unknown.
    pub status: u8,
    /// Seconds since the epoch (the check's `d:` or the receive time).
    pub timestamp: i64,
    /// Host.
    pub host: String,
    /// Tags, sorted and de-duplicated.
    pub tags: Vec<String>,
    /// Message (newlines unescaped).
    pub message: String,
}

/// Everything one flush produces.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Flush {
    /// Metric points.
    pub points: Vec<Point>,
    /// Events received since the last flush.
    pub events: Vec<EventRecord>,
    /// Service checks received since the last flush.
    pub checks: Vec<CheckRecord>,
}

impl Flush {
    /// Adds everything of `other`.
    pub fn extend(&mut self, other: Flush) {
        // The first shard's lists are taken as they are, not copied (at 100k contexts a
        // copy would hold the flush's points twice).
        fn append<T>(to: &mut Vec<T>, from: Vec<T>) {
            if to.is_empty() && from.capacity() >= to.capacity() {
                *to = from;
            } else {
                to.extend(from);
            }
        }
        append(&mut self.points, other.points);
        append(&mut self.events, other.events);
        append(&mut self.checks, other.checks);
    }

    /// Whether nothing was flushed.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty() && self.events.is_empty() && self.checks.is_empty()
    }
}

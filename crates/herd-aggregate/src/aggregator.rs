//! The aggregator: samples in, one bucket per flush interval, points out at flush.
//!
//! Time is always passed in (milliseconds since the epoch), so flush semantics are tested
//! with a controlled clock and the server decides what "now" is.

use std::collections::BTreeMap;
use std::sync::Arc;

use herd_dogstatsd::{Event, Message, Metric, MetricType, ServiceCheck};

use crate::point::{CheckRecord, EventRecord, Flush, Point, PointKind, Value};
use crate::state::{HistogramOutputs, State};
use crate::{AggregateConfig, ContextId, Contexts, HashMap, Sketch};

/// Tags the Agent consumes instead of keeping (origin detection and internal markers).
const CONSUMED_TAG_PREFIXES: [&str; 3] = [
    "dd.internal.entity_id:",
    "dd.internal.card:",
    "dd.internal.jmx_check_name:",
];

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Aggregated (or kept, for events, service checks and `|T` points).
    Aggregated,
    /// Dropped: a new context past the context limit.
    ContextLimit,
}

/// The aggregator of one shard.
pub struct Aggregator {
    config: AggregateConfig,
    contexts: Contexts,
    buckets: BTreeMap<u64, HashMap<ContextId, State>>,
    /// Counter contexts and the start of the last bucket they had samples in.
    counters: HashMap<ContextId, u64>,
    /// Last gauge values, for Etsy deltas across flushes.
    gauges: HashMap<ContextId, f64>,
    timestamped: Vec<Point>,
    events: Vec<EventRecord>,
    checks: Vec<CheckRecord>,
    /// End (exclusive) of the time already flushed.
    flushed_until: Option<u64>,
    aggregate_suffixes: Vec<Arc<str>>,
    percentile_suffixes: Vec<Arc<str>>,
    empty: Arc<str>,
}

impl Aggregator {
    /// A new aggregator.
    pub fn new(config: AggregateConfig) -> Self {
        let (aggregate_suffixes, percentile_suffixes) = config.histogram_suffixes();
        Self {
            contexts: Contexts::new(config.context_limit),
            config,
            buckets: BTreeMap::new(),
            counters: HashMap::default(),
            gauges: HashMap::default(),
            timestamped: Vec::new(),
            events: Vec::new(),
            checks: Vec::new(),
            flushed_until: None,
            aggregate_suffixes,
            percentile_suffixes,
            empty: Arc::from(""),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &AggregateConfig {
        &self.config
    }

    /// Number of live contexts.
    pub fn contexts(&self) -> usize {
        self.contexts.len()
    }

    /// Takes one decoded message received at `now_ms`.
    pub fn insert(&mut self, message: &Message<'_>, now_ms: u64) -> Outcome {
        match message {
            Message::Metric(m) => self.insert_metric(m, now_ms),
            Message::EtsyMulti(multi) => {
                let mut outcome = Outcome::Aggregated;
                for m in multi.metrics() {
                    if self.insert_metric(&m, now_ms) == Outcome::ContextLimit {
                        outcome = Outcome::ContextLimit;
                    }
                }
                outcome
            }
            Message::Event(e) => {
                self.events.push(self.event_record(e, now_ms));
                Outcome::Aggregated
            }
            Message::ServiceCheck(c) => {
                self.checks.push(self.check_record(c, now_ms));
                Outcome::Aggregated
            }
        }
    }

    /// Resolves tags and host: message tags plus the configured ones, `host:` consumed (last
    /// wins), internal tags dropped, sorted and de-duplicated.
    fn resolve_tags<'t>(&'t self, tags: impl Iterator<Item = &'t str>) -> (Vec<&'t str>, &'t str) {
        resolve_tags(&self.config, tags)
    }

    fn insert_metric(&mut self, m: &Metric<'_>, now_ms: u64) -> Outcome {
        let (tags, host) = resolve_tags(&self.config, m.tags.iter());
        let Some(id) = self.contexts.resolve(m.name, &tags, host, m.kind, now_ms) else {
            return Outcome::ContextLimit;
        };
        if let (Some(ts), MetricType::Count | MetricType::Gauge) = (m.timestamp, m.kind) {
            self.insert_timestamped(id, m, ts);
            return Outcome::Aggregated;
        }
        let interval = self.config.interval_ms;
        let start = now_ms - now_ms % interval;
        let etsy_delta = self.config.etsy_gauges && m.explicit_sign && m.kind == MetricType::Gauge;
        let last_gauge = self.gauges.get(&id).copied();
        let bucket = self.buckets.entry(start).or_default();
        let rate = m.rate();
        match m.kind {
            MetricType::Count => {
                let add: f64 = m.values.numbers().map(|v| v / rate).sum();
                match bucket.entry(id).or_insert(State::Counter(0.0)) {
                    State::Counter(sum) => *sum += add,
                    _ => unreachable!("a context has one type"),
                }
                let last = self.counters.entry(id).or_insert(start);
                *last = (*last).max(start);
            }
            MetricType::Gauge => {
                let state = bucket
                    .entry(id)
                    .or_insert(State::Gauge(last_gauge.unwrap_or(0.0)));
                let State::Gauge(current) = state else {
                    unreachable!("a context has one type")
                };
                for v in m.values.numbers() {
                    *current = if etsy_delta { *current + v } else { v };
                }
                if self.config.etsy_gauges {
                    self.gauges.insert(id, *current);
                }
            }
            MetricType::Set => {
                let state = bucket
                    .entry(id)
                    .or_insert_with(|| State::Set(crate::HashSet::default()));
                let (State::Set(members), Some(member)) = (state, m.values.set_member()) else {
                    unreachable!("a context has one type")
                };
                if !members.contains(member) {
                    members.insert(member.into());
                }
            }
            MetricType::Histogram | MetricType::Timer => {
                let state = bucket.entry(id).or_insert(State::Histogram {
                    samples: Vec::new(),
                    sum: 0.0,
                    count: 0,
                });
                for v in m.values.numbers() {
                    state.add_histogram(v, rate);
                }
            }
            MetricType::Distribution => {
                let state = bucket
                    .entry(id)
                    .or_insert_with(|| State::Distribution(Sketch::default()));
                let State::Distribution(sketch) = state else {
                    unreachable!("a context has one type")
                };
                let weight = ((1.0 / rate) as u64).max(1);
                for v in m.values.numbers() {
                    sketch.insert(v, weight);
                }
            }
        }
        Outcome::Aggregated
    }

    /// `|T` gauges and counts bypass aggregation: one point per value, at the given time.
    fn insert_timestamped(&mut self, id: ContextId, m: &Metric<'_>, ts: u64) {
        let context = self.contexts.get(id).clone();
        let kind = if m.kind == MetricType::Count {
            PointKind::Count
        } else {
            PointKind::Gauge
        };
        for v in m.values.numbers() {
            self.timestamped.push(Point {
                context: context.clone(),
                suffix: self.empty.clone(),
                kind,
                interval_ms: 0,
                timestamp_ms: ts.saturating_mul(1000),
                value: Value::Scalar(v),
            });
        }
    }

    fn event_record(&self, e: &Event<'_>, now_ms: u64) -> EventRecord {
        let (tags, host) = self.resolve_tags(e.tags.iter());
        EventRecord {
            title: e.title.unescape().into_owned(),
            text: e.text.unescape().into_owned(),
            timestamp: e.timestamp.unwrap_or((now_ms / 1000) as i64),
            host: e.hostname.unwrap_or(host).to_owned(),
            tags: tags.into_iter().map(str::to_owned).collect(),
            priority: e.priority().as_str(),
            alert_type: e.alert_type().as_str(),
            aggregation_key: e.aggregation_key.map(str::to_owned),
            source_type: e.source_type.map(str::to_owned),
        }
    }

    fn check_record(&self, c: &ServiceCheck<'_>, now_ms: u64) -> CheckRecord {
        let (tags, host) = self.resolve_tags(c.tags.iter());
        CheckRecord {
            name: c.name.to_owned(),
            status: c.status.code(),
            timestamp: c.timestamp.unwrap_or((now_ms / 1000) as i64),
            host: c.hostname.unwrap_or(host).to_owned(),
            tags: tags.into_iter().map(str::to_owned).collect(),
            message: c
                .message
                .map(|m| m.unescape().into_owned())
                .unwrap_or_default(),
        }
    }

    /// Flushes every bucket closed at `now_ms` (those ending at or before it), idle counters'
    /// zeros, `|T` points, events and checks; then expires idle contexts.
    pub fn flush(&mut self, now_ms: u64) -> Flush {
        let interval = self.config.interval_ms;
        let closed_end = now_ms - now_ms % interval;
        let mut flush = self.take_kept();
        let open = self.buckets.split_off(&closed_end);
        let closed = std::mem::replace(&mut self.buckets, open);
        // Every bucket start from the last flush to now, so idle counters get their zeros.
        let first = match self.flushed_until {
            Some(until) => {
                until.max(closed_end.saturating_sub(self.config.counter_expiry_ms + interval))
            }
            None => closed.keys().next().copied().unwrap_or(closed_end),
        };
        let mut starts: Vec<u64> = (first..closed_end).step_by(interval as usize).collect();
        starts.extend(closed.keys().filter(|&&s| s < first));
        starts.sort_unstable();
        let mut closed = closed;
        let already = self.flushed_until.unwrap_or(0);
        for start in starts {
            let bucket = closed.remove(&start).unwrap_or_default();
            // Late samples for a bucket already flushed go out, without a second set of zeros.
            self.flush_bucket(start, bucket, start >= already, &mut flush.points);
        }
        self.flushed_until = Some(self.flushed_until.unwrap_or(0).max(closed_end));
        self.expire(now_ms);
        flush
    }

    /// Flushes everything, open buckets included (at shutdown: nothing is lost).
    pub fn flush_all(&mut self, now_ms: u64) -> Flush {
        let mut flush = self.flush(now_ms);
        let open = std::mem::take(&mut self.buckets);
        for (start, bucket) in open {
            self.flush_bucket(start, bucket, false, &mut flush.points);
        }
        flush
    }

    fn take_kept(&mut self) -> Flush {
        Flush {
            points: std::mem::take(&mut self.timestamped),
            events: std::mem::take(&mut self.events),
            checks: std::mem::take(&mut self.checks),
        }
    }

    fn flush_bucket(
        &mut self,
        start: u64,
        mut bucket: HashMap<ContextId, State>,
        zeros: bool,
        points: &mut Vec<Point>,
    ) {
        let interval = self.config.interval_ms;
        if zeros {
            for (&id, &last) in &self.counters {
                if last < start && start - last <= self.config.counter_expiry_ms {
                    bucket.entry(id).or_insert(State::Counter(0.0));
                }
            }
        }
        let hist = HistogramOutputs {
            aggregates: &self.config.histogram_aggregates,
            aggregate_suffixes: &self.aggregate_suffixes,
            percentiles: &self.config.histogram_percentiles,
            percentile_suffixes: &self.percentile_suffixes,
        };
        let interval_s = interval as f64 / 1000.0;
        let mut outputs = Vec::new();
        for (id, state) in bucket {
            let context = self.contexts.get(id);
            state.outputs(interval_s, &hist, &mut outputs);
            for (suffix, kind, value) in outputs.drain(..) {
                points.push(Point {
                    context: context.clone(),
                    suffix,
                    kind,
                    interval_ms: interval,
                    timestamp_ms: start,
                    value,
                });
            }
        }
    }

    /// Forgets idle contexts: counters after their zero-reporting window, others after the
    /// context expiry (never while a bucket may still hold them).
    fn expire(&mut self, now_ms: u64) {
        let interval = self.config.interval_ms;
        let ttl = self.config.context_expiry_ms.max(2 * interval);
        let counter_ttl = self.config.counter_expiry_ms + 2 * interval;
        let counters = &mut self.counters;
        let gauges = &mut self.gauges;
        let open_from = self.buckets.keys().next().copied().unwrap_or(u64::MAX);
        self.contexts.retain(|id, context, last_seen| {
            let ttl = if context.kind == MetricType::Count {
                counter_ttl
            } else {
                ttl
            };
            let keep = last_seen + ttl > now_ms || last_seen >= open_from;
            if !keep {
                counters.remove(&id);
                gauges.remove(&id);
            }
            keep
        });
    }
}

/// Resolves tags and host: message tags plus the configured ones, `host:` consumed (last
/// wins), internal tags dropped, sorted and de-duplicated.
fn resolve_tags<'t>(
    config: &'t AggregateConfig,
    tags: impl Iterator<Item = &'t str>,
) -> (Vec<&'t str>, &'t str) {
    let mut host = config.hostname.as_str();
    let mut out: Vec<&str> = Vec::with_capacity(8 + config.extra_tags.len());
    for tag in tags.chain(config.extra_tags.iter().map(String::as_str)) {
        if let Some(h) = tag.strip_prefix("host:") {
            host = h;
        } else if !CONSUMED_TAG_PREFIXES.iter().any(|p| tag.starts_with(p)) {
            out.push(tag);
        }
    }
    out.sort_unstable();
    out.dedup();
    (out, host)
}

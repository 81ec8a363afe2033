//! The aggregator: samples in, one bucket per flush interval, points out at flush.
//!
//! Time is always passed in (milliseconds since the epoch), so flush semantics are tested
//! with a controlled clock and the server decides what "now" is.

use std::collections::BTreeMap;
use std::sync::Arc;

use herd_dogstatsd::{EtsyMulti, Event, Message, Metric, MetricType, ServiceCheck};

use crate::bucket::Bucket;
use crate::point::{CheckRecord, EventRecord, Flush, Point, PointKind, Value};
use crate::resolve::{resolve_tags, Resolution, Resolver};
use crate::state::{HistogramOutputs, State};
use crate::{AggregateConfig, ContextId};

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
    /// Contexts, and the cache of wire forms that leads to them.
    resolver: Resolver,
    buckets: BTreeMap<u64, Bucket>,
    /// Per counter context: 1 + the start of the last bucket it had samples in (0: none).
    counters: Vec<u64>,
    /// Per gauge context: the last value, for Etsy deltas across flushes (empty unless
    /// `etsy_gauges`).
    gauges: Vec<Option<f64>>,
    /// Context keys of the batch being inserted (reused).
    keys: Vec<u64>,
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
            resolver: Resolver::new(config.context_limit),
            config,
            buckets: BTreeMap::new(),
            counters: Vec::new(),
            gauges: Vec::new(),
            keys: Vec::new(),
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
        self.resolver.contexts.len()
    }

    /// Takes one decoded message received at `now_ms`.
    pub fn insert(&mut self, message: &Message<'_>, now_ms: u64) -> Outcome {
        match message {
            Message::Metric(m) => {
                let mut bucket = self.take_bucket(now_ms);
                let outcome = self.insert_metric(&mut bucket, m, now_ms);
                self.put_bucket(now_ms, bucket);
                outcome
            }
            Message::EtsyMulti(multi) => {
                let mut bucket = self.take_bucket(now_ms);
                let outcome = self.insert_multi(&mut bucket, multi, now_ms);
                self.put_bucket(now_ms, bucket);
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

    /// Takes the messages of one batch received at `now_ms`; returns how many were
    /// aggregated (or kept) and how many dropped at the context limit.
    ///
    /// Same result as [`Aggregator::insert`] on each, but faster: the wire keys of the
    /// whole batch are computed first and their table slots prefetched, then the states of
    /// the known contexts, so the lookups that follow overlap their cache misses instead of
    /// waiting for each in turn.
    pub fn insert_batch(&mut self, messages: &[Message<'_>], now_ms: u64) -> (u64, u64) {
        let mut keys = std::mem::take(&mut self.keys);
        keys.clear();
        for m in messages {
            if let Message::Metric(m) = m {
                let key = self.resolver.wire_key(m);
                self.resolver.prefetch(key);
                keys.push(key);
            }
        }
        // Then the states of the contexts already known (the table slots are arriving).
        let mut bucket = self.take_bucket(now_ms);
        for &key in &keys {
            if let Some(id) = self.resolver.cached(key) {
                bucket.prefetch(id);
            }
        }
        let (mut ok, mut dropped) = (0, 0);
        let mut next_key = keys.iter();
        for m in messages {
            let outcome = match m {
                Message::Metric(m) => {
                    let key = *next_key.next().expect("one key per metric");
                    self.insert_keyed(&mut bucket, m, key, now_ms)
                }
                Message::EtsyMulti(multi) => self.insert_multi(&mut bucket, multi, now_ms),
                other => self.insert(other, now_ms),
            };
            match outcome {
                Outcome::Aggregated => ok += 1,
                Outcome::ContextLimit => dropped += 1,
            }
        }
        self.put_bucket(now_ms, bucket);
        self.keys = keys;
        (ok, dropped)
    }

    /// The bucket `now_ms` falls in, taken out of the map while a batch goes into it (one
    /// lookup per batch instead of one per message).
    fn take_bucket(&mut self, now_ms: u64) -> Bucket {
        let start = now_ms - now_ms % self.config.interval_ms;
        self.buckets.remove(&start).unwrap_or_default()
    }

    /// Puts back what [`Aggregator::take_bucket`] took (nothing, if it stayed empty).
    fn put_bucket(&mut self, now_ms: u64, bucket: Bucket) {
        if !bucket.is_empty() {
            let start = now_ms - now_ms % self.config.interval_ms;
            self.buckets.insert(start, bucket);
        }
    }

    /// Each group of an Etsy multi-metric line; dropped at the limit if any group was.
    fn insert_multi(&mut self, bucket: &mut Bucket, multi: &EtsyMulti<'_>, now_ms: u64) -> Outcome {
        let mut outcome = Outcome::Aggregated;
        for m in multi.metrics() {
            if self.insert_metric(bucket, &m, now_ms) == Outcome::ContextLimit {
                outcome = Outcome::ContextLimit;
            }
        }
        outcome
    }

    fn insert_metric(&mut self, bucket: &mut Bucket, m: &Metric<'_>, now_ms: u64) -> Outcome {
        let key = self.resolver.wire_key(m);
        self.insert_keyed(bucket, m, key, now_ms)
    }

    /// The context id of a metric whose wire key is `wire_key`; a new context starts with
    /// no counter history and no Etsy gauge value. `None` at the context limit.
    #[inline]
    fn id_of(&mut self, m: &Metric<'_>, wire_key: u64, now_ms: u64) -> Option<ContextId> {
        match self.resolver.resolve(&self.config, m, wire_key, now_ms) {
            Resolution::Known(id) => Some(id),
            Resolution::Full => None,
            Resolution::New(id) => {
                let bound = self.resolver.contexts.id_bound();
                if self.counters.len() < bound {
                    self.counters.resize(bound, 0);
                    if self.config.etsy_gauges {
                        self.gauges.resize(bound, None);
                    }
                }
                self.counters[id as usize] = 0;
                if let Some(g) = self.gauges.get_mut(id as usize) {
                    *g = None;
                }
                Some(id)
            }
        }
    }

    fn insert_keyed(
        &mut self,
        bucket: &mut Bucket,
        m: &Metric<'_>,
        wire_key: u64,
        now_ms: u64,
    ) -> Outcome {
        let Some(id) = self.id_of(m, wire_key, now_ms) else {
            return Outcome::ContextLimit;
        };
        if let (Some(ts), MetricType::Count | MetricType::Gauge) = (m.timestamp, m.kind) {
            self.insert_timestamped(id, m, ts);
            return Outcome::Aggregated;
        }
        let etsy = self.config.etsy_gauges;
        let etsy_delta = etsy && m.explicit_sign && m.kind == MetricType::Gauge;
        let rate = m.rate();
        let i = id as usize;
        match m.kind {
            MetricType::Count => {
                let add: f64 = m.values.numbers().map(|v| v / rate).sum();
                // The counter's last bucket with samples is noted when the bucket is flushed.
                if let State::Counter(sum) = bucket.state(id, || State::Counter(0.0)) {
                    *sum += add;
                }
            }
            MetricType::Gauge => {
                let gauges = &self.gauges;
                if let State::Gauge(current) = bucket.state(id, || {
                    State::Gauge(gauges.get(i).copied().flatten().unwrap_or(0.0))
                }) {
                    for v in m.values.numbers() {
                        *current = if etsy_delta { *current + v } else { v };
                    }
                    if etsy {
                        self.gauges[i] = Some(*current);
                    }
                }
            }
            MetricType::Set => {
                let state = bucket.state(id, || State::Set(Box::default()));
                if let (State::Set(members), Some(member)) = (state, m.values.set_member()) {
                    if !members.contains(member) {
                        members.insert(member.into());
                    }
                }
            }
            MetricType::Histogram | MetricType::Timer => {
                let state = bucket.state(id, || State::Histogram(Box::default()));
                for v in m.values.numbers() {
                    state.add_histogram(v, rate);
                }
            }
            MetricType::Distribution => {
                if let State::Distribution(sketch) =
                    bucket.state(id, || State::Distribution(Box::default()))
                {
                    let weight = ((1.0 / rate) as u64).max(1);
                    for v in m.values.numbers() {
                        sketch.insert(v, weight);
                    }
                }
            }
        }
        Outcome::Aggregated
    }

    /// `|T` gauges and counts bypass aggregation: one point per value, at the given time.
    fn insert_timestamped(&mut self, id: ContextId, m: &Metric<'_>, ts: u64) {
        self.resolver.contexts.touch(id, ts.saturating_mul(1000));
        let context = self.resolver.contexts.get(id).clone();
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
        let (tags, host) = resolve_tags(&self.config, e.tags.iter());
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
        let (tags, host) = resolve_tags(&self.config, c.tags.iter());
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
        mut bucket: Bucket,
        zeros: bool,
        points: &mut Vec<Point>,
    ) {
        let interval = self.config.interval_ms;
        // Counters with samples here: this is now their last bucket with samples (noted
        // here rather than per sample, and before the zeros, which are not samples).
        for (id, state) in bucket.states() {
            if let State::Counter(_) = state {
                let last = &mut self.counters[id as usize];
                *last = (*last).max(start + 1);
            }
        }
        if zeros {
            for (id, &last) in self.counters.iter().enumerate() {
                // `last` is 1 + the start of the counter's last bucket with samples.
                if last != 0
                    && last - 1 < start
                    && start - (last - 1) <= self.config.counter_expiry_ms
                {
                    let id = id as ContextId;
                    if !bucket.contains(id) {
                        bucket.state(id, || State::Counter(0.0));
                    }
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
        let states = bucket.into_states();
        // Most states give one point: sized once, the list does not double (and copy) its way
        // up to 100k points during the flush, the daemon's memory peak. The headroom takes
        // the flusher's own figures (`herd.*`, about 30) without a doubling either.
        points.reserve(states.len() + 64);
        for (id, state) in states {
            self.resolver.contexts.touch(id, start);
            let context = self.resolver.contexts.get(id);
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
        let buckets = &self.buckets;
        self.resolver.retain(|id, context, last_seen| {
            let ttl = if context.kind == MetricType::Count {
                counter_ttl
            } else {
                ttl
            };
            // Contexts are marked seen when their bucket is flushed: one in an open bucket
            // is in use whatever its mark says.
            let keep = last_seen + ttl > now_ms || buckets.values().any(|b| b.contains(id));
            if !keep {
                counters[id as usize] = 0;
                if let Some(g) = gauges.get_mut(id as usize) {
                    *g = None;
                }
            }
            keep
        });
    }
}

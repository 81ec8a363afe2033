//! Workers: decode each batch and aggregate it into the shards.
//!
//! Messages are routed to a shard by metric name, so a context lives in exactly one shard
//! and flush needs no merging; each shard is locked once per batch.

use std::hash::BuildHasher;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use herd_aggregate::Aggregator;
use herd_dogstatsd::{decode, DecodeError, ErrorKind, Limits, Message};

use crate::batch::{Batch, Pool};
use crate::log::RateLimited;
use crate::telemetry::Telemetry;

/// The aggregators, one per worker.
pub struct Shards {
    shards: Vec<Mutex<Aggregator>>,
    hasher: foldhash::fast::FixedState,
}

impl Shards {
    /// `n` shards with the same configuration.
    pub fn new(n: usize, config: &herd_aggregate::AggregateConfig) -> Self {
        Self {
            shards: (0..n.max(1))
                .map(|_| Mutex::new(Aggregator::new(config.clone())))
                .collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x6865_7264),
        }
    }

    /// The shards.
    pub fn iter(&self) -> impl Iterator<Item = &Mutex<Aggregator>> {
        self.shards.iter()
    }

    fn route(&self, message: &Message<'_>) -> usize {
        if self.shards.len() == 1 {
            return 0;
        }
        let name = match message {
            Message::Metric(m) => m.name,
            Message::EtsyMulti(m) => m.name,
            Message::Event(_) | Message::ServiceCheck(_) => "",
        };
        (self.hasher.hash_one(name) % self.shards.len() as u64) as usize
    }
}

/// What a worker needs.
pub struct Worker {
    /// Its queue.
    pub queue: Receiver<Batch>,
    /// Where it aggregates.
    pub shards: Arc<Shards>,
    /// Counters.
    pub telemetry: Arc<Telemetry>,
    /// Buffers go back here.
    pub pool: Arc<Pool>,
    /// Decoder limits.
    pub limits: Limits,
    /// Parse error log budget.
    pub errors_log: Arc<RateLimited>,
}

fn kind_index(message: &Message<'_>) -> usize {
    match message {
        Message::Metric(_) | Message::EtsyMulti(_) => 0,
        Message::Event(_) => 1,
        Message::ServiceCheck(_) => 2,
    }
}

fn error_kind_index(e: &DecodeError) -> usize {
    if e.excerpt.starts_with("_e{") {
        1
    } else if e.excerpt.starts_with("_sc|") {
        2
    } else {
        0
    }
}

impl Worker {
    /// Runs until every listener has gone and the queue is empty.
    pub fn run(self) {
        for batch in &self.queue {
            self.process(&batch);
            self.pool.put(batch);
        }
    }

    fn process(&self, batch: &Batch) {
        let t = &self.telemetry;
        let mut lists: Vec<Vec<Message<'_>>> = Vec::new();
        lists.resize_with(self.shards.shards.len(), Vec::new);
        for datagram in batch.datagrams() {
            for result in decode(datagram, &self.limits) {
                match result {
                    Ok(m) => {
                        t.messages_ok[kind_index(&m)].fetch_add(1, Relaxed);
                        let trunc = match &m {
                            Message::Metric(x) => x.truncation,
                            Message::EtsyMulti(x) => x.truncation,
                            Message::Event(x) => x.truncation,
                            Message::ServiceCheck(x) => x.truncation,
                        };
                        for (flag, counter) in [trunc.name, trunc.tag_count, trunc.tag_len]
                            .iter()
                            .zip(&t.truncations)
                        {
                            if *flag {
                                counter.fetch_add(1, Relaxed);
                            }
                        }
                        lists[self.shards.route(&m)].push(m);
                    }
                    Err(e) => {
                        t.messages_error[error_kind_index(&e)].fetch_add(1, Relaxed);
                        if matches!(
                            e.kind,
                            ErrorKind::NameTooLong { .. }
                                | ErrorKind::TooManyTags { .. }
                                | ErrorKind::TagTooLong { .. }
                        ) {
                            t.oversize_rejected.fetch_add(1, Relaxed);
                        }
                        self.errors_log.warn(|| {
                            format!(
                                "{} listener: dropped a message: {e}",
                                batch.listener.as_str()
                            )
                        });
                    }
                }
            }
        }
        t.listener(batch.listener)
            .decoded
            .fetch_add(batch.spans.len() as u64, Relaxed);
        for (shard, list) in self.shards.shards.iter().zip(&mut lists) {
            if list.is_empty() {
                continue;
            }
            let mut agg = shard.lock().expect("shard lock");
            let (ok, dropped) = agg.insert_batch(list, batch.received_ms);
            drop(agg);
            list.clear();
            t.aggregated.fetch_add(ok, Relaxed);
            t.context_limit.fetch_add(dropped, Relaxed);
        }
    }
}

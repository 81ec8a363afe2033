//! Workers: decode each batch and aggregate it into the shards.
//!
//! Messages are routed to a shard by metric name, so a context lives in exactly one shard
//! and flush needs no merging; each shard is locked once per batch.

use std::hash::BuildHasher;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use herd_aggregate::Aggregator;
use herd_dogstatsd::{decode, ErrorKind, Limits, Message};

use crate::batch::{Batch, Pool};
use crate::log::RateLimited;
use crate::telemetry::{Cut, Telemetry};

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

/// Messages handed to a shard at once (bounds a list's memory and the time a shard is locked).
const CHUNK: usize = 512;

/// What one batch did, counted locally and added to the shared counters once per batch (an
/// atomic add per message would cost more than decoding a bare counter).
#[derive(Default)]
struct Tally {
    /// By [`herd_dogstatsd::MessageKind::index`].
    ok: [u64; 3],
    /// By [`herd_dogstatsd::MessageKind::index`].
    error: [u64; 3],
    oversize: u64,
    /// By [`Cut`].
    truncations: [u64; 3],
    aggregated: u64,
    context_limit: u64,
}

impl Tally {
    fn publish(&self, t: &Telemetry) {
        let pairs = self.ok.iter().zip(&t.messages_ok);
        let pairs = pairs.chain(self.error.iter().zip(&t.messages_error));
        let pairs = pairs.chain(self.truncations.iter().zip(&t.truncations));
        let pairs = pairs.chain([
            (&self.oversize, &t.oversize_rejected),
            (&self.aggregated, &t.aggregated),
            (&self.context_limit, &t.context_limit),
        ]);
        for (&n, counter) in pairs {
            if n > 0 {
                counter.fetch_add(n, Relaxed);
            }
        }
    }
}

/// Gives an empty list of one lifetime the allocation of an empty list of another (the
/// in-place `collect` keeps the buffer: both element types have the same layout), so the
/// per-shard lists are allocated once per worker, not once per batch.
fn recycle<'b>(list: Vec<Message<'_>>) -> Vec<Message<'b>> {
    debug_assert!(list.is_empty());
    list.into_iter().map(|_| unreachable!("empty")).collect()
}

impl Worker {
    /// Runs until every listener has gone and the queue is empty.
    pub fn run(self) {
        let mut spare: Vec<Vec<Message<'static>>> = (0..self.shards.shards.len())
            .map(|_| Vec::with_capacity(CHUNK))
            .collect();
        for batch in &self.queue {
            spare = self.process(&batch, spare);
            self.pool.put(batch);
        }
    }

    /// Decodes a batch and aggregates it; takes and gives back the (empty) per-shard lists.
    fn process(
        &self,
        batch: &Batch,
        spare: Vec<Vec<Message<'static>>>,
    ) -> Vec<Vec<Message<'static>>> {
        let mut lists: Vec<Vec<Message<'_>>> = spare.into_iter().map(recycle).collect();
        let mut tally = Tally::default();
        for datagram in batch.datagrams() {
            for result in decode(datagram, &self.limits) {
                match result {
                    Ok(m) => {
                        tally.ok[m.kind().index()] += 1;
                        let trunc = match &m {
                            Message::Metric(x) => x.truncation,
                            Message::EtsyMulti(x) => x.truncation,
                            Message::Event(x) => x.truncation,
                            Message::ServiceCheck(x) => x.truncation,
                        };
                        tally.truncations[Cut::Name as usize] += u64::from(trunc.name);
                        tally.truncations[Cut::TagCount as usize] += u64::from(trunc.tag_count);
                        tally.truncations[Cut::TagLen as usize] += u64::from(trunc.tag_len);
                        let shard = self.shards.route(&m);
                        lists[shard].push(m);
                        if lists[shard].len() == CHUNK {
                            self.aggregate(shard, &mut lists[shard], batch, &mut tally);
                        }
                    }
                    Err(e) => {
                        tally.error[e.message_kind.index()] += 1;
                        if matches!(
                            e.kind,
                            ErrorKind::NameTooLong { .. }
                                | ErrorKind::TooManyTags { .. }
                                | ErrorKind::TagTooLong { .. }
                        ) {
                            tally.oversize += 1;
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
        for (shard, list) in lists.iter_mut().enumerate() {
            self.aggregate(shard, list, batch, &mut tally);
        }
        tally.publish(&self.telemetry);
        self.telemetry
            .listener(batch.listener)
            .decoded
            .fetch_add(batch.spans.len() as u64, Relaxed);
        lists.into_iter().map(recycle).collect()
    }

    /// Hands a shard its list (emptied).
    fn aggregate(
        &self,
        shard: usize,
        list: &mut Vec<Message<'_>>,
        batch: &Batch,
        tally: &mut Tally,
    ) {
        if list.is_empty() {
            return;
        }
        let mut agg = self.shards.shards[shard].lock().expect("shard lock");
        let (ok, dropped) = agg.insert_batch(list, batch.received_ms);
        drop(agg);
        list.clear();
        tally.aggregated += ok;
        tally.context_limit += dropped;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn recycling_a_list_keeps_its_allocation() {
        let list: Vec<herd_dogstatsd::Message<'static>> = Vec::with_capacity(super::CHUNK);
        let ptr = list.as_ptr() as usize;
        let back = super::recycle(list);
        assert_eq!(
            (back.as_ptr() as usize, back.capacity()),
            (ptr, super::CHUNK)
        );
    }
}

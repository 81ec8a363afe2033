//! DogStatsD aggregation with the Datadog Agent's semantics.
//!
//! Decoded messages go in ([`Aggregator::insert`]) with their receive time; each flush
//! ([`Aggregator::flush`]) hands out the points of every closed bucket as a [`Flush`] that
//! stores and forwarders take as they are.
//!
//! | type | inside a bucket | emitted |
//! |---|---|---|
//! | `c` | sum of `v / rate` | rate = sum ÷ interval; then 0 while idle, for `counter_expiry_ms` |
//! | `g` | last value (Etsy deltas on request) | gauge |
//! | `s` | distinct members | gauge = number of members |
//! | `h`, `ms` | samples weighted `int(1/rate)` | `.max .median .avg .count .95percentile` (configurable); `.count` a rate |
//! | `d` | a [`Sketch`] with the Agent's parameters, samples counted `1/rate` times | sketch |
//! | `c`, `g` with `\|T` | not aggregated | count / gauge at the given time |
//!
//! A context is the name, sorted and de-duplicated tags, host and type; a `host:` tag sets the
//! host and is consumed. Points carry the bucket start.

#![deny(missing_docs)]

mod aggregator;
mod bucket;
mod config;
mod context;
mod hint;
mod key_table;
mod point;
mod resolve;
pub mod sketch;
mod state;
mod summary;

pub use aggregator::{Aggregator, Outcome};
pub use config::{parse_percentile, AggregateConfig, HistogramAggregate};
pub use context::{Context, ContextId, ContextTags, Contexts, KeyHasher};
pub use point::{CheckRecord, EventRecord, Flush, Point, PointKind, Value};
pub use sketch::Sketch;
pub use summary::Summary;

/// Hash sets of strings: a fast hasher with a random seed.
pub(crate) type HashSet<T> = hashbrown::HashSet<T, foldhash::fast::RandomState>;

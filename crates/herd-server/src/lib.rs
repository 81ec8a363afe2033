//! The herd metrics daemon. The data path reads top to bottom:
//!
//! ```text
//! socket ─▶ listener (recvmmsg / frames / lines) ─▶ batch ─▶ worker queue (bounded; full = counted drop)
//!        ─▶ worker: decode (herd-dogstatsd) ─▶ route by name ─▶ shard: aggregate (herd-aggregate)
//!        ─▶ flush thread: closed buckets at each boundary ─▶ sinks (stdout JSON; store and forwarders next)
//! ```
//!
//! Listeners never decode and never wait for workers; each listener and connection is its
//! own thread; a shutdown drains every stage in that order and flushes open buckets too.

#![deny(missing_docs)]

pub mod batch;
pub mod blast;
pub mod client;
pub mod config;
pub mod daemon;
pub mod flush;
pub mod http;
pub mod listener;
pub mod log;
pub mod sink;
pub mod store;
pub mod sys;
pub mod telemetry;
pub mod terminal;
pub mod worker;

pub use config::{ServerConfig, Source};
pub use daemon::{start, BindError, Bound, Running, StartError};
pub use sink::{JsonLines, Sink};
pub use telemetry::Telemetry;

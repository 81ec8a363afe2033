//! The herd metrics daemon. The data path reads top to bottom:
//!
//! ```text
//! socket ─▶ listener (recvmmsg / frames / lines) ─▶ batch ─▶ worker queue (bounded)
//!        ─▶ worker: decode (herd-dogstatsd) ─▶ route by name ─▶ shard: aggregate (herd-aggregate)
//!        ─▶ flush thread: closed buckets at each boundary ─▶ sinks: the store (herd-tsdb),
//!           stdout JSON, forwarders
//! store ─▶ http: /api/v1/query (herd-query) and the rest of the API; /metrics (telemetry)
//! ```
//!
//! Listeners never decode. A full worker queue makes Unix socket and TCP readers wait (the
//! kernel then pushes back on the sender) or, over UDP, is a counted drop. Each listener and
//! connection is its own thread; a shutdown drains every stage in that order and flushes open
//! buckets too.
//!
//! Public for the CLI: [`config`] (every setting, declared once), [`start`], [`sink`],
//! [`store`], [`client`] and [`terminal`] (for `herd query` and `herd store`), [`log`],
//! [`sys`], [`telemetry`], [`blast`] and [`clock`].

#![deny(missing_docs)]

pub(crate) mod batch;
pub mod blast;
pub mod client;
pub mod clock;
pub mod config;
pub(crate) mod daemon;
pub(crate) mod flush;
pub mod forward;
pub(crate) mod http;
mod internal_events;
pub(crate) mod listener;
pub mod log;
pub mod ready;
pub mod sink;
pub mod store;
pub mod sys;
pub mod telemetry;
pub mod terminal;
pub(crate) mod worker;

pub use config::{ServerConfig, Source};
pub use daemon::{start, BindError, Bound, Running, StartError};
pub use sink::{JsonLines, Sink};
pub use telemetry::Telemetry;

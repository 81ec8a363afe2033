//! `herd-query`: Datadog's metric query language.
//!
//! [`parse`] turns a query into a tree ([`ast`]); [`evaluate`] answers it over `[from, to)`
//! from any [`Source`] of series (the store, or [`MemorySource`] in tests); [`to_v1_json`]
//! writes the answer in the shape of Datadog's `GET /api/v1/query`. The language as herd
//! implements it, and where it differs from Datadog, is in `docs/query.md`.
//!
//! ```
//! use herd_query::{evaluate, to_v1_json, MemorySource, SeriesKey, SeriesKind};
//!
//! let mut source = MemorySource::new();
//! let t0 = 1_764_000_000_000; // Unix ms
//! let id = source.add_series(SeriesKey {
//!     name: "web.hits".into(),
//!     tags: vec!["env:prod".into()],
//!     host: "web-1".into(),
//!     kind: SeriesKind::Rate, // a DogStatsD counter: events per second over 10 s
//!     interval_ms: 10_000,
//! });
//! source.push(id, t0, 0.6);
//! source.push(id, t0 + 10_000, 0.4);
//!
//! let r = evaluate(&source, "sum:web.hits{env:prod} by {host}.as_count()", t0, t0 + 60_000)?;
//! assert_eq!(r.series[0].tag_set, ["host:web-1"]);
//! assert_eq!(r.series[0].pointlist, [(t0, Some(10.0))]); // 6 + 4 events in [t0, t0 + 20 s)
//! assert_eq!(to_v1_json(&r)["series"][0]["interval"], 20);
//! # Ok::<(), herd_query::QueryError>(())
//! ```
#![deny(missing_docs)]

pub mod ast;
pub mod error;
mod eval;
pub mod interval;
mod memory;
mod parse;
mod print;
mod result;
pub mod scope;
mod source;

pub use error::{ParseError, QueryError};
/// Default longest gap `.fill` fills, in seconds.
pub use eval::DEFAULT_FILL_LIMIT;
pub use eval::{evaluate, evaluate_list, MAX_TIME_MS};
pub use memory::MemorySource;
pub use parse::query::{parse_scope, MAX_FILL_LIMIT, MAX_ROLLUP_S};
pub use parse::{parse, parse_expr, MAX_DEPTH, MAX_LEN};
pub use result::{
    to_columns_json_bytes, to_v1_json, to_v1_json_bytes, v1_error_json, QueryResult, ResultSeries,
};
pub use source::{Bucket, SeriesId, SeriesKey, SeriesKind, Source};

//! `herd-query`: Datadog's metric query language.
//!
//! [`parse`] turns a query into a tree ([`ast`]); [`evaluate`] answers it over `[from, to)`
//! from any [`Source`] of series (the store, or [`MemorySource`] in tests); [`to_v1_json`]
//! writes the answer in the shape of Datadog's `GET /api/v1/query`. The language as herd
//! implements it, and where it differs from Datadog, is in `docs/query.md`.
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
pub use eval::{evaluate, evaluate_list};
pub use memory::MemorySource;
pub use parse::query::{parse_scope, MAX_FILL_LIMIT};
pub use parse::{parse, parse_expr, MAX_DEPTH, MAX_LEN};
pub use result::{to_v1_json, v1_error_json, QueryResult, ResultSeries};
pub use source::{Bucket, SeriesId, SeriesKey, SeriesKind, Source};

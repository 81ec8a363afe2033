//! `herd-query`: Datadog's metric query language.
//!
//! [`parse`] turns a query into a tree ([`ast`]); [`evaluate`] answers it over `[from, to)`
//! from any [`Source`] of series (the store, or [`MemorySource`] in tests); [`to_v1_json`]
//! writes the answer in the shape of Datadog's `GET /api/v1/query`. The language as herd
//! implements it, and where it differs from Datadog, is in `docs/query.md`.
#![deny(missing_docs)]

pub mod ast;
pub mod error;
mod parse;
mod print;
pub mod scope;

pub use error::{ParseError, QueryError};
pub use parse::query::{parse_scope, MAX_FILL_LIMIT};
pub use parse::{parse, parse_expr, MAX_DEPTH, MAX_LEN};

//! `herd-roles`: the Chef role graph, successor of knife-role-spaghetti.
//!
//! Reads every role of a Chef repository — JSON (with the comments Chef's parser accepts) and
//! the Ruby DSL, which is **parsed statically and never executed** — plus nodes and
//! environments; builds the role → role and role → recipe graph; finds cycles, the smallest set
//! of run-list entries whose removal breaks them, redundant entries, inheritance depth, fan-in,
//! unused and missing roles; expands run lists in Chef's order; and writes DOT, JSON, Mermaid
//! and a text report.
//!
//! The pipeline: [`repo::load`] → [`graph::Graph::build`] → [`analysis::analyse`] →
//! [`render`]. Each step is a plain function over plain data, tested on its own.

// `match` with a `_` arm reads better than `if let … else` for the parsers' value dispatch.
#![allow(clippy::single_match_else)]

pub mod analysis;
pub mod diagnostic;
pub mod effect;
pub mod expand;
pub mod findings;
pub mod fix;
pub mod graph;
pub mod jsonc;
pub mod model;
pub mod render;
pub mod repo;
pub mod ruby;
pub mod run_list;
mod scc;
pub mod synth;

pub use diagnostic::{Diagnostic, Kind, Pos};
pub use model::{Entry, Environment, Node, Role, DEFAULT_ENV};
pub use repo::{load, Repository, Sources};
pub use run_list::{ItemKind, RunListItem};
#[cfg(test)]
mod testutil;

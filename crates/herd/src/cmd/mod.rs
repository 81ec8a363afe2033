//! One module per subcommand: each has an `Args` (clap derive) and a `run` function.

pub mod blast;
pub mod check;
pub mod decode;
pub mod demo;
pub mod export;
pub mod query;
pub mod roles;
pub mod run;
pub mod start;
pub mod statsd;
pub mod store;

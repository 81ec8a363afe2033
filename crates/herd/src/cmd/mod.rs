//! One module per subcommand: each has an `Args` (clap derive) and a `run` function.

pub mod decode;
pub mod statsd;
pub mod check;
pub mod export;
pub mod roles;
pub mod run;
pub mod start;

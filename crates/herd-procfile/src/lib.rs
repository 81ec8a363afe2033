//! `herd-procfile`: a foreman-compatible Procfile runner.
//!
//! * [`procfile`] and [`dotenv`] parse foreman's formats, keeping every line foreman skips with
//!   its place and the reason (for warnings and `herd check`); a repeated process type is an error.
//! * [`project`] turns a Procfile, `.env` files and a formation into concrete processes with
//!   foreman's `PORT` and `PS` rules.
//! * [`guard`] keeps the process tree tied to herd's own life, even through `kill -9`.
//! * [`supervisor`] runs them: one process group each, a subreaper on Linux, output relayed
//!   line by line, a graceful stop with a deadline, and no descendant left behind.
//! * [`export`] writes the same processes out for systemd, supervisord, launchd, runit,
//!   docker compose and Kubernetes.

pub mod command_line;
pub mod defaults;
pub mod dotenv;
pub mod export;
pub mod formation;
pub mod guard;
pub mod output;
pub mod procfile;
pub mod project;
pub mod restart;
pub mod service;
pub mod supervisor;
pub mod sys;

pub use procfile::{Entry, Procfile, ProcfileError};

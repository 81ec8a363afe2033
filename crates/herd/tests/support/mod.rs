//! Helpers shared by the integration tests.
pub mod cli;
pub mod daemon;
pub mod http;

//! `shop`: herd's example application. A small web shop (`shop web`) and its background
//! worker (`shop worker`), instrumented with DogStatsD through the `cadence` crate: a request
//! counter by route and status, latency as a histogram and as a distribution, an in-flight
//! gauge, unique users as a set, an event at start and a service check.
//!
//! Settings come from the environment, as on Heroku: `PORT` (web), `DD_AGENT_HOST` and
//! `DD_DOGSTATSD_PORT` (where metrics go; 127.0.0.1:8125 by default), `DD_SERVICE`, `DD_ENV`,
//! `DD_VERSION` (tags), `SHOP_CATALOG_SIZE`, `SHOP_CHECKOUT_FAILURE_EVERY`.

mod metrics;
mod web;
mod worker;

use std::process::ExitCode;

const USAGE: &str = "usage: shop web|worker

  web     serve the shop on $PORT (default 5000; 0.0.0.0 on a Heroku dyno, else 127.0.0.1,
          or $HOST)
  worker  process background jobs

Both send DogStatsD to $DD_AGENT_HOST:$DD_DOGSTATSD_PORT (default 127.0.0.1:8125) and stop
cleanly on SIGTERM or SIGINT, sending what they buffered.";

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let outcome = match mode.as_str() {
        "web" => web::run(),
        "worker" => worker::run(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprintln!("shop: unknown mode `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop {mode}: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A setting from the environment, or its default; a value that does not parse is an error
/// that names the variable.
pub(crate) fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|e| format!("{name}={v:?}: {e}")),
        _ => Ok(default),
    }
}

/// A current-thread tokio runtime that stops on SIGTERM or SIGINT (`stopping` resolves).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("starting the runtime: {e}"))
}

/// Resolves at the first SIGTERM or SIGINT.
pub(crate) async fn stopping() {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the default action (exit) applies: nothing to wait for.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {},
        _ = int.recv() => {},
    }
}

//! The HTTP listener: herd's own telemetry, and the Datadog-style API over the store.
//!
//! | route | answers |
//! |---|---|
//! | `GET /metrics` | herd's self-telemetry, Prometheus text |
//! | `GET /health`, `GET /healthz` | `ok` |
//! | `GET /api/v1/query?from=&to=&query=` | Datadog's v1 query API |
//! | `GET /api/v1/metrics?from=` | metrics with points since `from` |
//! | `GET /api/v1/tags` | tag keys and values per metric |
//! | `GET /api/v2/metrics/{name}/all-tags` | every tag of one metric |
//! | `GET /api/v1/events?start=&end=[&tags=]` | events |
//! | `GET /api/v1/service_checks` | the latest status per check and host |
//!
//! Loopback by default; an address elsewhere needs a token ([`auth`]). Responses are
//! gzipped when the client accepts it ([`gzip`]). The server runs on one thread with its own
//! small runtime ([`server`]); the data path never waits for it.

mod api;
mod auth;
pub mod dashboard;
mod gzip;
mod server;

use std::sync::Arc;

use axum::Router;
use herd_tsdb::Store;

use crate::telemetry::Telemetry;

pub use auth::Token;
pub use server::serve;

/// What the handlers read.
#[derive(Clone)]
pub struct State {
    /// herd's counters.
    pub telemetry: Arc<Telemetry>,
    /// The store, when the daemon has one.
    pub store: Option<Arc<Store>>,
}

/// Every route, with the token check and gzip.
pub fn router(state: State, token: Option<Token>) -> Router {
    api::routes(state.clone())
        .merge(dashboard::routes(state.clone()))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(token),
            auth::check,
        ))
        .layer(axum::middleware::from_fn(gzip::compress))
        .layer(axum::middleware::from_fn_with_state(state, count))
}

/// Counts each answer by status class.
async fn count(
    axum::extract::State(state): axum::extract::State<State>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    let class = match response.status().as_u16() {
        200..=399 => 0,
        400..=499 => 1,
        _ => 2,
    };
    state.telemetry.http_requests[class].fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    response
}

//! `shop web`: the shop's HTTP service (axum), and the instrumentation every request passes
//! through: `shop.requests` (count, by method, route and status), `shop.request.latency`
//! (histogram, ms), `shop.request.duration` (distribution, ms), `shop.requests.in_flight`
//! (gauge) and `shop.users` (set of user ids). An event says the shop started; the service
//! check `shop.can_serve` says it is serving (OK) or stopping (WARNING).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cadence::prelude::*;

use crate::metrics::{Check, Metrics};

/// What the handlers share.
struct Shop {
    metrics: Metrics,
    in_flight: AtomicI64,
    catalog_size: u32,
    checkout_failure_every: u64,
    checkouts: AtomicU64,
}

/// A handler's answer: status and JSON body.
type Answer = (StatusCode, String);

/// Serves until SIGTERM or SIGINT, then says so and sends what is buffered.
pub fn run() -> Result<(), String> {
    let port: u16 = crate::env_or("PORT", 5000)?;
    let default_host = if std::env::var_os("DYNO").is_some() {
        "0.0.0.0"
    } else {
        "127.0.0.1"
    };
    let host = std::env::var("HOST").unwrap_or_else(|_| default_host.to_owned());
    let addr: SocketAddr = format!("{host}:{port}")
        .parse()
        .or_else(|_| format!("[{host}]:{port}").parse())
        .map_err(|e| format!("HOST={host:?} PORT={port}: {e}"))?;
    let shop = Arc::new(Shop {
        metrics: Metrics::from_env()?,
        in_flight: AtomicI64::new(0),
        catalog_size: crate::env_or("SHOP_CATALOG_SIZE", 20)?,
        checkout_failure_every: crate::env_or("SHOP_CHECKOUT_FAILURE_EVERY", 50)?,
        checkouts: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/products", get(products))
        .route("/products/{id}", get(product))
        .route("/checkout", post(checkout))
        .with_state(shop.clone());

    crate::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("binding {addr} (PORT={port}): {e}"))?;
        let bound = listener.local_addr().map_err(|e| e.to_string())?;
        println!("shop web: listening on http://{bound}");
        let m = &shop.metrics;
        let port_tag = format!("port:{}", bound.port());
        m.event(
            "shop started",
            &format!("shop web is serving on {bound}"),
            "info",
            &[&port_tag],
        );
        m.service_check("shop.can_serve", Check::Ok, "serving", &[]);
        m.flush();
        m.spawn_flusher(Duration::from_millis(200));
        axum::serve(listener, app)
            .with_graceful_shutdown(crate::stopping())
            .await
            .map_err(|e| format!("serving: {e}"))?;
        m.service_check("shop.can_serve", Check::Warning, "stopping (SIGTERM)", &[]);
        m.flush();
        println!("shop web: stopped");
        Ok(())
    })
}

/// Runs a handler and records the request: counter, latency, in-flight, user. Everything is
/// sent before the response leaves, so a client that got an answer was counted.
async fn observed(
    shop: &Shop,
    method: &'static str,
    route: &'static str,
    query: Option<&str>,
    work: impl Future<Output = Answer>,
) -> Response {
    let client = &shop.metrics.client;
    let now = shop.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let _ = client.gauge("requests.in_flight", now as f64);
    let started = Instant::now();
    let (status, body) = work.await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let status_tag = status.as_u16().to_string();
    let tags = [
        ("method", method),
        ("route", route),
        ("status", &status_tag),
    ];
    let mut count = client.count_with_tags("requests", 1);
    for (k, v) in tags {
        count = count.with_tag(k, v);
    }
    count.send();
    client
        .histogram_with_tags("request.latency", ms)
        .with_tag("route", route)
        .with_tag("status", &status_tag)
        .send();
    client
        .distribution_with_tags("request.duration", ms)
        .with_tag("route", route)
        .with_tag("status", &status_tag)
        .send();
    if let Some(user) = user_of(query) {
        let _ = client.set("users", user);
    }
    let now = shop.in_flight.fetch_sub(1, Ordering::Relaxed) - 1;
    let _ = client.gauge("requests.in_flight", now as f64);
    // One datagram per request (its lines packed together), in the daemon's socket before
    // the answer leaves: a SIGTERM to the whole dyno cannot lose an answered request.
    shop.metrics.flush();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The `user=` query parameter as a set member: its number, or a hash of other text.
fn user_of(query: Option<&str>) -> Option<i64> {
    let value = query?.split('&').find_map(|kv| kv.strip_prefix("user="))?;
    if value.is_empty() {
        return None;
    }
    Some(value.parse().unwrap_or_else(|_| {
        // FNV-1a: stable across runs, unlike std's hasher.
        value.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }) as i64
    }))
}

/// Simulated work: the handler "talks to a database" for about `ms` milliseconds.
async fn work(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

async fn home(State(shop): State<Arc<Shop>>, RawQuery(q): RawQuery) -> Response {
    observed(&shop, "GET", "/", q.as_deref(), async {
        (
            StatusCode::OK,
            r#"{"shop":"herd example","try":"/products"}"#.to_owned(),
        )
    })
    .await
}

async fn healthz(State(shop): State<Arc<Shop>>) -> Response {
    observed(&shop, "GET", "/healthz", None, async {
        (StatusCode::OK, r#"{"ok":true}"#.to_owned())
    })
    .await
}

async fn products(State(shop): State<Arc<Shop>>, RawQuery(q): RawQuery) -> Response {
    let size = shop.catalog_size;
    observed(&shop, "GET", "/products", q.as_deref(), async move {
        work(3).await;
        let ids: Vec<String> = (1..=size).map(|i| i.to_string()).collect();
        (
            StatusCode::OK,
            format!("{{\"products\":[{}]}}", ids.join(",")),
        )
    })
    .await
}

async fn product(
    State(shop): State<Arc<Shop>>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let size = shop.catalog_size;
    observed(&shop, "GET", "/products/{id}", q.as_deref(), async move {
        match id.parse::<u32>() {
            Ok(n) if (1..=size).contains(&n) => {
                work(1 + u64::from(n % 4)).await;
                let price = 100 + n * 25;
                (
                    StatusCode::OK,
                    format!("{{\"id\":{n},\"price_cents\":{price}}}"),
                )
            }
            _ => (
                StatusCode::NOT_FOUND,
                r#"{"error":"no such product"}"#.to_owned(),
            ),
        }
    })
    .await
}

async fn checkout(State(shop): State<Arc<Shop>>, RawQuery(q): RawQuery) -> Response {
    let n = shop.checkouts.fetch_add(1, Ordering::Relaxed) + 1;
    let every = shop.checkout_failure_every;
    observed(&shop, "POST", "/checkout", q.as_deref(), async move {
        work(8).await;
        if every > 0 && n % every == 0 {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"error":"payment provider timed out"}"#.to_owned(),
            )
        } else {
            (StatusCode::OK, format!("{{\"order\":{n}}}"))
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::user_of;

    #[test]
    fn users_are_numbers_or_stable_hashes() {
        assert_eq!(user_of(Some("user=42")), Some(42));
        assert_eq!(user_of(Some("a=1&user=7&b=2")), Some(7));
        assert_eq!(user_of(Some("user=")), None);
        assert_eq!(user_of(None), None);
        assert_eq!(user_of(Some("user=ann")), user_of(Some("user=ann")));
        assert_ne!(user_of(Some("user=ann")), user_of(Some("user=bob")));
    }
}

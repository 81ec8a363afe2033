//! The routes and their handlers. Every error is a JSON `{"errors": ["…"]}` naming the
//! parameter at fault; reads of the store run on the blocking pool, off the accept loop.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use herd_query::{to_v1_json_bytes, v1_error_json, QueryError};
use herd_tsdb::Store;
use serde_json::{json, Value};

use super::State;
use crate::clock::now_ms;
use crate::store::StoreSource;

/// Every route.
pub fn routes(state: State) -> Router {
    Router::new()
        .route("/metrics", get(telemetry))
        .route("/metrics/app", get(crate::forward::exposition::handler))
        .route("/health", get(health))
        .route("/healthz", get(health))
        .route("/api/v1/query", get(query))
        .route("/api/v1/metrics", get(active_metrics))
        .route("/api/v1/tags", get(tags))
        .route("/api/v2/metrics/{name}/all-tags", get(all_tags))
        .route("/api/v1/events", get(events))
        .route("/api/v1/service_checks", get(service_checks))
        .route("/api/herd/store/stats", get(store_stats))
        .fallback(not_found)
        .with_state(state)
}

/// An answer that is an error: its status and what to say.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(v1_error_json(&self.1))).into_response()
    }
}

/// A JSON error with its status.
fn error(status: StatusCode, message: &str) -> ApiError {
    ApiError(status, message.to_owned())
}

fn bad_request(message: &str) -> ApiError {
    error(StatusCode::BAD_REQUEST, message)
}

async fn not_found() -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        "no such route: try /metrics, /health, /api/v1/query, /api/v1/metrics, /api/v1/tags, \
         /api/v2/metrics/<name>/all-tags, /api/v1/events, /api/v1/service_checks",
    )
}

async fn telemetry(axum::extract::State(state): axum::extract::State<State>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.telemetry.prometheus(),
    )
        .into_response()
}

async fn health() -> &'static str {
    "ok\n"
}

/// The store, or the error that says there is none.
fn store_of(state: &State) -> Result<Arc<Store>, ApiError> {
    state.store.clone().ok_or_else(|| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this herd runs without a store (--no-store): nothing to query",
        )
    })
}

/// Runs a read of the store on the blocking pool.
async fn read_store<T: Send + 'static>(
    state: &State,
    read: impl FnOnce(&Store) -> T + Send + 'static,
) -> Result<T, ApiError> {
    let store = store_of(state)?;
    tokio::task::spawn_blocking(move || read(&store))
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

/// A POSIX time in seconds from a query parameter (`from`, `to`, `start`, `end`).
fn seconds(
    params: &HashMap<String, String>,
    name: &str,
    default: Option<i64>,
) -> Result<i64, ApiError> {
    match params.get(name) {
        Some(v) => v.trim().parse::<f64>().map(|s| s as i64).map_err(|_| {
            bad_request(&format!(
                "parameter `{name}` = `{v}`: expected a POSIX time in seconds"
            ))
        }),
        None => default.ok_or_else(|| {
            bad_request(&format!(
                "parameter `{name}` is missing: a POSIX time in seconds"
            ))
        }),
    }
}

async fn query(
    axum::extract::State(state): axum::extract::State<State>,
    headers: axum::http::HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let run = || -> Result<(String, i64, i64, bool), ApiError> {
        let text = params
            .get("query")
            .filter(|q| !q.trim().is_empty())
            .ok_or_else(|| {
                bad_request(
                    "parameter `query` is missing: a metric query such as avg:web.requests{*}",
                )
            })?
            .clone();
        let from = seconds(&params, "from", None)?;
        let to = seconds(&params, "to", None)?;
        // herd's own: `points=columns` writes each series' values as one array (the
        // dashboard's form); `pairs`, the default, is Datadog's pointlist.
        let columns = match params.get("points").map(String::as_str) {
            None | Some("pairs") => false,
            Some("columns") => true,
            Some(other) => {
                return Err(bad_request(&format!(
                    "parameter `points` = `{other}`: expected pairs (the default) or columns"
                )))
            }
        };
        Ok((text, from, to, columns))
    };
    let (text, from, to, columns) = match run() {
        Ok(v) => v,
        Err(r) => return r.into_response(),
    };
    // Evaluated, written and compressed on the blocking pool: six widgets asking at once
    // use every core, not the one thread of the accept loop.
    let gzip = super::gzip::accepts_gzip(&headers);
    let answer = read_store(&state, move |store| {
        let result = herd_query::evaluate(
            &StoreSource(store),
            &text,
            from.saturating_mul(1000),
            to.saturating_mul(1000),
        )?;
        let body = if columns {
            herd_query::to_columns_json_bytes(&result)
        } else {
            to_v1_json_bytes(&result)
        };
        Ok::<_, QueryError>(match gzip.then(|| super::gzip::compress_bytes(&body)) {
            Some(Ok(zipped)) => (zipped, true),
            _ => (body, false),
        })
    })
    .await;
    match answer {
        Ok(Ok((body, gzipped))) => {
            let mut response = (
                [(header::CONTENT_TYPE, "application/json")],
                axum::body::Body::from(body),
            )
                .into_response();
            if gzipped {
                super::gzip::mark_gzipped(response.headers_mut());
            }
            response
        }
        Ok(Err(e)) => bad_request(&e.to_string()).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn active_metrics(
    axum::extract::State(state): axum::extract::State<State>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let from = match seconds(&params, "from", None) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let names = read_store(&state, move |store| {
        let (from_ms, to_ms) = (from.saturating_mul(1000), now_ms() as i64 + 1);
        // One bucket over the whole range: the coarsest rollup answers.
        let step = (to_ms - from_ms).max(1);
        store
            .metric_names()
            .into_iter()
            .filter(|name| {
                store
                    .series(name)
                    .iter()
                    .any(|(id, _)| !store.read_buckets(*id, from_ms, to_ms, step).is_empty())
            })
            .collect::<Vec<_>>()
    })
    .await;
    match names {
        Ok(names) => Json(json!({"metrics": names, "from": from.to_string()})).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn tags(axum::extract::State(state): axum::extract::State<State>) -> Response {
    let tags = read_store(&state, |store| {
        store
            .metric_names()
            .into_iter()
            .map(|name| {
                let tags = store.tags(&name);
                (name, tags)
            })
            .collect::<BTreeMap<_, _>>()
    })
    .await;
    match tags {
        Ok(t) => Json(json!({ "metrics": t })).into_response(),
        Err(r) => r.into_response(),
    }
}

async fn all_tags(
    axum::extract::State(state): axum::extract::State<State>,
    Path(name): Path<String>,
) -> Response {
    let metric = name.clone();
    let tags = read_store(&state, move |store| {
        let known = !store.series(&metric).is_empty();
        let mut flat: Vec<String> = Vec::new();
        for (key, values) in store.tags(&metric) {
            if values.is_empty() {
                flat.push(key);
            } else {
                flat.extend(values.into_iter().map(|v| format!("{key}:{v}")));
            }
        }
        known.then_some(flat)
    })
    .await;
    match tags {
        Ok(Some(tags)) => Json(json!({"data": {
            "type": "metrics", "id": name, "attributes": {"tags": tags},
        }}))
        .into_response(),
        Ok(None) => {
            error(StatusCode::NOT_FOUND, &format!("no metric named `{name}`")).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn events(
    axum::extract::State(state): axum::extract::State<State>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let now = (now_ms() / 1000) as i64;
    let (start, end) = match (
        seconds(&params, "start", None),
        seconds(&params, "end", Some(now + 1)),
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(r), _) | (_, Err(r)) => return r.into_response(),
    };
    let tags: Vec<String> = params
        .get("tags")
        .map(|t| crate::config::kind::list_items(t))
        .unwrap_or_default();
    let found = read_store(&state, move |store| store.events(start, end, &tags)).await;
    match found {
        Ok(events) => {
            let list: Vec<Value> = events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    json!({
                        "id": i, "title": e.title, "text": e.text,
                        "date_happened": e.timestamp, "host": e.host, "tags": e.tags,
                        "priority": e.priority, "alert_type": e.alert_type,
                        "aggregation_key": e.aggregation_key,
                        "source_type_name": e.source_type,
                    })
                })
                .collect();
            Json(json!({ "events": list })).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn service_checks(axum::extract::State(state): axum::extract::State<State>) -> Response {
    match read_store(&state, Store::latest_checks).await {
        Ok(checks) => {
            let list: Vec<Value> = checks
                .iter()
                .map(|c| {
                    json!({
                        "check": c.name, "host_name": c.host, "status": c.status,
                        "timestamp": c.timestamp, "message": c.message, "tags": c.tags,
                    })
                })
                .collect();
            Json(Value::Array(list)).into_response()
        }
        Err(r) => r.into_response(),
    }
}

async fn store_stats(axum::extract::State(state): axum::extract::State<State>) -> Response {
    match read_store(&state, Store::stats).await {
        Ok(s) => Json(crate::terminal::stats_json(&s)).into_response(),
        Err(r) => r.into_response(),
    }
}

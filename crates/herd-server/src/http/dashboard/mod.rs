//! The embedded dashboard: pages drawn in the browser from the query API, with uPlot; every
//! file is in the binary, so it works with the network unplugged.
//!
//! | route | answers |
//! |---|---|
//! | `GET /`, `/explore`, `/dashboards`, `/dashboards/{id}` | the page (the script draws the view the path names) |
//! | `GET /assets/{name}` | the page's files and uPlot ([`assets`]) |
//! | `GET /api/v1/dashboards` | every saved dashboard: id, title, widget count |
//! | `GET`, `PUT`, `DELETE /api/v1/dashboards/{id}` | one saved dashboard ([`boards`]) |
//! | `GET /api/herd/top?from=&to=` | contexts and samples per metric ([`top`]) |
//!
//! The token middleware of the router wraps these routes as it wraps the API's.

mod assets;
pub mod boards;
mod top;

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use herd_tsdb::Store;
use serde_json::json;

use super::State;
use boards::Boards;

/// The dashboard's routes.
pub fn routes(state: State) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/explore", get(page))
        .route("/dashboards", get(page))
        .route("/dashboards/{id}", get(board_page))
        .route("/assets/{*name}", get(asset))
        .route("/api/v1/dashboards", get(list))
        .route(
            "/api/v1/dashboards/{id}",
            get(fetch).put(save).delete(remove),
        )
        .route("/api/herd/top", get(top_metrics))
        .with_state(state)
}

/// Saves the dashboard in `file` (`herd statsd --dashboard FILE`, already checked with the
/// configuration by [`boards::read_file`]) into the store's directory, in place of one with
/// its id; a failure is logged and the daemon goes on.
pub fn preload(store: &Store, file: &std::path::Path) {
    let saved = boards::read_file(file).and_then(|d| Boards::new(store.dir()).put(&d));
    if let Err(e) = saved {
        crate::log::warn(&format!("dashboard not loaded: {e}"));
    }
}

/// An error answer: its status and what to say, sent as `{"errors": ["…"]}`.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(herd_query::v1_error_json(&self.1))).into_response()
    }
}

fn error(status: StatusCode, message: &str) -> Failure {
    Failure(status, message.to_owned())
}

async fn page(headers: HeaderMap) -> Response {
    assets::serve(&assets::PAGE, &headers)
}

/// The page of one saved dashboard, with the dashboard written into it (a JSON script
/// element that `boot.js` reads), so that the browser asks for the widgets' queries while
/// it parses the page, not one round trip and the scripts later. Not revalidated by an
/// entity tag: the dashboard may have changed. An unknown dashboard gets the plain page.
async fn board_page(
    axum::extract::State(state): axum::extract::State<State>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(boards) = boards_of(&state) else {
        return assets::serve(&assets::PAGE, &headers);
    };
    let Ok(Ok(Some(d))) = blocking(move || boards.get(&id)).await else {
        return assets::serve(&assets::PAGE, &headers);
    };
    let Ok(json) = serde_json::to_string(&d) else {
        return assets::serve(&assets::PAGE, &headers);
    };
    assets::serve_with_board(&json)
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, Failure> {
    let found = assets::find(&name)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, &format!("no asset named `{name}`")))?;
    Ok(assets::serve(found, &headers))
}

/// The saved dashboards, or the error that says there is no store to keep them in.
fn boards_of(state: &State) -> Result<Boards, Failure> {
    state
        .store
        .as_ref()
        .map(|s| Boards::new(s.dir()))
        .ok_or_else(|| {
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "this herd runs without a store (--no-store): no dashboards are kept",
            )
        })
}

/// Runs file or store work on the blocking pool, off the accept loop.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))
}

fn no_dashboard(id: &str) -> Failure {
    error(StatusCode::NOT_FOUND, &format!("no dashboard `{id}`"))
}

async fn list(
    axum::extract::State(state): axum::extract::State<State>,
) -> Result<Response, Failure> {
    let boards = boards_of(&state)?;
    let all = blocking(move || boards.list()).await?;
    let rows: Vec<_> = all
        .iter()
        .map(|d| json!({"id": d.id, "title": d.title, "widgets": d.widgets.len()}))
        .collect();
    Ok(Json(json!({ "dashboards": rows })).into_response())
}

async fn fetch(
    axum::extract::State(state): axum::extract::State<State>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let boards = boards_of(&state)?;
    let wanted = id.clone();
    match blocking(move || boards.get(&wanted)).await? {
        Ok(Some(d)) => Ok(Json(d).into_response()),
        Ok(None) => Err(no_dashboard(&id)),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, &e)),
    }
}

async fn save(
    axum::extract::State(state): axum::extract::State<State>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Failure> {
    let boards = boards_of(&state)?;
    if !boards::valid_id(&id) {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("dashboard id `{id}`: 1 to 64 letters, digits, `-` or `_`"),
        ));
    }
    let d = boards::parse(&body, &id)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &format!("dashboard `{id}`: {e}")))?;
    let stored = d.clone();
    blocking(move || boards.put(&stored))
        .await?
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e))?;
    Ok(Json(d).into_response())
}

async fn remove(
    axum::extract::State(state): axum::extract::State<State>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let boards = boards_of(&state)?;
    let wanted = id.clone();
    match blocking(move || boards.delete(&wanted)).await? {
        Ok(true) => Ok(Json(json!({ "deleted": id })).into_response()),
        Ok(false) => Err(no_dashboard(&id)),
        Err(e) => Err(error(StatusCode::INTERNAL_SERVER_ERROR, &e)),
    }
}

/// `from`/`to` in seconds; `to` defaults to now, `from` to an hour before `to`.
fn range(params: &HashMap<String, String>) -> Result<(i64, i64), Failure> {
    let read = |name: &str, default: i64| match params.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse::<i64>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                &format!("parameter `{name}` = `{v}`: expected a POSIX time in seconds"),
            )
        }),
    };
    let to = read("to", (crate::clock::now_ms() / 1000) as i64 + 1)?;
    let from = read("from", to - 3600)?;
    if from >= to {
        return Err(error(
            StatusCode::BAD_REQUEST,
            &format!("parameters `from` = {from} and `to` = {to}: from must be before to"),
        ));
    }
    Ok((from, to))
}

async fn top_metrics(
    axum::extract::State(state): axum::extract::State<State>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let (from, to) = range(&params)?;
    let store = state.store.clone().ok_or_else(|| {
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "this herd runs without a store (--no-store): nothing to rank",
        )
    })?;
    let rows = blocking(move || top::rows(&store, from * 1000, to * 1000)).await?;
    Ok(Json(json!({ "from": from, "to": to, "metrics": rows })).into_response())
}

//! Series JSON: v2 (`/api/v2/series`: `type` 1 count, 2 rate, 3 gauge; points as objects;
//! the host as a `resources` entry) or v1 (`/api/v1/series`: `type` as text, points as
//! `[ts, v]`, `host`). Every series carries a `tags` array, empty when it has none (a
//! Victoria Metrics 1.79 quirk: a series without the key takes an earlier request's tags).

use herd_aggregate::{Flush, Point, PointKind, Value};
use serde_json::json;

use super::payload::{pack, Item, GENERIC, V2_SERIES};
use super::{Config, SeriesApi, MAX_AGE_S};
use crate::forward::buffer::Payload;
use crate::forward::{Counters, Drop};

/// Points more than this far in the future are refused by the intake (10 minutes).
const MAX_FUTURE_S: u64 = 10 * 60;

/// The tags of a point with the host tags added.
fn tags(p: &Point, config: &Config) -> Vec<String> {
    p.context
        .tags()
        .map(str::to_owned)
        .chain(config.host_tags.iter().cloned())
        .collect()
}

/// One point as a v2 series object.
pub fn v2(p: &Point, value: f64, config: &Config) -> serde_json::Value {
    let (kind, interval) = match p.kind {
        PointKind::Count => (1, p.interval_ms / 1000),
        PointKind::Rate => (2, p.interval_ms / 1000),
        _ => (3, 0),
    };
    let mut series = json!({
        "metric": p.name(),
        "type": kind,
        "points": [{"timestamp": p.timestamp_ms / 1000, "value": value}],
        "tags": tags(p, config),
    });
    if interval > 0 {
        series["interval"] = json!(interval);
    }
    if !p.context.host().is_empty() {
        series["resources"] = json!([{"type": "host", "name": p.context.host()}]);
    }
    series
}

/// One point as a v1 series object.
pub fn v1(p: &Point, value: f64, config: &Config) -> serde_json::Value {
    let kind = match p.kind {
        PointKind::Count => "count",
        PointKind::Rate => "rate",
        _ => "gauge",
    };
    let mut series = json!({
        "metric": p.name(),
        "type": kind,
        "points": [[p.timestamp_ms / 1000, value]],
        "host": p.context.host(),
        "tags": tags(p, config),
    });
    if matches!(p.kind, PointKind::Count | PointKind::Rate) {
        series["interval"] = json!(p.interval_ms / 1000);
    }
    series
}

/// Whether the intake takes a point at `ts_s` now; counts it as dropped if not.
pub fn fresh(ts_s: u64, now_s: u64, counters: &Counters) -> bool {
    let ok = now_s.saturating_sub(ts_s) <= MAX_AGE_S && ts_s <= now_s + MAX_FUTURE_S;
    if !ok {
        counters.drop(Drop::TooOld, 1);
    }
    ok
}

/// The series payloads of one flush.
pub fn encode(flush: &Flush, config: &Config, now_s: u64, counters: &Counters) -> Vec<Payload> {
    let mut items = Vec::new();
    for p in &flush.points {
        let Value::Scalar(value) = p.value else {
            continue;
        };
        let ts = p.timestamp_ms / 1000;
        if !value.is_finite() || !fresh(ts, now_s, counters) {
            continue;
        }
        let object = match config.series_api {
            SeriesApi::V2 => v2(p, value, config),
            SeriesApi::V1 => v1(p, value, config),
        };
        items.push(Item {
            json: serde_json::to_vec(&object).expect("JSON of plain values"),
            points: 1,
            oldest_s: ts,
        });
    }
    if items.is_empty() {
        return Vec::new();
    }
    match config.series_api {
        SeriesApi::V2 => pack(items, "series", "/api/v2/series", V2_SERIES),
        SeriesApi::V1 => pack(items, "series", "/api/v1/series", GENERIC),
    }
}

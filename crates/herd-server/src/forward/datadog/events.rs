//! Events (`POST /api/v1/events`, one per request) and service checks (`POST
//! /api/v1/check_run`, a JSON array), as the v1 API takes them.

use herd_aggregate::Flush;
use serde_json::json;

use super::payload::deflate;
use super::Config;
use crate::forward::buffer::Payload;

fn payload(path: &str, raw: &[u8], points: u64, oldest_s: i64) -> Payload {
    Payload {
        path: path.to_owned(),
        content_type: "application/json".to_owned(),
        encoding: "deflate".to_owned(),
        points,
        oldest_s: oldest_s.max(0) as u64,
        body: deflate(raw),
    }
}

/// The event and service-check payloads of one flush.
pub fn encode(flush: &Flush, config: &Config) -> Vec<Payload> {
    let mut out = Vec::new();
    for e in &flush.events {
        let mut tags = e.tags.clone();
        tags.extend(config.host_tags.iter().cloned());
        let mut event = json!({
            "title": e.title, "text": e.text, "date_happened": e.timestamp, "host": e.host,
            "tags": tags, "priority": e.priority, "alert_type": e.alert_type,
        });
        if let Some(k) = &e.aggregation_key {
            event["aggregation_key"] = json!(k);
        }
        if let Some(s) = &e.source_type {
            event["source_type_name"] = json!(s);
        }
        let raw = serde_json::to_vec(&event).expect("JSON of plain values");
        out.push(payload("/api/v1/events", &raw, 1, e.timestamp));
    }
    if !flush.checks.is_empty() {
        let checks: Vec<_> = flush
            .checks
            .iter()
            .map(|c| {
                let mut tags = c.tags.clone();
                tags.extend(config.host_tags.iter().cloned());
                json!({
                    "check": c.name, "host_name": c.host, "status": c.status,
                    "timestamp": c.timestamp, "message": c.message, "tags": tags,
                })
            })
            .collect();
        let oldest = flush.checks.iter().map(|c| c.timestamp).min().unwrap_or(0);
        let raw = serde_json::to_vec(&checks).expect("JSON of plain values");
        out.push(payload(
            "/api/v1/check_run",
            &raw,
            checks.len() as u64,
            oldest,
        ));
    }
    out
}

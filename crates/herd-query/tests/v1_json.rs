//! The v1 query JSON: field by field, and parsed by Datadog's own Python API client
//! (`datadog-api-client` from the Python package index) when it is installed (required when `HERD_REQUIRE_PEERS=1`).

mod support;

use herd_query::{
    to_columns_json_bytes, to_v1_json, to_v1_json_bytes, v1_error_json, MemorySource, SeriesKind,
};
use serde_json::json;
use std::io::Write as _;
use std::process::{Command, Stdio};
use support::{ask, key, series, T0};

fn data() -> MemorySource {
    let mut src = MemorySource::new();
    let a = key(
        "app.queue.depth",
        "web-1",
        &["env:prod"],
        SeriesKind::Gauge,
        10,
    );
    series(&mut src, a, &[(0, 3.0), (10, 4.0), (40, 8.0)]);
    let b = key(
        "app.queue.depth",
        "web-2",
        &["env:prod"],
        SeriesKind::Gauge,
        10,
    );
    series(&mut src, b, &[(20, 1.5)]);
    src
}

#[test]
fn the_response_has_datadogs_fields_and_units() {
    let r = ask(&data(), "avg:app.queue.depth{env:prod} by {host}", 0, 3600);
    let v = to_v1_json(&r);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["res_type"], "time_series");
    assert_eq!(v["query"], "avg:app.queue.depth{env:prod} by {host}");
    assert_eq!(v["from_date"], T0);
    assert_eq!(v["to_date"], T0 + 3_600_000);
    assert_eq!(v["group_by"], json!(["host"]));
    let s = &v["series"][0];
    assert_eq!(s["metric"], "app.queue.depth");
    assert_eq!(s["display_name"], "app.queue.depth");
    assert_eq!(s["expression"], "avg:app.queue.depth{env:prod,host:web-1}");
    assert_eq!(s["scope"], "env:prod,host:web-1");
    assert_eq!(s["tag_set"], json!(["host:web-1"]));
    assert_eq!(s["aggr"], "avg");
    assert_eq!(s["query_index"], 0);
    // 1 h → 20 s intervals, seconds in `interval`; points 3.5 at 0, nothing at 20, 8 at 40.
    assert_eq!(s["interval"], 20);
    assert_eq!(s["length"], 3);
    assert_eq!(s["start"], T0);
    assert_eq!(s["end"], T0 + 40_000 + 19_000);
    let t0 = T0 as f64;
    assert_eq!(
        s["pointlist"],
        json!([[t0, 3.5], [t0 + 20_000.0, null], [t0 + 40_000.0, 8.0]])
    );
    assert!(s["pointlist"][0][0].is_f64(), "timestamps are floats");
    assert_eq!(s["unit"], json!([null, null]));
    assert_eq!(v["series"][1]["tag_set"], json!(["host:web-2"]));
    assert_eq!(
        v1_error_json("query column 3: expected x"),
        json!({"errors": ["query column 3: expected x"]})
    );
}

fn require_peers() -> bool {
    std::env::var_os("HERD_REQUIRE_PEERS").is_some_and(|v| v == "1")
}

/// Deserialises the JSON with the client's `MetricsQueryResponse` model (type-checked) and
/// prints what it read.
const CLIENT: &str = r"
import json, sys
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.v1.model.metrics_query_response import MetricsQueryResponse
text = sys.stdin.read()
r = ApiClient(Configuration()).deserialize(text, (MetricsQueryResponse,), True)
for s in r.series:
    points = [list(p.value) for p in s.pointlist]
    print(json.dumps([s.metric, s.scope, s.interval, s.length, s.start, s.end, points]))
";

#[test]
fn datadogs_python_client_parses_the_response() {
    let have = Command::new("python3")
        .args(["-c", "import datadog_api_client"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        assert!(
            !require_peers(),
            "datadog-api-client is required (HERD_REQUIRE_PEERS=1) but missing; .ci/setup.d installs it"
        );
        eprintln!("skipped: python3 with datadog-api-client not installed");
        return;
    }
    let r = ask(
        &data(),
        "avg:app.queue.depth{env:prod} by {host}, sum:app.queue.depth{*} * 2",
        0,
        3600,
    );
    // What the daemon sends: the bytes written straight from the answer.
    let text = String::from_utf8(to_v1_json_bytes(&r)).unwrap();
    let mut child = Command::new("python3")
        .args(["-c", CLIENT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the client rejected the response: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let t0 = T0 as f64;
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        json!([
            "app.queue.depth",
            "env:prod,host:web-1",
            20,
            3,
            T0,
            T0 + 59_000,
            [[t0, 3.5], [t0 + 20_000.0, null], [t0 + 40_000.0, 8.0]]
        ])
    );
    // The formula: 2 × (3.5, 1.5, 8) summed over both hosts.
    assert_eq!(lines[2][1], "*");
    assert_eq!(
        lines[2][6],
        json!([[t0, 7.0], [t0 + 20_000.0, 3.0], [t0 + 40_000.0, 16.0]])
    );
}

#[test]
fn the_bytes_the_daemon_sends_are_the_tree_written_out() {
    for q in [
        "avg:app.queue.depth{env:prod} by {host}, sum:app.queue.depth{*} * 2",
        "max:app.queue.depth{host:nowhere}",
        "top(avg:app.queue.depth{*} by {host}, 1, 'max', 'desc')",
    ] {
        let r = ask(&data(), q, 0, 3600);
        assert_eq!(
            String::from_utf8(to_v1_json_bytes(&r)).unwrap(),
            to_v1_json(&r).to_string(),
            "{q}"
        );
    }
}

#[test]
fn the_columns_answer_has_every_point_at_start_plus_i_intervals() {
    for q in [
        "avg:app.queue.depth{env:prod} by {host}, sum:app.queue.depth{*} * 2",
        "avg:app.queue.depth{*}.rollup(avg, 10)",
        "max:app.queue.depth{host:nowhere}",
    ] {
        let r = ask(&data(), q, 0, 3600);
        let pairs = to_v1_json(&r);
        let columns: serde_json::Value =
            serde_json::from_slice(&to_columns_json_bytes(&r)).unwrap();
        let (with_pairs, with_columns) = (
            pairs["series"].as_array().unwrap(),
            columns["series"].as_array().unwrap(),
        );
        assert_eq!(with_pairs.len(), with_columns.len(), "{q}");
        for (p, c) in with_pairs.iter().zip(with_columns) {
            assert!(c.get("pointlist").is_none(), "{q}: {c}");
            let values = c["values"].as_array().unwrap();
            let points = p["pointlist"].as_array().unwrap();
            assert_eq!(values.len(), points.len(), "{q}");
            let (start, step) = (
                c["start"].as_f64().unwrap(),
                c["interval"].as_f64().unwrap(),
            );
            for (i, (v, pt)) in values.iter().zip(points).enumerate() {
                assert_eq!(
                    pt[0].as_f64().unwrap(),
                    start + i as f64 * step * 1000.0,
                    "{q}"
                );
                assert_eq!(*v, pt[1], "{q}");
            }
            // Everything else is the same.
            let (mut rest_p, mut rest_c) = (p.clone(), c.clone());
            rest_p.as_object_mut().unwrap().remove("pointlist");
            rest_c.as_object_mut().unwrap().remove("values");
            assert_eq!(rest_p, rest_c, "{q}");
        }
        assert_eq!(pairs["to_date"], columns["to_date"], "{q}");
    }
}

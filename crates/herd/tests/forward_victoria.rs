//! herd and a real `victoria-metrics` (Debian's 1.79.5) receiving both herd's remote write and
//! Datadog v1 series JSON (`--dd-series-api v1` to its `/datadog` intake): the values read
//! back through its `PromQL` API equal herd's own store.

mod forward_peers;
mod support;

use std::net::SocketAddr;

use forward_peers::{eventually, free_port, herd_query, promql, send, victoria};
use support::daemon::Daemon;
use support::http::get;

/// The sum of every point herd's store answers for `q`.
fn herd_total(http: SocketAddr, q: &str) -> f64 {
    herd_query(http, q)
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.1))
        .sum()
}

/// A `PromQL` query after `victoria-metrics` wrote what it received to its searchable parts.
fn vm(addr: SocketAddr, q: &str) -> Vec<(serde_json::Value, f64)> {
    assert_eq!(get(addr, "/internal/force_flush", &[]).status, 200);
    promql(addr, q)
}

#[test]
fn victoria_metrics_gets_remote_write_and_datadog_v1_series_equal_to_herds_store() {
    let port = free_port();
    let Some(vmp) = victoria(port) else {
        return;
    };
    let v = vmp.addr;
    let herd = Daemon::start(&[
        "--flush-interval",
        "1s",
        "--remote-write",
        &format!("http://{v}/api/v1/write"),
        "--dd-api-key",
        "test-key",
        "--dd-url",
        &format!("http://{v}/datadog"),
        "--dd-series-api",
        "v1",
    ]);
    let (udp, http) = (herd.udp.unwrap(), herd.http.unwrap());
    send(udp, &["fwd.temp:20|g|#room:a", "fwd.temp:21.5|g|#room:a"]);
    for _ in 0..30 {
        send(udp, &["fwd.hits:1|c|#route:/x,bare"]);
    }
    send(udp, &["fwd.hits:5|c|#route:/x,bare", "fwd.notag:3|g"]);
    eventually("herd stores every hit", || {
        herd_total(http, "sum:fwd.hits{*}.as_count()") == 35.0
    });
    let temp = herd_query(http, "avg:fwd.temp{*}")[0].1.last().unwrap().1;
    let hits = herd_total(http, "sum:fwd.hits{*}.as_count()");

    // Remote write: names sanitised, rates per second over 1 s buckets.
    eventually("remote write: the gauge", || {
        vm(v, "fwd_temp{room=\"a\",host=\"testhost\"}")
            .first()
            .map(|r| r.1)
            == Some(temp)
    });
    eventually("remote write: every hit", || {
        vm(v, "sum_over_time(fwd_hits{route=\"/x\"}[10m])")
            .first()
            .map(|r| r.1)
            == Some(hits)
    });
    // Datadog v1 series: names keep their dots.
    eventually("v1 series: the gauge", || {
        vm(v, "{__name__=\"fwd.temp\",room=\"a\",host=\"testhost\"}")
            .first()
            .map(|r| r.1)
            == Some(temp)
    });
    eventually("v1 series: every hit", || {
        vm(
            v,
            "sum_over_time({__name__=\"fwd.hits\",route=\"/x\"}[10m])",
        )
        .first()
        .map(|r| r.1)
            == Some(hits)
    });
    // A series without tags sends `"tags": []` and gets no other series' labels.
    eventually("v1 series: the untagged gauge", || {
        let r = vm(v, "{__name__=\"fwd.notag\"}");
        r.len() == 1 && r[0].1 == 3.0 && {
            let labels = r[0].0.as_object().unwrap();
            let mut names: Vec<&String> = labels.keys().collect();
            names.sort();
            names == ["__name__", "host"]
        }
    });

    // The self-telemetry counts what went where, and nothing dropped.
    let m = support::http::scrape(http);
    for target in ["datadog", "remote_write"] {
        let sent = m[&format!("herd_forward_points_total{{target=\"{target}\"}}")];
        assert!(sent >= 3, "{target}: {m:?}");
        assert!(m[&format!("herd_forward_payloads_total{{target=\"{target}\"}}")] >= 1);
        for why in ["too_old", "refused", "forbidden", "buffer_full"] {
            let k = format!(
                "herd_forward_points_dropped_total{{target=\"{target}\",reason=\"{why}\"}}"
            );
            assert_eq!(m[&k], 0, "{k}");
        }
    }

    let stopped = herd.stop();
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    let scrape = stopped
        .stderr
        .lines()
        .filter(|l| l.contains("refused"))
        .count();
    assert_eq!(scrape, 0, "{}", stopped.stderr);
}

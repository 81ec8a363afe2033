//! herd and a real Prometheus (Debian's 2.42): Prometheus scrapes `/metrics/app` (which
//! `promtool check metrics` accepts) and receives herd's remote write; the values it answers
//! through its own `/api/v1/query` equal what herd's store answers through herd's.

mod forward_peers;
mod support;

use forward_peers::{
    eventually, free_port, herd_query, prometheus, promql, promql_one, promtool_check, send,
};
use support::daemon::Daemon;
use support::http::get;

/// The sum of every point herd's store answers for `q`.
fn herd_total(http: std::net::SocketAddr, q: &str) -> f64 {
    herd_query(http, q)
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.1))
        .sum()
}

/// The one point of the one series herd answers for `q`.
#[track_caller]
fn herd_single(http: std::net::SocketAddr, q: &str) -> f64 {
    let answer = herd_query(http, q);
    assert_eq!(answer.len(), 1, "{q}: {answer:?}");
    assert_eq!(answer[0].1.len(), 1, "{q}: {answer:?}");
    answer[0].1[0].1
}

#[test]
fn prometheus_scrapes_and_receives_remote_write_with_herds_values() {
    let prom_port = free_port();
    let write = format!("http://127.0.0.1:{prom_port}/api/v1/write");
    let herd = Daemon::start(&["--flush-interval", "1s", "--remote-write", &write]);
    let (udp, http) = (herd.udp.unwrap(), herd.http.unwrap());
    let Some(prom) = prometheus(prom_port, Some(http)) else {
        return;
    };
    let p = prom.addr;

    // The page collects from its first request on: ask before sending (Prometheus may not
    // have scraped yet).
    assert_eq!(get(http, "/metrics/app", &[]).status, 200);
    send(udp, &["fwd.temp:20|g|#room:a", "fwd.temp:21.5|g|#room:a"]);
    for _ in 0..30 {
        send(udp, &["fwd.hits:1|c|#route:/x,bare"]);
    }
    send(udp, &["fwd.hits:5|c|#route:/x,bare"]);
    // One datagram, so that the distribution lands in one flush.
    let lat: Vec<String> = (1..=100)
        .map(|v| format!("fwd.lat:{v}|d|#room:a"))
        .collect();
    send(udp, &[&lat.join("\n")]);
    eventually("herd stores every hit", || {
        herd_total(http, "sum:fwd.hits{*}.as_count()") == 35.0
    });

    // The page: valid for promtool, in statsd_exporter's naming.
    let page = get(http, "/metrics/app", &[]);
    assert_eq!(page.status, 200);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = page.text();
    let dir = tempfile::tempdir().unwrap();
    promtool_check(&text, dir.path()).unwrap_or_else(|e| panic!("promtool: {e}\n{text}"));
    assert!(
        text.contains("fwd_hits_total{host=\"testhost\",route=\"/x\"} 35\n"),
        "{text}"
    );
    assert!(text.contains("# TYPE fwd_lat summary\n"), "{text}");

    // What Prometheus scraped equals herd's store.
    let temp = herd_query(http, "avg:fwd.temp{*}")[0].1.last().unwrap().1;
    assert_eq!(temp, 21.5);
    eventually("the scrape has the gauge", || {
        promql(p, "fwd_temp{job=\"herd\",room=\"a\"}")
            .first()
            .map(|r| r.1)
            == Some(temp)
    });
    eventually("the scrape has every hit", || {
        promql(p, "fwd_hits_total{job=\"herd\",route=\"/x\"}")
            .first()
            .map(|r| r.1)
            == Some(35.0)
    });
    for (q, agg) in [("0.5", "p50"), ("0.9", "p90"), ("0.99", "p99")] {
        let herds = herd_single(http, &format!("{agg}:fwd.lat{{*}}"));
        let proms = promql_one(p, &format!("fwd_lat{{job=\"herd\",quantile=\"{q}\"}}"));
        assert!(
            (herds - proms).abs() <= 1e-9 * herds.abs(),
            "{agg}: herd {herds}, Prometheus {proms}"
        );
    }
    assert_eq!(promql_one(p, "fwd_lat_count{job=\"herd\"}"), 100.0);
    assert_eq!(promql_one(p, "fwd_lat_sum{job=\"herd\"}"), 5050.0);

    // What herd remote-wrote (series without a job label) equals herd's store too.
    eventually("remote write has the gauge", || {
        promql(p, "fwd_temp{job=\"\",room=\"a\",host=\"testhost\"}")
            .first()
            .map(|r| r.1)
            == Some(temp)
    });
    eventually("remote write has every hit", || {
        // Rates per second over 1 s buckets: their sum is the count.
        promql(p, "sum_over_time(fwd_hits{job=\"\",route=\"/x\"}[10m])")
            .first()
            .map(|r| r.1)
            == Some(herd_total(http, "sum:fwd.hits{*}.as_count()"))
    });
    let herds = herd_single(http, "p50:fwd.lat{*}");
    let proms = promql_one(p, "fwd_lat{job=\"\",quantile=\"0.5\"}");
    assert!((herds - proms).abs() <= 1e-9 * herds.abs());
    assert_eq!(
        promql_one(p, "sum_over_time(fwd_lat_count{job=\"\"}[10m])"),
        100.0
    );

    let stopped = herd.stop();
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    assert!(!stopped.stderr.contains("refused"), "{}", stopped.stderr);
}

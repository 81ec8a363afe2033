//! The store and the query API end to end: metrics sent over UDP are stored, asked for
//! through `/api/v1/query` in Datadog's shape, survive a restart on the same directory, and
//! every other route answers from the same store.

mod support;

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::daemon::Daemon;
use support::http::{encode, get};

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn send(udp: SocketAddr, lines: &[&str]) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    for l in lines {
        s.send_to(l.as_bytes(), udp).unwrap();
    }
}

/// `/api/v1/query` over the last ten minutes (and the next one).
fn query(http: SocketAddr, q: &str) -> support::http::Response {
    let (from, to) = (now_s() - 600, now_s() + 60);
    get(
        http,
        &format!("/api/v1/query?from={from}&to={to}&query={}", encode(q)),
        &[],
    )
}

/// The sum of every point of every series of a query's answer.
fn total(answer: &serde_json::Value) -> f64 {
    answer["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["pointlist"].as_array().unwrap())
        .filter_map(|p| p[1].as_f64())
        .sum()
}

/// Waits (bounded) until a query's answer has points.
fn wait_for_points(http: SocketAddr, q: &str) -> serde_json::Value {
    for _ in 0..100 {
        let r = query(http, q);
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        if !v["series"].as_array().unwrap().is_empty() {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no points for {q}");
}

#[test]
fn stored_metrics_answer_datadog_queries_and_survive_a_restart() {
    let d = Daemon::start(&["--flush-interval", "1s"]);
    let (udp, http) = (d.udp.unwrap(), d.http.unwrap());
    send(
        udp,
        &[
            "shop.orders:3|c|#route:/buy",
            "shop.orders:2|c|#route:/cart",
            "shop.orders:5|c|#route:/buy",
            "shop.queue:7|g",
            "shop.latency:10|d|#route:/buy",
            "shop.latency:20|d|#route:/buy",
            "shop.latency:30|d|#route:/cart",
            "_e{5,4}:stock|tick|#route:/buy",
            "_sc|shop.db|1|m:slow",
        ],
    );
    let orders = wait_for_points(http, "sum:shop.orders{*}.as_count()");
    assert_eq!(total(&orders), 10.0);
    let s = &orders["series"][0];
    for field in [
        "metric",
        "display_name",
        "expression",
        "scope",
        "tag_set",
        "pointlist",
        "interval",
        "length",
        "start",
        "end",
        "query_index",
        "aggr",
    ] {
        assert!(s.get(field).is_some(), "{field} in {s}");
    }
    let by_route = query(http, "sum:shop.orders{*} by {route}.as_count()").json();
    let mut groups: Vec<(String, f64)> = by_route["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let points = s["pointlist"].as_array().unwrap();
            let sum = points.iter().filter_map(|p| p[1].as_f64()).sum();
            (s["tag_set"][0].as_str().unwrap().to_owned(), sum)
        })
        .collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        groups,
        [
            ("route:/buy".to_owned(), 8.0),
            ("route:/cart".to_owned(), 2.0)
        ]
    );
    let p50 = wait_for_points(http, "p50:shop.latency{*}");
    let median = total(&p50);
    assert!((median - 20.0).abs() <= 20.0 / 64.0, "p50 {median}");
    let max = query(http, "max:shop.queue{*}").json();
    assert_eq!(total(&max), 7.0);

    let metrics = get(
        http,
        &format!("/api/v1/metrics?from={}", now_s() - 600),
        &[],
    )
    .json();
    let names: Vec<&str> = metrics["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    for m in ["shop.orders", "shop.queue", "shop.latency"] {
        assert!(names.contains(&m), "{m} in {names:?}");
    }
    let tags = get(http, "/api/v2/metrics/shop.orders/all-tags", &[]).json();
    let tags = tags["data"]["attributes"]["tags"]
        .as_array()
        .unwrap()
        .clone();
    assert!(tags.contains(&"route:/buy".into()) && tags.contains(&"route:/cart".into()));
    let events = get(
        http,
        &format!("/api/v1/events?start={}", now_s() - 600),
        &[],
    )
    .json();
    assert_eq!(events["events"][0]["title"], "stock");
    assert_eq!(events["events"][0]["tags"][0], "route:/buy");
    let checks = get(http, "/api/v1/service_checks", &[]).json();
    assert_eq!(checks[0]["check"], "shop.db");
    assert_eq!(checks[0]["status"], 1);

    // SIGTERM, then the same directory again: the same answers.
    let data = {
        let out = d.stop();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        out.data
    };
    let d = Daemon::start_in(data, &["--flush-interval", "1s"]);
    let http = d.http.unwrap();
    let again = wait_for_points(http, "sum:shop.orders{*}.as_count()");
    assert_eq!(total(&again), 10.0);
    let p50 = wait_for_points(http, "p50:shop.latency{*}");
    assert!((total(&p50) - median).abs() < 1e-9);
    assert_eq!(d.stop().code, Some(0));
}

#[test]
fn a_bad_query_is_a_400_naming_the_column() {
    let d = Daemon::start(&[]);
    let r = query(d.http.unwrap(), "avg:shop.orders{route:/buy");
    assert_eq!(r.status, 400);
    let message = r.json()["errors"][0].as_str().unwrap().to_owned();
    assert!(message.contains("column 27"), "{message}");
    assert!(message.contains('^'), "{message}");
    let huge = get(
        d.http.unwrap(),
        "/api/v1/query?query=avg:x{*}&from=1&to=99999999999999999",
        &[],
    );
    assert_eq!(
        huge.status,
        400,
        "an out-of-range time is refused: {}",
        huge.text()
    );
    let missing = get(d.http.unwrap(), "/api/v1/query?query=avg:x{*}", &[]);
    assert_eq!(missing.status, 400);
    assert!(
        missing.text().contains("`from` is missing"),
        "{}",
        missing.text()
    );
    let shape = get(
        d.http.unwrap(),
        "/api/v1/query?query=avg:x{*}&from=1&to=2&points=rows",
        &[],
    );
    assert_eq!(shape.status, 400);
    assert!(
        shape.text().contains("`points` = `rows`"),
        "{}",
        shape.text()
    );
    d.stop();
}

#[test]
fn large_answers_are_gzipped_for_clients_that_accept_it() {
    let d = Daemon::start(&[]);
    let http = d.http.unwrap();
    let plain = get(http, "/metrics", &[]);
    let zipped = get(http, "/metrics", &["Accept-Encoding: gzip"]);
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.body.len() * 3 < plain.body.len());
    assert_eq!(&zipped.body[..2], [0x1f, 0x8b], "a gzip stream");
    d.stop();
}

#[test]
fn off_loopback_the_api_needs_its_token() {
    // Refused outright without a token.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "statsd",
            "--http",
            "0.0.0.0:0",
            "--udp",
            "127.0.0.1:0",
            "--no-store",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--http-auth-token"), "{err}");
    // With one, every client must present it.
    let d = Daemon::start(&["--http-auth-token", "s3cret"]);
    let http = d.http.unwrap();
    assert_eq!(get(http, "/metrics", &[]).status, 401);
    assert_eq!(
        get(http, "/metrics", &["Authorization: Bearer nope"]).status,
        401
    );
    assert_eq!(
        get(http, "/metrics", &["Authorization: Bearer s3cret"]).status,
        200
    );
    assert_eq!(get(http, "/metrics", &["DD-API-KEY: s3cret"]).status, 200);
    // A browser logs in once and then carries the token in a cookie.
    assert_eq!(get(http, "/login?token=nope", &[]).status, 401);
    let login = get(http, "/login?token=s3cret", &[]);
    assert_eq!(login.status, 303);
    let cookie = login.header("set-cookie").unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    assert_eq!(
        get(http, "/metrics", &[&format!("Cookie: {pair}")]).status,
        200
    );
    let out = d.stop();
    assert!(!out.stderr.contains("s3cret"));
}

#[test]
fn without_a_store_the_api_says_so() {
    let d = Daemon::start(&["--no-store"]);
    let r = query(d.http.unwrap(), "avg:x{*}");
    assert_eq!(r.status, 503);
    assert!(r.text().contains("--no-store"));
    d.stop();
}

#[test]
fn a_second_daemon_on_the_same_data_directory_is_refused() {
    let d = Daemon::start(&[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "statsd",
            "--udp",
            "127.0.0.1:0",
            "--http",
            "off",
            "--data-dir",
        ])
        .arg(d.data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another process"), "{err}");
    assert!(err.contains(&d.data.path().display().to_string()), "{err}");
    d.stop();
}

fn herd(args: &[&str]) -> std::process::Output {
    support::cli::run(std::path::Path::new("."), args)
}

#[test]
fn herd_query_and_herd_store_ask_the_daemon_or_the_directory() {
    let d = Daemon::start(&["--flush-interval", "1s"]);
    send(
        d.udp.unwrap(),
        &["cli.hits:4|c|#page:a", "cli.hits:6|c|#page:b"],
    );
    // Both pages' series (two datagrams may straddle a flush).
    let mut pairs = wait_for_points(d.http.unwrap(), "sum:cli.hits{*} by {page}.as_count()");
    for _ in 0..100 {
        if pairs["series"].as_array().unwrap().len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        pairs = query(d.http.unwrap(), "sum:cli.hits{*} by {page}.as_count()").json();
    }
    // The dashboard's form of the same answer: each series' values in one array.
    let (from, to) = (
        pairs["from_date"].as_i64().unwrap() / 1000,
        pairs["to_date"].as_i64().unwrap() / 1000,
    );
    let columns = get(
        d.http.unwrap(),
        &format!(
            "/api/v1/query?from={from}&to={to}&points=columns&query={}",
            encode("sum:cli.hits{*} by {page}.as_count()")
        ),
        &[],
    )
    .json();
    // Sums per series and first intervals agree (a later flush may add an idle counter's
    // zero between the two answers; the layout itself is tested in herd-query).
    let sum = |points: &[serde_json::Value], value: fn(&serde_json::Value) -> Option<f64>| -> f64 {
        points.iter().filter_map(value).sum()
    };
    let (a, b) = (
        pairs["series"].as_array().unwrap(),
        columns["series"].as_array().unwrap(),
    );
    assert_eq!((a.len(), b.len()), (2, 2), "{pairs}\n{columns}");
    for (p, c) in a.iter().zip(b) {
        assert!(c.get("pointlist").is_none(), "{c}");
        assert_eq!(p["start"], c["start"], "{pairs}\n{columns}");
        assert_eq!(
            sum(p["pointlist"].as_array().unwrap(), |p| p[1].as_f64()),
            sum(c["values"].as_array().unwrap(), serde_json::Value::as_f64),
            "{pairs}\n{columns}"
        );
    }
    let url = format!("http://{}", d.http.unwrap());
    let out = herd(&[
        "query",
        "sum:cli.hits{*} by {page}.as_count()",
        "--from",
        "-10m",
        "--url",
        &url,
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{csv}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sum = |page: &str| -> f64 {
        csv.lines()
            .filter(|l| l.contains(&format!("page:{page}")))
            .filter_map(|l| l.rsplit(',').next()?.parse::<f64>().ok())
            .sum()
    };
    assert_eq!((sum("a"), sum("b")), (4.0, 6.0), "{csv}");
    let bad = herd(&["query", "sum:cli.hits{", "--url", &url]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains('^'));
    let stats = herd(&["store", "stats", "--url", &url, "--format", "json"]);
    assert!(
        stats.status.success(),
        "{}",
        String::from_utf8_lossy(&stats.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert!(stats["series"].as_u64().unwrap() >= 2, "{stats}");
    let dir = d.data.path().to_str().unwrap().to_owned();
    let check = herd(&["store", "check", "--data-dir", &dir]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // Beside the running daemon, the directory itself answers (read-only), and again once
    // the daemon has stopped.
    let hits = || -> f64 {
        support::cli::query_sums(std::path::Path::new(&dir), "sum:cli.hits{*}.as_count()")
            .iter()
            .sum()
    };
    assert_eq!(hits(), 10.0);
    let out = d.stop();
    assert_eq!(out.code, Some(0));
    assert_eq!(hits(), 10.0);
}

/// `herd query --to now` holds the current second: a shutdown's last flush is stamped with
/// the start of its open interval, often less than a second before the next query (the demo
/// once missed its last 0.7 s of requests that way).
#[test]
fn a_range_ending_now_holds_the_points_of_the_current_second() {
    let d = Daemon::start(&["--flush-interval", "1s"]);
    let dir = d.data.path().to_str().unwrap().to_owned();
    let stamp = now_s() + 2;
    send(d.udp.unwrap(), &[&format!("cli.now:5|g|T{stamp}")]);
    wait_for_points(d.http.unwrap(), "max:cli.now{*}");
    let stopped = d.stop();
    assert_eq!(stopped.code, Some(0));
    // Into the second the point is stamped with (a slow machine may already be past it; the
    // answer is the same then).
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    if ms < stamp * 1000 + 50 {
        std::thread::sleep(Duration::from_millis((stamp * 1000 + 50 - ms) as u64));
    }
    // One-second intervals, so that the point's interval starts where `now` is cut.
    let out = herd(&[
        "query",
        "max:cli.now{*}.rollup(max, 1)",
        "--from",
        "-1m",
        "--data-dir",
        &dir,
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(csv.lines().any(|l| l.ends_with(",5")), "{csv}");
}

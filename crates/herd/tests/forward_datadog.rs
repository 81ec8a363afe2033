//! herd forwarding to a stand-in Datadog intake (`tests/intake/intake.py`) that decompresses,
//! decodes and validates every payload against the documented schema and limits: v2 series
//! (the Agent's `MetricPayload` protobuf by default, JSON when asked), sketches, events and
//! service checks arrive with herd's values; a flush over the intake's 10,000 points per
//! payload is split; failures are retried
//! (5xx, 429 with `Retry-After`), dropped once said (403) or dropped with a clear error (413);
//! and an outage with a restart in between loses nothing and sends nothing twice.

mod forward_peers;
mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use forward_peers::{eventually, herd_query, intake, intake_items, intake_records, send, Herd};
use serde_json::Value;
use support::daemon::Daemon;
use support::http::{get, scrape};

fn herd_args(intake: SocketAddr) -> Vec<String> {
    [
        "--flush-interval",
        "1s",
        "--dd-api-key",
        "test-key",
        "--dd-url",
        &format!("http://{intake}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn start(args: &[String], data: Option<tempfile::TempDir>) -> Daemon {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match data {
        Some(d) => Daemon::start_in(d, &args),
        None => Daemon::start(&args),
    }
}

/// The count a metric's series items add up to (a rate point counts value × interval).
fn count_of(items: &[Value], metric: &str) -> f64 {
    items
        .iter()
        .filter(|i| i["kind"] == "series" && i["metric"] == metric)
        .map(|i| {
            let v = i["value"].as_f64().unwrap();
            if i["type"] == 2 {
                v * i["interval"].as_f64().unwrap()
            } else {
                v
            }
        })
        .sum()
}

fn herd_count(http: SocketAddr, metric: &str) -> f64 {
    herd_query(http, &format!("sum:{metric}{{*}}.as_count()"))
        .iter()
        .flat_map(|(_, p)| p.iter().map(|p| p.1))
        .sum()
}

/// No payload the intake refused as malformed.
#[track_caller]
fn no_invalid(record: &Path) {
    let bad: Vec<Value> = intake_records(record)
        .into_iter()
        .filter(|r| r["status"] == 400)
        .collect();
    assert!(bad.is_empty(), "the intake refused: {bad:#?}");
}

fn control(intake: SocketAddr, query: &str) {
    assert_eq!(get(intake, &format!("/control?{query}"), &[]).status, 200);
}

#[test]
fn series_sketches_events_and_checks_arrive_valid_with_herds_values() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let Some(dd) = intake(&record, 0) else { return };
    let herd = start(&herd_args(dd.addr), None);
    let (udp, http) = (herd.udp.unwrap(), herd.http.unwrap());
    send(udp, &["fwd.temp:20|g|#room:a", "fwd.temp:21.5|g|#room:a"]);
    for _ in 0..30 {
        send(udp, &["fwd.hits:1|c|#route:/x"]);
    }
    let lat: Vec<String> = (1..=100)
        .map(|v| format!("fwd.lat:{v}|d|#room:a"))
        .collect();
    send(udp, &[&lat.join("\n")]);
    send(
        udp,
        &[
            "_e{6,5}:deploy|hello|#env:prod",
            "_sc|fwd.check|1|#env:prod|m:slow",
        ],
    );
    eventually("every kind arrives", || {
        let items = intake_items(&record);
        let has = |k: &str| items.iter().any(|i| i["kind"] == k);
        count_of(&items, "fwd.hits") == 30.0 && has("sketch") && has("event") && has("check")
    });
    no_invalid(&record);
    // Encoded and compressed as the Agent sends them: protobuf, zstd.
    for r in intake_records(&record) {
        let path = r["path"].as_str().unwrap();
        if path == "/api/v2/series" || path == "/api/beta/sketches" {
            assert_eq!(r["encoding"], "zstd1", "{path}");
            assert_eq!(r["content_type"], "application/x-protobuf", "{path}");
        }
    }
    let items = intake_items(&record);
    assert_eq!(count_of(&items, "fwd.hits"), herd_count(http, "fwd.hits"));
    let temps: Vec<&Value> = items.iter().filter(|i| i["metric"] == "fwd.temp").collect();
    assert_eq!(temps.last().unwrap()["value"], 21.5);
    assert_eq!(temps[0]["type"], 3);
    assert_eq!(temps[0]["host"], "testhost");
    assert_eq!(temps[0]["tags"], serde_json::json!(["room:a"]));
    let sketches: Vec<&Value> = items.iter().filter(|i| i["kind"] == "sketch").collect();
    let cnt: i64 = sketches.iter().map(|s| s["cnt"].as_i64().unwrap()).sum();
    let sum: f64 = sketches.iter().map(|s| s["sum"].as_f64().unwrap()).sum();
    assert_eq!((cnt, sum), (100, 5050.0));
    let herd_sum: f64 = herd_query(http, "sum:fwd.lat{*}")
        .iter()
        .flat_map(|(_, p)| p.iter().map(|p| p.1))
        .sum();
    assert_eq!(sum, herd_sum);
    let event = items.iter().find(|i| i["kind"] == "event").unwrap();
    assert_eq!(
        (&event["title"], &event["text"]),
        (&"deploy".into(), &"hello".into())
    );
    let check = items.iter().find(|i| i["kind"] == "check").unwrap();
    assert_eq!(
        (&check["check"], &check["status"]),
        (&"fwd.check".into(), &1.into())
    );
    assert_eq!(check["message"], "slow");
    let stopped = herd.stop();
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
}

#[test]
fn series_as_json_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let Some(dd) = intake(&record, 0) else { return };
    let mut args = herd_args(dd.addr);
    args.extend(["--dd-series-format".to_owned(), "json".to_owned()]);
    let herd = start(&args, None);
    let (udp, http) = (herd.udp.unwrap(), herd.http.unwrap());
    send(udp, &["js.hits:4|c|#a:b", "js.temp:3.25|g"]);
    eventually("the series arrive", || {
        count_of(&intake_items(&record), "js.hits") == 4.0
    });
    no_invalid(&record);
    let items = intake_items(&record);
    assert_eq!(count_of(&items, "js.hits"), herd_count(http, "js.hits"));
    let temp = items.iter().find(|i| i["metric"] == "js.temp").unwrap();
    assert_eq!((&temp["value"], &temp["type"]), (&3.25.into(), &3.into()));
    let series: Vec<Value> = intake_records(&record)
        .into_iter()
        .filter(|r| r["path"] == "/api/v2/series")
        .collect();
    assert!(!series.is_empty());
    for r in series {
        assert_eq!(r["content_type"], "application/json", "{r}");
    }
    herd.stop();
}

#[test]
fn a_flush_over_the_point_limit_is_split_and_every_point_arrives() {
    // Wherever a flush boundary falls while they are sent, one flush has over 10,000 of
    // them: the intake's limit per payload.
    const CONTEXTS: usize = 20_500;
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let Some(dd) = intake(&record, 0) else { return };
    let args = herd_args(dd.addr);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let herd = Herd::start(&args, &[]);
    let lines: Vec<String> = (0..CONTEXTS)
        .map(|i| format!("split.g:{i}|g|#n:{i}"))
        .collect();
    for chunk in lines.chunks(200) {
        send(herd.udp, &[&chunk.join("\n")]);
        std::thread::sleep(Duration::from_millis(1));
    }
    let split = |items: &[Value]| -> Vec<i64> {
        items
            .iter()
            .filter(|i| i["metric"] == "split.g")
            .map(|i| i["value"].as_f64().unwrap() as i64)
            .collect()
    };
    eventually("every context arrives", || {
        split(&intake_items(&record)).len() >= CONTEXTS
    });
    no_invalid(&record);
    let items = intake_items(&record);
    let mut values = split(&items);
    values.sort_unstable();
    assert_eq!(values, (0..CONTEXTS as i64).collect::<Vec<_>>());
    let mut per_flush: HashMap<i64, usize> = HashMap::new();
    for i in items.iter().filter(|i| i["metric"] == "split.g") {
        *per_flush.entry(i["ts"].as_i64().unwrap()).or_default() += 1;
    }
    assert!(per_flush.values().any(|&n| n > 10_000), "{per_flush:?}");
    let payloads: Vec<usize> = intake_records(&record)
        .iter()
        .filter(|r| r["path"] == "/api/v2/series" && r["status"] == 202)
        .map(|r| r["items"].as_array().unwrap().len())
        .collect();
    assert!(payloads.iter().all(|&n| n <= 10_000), "{payloads:?}");
}

#[test]
fn failures_are_retried_or_dropped_as_the_agent_does() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let Some(dd) = intake(&record, 0) else { return };
    let herd = start(&herd_args(dd.addr), None);
    let (udp, http) = (herd.udp.unwrap(), herd.http.unwrap());
    let m = |k: &str| scrape(http).get(k).copied().unwrap_or(0);

    // 429 with Retry-After, then 500: retried until accepted, nothing lost.
    control(dd.addr, "mode=429&times=2&retry_after=1");
    send(udp, &["fail.a:7|c"]);
    eventually("429s then 202", || {
        count_of(&intake_items(&record), "fail.a") == 7.0
    });
    control(dd.addr, "mode=500&times=1");
    send(udp, &["fail.b:3|c"]);
    eventually("500 then 202", || {
        count_of(&intake_items(&record), "fail.b") == 3.0
    });
    assert!(m("herd_forward_retries_total{target=\"datadog\"}") >= 3);

    // 403: dropped, said once for the whole run of refusals.
    control(dd.addr, "mode=403&times=4");
    let start = Instant::now();
    eventually("four 403s", || {
        intake_records(&record)
            .iter()
            .filter(|r| r["status"] == 403)
            .count()
            >= 4
    });
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "403s are not retried"
    );
    assert!(m("herd_forward_points_dropped_total{target=\"datadog\",reason=\"forbidden\"}") > 0);

    // 413: dropped with an error naming the status.
    control(dd.addr, "mode=413&times=1");
    eventually("a 413", || {
        intake_records(&record).iter().any(|r| r["status"] == 413)
    });
    eventually("the 413 counted", || {
        m("herd_forward_points_dropped_total{target=\"datadog\",reason=\"refused\"}") > 0
    });
    no_invalid(&record);
    let stopped = herd.stop();
    let said = stopped.stderr.matches("the API key is refused").count();
    assert_eq!(said, 1, "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains("with HTTP 413"),
        "{}",
        stopped.stderr
    );
}

#[test]
fn an_outage_with_a_restart_loses_nothing_and_sends_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("record.jsonl");
    let Some(dd) = intake(&record, 0) else { return };
    let port = dd.addr.port();
    let args = herd_args(dd.addr);
    let herd = start(&args, None);
    let mut sent = 0;
    let mut pump = |udp: SocketAddr, for_: Duration| {
        let until = Instant::now() + for_;
        while Instant::now() < until {
            send(udp, &["out.c:1|c|#phase:any"]);
            sent += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    pump(herd.udp.unwrap(), Duration::from_secs(2));
    drop(dd); // The intake goes away for several flushes...
    pump(herd.udp.unwrap(), Duration::from_secs(3));
    let m = scrape(herd.http.unwrap());
    assert!(
        m["herd_forward_buffer_bytes{target=\"datadog\"}"] > 0,
        "{m:?}"
    );
    assert!(
        m["herd_forward_retries_total{target=\"datadog\"}"] > 0,
        "{m:?}"
    );
    let stopped = herd.stop(); // ...herd restarts in between...
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    assert!(
        stopped.stderr.contains("kept for the next start"),
        "{}",
        stopped.stderr
    );
    // The last flush of a run takes the open 1 s bucket: restarting within the same second
    // would give the next run's first point the same timestamp (two points, not one sent
    // twice), which the check below could not tell apart.
    std::thread::sleep(Duration::from_millis(1100));
    let herd = start(&args, Some(stopped.data));
    pump(herd.udp.unwrap(), Duration::from_secs(2));
    let http = herd.http.unwrap();
    let _dd = intake(&record, port).unwrap(); // ...and comes back on the same address.
    eventually("herd's own store has every increment", || {
        herd_count(http, "out.c") == f64::from(sent)
    });
    let herds = f64::from(sent);
    eventually("every point arrives", || {
        count_of(&intake_items(&record), "out.c") >= herds
    });
    std::thread::sleep(Duration::from_secs(2));
    let items = intake_items(&record);
    assert_eq!(count_of(&items, "out.c"), herds);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for i in items.iter().filter(|i| i["kind"] == "series") {
        *seen
            .entry(format!("{} {} {}", i["metric"], i["ts"], i["tags"]))
            .or_default() += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    no_invalid(&record);
    eventually("the buffer is empty", || {
        scrape(http)["herd_forward_buffer_bytes{target=\"datadog\"}"] == 0
    });
    let stopped = herd.stop();
    assert!(
        stopped
            .stderr
            .contains("kept from an earlier run are through"),
        "{}",
        stopped.stderr
    );
}

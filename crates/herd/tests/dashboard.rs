//! The embedded dashboard end to end: its pages and files are served from the binary with
//! revalidation and behind the same token as the API, saved dashboards go through
//! `/api/v1/dashboards` and survive a restart, `--dashboard FILE` preloads one (a bad file stops
//! the daemon naming the place), `/api/herd/top` ranks what was sent. Then, when Debian's
//! chromium and playwright-core are installed, a real browser drives the page against a daemon
//! fed by `herd blast` (tests/browser/dashboard.mjs); screenshots go to
//! `target/tmp/dashboard/`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::daemon::skip_without;
use support::http::{encode, get};

/// A `herd statsd` that throws its points away (`--emit none`: a blast would fill a pipe),
/// with its store in `data`.
struct Herd {
    child: Child,
    udp: SocketAddr,
    http: SocketAddr,
}

impl Herd {
    fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_herd"))
            .args(["statsd", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0"])
            .args([
                "--emit",
                "none",
                "--flush-interval",
                "1s",
                "--hostname",
                "web-1",
            ])
            .arg("--data-dir")
            .arg(data)
            .args(extra)
            .env_remove("DYNO")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("herd statsd starts");
        let mut head = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut head)
            .unwrap();
        let find = |scheme: &str| -> SocketAddr {
            head.split_whitespace()
                .find_map(|w| w.strip_prefix(scheme))
                .unwrap_or_else(|| panic!("no {scheme} in {head}"))
                .trim_end_matches(';')
                .trim_end_matches("/metrics")
                .parse()
                .unwrap()
        };
        Self {
            udp: find("udp://"),
            http: find("http://"),
            child,
        }
    }

    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        self.child.wait().unwrap();
    }
}

/// A failing test does not leave its daemon running.
impl Drop for Herd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A request with a body (`PUT`, `DELETE`): status and body.
fn send(http: SocketAddr, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
    let mut conn = TcpStream::connect(http).unwrap();
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: herd\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    std::io::Read::read_to_string(&mut conn, &mut raw).unwrap();
    let status = raw[9..12].parse().unwrap();
    let json = raw.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(json).unwrap())
}

const SHOP: &str = r#"{"title": "Shop", "widgets": [
  {"title": "Requests by route", "queries": ["sum:shop.requests{*} by {route}.as_rate()"],
   "layout": {"x": 0, "y": 0, "w": 12, "h": 2}}
]}"#;

/// Sends `shop.requests` for three routes (1 each per round), a distribution and a gauge of
/// twelve workers (a chart of many series) until `stop`.
fn feed(udp: SocketAddr, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut rounds = 0;
        while !stop.load(Ordering::Relaxed) {
            for route in ["/a", "/b", "/c"] {
                s.send_to(format!("shop.requests:1|c|#route:{route}").as_bytes(), udp)
                    .unwrap();
            }
            s.send_to(b"shop.latency:12|d|#route:/a", udp).unwrap();
            for worker in 0..12 {
                s.send_to(
                    format!("shop.busy:{worker}|g|#worker:w{worker:02}").as_bytes(),
                    udp,
                )
                .unwrap();
            }
            if rounds % 200 == 0 {
                s.send_to(b"_e{6,5}:deploy|v1.20", udp).unwrap();
                s.send_to(b"_sc|shop.db|0|m:fine", udp).unwrap();
            }
            rounds += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        rounds
    })
}

#[test]
fn pages_and_assets_come_from_the_binary_and_are_revalidated() {
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &[]);
    let page = get(h.http, "/", &[]);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    for path in ["/explore", "/dashboards", "/dashboards/any"] {
        assert_eq!(get(h.http, path, &[]).text(), html, "{path}");
    }
    // Every file the page loads is served from here, and nothing from elsewhere.
    let linked: Vec<&str> = html
        .split(['"', '\''])
        .filter(|s| s.starts_with("/assets/"))
        .collect();
    assert_eq!(linked.len(), 7, "{linked:?}");
    let mut gzipped = 0;
    for path in &linked {
        let r = get(h.http, path, &["Accept-Encoding: gzip"]);
        assert_eq!(r.status, 200, "{path}");
        gzipped += r.body.len();
        let tag = r.header("etag").expect("an etag").to_owned();
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        let again = get(h.http, path, &[&format!("If-None-Match: {tag}")]);
        assert_eq!((again.status, again.body.len()), (304, 0), "{path}");
        // No script, style, font or request from another host (an SVG's xmlns is no link).
        let text = get(h.http, path, &[]).text();
        for outside in [
            "src=\"http",
            "href=\"http",
            "url(http",
            "@import",
            "fetch(\"http",
            "//fonts.",
        ] {
            assert!(
                !text.contains(outside),
                "{path} loads from elsewhere: {outside}"
            );
        }
    }
    // The goal: the page's own files at most 150 KB compressed (uPlot included).
    assert!(gzipped <= 150 * 1024, "{gzipped} bytes gzipped");
    let missing = get(h.http, "/assets/../Cargo.toml", &[]);
    assert_eq!(missing.status, 404);
    h.stop();
}

#[test]
fn the_page_needs_the_token_as_the_api_does() {
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &["--http-auth-token", "s3cret"]);
    for path in [
        "/",
        "/assets/herd.js",
        "/api/v1/dashboards",
        "/api/herd/top",
    ] {
        assert_eq!(get(h.http, path, &[]).status, 401, "{path}");
        let ok = get(h.http, path, &["Authorization: Bearer s3cret"]);
        assert_eq!(ok.status, 200, "{path}");
    }
    h.stop();
}

#[test]
fn without_a_store_the_page_is_served_and_the_dashboards_api_says_why_not() {
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &["--no-store"]);
    assert_eq!(get(h.http, "/", &[]).status, 200);
    for path in [
        "/api/v1/dashboards",
        "/api/v1/dashboards/shop",
        "/api/herd/top",
    ] {
        let r = get(h.http, path, &[]);
        assert_eq!(r.status, 503, "{path}");
        assert!(r.text().contains("--no-store"), "{path}: {}", r.text());
    }
    let (status, _) = send(h.http, "PUT", "/api/v1/dashboards/shop", SHOP);
    assert_eq!(status, 503);
    assert!(!data.path().join("dashboards").exists());
    h.stop();
}

#[test]
fn dashboards_are_saved_checked_listed_deleted_and_kept_across_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &[]);
    let (status, saved) = send(h.http, "PUT", "/api/v1/dashboards/shop", SHOP);
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["id"], "shop");
    assert!(data.path().join("dashboards/shop.json").is_file());
    // A bad one is refused with its place, and the saved one stays.
    let (status, e) = send(
        h.http,
        "PUT",
        "/api/v1/dashboards/shop",
        "{\"title\": \"Shop\",\n \"widgets\": [{\"queries\": [\"avg:a{*}\"], \"layout\": {\"w\": 13}}]}",
    );
    assert_eq!(status, 400);
    let e = e["errors"][0].as_str().unwrap();
    assert!(
        e.starts_with("dashboard `shop`: widgets[0].layout: x = 0 and w = 13"),
        "{e}"
    );
    let (status, e) = send(h.http, "PUT", "/api/v1/dashboards/shop", "{\"title\": \n,}");
    assert_eq!(status, 400);
    assert!(
        e["errors"][0].as_str().unwrap().contains("line 2 column 1"),
        "{e}"
    );
    let (status, _) = send(h.http, "PUT", "/api/v1/dashboards/a.b", SHOP);
    assert_eq!(status, 400);
    let (status, _) = send(h.http, "PUT", "/api/v1/dashboards/gone", SHOP);
    assert_eq!(status, 200);
    let (status, _) = send(h.http, "DELETE", "/api/v1/dashboards/gone", "");
    assert_eq!(status, 200);
    let (status, _) = send(h.http, "DELETE", "/api/v1/dashboards/gone", "");
    assert_eq!(status, 404);
    h.stop();

    let h = Herd::start(data.path(), &[]);
    let list = get(h.http, "/api/v1/dashboards", &[]).json();
    assert_eq!(
        list["dashboards"],
        serde_json::json!([{"id": "shop", "title": "Shop", "widgets": 1}])
    );
    let back = get(h.http, "/api/v1/dashboards/shop", &[]).json();
    assert_eq!(back, saved);
    assert_eq!(get(h.http, "/api/v1/dashboards/gone", &[]).status, 404);
    h.stop();
}

#[test]
fn a_dashboard_file_is_preloaded_and_a_bad_one_stops_the_daemon_naming_the_place() {
    let data = tempfile::tempdir().unwrap();
    let file = data.path().join("ops.json");
    std::fs::write(&file, SHOP).unwrap();
    let h = Herd::start(data.path(), &["--dashboard", file.to_str().unwrap()]);
    let d = get(h.http, "/api/v1/dashboards/ops", &[]).json();
    assert_eq!(
        (d["id"].as_str(), d["title"].as_str()),
        (Some("ops"), Some("Shop"))
    );
    h.stop();

    std::fs::write(
        &file,
        "{\"title\": \"Ops\",\n  \"widgets\": [{\"title\": 3}]}",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "statsd",
            "--udp",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data.path())
        .arg("--dashboard")
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dashboard = `"), "{err}");
    assert!(
        err.contains("ops.json: invalid type: integer `3`, expected a string at line 2 column"),
        "{err}"
    );
}

#[test]
fn top_ranks_metrics_by_contexts_and_volume() {
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &[]);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    for route in ["/a", "/b", "/c"] {
        s.send_to(
            format!("shop.requests:2|c|#route:{route}").as_bytes(),
            h.udp,
        )
        .unwrap();
    }
    s.send_to(b"shop.queue:7|g", h.udp).unwrap();
    s.send_to(b"shop.latency:1|d", h.udp).unwrap();
    s.send_to(b"shop.latency:2|d", h.udp).unwrap();
    let mut rows = serde_json::Value::Null;
    for _ in 0..50 {
        std::thread::sleep(Duration::from_millis(100));
        rows = get(h.http, "/api/herd/top", &[]).json()["metrics"].clone();
        let n = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["metric"].as_str().unwrap().starts_with("shop."))
            .count();
        if n == 3 {
            break;
        }
    }
    let row = |m: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["metric"] == m)
            .unwrap_or_else(|| panic!("{m} in {rows}"))
            .clone()
    };
    let requests = row("shop.requests");
    assert_eq!(
        (requests["contexts"].as_u64(), requests["kind"].as_str()),
        (Some(3), Some("rate"))
    );
    assert!(
        (requests["volume"].as_f64().unwrap() - 6.0).abs() < 1e-9,
        "{requests}"
    );
    assert_eq!(row("shop.latency")["volume"], 2.0);
    assert_eq!(row("shop.queue")["kind"], "gauge");
    let bad = get(h.http, "/api/herd/top?from=soon", &[]);
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("parameter `from` = `soon`"));
    h.stop();
}

fn node_modules() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/ci-node/node_modules"
    ))
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn browser_tools() -> bool {
    chromium().is_some()
        && node_modules().join("playwright-core").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
}

fn drive(phase: &str, http: SocketAddr, out: &Path) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/dashboard.mjs");
    let result = Command::new("node")
        .arg(script)
        .arg(phase)
        .arg(format!("http://{http}"))
        .arg(out)
        .env("NODE_PATH", node_modules())
        .env("CHROMIUM", chromium().unwrap())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{phase}:\n{stdout}\n{stderr}");
    eprintln!("{phase}: {stdout}");
}

#[test]
fn a_real_browser_draws_the_overview_explorer_and_a_saved_dashboard() {
    if skip_without(
        browser_tools(),
        "chromium and node with playwright-core in target/ci-node",
    ) {
        return;
    }
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard");
    let data = tempfile::tempdir().unwrap();
    let h = Herd::start(data.path(), &[]);
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = feed(h.udp, stop.clone());
    let blast = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["blast", "--target", &format!("udp://{}", h.udp)])
        .args(["--rate", "2000", "--duration", "120s", "--contexts", "500"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Killed)
        .unwrap();
    // A few flushes, so that every chart has points.
    std::thread::sleep(Duration::from_secs(4));
    let q = encode("sum:shop.requests{*} by {route}");
    let answer = get(
        h.http,
        &format!("/api/v1/query?from=0&to=9999999999&query={q}"),
        &[],
    )
    .json();
    assert_eq!(answer["series"].as_array().unwrap().len(), 3, "{answer}");
    drive("first", h.http, &out);
    drop(blast);
    stop.store(true, Ordering::Relaxed);
    assert!(feeder.join().unwrap() > 0);
    h.stop();

    let h = Herd::start(data.path(), &[]);
    drive("restarted", h.http, &out);
    h.stop();
}

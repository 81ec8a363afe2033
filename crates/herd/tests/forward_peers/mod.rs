//! Real peers for the forwarding tests: Debian's `prometheus` and `victoria-metrics` on
//! loopback, started in temporary directories and killed when dropped, and the queries that
//! read values back from them and from herd.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::daemon::skip_without;
use crate::support::http::{encode, get};

/// Seconds since the epoch.
pub fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A port free right now on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Sends DogStatsD datagrams.
pub fn send(udp: SocketAddr, datagrams: &[&str]) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in datagrams {
        s.send_to(d.as_bytes(), udp).unwrap();
    }
}

/// Whether a program is on the PATH.
pub fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A peer process, killed when dropped.
pub struct Peer {
    child: Child,
    /// Its address.
    pub addr: SocketAddr,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_ready(addr: SocketAddr, path: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() && get(addr, path, &[]).status == 200 {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} on {addr} not ready in 20 s");
}

/// Debian's Prometheus with the remote-write receiver on `port`, scraping `/metrics/app`
/// of `scrape` every second (job `herd`); `None` (skipped) when not installed.
pub fn prometheus(port: u16, scrape: Option<SocketAddr>) -> Option<Peer> {
    if skip_without(installed("prometheus"), "prometheus (Debian package)") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n".to_owned();
    if let Some(target) = scrape {
        let _ = write!(
            config,
            "scrape_configs:\n  - job_name: herd\n    metrics_path: /metrics/app\n    \
             static_configs:\n      - targets: ['{target}']\n"
        );
    }
    let file = dir.path().join("prometheus.yml");
    std::fs::write(&file, config).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .arg("--web.enable-remote-write-receiver")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let peer = Peer { child, addr, dir };
    wait_ready(addr, "/-/ready", "prometheus");
    Some(peer)
}

/// Debian's `victoria-metrics` on `port`; `None` (skipped) when not installed.
pub fn victoria(port: u16) -> Option<Peer> {
    if skip_without(
        installed("victoria-metrics"),
        "victoria-metrics (Debian package)",
    ) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let child = Command::new("victoria-metrics")
        .arg(format!("-httpListenAddr={addr}"))
        .arg(format!("-storageDataPath={}", dir.path().display()))
        .arg("-retentionPeriod=1d")
        .arg("-search.latencyOffset=0s")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let peer = Peer { child, addr, dir };
    wait_ready(addr, "/health", "victoria-metrics");
    Some(peer)
}

/// A `PromQL` instant query: `(labels, value)` of each result.
pub fn promql(addr: SocketAddr, q: &str) -> Vec<(serde_json::Value, f64)> {
    let r = get(addr, &format!("/api/v1/query?query={}", encode(q)), &[]);
    assert_eq!(r.status, 200, "{q}: {}", r.text());
    let v = r.json();
    v["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let value = s["value"][1].as_str().unwrap().parse::<f64>().unwrap();
            (s["metric"].clone(), value)
        })
        .collect()
}

/// The one value of a `PromQL` query, once it has one (bounded wait).
#[track_caller]
pub fn promql_one(addr: SocketAddr, q: &str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = promql(addr, q);
        if r.len() == 1 {
            return r[0].1;
        }
        assert!(Instant::now() < deadline, "{q}: {r:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// herd's `/api/v1/query` over the last ten minutes: the series' pointlists.
pub fn herd_query(http: SocketAddr, q: &str) -> Vec<(serde_json::Value, Vec<(i64, f64)>)> {
    let (from, to) = (now_s() - 600, now_s() + 60);
    let r = get(
        http,
        &format!("/api/v1/query?from={from}&to={to}&query={}", encode(q)),
        &[],
    );
    assert_eq!(r.status, 200, "{q}: {}", r.text());
    r.json()["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let points = s["pointlist"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| Some((p[0].as_f64()? as i64, p[1].as_f64()?)))
                .collect();
            (s["scope"].clone(), points)
        })
        .collect()
}

/// Polls `f` until it is true (bounded), for values that arrive with the next flush or send.
#[track_caller]
pub fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !f() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `promtool check metrics` of a page: `Ok` or its complaint.
pub fn promtool_check(page: &str, dir: &Path) -> Result<(), String> {
    let file = dir.join("page.prom");
    std::fs::write(&file, page).unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("promtool check metrics < '{}'", file.display()))
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The stand-in Datadog intake (`tests/intake/intake.py`) on `port` (0: any), recording to
/// `record`; `None` (skipped) when Python's `cramjam` is missing.
pub fn intake(record: &Path, port: u16) -> Option<Peer> {
    let has_cramjam = Command::new("python3")
        .args(["-c", "import cramjam"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if skip_without(has_cramjam, "python3 with cramjam (pip)") {
        return None;
    }
    let port = port.to_string();
    Some(python_peer(
        "intake.py",
        &[record.as_os_str(), port.as_ref()],
    ))
}

/// The stand-in intake serving HTTPS with `cert` and `key` (PEM files); `None` (skipped)
/// when Python's `cramjam` is missing.
pub fn intake_tls(record: &Path, cert: &Path, key: &Path) -> Option<Peer> {
    let has_cramjam = Command::new("python3")
        .args(["-c", "import cramjam, ssl"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if skip_without(has_cramjam, "python3 with ssl and cramjam (pip)") {
        return None;
    }
    Some(python_peer(
        "intake.py",
        &[
            record.as_os_str(),
            "0".as_ref(),
            cert.as_os_str(),
            key.as_os_str(),
        ],
    ))
}

/// A Python peer of `tests/intake/` started with `args`, once it says `listening PORT`.
fn python_peer(script: &str, args: &[&std::ffi::OsStr]) -> Peer {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/intake")
        .join(script);
    let mut child = Command::new("python3")
        .arg(&script)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("{} said {line:?}", script.display()))
        .parse()
        .unwrap();
    Peer {
        child,
        addr: format!("127.0.0.1:{port}").parse().unwrap(),
        dir: tempfile::tempdir().unwrap(),
    }
}

/// Every request the intake recorded, in order.
pub fn intake_records(record: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Every item of every accepted payload.
pub fn intake_items(record: &Path) -> Vec<serde_json::Value> {
    intake_records(record)
        .into_iter()
        .filter(|r| r["status"] == 202)
        .flat_map(|r| r["items"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// A `herd statsd` started with extra arguments and environment (UDP and HTTP on free
/// loopback ports, host `testhost`, its own data directory), killed when dropped.
pub struct Herd {
    child: Child,
    /// UDP address.
    pub udp: SocketAddr,
    /// HTTP address.
    pub http: SocketAddr,
    /// Standard error so far, read by a thread.
    pub stderr: std::sync::Arc<std::sync::Mutex<String>>,
    _data: tempfile::TempDir,
}

impl Drop for Herd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Herd {
    /// Starts one.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader};
        let data = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_herd"));
        cmd.args(["statsd", "--udp", "127.0.0.1:0", "--http", "127.0.0.1:0"])
            .args(["--hostname", "testhost", "--data-dir"])
            .arg(data.path())
            .args(args)
            .env_remove("DYNO")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for var in [
            "ALL_PROXY",
            "all_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "DD_PROXY_HTTPS",
            "DD_PROXY_HTTP",
            "NO_PROXY",
            "no_proxy",
            "SSL_CERT_FILE",
        ] {
            cmd.env_remove(var);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut head = String::new();
        stderr.read_line(&mut head).unwrap();
        let all = std::sync::Arc::new(std::sync::Mutex::new(head.clone()));
        let sink = all.clone();
        std::thread::spawn(move || {
            let mut line = String::new();
            while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        let find = |scheme: &str| crate::support::daemon::listening_addr(&head, scheme);
        Self {
            udp: find("udp://"),
            http: find("http://"),
            stderr: all,
            child,
            _data: data,
        }
    }
}

/// The forward proxy (`tests/intake/proxy.py`) recording each target in `record`.
pub fn proxy(record: &Path) -> Peer {
    python_peer("proxy.py", &[record.as_os_str()])
}

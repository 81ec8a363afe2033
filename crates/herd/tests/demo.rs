//! `herd demo` end to end: the daemon with its store, the example shop under `herd start`, and
//! a rising web load, for 20 s. The store's request counter must equal the requests the load
//! generator got answers to, the shop's other metrics must be there, and nothing the demo
//! started may be left running.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

fn herd() -> &'static str {
    env!("CARGO_BIN_EXE_herd")
}

/// The shop's binary beside herd's. `cargo test --workspace` builds it (the shop crate has
/// tests of its own binary); a test run of herd alone builds it here.
fn shop() -> PathBuf {
    let path = Path::new(herd()).with_file_name("shop");
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "herd-example-shop"])
            .status()
            .expect("running cargo build -p herd-example-shop");
        assert!(status.success(), "cargo build -p herd-example-shop failed");
    }
    assert!(path.is_file(), "{} missing after the build", path.display());
    path
}

/// `herd query --data-dir DIR QUERY --format json`, its series' values summed per series.
fn query(data: &Path, q: &str) -> Vec<f64> {
    support::cli::query_sums(data, q)
}

/// Live processes whose working directory is `dir` or whose arguments name `needle`.
fn running_in(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let base = entry.path();
        let stat = std::fs::read_to_string(base.join("stat")).unwrap_or_default();
        if stat
            .rsplit_once(')')
            .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        {
            continue;
        }
        let cmdline = std::fs::read(base.join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let cwd = std::fs::read_link(base.join("cwd")).ok();
        if cwd.as_deref() == Some(dir) || cmdline.contains(needle) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

#[test]
fn the_demo_counts_every_request_in_the_store_and_leaves_nothing_behind() {
    shop();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("demo");
    let out = Command::new(herd())
        .args(["demo", "--duration", "20s", "--port", "0", "--dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(dir.join("processes.log")).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}\nprocesses:\n{log}",
        out.status
    );
    // The dashboard's address comes first, before any load.
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("herd demo: the dashboard is at http://127.0.0.1:")
            && first.ends_with('/'),
        "{stdout}"
    );
    assert!(stdout.contains("step 8/8: 2000 requests/s"), "{stdout}");

    // What the load generator says it got answers to.
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("load generator"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let answered: u64 = line
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(line.ends_with(" 0 failed"), "{line}");
    assert!(answered > 500, "the load barely ran: {line}");

    // The store, read without the daemon, holds exactly as many.
    let data = dir.join("data");
    let total: f64 = query(&data, "sum:shop.requests{*}.as_count()").iter().sum();
    assert_eq!(total.round() as u64, answered, "{stdout}");
    let by_status = query(&data, "sum:shop.requests{*} by {status}.as_count()");
    assert!(
        by_status.len() >= 3,
        "200, 404 and 503 answers: {by_status:?}"
    );

    // The shop's other metrics: histogram, distribution, set, the worker's, all positive; the
    // in-flight gauge is there (its last value in a flush is often 0 between requests).
    for q in [
        "avg:shop.request.latency.avg{*}",
        "max:shop.request.latency.max{route:/checkout}",
        "p99:shop.request.duration{*}",
        "sum:shop.users{*}",
        "sum:shop.worker.jobs{*}.as_count()",
        "max:shop.requests.in_flight{*}",
    ] {
        let values = query(&data, q);
        let gauge = q.contains("in_flight");
        assert!(
            !values.is_empty() && values.iter().all(|v| *v > 0.0 || (gauge && *v >= 0.0)),
            "{q}: {values:?}"
        );
    }

    // The shop's dashboard was saved beside the data.
    let board = std::fs::read_to_string(data.join("dashboards/shop.json")).unwrap();
    assert!(
        board.contains("sum:shop.requests{*} by {status}.as_rate()"),
        "{board}"
    );

    // No process of the demo is left: not herd start, not the shop.
    let needle = dir.join("Procfile").display().to_string();
    let left = running_in(&dir, &needle);
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn without_the_shop_binary_the_demo_says_how_to_build_it() {
    let tmp = tempfile::tempdir().unwrap();
    let lone = tmp.path().join("herd");
    std::fs::copy(herd(), &lone).unwrap();
    let out = Command::new(&lone)
        .args(["demo", "--duration", "1s", "--dir"])
        .arg(tmp.path().join("d"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cargo build -p herd-example-shop") && stderr.contains("shop"),
        "{stderr}"
    );
    // Nothing was started, and no directory made.
    assert!(!tmp.path().join("d").exists());
}

#[test]
fn a_demo_killed_with_sigkill_takes_its_processes_with_it() {
    use std::io::BufRead as _;
    shop();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().canonicalize().unwrap().join("demo");
    let mut child = Command::new(herd())
        .args(["demo", "--port", "0", "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the load to start: the shop and the daemon are up.
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = String::new();
    loop {
        let line = lines.next().expect("the demo's output").unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("step 1/8") {
            break;
        }
    }
    let needle = dir.join("Procfile").display().to_string();
    assert!(!running_in(&dir, &needle).is_empty(), "{seen}");
    child.kill().unwrap(); // SIGKILL: the demo runs no code
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left = running_in(&dir, &needle);
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "left running: {left:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

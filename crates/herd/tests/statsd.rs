//! `herd statsd` as a process: real sockets, real SIGTERM, configuration precedence.

mod support;

use std::net::UdpSocket;
use std::process::Command;

use support::daemon::Daemon;
use support::http::scrape;

#[test]
fn sigterm_with_open_buckets_loses_nothing_and_exits_0() {
    let d = Daemon::start(&[]);
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = d.udp.unwrap();
    for line in [
        "page.views:1|c|#env:prod",
        "page.views:1|c|@0.5|#env:prod",
        "lat:10|ms",
        "lat:30|ms",
        "fuel:0.5|g",
        "u:a|s",
        "u:b|s",
    ] {
        udp.send_to(line.as_bytes(), target).unwrap();
    }
    // The 10 s bucket is still open: SIGTERM must flush it.
    let out = d.stop();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let views = out.point("page.views");
    assert_eq!(views["type"], "rate");
    assert_eq!(views["value"], 0.3);
    assert_eq!(views["interval"], 10);
    assert_eq!(views["tags"], serde_json::json!(["env:prod"]));
    assert_eq!(views["host"], "testhost");
    assert_eq!(
        views["timestamp"].as_u64().unwrap() % 10,
        0,
        "stamped with the bucket start"
    );
    assert_eq!(out.point("lat.avg")["value"], 20.0);
    assert_eq!(out.point("lat.count")["type"], "rate");
    assert_eq!(out.point("fuel")["value"], 0.5);
    assert_eq!(out.point("u")["value"], 2.0);
    assert!(
        out.stderr.contains("draining and flushing"),
        "{}",
        out.stderr
    );
}

#[test]
fn print_config_names_each_source() {
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["statsd", "--print-config", "--tags", "team:a"])
        .env("DD_DOGSTATSD_PORT", "9999")
        .env("HERD_FLUSH_INTERVAL", "1s")
        .env("DYNO", "web.2")
        .env_remove("HEROKU_APP_NAME")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap()
            .to_owned()
    };
    assert!(
        line("udp").ends_with("\"127.0.0.1:9999\"  # env DD_DOGSTATSD_PORT"),
        "{text}"
    );
    assert!(line("flush_interval").ends_with("\"1s\"  # env HERD_FLUSH_INTERVAL"));
    assert!(line("tags").ends_with("\"team:a\"  # flag"));
    assert!(line("hostname").ends_with("\"web.2\"  # derived: Heroku DYNO"));
    assert!(line("dyno_tag").contains("dyno:web.2"));
    assert!(line("http").ends_with("\"127.0.0.1:8127\"  # default"));
}

#[test]
fn a_bad_value_is_an_error_naming_key_value_and_what_is_allowed() {
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["statsd", "--udp", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(
            "udp = `localhost` (from flag): an IP address with a port (127.0.0.1:8125), or off"
        ),
        "{err}"
    );
}

#[test]
fn a_port_in_use_is_an_error_naming_the_listener() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["statsd", "--udp", &addr, "--http", "off"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("cannot listen on UDP {addr}")),
        "{err}"
    );
    assert_eq!(
        err.matches("os error").count(),
        1,
        "the cause said once: {err}"
    );
    let port = addr.rsplit_once(':').unwrap().1;
    assert!(
        err.contains(&format!("ss -ulpn 'sport = :{port}'")),
        "{err}"
    );
}

/// Reads a `/proc/PID/status` figure in KiB.
fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn overload_keeps_memory_bounded_and_the_accounting_exact() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("overload.sock");
    let d = Daemon::start(&[
        "--uds",
        sock.to_str().unwrap(),
        "--queue-size",
        "4",
        "--context-limit",
        "5000",
        "--overload",
        "drop",
    ]);
    let pid = d.pid();
    // As fast as the sender can go, far above what one worker takes, 20k contexts.
    let blast = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "blast",
            "--target",
            &format!("unixgram://{}", sock.display()),
            "--duration",
            "2s",
        ])
        .args(["--contexts", "20000", "--datagram-size", "8192"])
        .output()
        .unwrap();
    assert!(
        blast.status.success(),
        "{}",
        String::from_utf8_lossy(&blast.stderr)
    );
    let sent: serde_json::Value = serde_json::from_slice(&blast.stdout).unwrap();
    let m = scrape(d.http.unwrap());
    let peak_kib = status_kib(pid, "VmHWM");
    let out = d.stop();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let get = |k: &str| m.get(k).copied().unwrap_or(0);
    let received = get("herd_dogstatsd_datagrams_total{listener=\"uds\"}");
    let decoded = get("herd_dogstatsd_datagrams_decoded_total{listener=\"uds\"}");
    let full =
        get("herd_dogstatsd_datagrams_dropped_total{listener=\"uds\",reason=\"queue_full\"}");
    let truncated =
        get("herd_dogstatsd_datagrams_dropped_total{listener=\"uds\",reason=\"truncated\"}");
    // Scraped while the last batches may still be in a worker: received is what the
    // listener counted, the rest can only lag behind it.
    assert_eq!(
        received,
        sent["datagrams"].as_u64().unwrap(),
        "a Unix socket loses nothing in the kernel"
    );
    assert!(decoded + full + truncated <= received);
    assert!(full > 0, "the load was an overload: {m:?}");
    let ok = get("herd_dogstatsd_messages_total{type=\"metric\",state=\"ok\"}");
    let aggregated = get("herd_dogstatsd_aggregated_total");
    let limited = get("herd_dogstatsd_messages_dropped_total{reason=\"context_limit\"}");
    assert!(aggregated + limited <= ok);
    assert!(limited > 0, "the context limit was reached");
    assert!(
        peak_kib < 96 * 1024,
        "peak RSS {peak_kib} KiB under overload"
    );
}

#[test]
fn a_list_flag_repeats_and_a_repeated_single_value_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args(["statsd", "--print-config", "--tags", "a:1", "--tags", "b:2"])
        .args([
            "--remote-write",
            "http://127.0.0.1:1/w",
            "--remote-write",
            "http://127.0.0.1:2/w",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\"a:1,b:2\"  # flag"), "{text}");
    assert!(
        text.contains("\"http://127.0.0.1:1/w,http://127.0.0.1:2/w\"  # flag"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "statsd",
            "--print-config",
            "--udp",
            "127.0.0.1:1",
            "--udp",
            "127.0.0.1:2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("udp = `127.0.0.1:1,127.0.0.1:2` (from flag)"),
        "{err}"
    );
}

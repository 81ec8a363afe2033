//! `herd statsd` as a process loses nothing it could keep and counts what the kernel drops:
//! a stopped daemon, a burst, two signals, a closed output.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::daemon::Daemon;
use support::http::scrape;

fn signal(pid: u32, sig: &str) {
    // kill(1) sends the signal: no unsafe code in tests.
    let status = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// `(received, dropped by the kernel)` of the UDP listener.
fn udp_accounting(http: SocketAddr) -> (u64, u64) {
    let m = scrape(http);
    let get = |k: &str| m.get(k).copied().unwrap_or(0);
    (
        get("herd_dogstatsd_datagrams_total{listener=\"udp\"}"),
        get("herd_dogstatsd_datagrams_dropped_total{listener=\"udp\",reason=\"kernel\"}"),
    )
}

/// Waits (bounded) until the UDP listener has accounted for `sent` datagrams.
fn wait_accounted(http: SocketAddr, sent: u64) -> (u64, u64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (received, dropped) = udp_accounting(http);
        if received + dropped >= sent || Instant::now() > deadline {
            return (received, dropped);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_stopped_daemon_counts_every_datagram_the_kernel_dropped() {
    // A small buffer, so that a few hundred datagrams overflow it.
    let d = Daemon::start(&["--so-rcvbuf", "32768"]);
    let (udp, http) = (d.udp.unwrap(), d.http.unwrap());
    signal(d.pid(), "STOP");
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = 3_000u64;
    for i in 0..sent {
        client
            .send_to(format!("stopped.m:{i}|c|#k:v").as_bytes(), udp)
            .unwrap();
    }
    signal(d.pid(), "CONT");
    let (received, dropped) = wait_accounted(http, sent);
    let out = d.stop();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        dropped > 0,
        "the buffer overflowed while the daemon was stopped"
    );
    assert_eq!(
        received + dropped,
        sent,
        "sent = received + dropped, to the datagram"
    );
}

#[test]
fn a_burst_is_accounted_for_to_the_datagram() {
    let d = Daemon::start(&[]);
    let (udp, http) = (d.udp.unwrap(), d.http.unwrap());
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sent = 10_000u64;
    for i in 0..sent {
        client
            .send_to(format!("burst.m:{i}|h|#k:v").as_bytes(), udp)
            .unwrap();
    }
    let (received, dropped) = wait_accounted(http, sent);
    std::thread::sleep(Duration::from_millis(300));
    let m = scrape(http);
    let get = |k: &str| m.get(k).copied().unwrap_or(0);
    let decoded = get("herd_dogstatsd_datagrams_decoded_total{listener=\"udp\"}");
    let queue_full =
        get("herd_dogstatsd_datagrams_dropped_total{listener=\"udp\",reason=\"queue_full\"}");
    let out = d.stop();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(received + dropped, sent);
    assert_eq!(decoded + queue_full, received);
    // What was decoded was aggregated, every sample of it (the burst may span two buckets).
    let samples: f64 = out
        .points()
        .iter()
        .filter(|p| p["metric"] == "burst.m.count")
        .map(|p| p["value"].as_f64().unwrap() * 10.0)
        .sum();
    assert_eq!(
        samples.round() as u64,
        decoded,
        "{dropped} dropped by the kernel"
    );
}

#[test]
fn the_start_up_line_says_what_receive_buffer_the_kernel_granted() {
    let d = Daemon::start(&["--so-rcvbuf", "65536"]);
    let out = d.stop();
    assert!(
        out.stderr.contains("(receive buffer 64 KiB)"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_second_signal_during_shutdown_does_not_cut_the_last_flush() {
    let d = Daemon::start(&[]);
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client.send_to(b"twice:1|c", d.udp.unwrap()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // `timeout -s INT` and a terminal's Ctrl-C send the signal twice in a moment.
    signal(d.pid(), "INT");
    signal(d.pid(), "TERM");
    let out = d.stop();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.point("twice")["value"], 0.1);
}

#[test]
fn a_closed_output_is_said_once_and_that_sink_stopped() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_herd"))
        .args([
            "statsd",
            "--udp",
            "127.0.0.1:0",
            "--http",
            "off",
            "--no-store",
        ])
        .args(["--emit", "stdout", "--flush-interval", "100ms"])
        .env_remove("DYNO")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // As `herd statsd --emit stdout | head -1`: one line read, then the pipe closed.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    drop(stdout);
    // Several flushes after the pipe closed.
    std::thread::sleep(Duration::from_millis(800));
    signal(child.id(), "TERM");
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err.matches("output is gone").count(), 1, "{err}");
    assert!(!err.contains("failed to take a flush"), "{err}");
}
